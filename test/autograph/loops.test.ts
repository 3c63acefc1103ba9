// AutoGraph loops (tf-function.md items 26 and 27): this file is converted by the
// kiln/autograph/vite plugin, so `while`/`for`/`for..of` over tensors become kiln.whileLoop.
import { afterEach, describe, expect, it } from 'vitest';
import * as kiln from '../../src/index.js';

const values = (t: unknown) => Array.from((t as kiln.Tensor).dataSync());
const ir = (f: { concrete(...a: never[]): kiln.ConcreteFunction }, ...args: unknown[]) =>
  (f.concrete as (...a: unknown[]) => kiln.ConcreteFunction)(...args).graph.toString({ locations: false });
const int = (n: number) => kiln.scalar(n, 'int32');

afterEach(() => kiln.runFunctionsEagerly(false));

describe('26. loops over tensors become whileLoop; loops over JS values unroll', () => {
  it('fizzbuzz: a tensor-bounded for loop is traced once, each branch once', () => {
    const log: string[] = [];
    const fizzbuzz = kiln.compile((n: kiln.Tensor) => {
      let fizz = int(0);
      let buzz = int(0);
      let both = int(0);
      let other = int(0);
      for (let i = int(1); i.lessEqual(n); i = i.add(1)) {
        log.push('Tracing for loop');
        if (i.mod(15).equal(0)) {
          log.push('Tracing fizzbuzz branch');
          both = both.add(1);
        } else if (i.mod(3).equal(0)) {
          log.push('Tracing fizz branch');
          fizz = fizz.add(1);
        } else if (i.mod(5).equal(0)) {
          log.push('Tracing buzz branch');
          buzz = buzz.add(1);
        } else {
          log.push('Tracing default branch');
          other = other.add(1);
        }
      }
      return [fizz, buzz, both, other];
    });
    expect((fizzbuzz(int(5)) as kiln.Tensor[]).map((t) => values(t)[0])).toEqual([1, 1, 0, 3]);
    expect((fizzbuzz(int(20)) as kiln.Tensor[]).map((t) => values(t)[0])).toEqual([5, 3, 1, 11]);
    expect(fizzbuzz.traceCount).toBe(1);
    expect(log).toEqual(['Tracing for loop', 'Tracing fizzbuzz branch', 'Tracing fizz branch', 'Tracing buzz branch', 'Tracing default branch']);
  });

  it('a loop over a JS list unrolls (the graph grows with it); a tensor loop does not', () => {
    const sumPairs = kiln.compile((pairs: number[][]) => {
      let total = kiln.scalar(0);
      for (const [a, b] of pairs) total = total.add(kiln.scalar(a!).mul(b!));
      return total;
    });
    const three = Array.from({ length: 3 }, () => [1, 1]);
    const ten = Array.from({ length: 10 }, () => [1, 1]);
    expect(values(sumPairs(three))).toEqual([3]);
    const size = (g: string) => g.split('\n').length;
    const traced = (f: { concrete(...a: never[]): kiln.ConcreteFunction }, ...args: unknown[]) =>
      (f.concrete as (...a: unknown[]) => kiln.ConcreteFunction)(...args).graph.toString({ stage: 'traced', locations: false });
    expect(size(traced(sumPairs, ten))).toBeGreaterThan(size(traced(sumPairs, three)));

    const sumRows = kiln.compile((pairs: kiln.Tensor) => {
      let total = kiln.scalar(0);
      for (const row of pairs) total = total.add(row.prod());
      return total;
    });
    expect(values(sumRows(kiln.tensor(three)))).toEqual([3]);
    expect(values(sumRows(kiln.tensor(ten)))).toEqual([10]);
    expect(size(traced(sumRows, kiln.tensor(ten)))).toBe(size(traced(sumRows, kiln.tensor(three))));
    expect(traced(sumRows, kiln.tensor(ten))).toContain('while');
  });

  it('a for loop over a JS range unrolls (one trace per n, no graph loop)', () => {
    const f = kiln.compile((x: kiln.Tensor, n: number) => {
      let y = x;
      for (let i = 0; i < n; i++) y = y.mul(2);
      return y;
    });
    expect(values(f(kiln.scalar(1), 3))).toEqual([8]);
    const traced = (n: number) => f.concrete(kiln.scalar(1), n).graph.toString({ stage: 'traced', locations: false });
    expect(traced(10).split('\n').length).toBeGreaterThan(traced(3).split('\n').length);
    expect(traced(3)).not.toContain('while');
  });

  it('for..of over a tensor iterates dimension 0: [[1,2],[3,4]] gives 2 iterations', () => {
    const log: string[] = [];
    const f = kiln.compile((x: kiln.Tensor) => {
      let count = int(0);
      let last = kiln.zeros([2]);
      for (const row of x) {
        log.push('body');
        count = count.add(1);
        last = row;
      }
      return [count, last];
    });
    const [count, last] = f(kiln.tensor([[1, 2], [3, 4]])) as kiln.Tensor[];
    expect(values(count)).toEqual([2]);
    expect(values(last)).toEqual([3, 4]);
    expect(log).toEqual(['body']);
    // Eagerly (and in plain code) a tensor iterates the same way.
    expect([...kiln.tensor([[1, 2], [3, 4]])].map(values)).toEqual([[1, 2], [3, 4]]);
  });

  it('while loops over tensors compile to the same graph as explicit kiln.whileLoop', () => {
    const plain = kiln.compile((n: kiln.Tensor) => {
      let i = int(0);
      let acc = kiln.scalar(1);
      while (i.less(n)) {
        i = i.add(1);
        acc = acc.mul(2);
      }
      return acc;
    });
    const explicit = kiln.compile((n: kiln.Tensor) => {
      const [, acc] = kiln.whileLoop((i) => i.less(n), (i, acc) => [i.add(1), acc!.mul(2)], [int(0), kiln.scalar(1)]);
      return acc!;
    });
    expect(values(plain(int(5)))).toEqual([32]);
    expect(ir(plain, int(5))).toBe(ir(explicit, int(5)));
    expect(ir(plain, int(5))).toContain('= while');
  });

  it('break, continue and return inside tensor loops become loop state', () => {
    const firstAbove = kiln.compile((x: kiln.Tensor, limit: kiln.Tensor) => {
      for (const v of x) {
        if (v.greater(limit)) return v;
      }
      return kiln.scalar(-1);
    });
    expect(values(firstAbove(kiln.tensor([1, 5, 2, 9]), kiln.scalar(4)))).toEqual([5]);
    expect(values(firstAbove(kiln.tensor([1, 5, 2, 9]), kiln.scalar(10)))).toEqual([-1]);
    expect(firstAbove.traceCount).toBe(1);

    const sumUntilNegativeSkippingOdd = kiln.compile((x: kiln.Tensor) => {
      let total = kiln.scalar(0);
      let i = int(0);
      while (i.less(x.shape[0]!)) {
        const v = x.gather(i);
        i = i.add(1);
        if (v.less(0)) break;
        if (v.mod(2).equal(1)) continue;
        total = total.add(v);
      }
      return [total, i];
    });
    const run = (xs: number[]) => (sumUntilNegativeSkippingOdd(kiln.tensor(xs)) as kiln.Tensor[]).map((t) => values(t)[0]);
    expect(run([2, 3, 4, -1, 6])).toEqual([6, 4]);
    expect(run([1, 2, 3, 4, 5])).toEqual([6, 5]);
    expect(sumUntilNegativeSkippingOdd.traceCount).toBe(1);
    expect(ir(sumUntilNegativeSkippingOdd, kiln.tensor([1, 2, 3]))).toContain('while');

    // The same loops over JS values are plain JS.
    const js = kiln.compile((xs: number[]) => {
      let total = 0;
      for (const v of xs) {
        if (v < 0) break;
        if (v % 2 === 1) continue;
        total += v;
      }
      return kiln.scalar(total);
    });
    expect(values(js([2, 3, 4, -1, 6]))).toEqual([6]);
  });

  it('a for loop with a tensor break keeps its counter (the update does not run after break)', () => {
    const f = kiln.compile((x: kiln.Tensor) => {
      let i = int(0);
      for (i = int(0); i.less(10); i = i.add(1)) {
        if (x.gather(i).greater(0)) break;
      }
      return i;
    });
    expect(values(f(kiln.tensor([0, 0, 3, 0, 0, 0, 0, 0, 0, 0])))).toEqual([2]);
    expect(values(f(kiln.zeros([10])))).toEqual([10]);
  });
});

