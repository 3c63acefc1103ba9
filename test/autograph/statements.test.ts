// More converted control flow: nested loops with jumps, state held in arrays, closures and
// `this`, eager runs and gradients. Converted by the kiln/autograph/vite plugin.
import { describe, expect, it } from 'vitest';
import * as kiln from '../../src/index.js';

const values = (t: unknown) => Array.from((t as kiln.Tensor).dataSync());
const int = (n: number) => kiln.scalar(n, 'int32');

describe('more converted control flow', () => {
  it('nested loops with break/continue/return', () => {
    const f = kiln.compile((m: kiln.Tensor) => {
      let total = int(0);
      for (const row of m) {
        for (const x of row) {
          if (x.less(0)) break;
          if (x.mod(2).equal(0)) continue;
          total = total.add(x);
        }
        if (total.greater(100)) return total.neg();
      }
      return total;
    });
    expect(values(f(kiln.tensor([[1, 2, 3, -1, 5], [7, 8, 9, 10, 11]], undefined, 'int32')))).toEqual([1 + 3 + 7 + 9 + 11]);
    expect(values(f(kiln.tensor([[99, 2, 3, -1, 5], [7, 8, 9, 10, 11]], undefined, 'int32')))).toEqual([-(99 + 3)]);
    expect(f.traceCount).toBe(1);
  });

  it('for with continue runs the update', () => {
    const f = kiln.compile((n: kiln.Tensor) => {
      let s = int(0);
      for (let i = int(0); i.less(n); i = i.add(1)) {
        if (i.mod(3).equal(0)) continue;
        s = s.add(i);
      }
      return s;
    });
    expect(values(f(int(10)))).toEqual([1 + 2 + 4 + 5 + 7 + 8]);
  });

  it('array state', () => {
    const f = kiln.compile((n: kiln.Tensor) => {
      let state = [kiln.scalar(0), kiln.scalar(1)];
      let i = int(0);
      while (i.less(n)) {
        state = [state[1]!, state[0]!.add(state[1]!)];
        i = i.add(1);
      }
      return state[0]!;
    });
    expect(values(f(int(10)))).toEqual([55]);
  });

  it('closures modifying outer vars in a branch', () => {
    const f = kiln.compile((x: kiln.Tensor) => {
      let total = kiln.scalar(0);
      if (x.sum().greater(0)) {
        [1, 2, 3].forEach((k) => { total = total.add(x.mul(k).sum()); });
      }
      return total;
    });
    expect(values(f(kiln.tensor([1, 1])))).toEqual([12]);
    expect(values(f(kiln.tensor([-1, -1])))).toEqual([0]);
  });

  it('return inside while with guard after', () => {
    const f = kiln.compile((x: kiln.Tensor) => {
      let i = int(0);
      while (i.less(10)) {
        if (x.gather(i).greater(5)) {
          return i;
        }
        i = i.add(1);
      }
      const r = i.mul(100);
      return r;
    });
    expect(values(f(kiln.tensor([0, 1, 9, 0, 0, 0, 0, 0, 0, 0])))).toEqual([2]);
    expect(values(f(kiln.zeros([10])))).toEqual([1000]);
    expect(f.traceCount).toBe(1);
  });

  it('eager mode of all of these', () => {
    const f = kiln.compile((m: kiln.Tensor) => {
      let total = int(0);
      for (const row of m) {
        for (const x of row) {
          if (x.less(0)) break;
          total = total.add(x);
        }
      }
      let i = int(0);
      while (i.less(3)) i = i.add(1);
      return total.add(i);
    });
    kiln.runFunctionsEagerly(true);
    try {
      expect(values(f(kiln.tensor([[1, 2, -3], [4, 5, 6]], undefined, 'int32')))).toEqual([3 + 15 + 3]);
    } finally { kiln.runFunctionsEagerly(false); }
    expect(values(f(kiln.tensor([[1, 2, -3], [4, 5, 6]], undefined, 'int32')))).toEqual([3 + 15 + 3]);
  });

  it('gradients through a converted cond', () => {
    const g = kiln.compile((x: kiln.Tensor) => {
      const tape = new kiln.GradientTape();
      tape.watch(x);
      const y = tape.record(() => {
        let out = x;
        if (x.greater(0)) out = x.mul(x);
        else out = x.mul(-3);
        return out;
      });
      return tape.gradient(y, [x])[0]!;
    });
    expect(values(g(kiln.scalar(2)))).toEqual([4]);
    expect(values(g(kiln.scalar(-2)))).toEqual([-3]);
  });

  it('this.x state in a compiled method', () => {
    class Counter {
      hits = kiln.scalar(0);
      @kiln.compiled
      step(x: kiln.Tensor) {
        if (x.greater(0)) this.hits = this.hits.add(1);
        return this.hits;
      }
    }
    const c = new Counter();
    expect(values(c.step(kiln.scalar(3)))).toEqual([1]);
  });

  it('statements that stay JS (do..while, switch, labels) throw on a tensor condition instead of treating it as true', () => {
    const f = kiln.compile((x: kiln.Tensor) => {
      let y = x;
      do {
        y = y.mul(2);
      } while (y.less(100));
      return y;
    });
    expect(() => f(kiln.scalar(3))).toThrow(/stays JS/);
  });
});