describe('27. validity rules of tensor loops', () => {
  it('a host while(true) with a tensor break is a KilnError', () => {
    const f = kiln.compile((x: kiln.Tensor) => {
      let y = x;
      while (true) {
        y = y.mul(2);
        if (y.greater(100)) break;
      }
      return y;
    });
    expect(() => f(kiln.scalar(3))).toThrow(kiln.KilnError);
    expect(() => f(kiln.scalar(3))).toThrow(/started as a JS value, then changed to a tensor/);
  });

  it('a break on a tensor inside a loop over a JS array is a KilnError', () => {
    const f = kiln.compile((x: kiln.Tensor) => {
      let y = x;
      for (const k of [1, 2, 3]) {
        if (y.greater(10)) break;
        y = y.mul(k);
      }
      return y;
    });
    expect(() => f(kiln.scalar(3))).toThrow(/depends on a tensor condition/);
  });

  it('loop variables keep their dtype and shape', () => {
    const dtype = kiln.compile((n: kiln.Tensor) => {
      let i = int(0);
      let x = int(1);
      while (i.less(n)) {
        i = i.add(1);
        x = x.cast('float32');
      }
      return x;
    });
    expect(() => dtype(int(3))).toThrow("'x' has dtype int32 before the loop, but dtype float32 after one iteration");
    const shape = kiln.compile((n: kiln.Tensor) => {
      let i = int(0);
      let x = kiln.zeros([1]);
      while (i.less(n)) {
        i = i.add(1);
        x = kiln.concat([x, x]);
      }
      return x;
    });
    expect(() => shape(int(3))).toThrow("'x' has shape [1] before the loop, but shape [2] after one iteration");
  });

  it('a JS number carried by a tensor loop becomes a tensor (of the dtype the body gives it)', () => {
    const f = kiln.compile((n: kiln.Tensor) => {
      let count: number | kiln.Tensor = 0;
      let i = int(0);
      while (i.less(n)) {
        i = i.add(1);
        count = i.mul(i);
      }
      return count;
    });
    const out = f(int(4)) as kiln.Tensor;
    expect([out.dtype, values(out)]).toEqual(['int32', [16]]);
  });

  it('a variable first assigned in the loop body is defined by one iteration (TensorFlow\'s placeholder)', () => {
    const f = kiln.compile((x: kiln.Tensor) => {
      let last: kiln.Tensor | undefined;
      for (const row of x) last = row.mul(2);
      return last!;
    });
    expect(values(f(kiln.tensor([[1, 2], [3, 4]])))).toEqual([6, 8]);
  });

  it('maximumIterations through kiln.autograph.setLoopOptions', () => {
    const f = kiln.compile((x: kiln.Tensor) => {
      let y = x;
      while (y.less(1000)) {
        kiln.autograph.setLoopOptions({ maximumIterations: 3 });
        y = y.mul(2);
      }
      return y;
    });
    expect(values(f(kiln.scalar(1)))).toEqual([8]);
    expect(ir(f, kiln.scalar(1))).toContain('maximumIterations=3');
  });
});

describe('28. accumulating inside a tensor loop', () => {
  it('f([1,2,3]) writes x[i]+1 at each index of a tensor (kiln has no TensorArray: a where over a one-hot row)', () => {
    const f = kiln.compile((x: kiln.Tensor) => {
      const n = x.shape[0]!;
      let out = kiln.zerosLike(x);
      for (let i = int(0); i.less(n); i = i.add(1)) {
        out = kiln.where(kiln.oneHot(i, n).cast('bool'), x.gather(i).add(1), out);
      }
      return out;
    });
    expect(values(f(kiln.tensor([1, 2, 3])))).toEqual([2, 3, 4]);
    expect(ir(f, kiln.tensor([1, 2, 3]))).toContain('while');
  });

  it('a JS array push inside a tensor loop does not work: the body is traced once, its tensors stay inside the loop', () => {
    const f = kiln.compile((x: kiln.Tensor) => {
      const out: kiln.Tensor[] = [];
      for (const v of x) out.push(v.add(1));
      return kiln.stack(out);
    });
    expect(() => f(kiln.tensor([1, 2, 3]))).toThrow(kiln.KilnError);
  });
});

describe('Collatz and Newton with plain while loops', () => {
  const collatz = kiln.compile((start: kiln.Tensor) => {
    let n = start;
    let steps = int(0);
    while (n.greater(1)) {
      if (n.mod(2).equal(0)) n = n.floorDiv(2);
      else n = n.mul(3).add(1);
      steps = steps.add(1);
    }
    return steps;
  });
  const collatzJs = (n: number) => { let s = 0; while (n > 1) { n = n % 2 === 0 ? n / 2 : 3 * n + 1; s++; } return s; };

  it('Collatz steps: one trace, equal to plain JS on many inputs', () => {
    for (let n = 1; n <= 60; n++) expect(values(collatz(int(n)))[0]).toBe(collatzJs(n));
    expect(values(collatz(int(27)))[0]).toBe(111);
    expect(collatz.traceCount).toBe(1);
  });

  const newton = kiln.compile((a: kiln.Tensor) => {
    let x = a.div(2).add(1);
    let delta = kiln.scalar(1);
    let iterations = int(0);
    while (delta.greater(1e-6) && iterations.less(50)) {
      const next = x.add(a.div(x)).div(2);
      delta = next.sub(x).abs().div(next);
      x = next;
      iterations = iterations.add(1);
    }
    return x;
  });
  const newtonJs = (a: number) => {
    let x = Math.fround(a / 2 + 1);
    let delta = 1;
    let i = 0;
    while (delta > 1e-6 && i < 50) { const next = Math.fround((x + a / x) / 2); delta = Math.abs(next - x) / next; x = next; i++; }
    return x;
  };

  it('Newton\'s square root: one trace, equal to plain JS on many inputs', () => {
    for (const a of [0.25, 1, 2, 3, 10, 99, 12345, 1e6]) {
      const got = values(newton(kiln.scalar(a)))[0]!;
      expect(got).toBeCloseTo(newtonJs(a), 3);
      expect(got).toBeCloseTo(Math.sqrt(a), 2);
    }
    expect(newton.traceCount).toBe(1);
  });
});
