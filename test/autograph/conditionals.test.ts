// AutoGraph `if` (tf-function.md items 25 and 27): this file is converted by the
// kiln/autograph/vite plugin (vitest.config.ts), so plain `if` over tensors in compiled
// functions becomes kiln.cond.
import { afterEach, describe, expect, it } from 'vitest';
import * as kiln from '../../src/index.js';

const values = (t: unknown) => Array.from((t as kiln.Tensor).dataSync());
const ir = (f: { concrete(...a: never[]): kiln.ConcreteFunction }, ...args: unknown[]) =>
  (f.concrete as (...a: unknown[]) => kiln.ConcreteFunction)(...args).graph.toString({ locations: false });

afterEach(() => kiln.runFunctionsEagerly(false));

describe('25. an if on a tensor becomes cond', () => {
  it('traces both branches, once each; an if on a JS value traces one', () => {
    const log: string[] = [];
    const f = kiln.compile((x: kiln.Tensor, hostFlag: boolean) => {
      let y = x;
      if (x.greater(0)) {
        log.push('true branch');
        y = x.mul(2);
      } else {
        log.push('false branch');
        y = x.neg();
      }
      if (hostFlag) {
        log.push('host true');
        y = y.add(1);
      } else {
        log.push('host false');
      }
      return y;
    });
    expect(values(f(kiln.scalar(3), true))).toEqual([7]);
    expect(log).toEqual(['true branch', 'false branch', 'host true']);
    expect(values(f(kiln.scalar(-3), true))).toEqual([4]);
    expect(log).toHaveLength(3);
    expect(ir(f, kiln.scalar(3), true)).toContain('cond');
    expect(values(f(kiln.scalar(-3), false))).toEqual([3]);
    expect(log).toEqual(['true branch', 'false branch', 'host true', 'true branch', 'false branch', 'host false']);
  });

  it('f(x): if sum(x) > 0 return x*x else -x//2; f(-2) is 1', () => {
    const f = kiln.compile((x: kiln.Tensor) => {
      if (x.sum().greater(0)) {
        return x.mul(x);
      } else {
        return x.neg().floorDiv(2);
      }
    });
    expect(values(f(kiln.scalar(-2)))).toEqual([1]);
    expect(values(f(kiln.scalar(3)))).toEqual([9]);
    expect(values(f(kiln.tensor([1, -3])))).toEqual([-1, 1]);
    expect(f.traceCount).toBe(2);
  });

  it('compiles to the same graph as explicit kiln.cond', () => {
    const plain = kiln.compile((x: kiln.Tensor) => {
      if (x.sum().greater(0)) return x.mul(x);
      return x.neg().floorDiv(2);
    });
    const explicit = kiln.compile((x: kiln.Tensor) => kiln.cond(x.sum().greater(0), () => x.mul(x), () => x.neg().floorDiv(2)));
    const x = kiln.tensor([1, 2, 3]);
    expect(ir(plain, x)).toBe(ir(explicit, x));
    expect(ir(plain, x)).toContain('= cond');

    const plain2 = kiln.compile((x: kiln.Tensor, y: kiln.Tensor) => {
      let a = x;
      let b = y;
      if (x.mean().less(y.mean())) {
        a = a.add(y);
      } else {
        b = b.mul(x);
      }
      return a.sub(b);
    });
    const explicit2 = kiln.compile((x: kiln.Tensor, y: kiln.Tensor) => {
      const [a, b] = kiln.cond(x.mean().less(y.mean()), () => [x.add(y), y], () => [x, y.mul(x)]);
      return a!.sub(b!);
    });
    expect(ir(plain2, x, x)).toBe(ir(explicit2, x, x));
  });

  it('an if without else, elif chains, and nested ifs', () => {
    const sign = kiln.compile((x: kiln.Tensor) => {
      let s = kiln.scalar(0);
      if (x.greater(0)) s = kiln.scalar(1);
      else if (x.less(0)) s = kiln.scalar(-1);
      let big = kiln.scalar(false);
      if (x.abs().greater(10)) {
        if (x.greater(0)) big = kiln.scalar(true);
      }
      return [s, big];
    });
    for (const [x, s, b] of [[5, 1, 0], [-3, -1, 0], [0, 0, 0], [20, 1, 1], [-20, -1, 0]] as const) {
      const [ts, tb] = sign(kiln.scalar(x)) as kiln.Tensor[];
      expect([values(ts)[0], values(tb)[0]]).toEqual([s, b]);
    }
    expect(sign.traceCount).toBe(1);
  });

  it('conditional expressions and &&, ||, ! on bool tensors', () => {
    const f = kiln.compile((x: kiln.Tensor) => {
      const inRange = x.greater(0) && x.less(10);
      const outside = !inRange || x.equal(5);
      return inRange ? x.mul(outside ? 100 : 10) : x;
    });
    expect(values(f(kiln.scalar(3)))).toEqual([30]);
    expect(values(f(kiln.scalar(5)))).toEqual([500]);
    expect(values(f(kiln.scalar(-2)))).toEqual([-2]);
    expect(f.traceCount).toBe(1);
    // JS values keep JS semantics (defaults, presence checks on optional tensors).
    const g = kiln.compile((x: kiln.Tensor, bias?: kiln.Tensor) => (bias ? x.add(bias) : x));
    expect(values(g(kiln.scalar(1)))).toEqual([1]);
    expect(values(g(kiln.scalar(1), kiln.scalar(2)))).toEqual([3]);
  });

  it('runs eagerly with runFunctionsEagerly (a tensor condition is read)', () => {
    const f = kiln.compile((x: kiln.Tensor) => {
      if (x.sum().greater(0)) return x.mul(x);
      return x.neg();
    });
    kiln.runFunctionsEagerly(true);
    expect(values(f(kiln.scalar(-2)))).toEqual([2]);
    expect(values(f(kiln.scalar(3)))).toEqual([9]);
    expect(f.traceCount).toBe(0);
  });
});

describe('27. validity rules of a tensor if', () => {
  it('a variable defined in only one branch and used after is a KilnError naming it', () => {
    const f = kiln.compile((x: kiln.Tensor) => {
      let y: kiln.Tensor | undefined;
      if (x.greater(0)) y = x.mul(2);
      return y!.add(1);
    });
    expect(() => f(kiln.scalar(1))).toThrow(kiln.KilnError);
    expect(() => f(kiln.scalar(1))).toThrow("'y' must also be initialized in the else branch");
    // Defined in one branch but only used inside it: fine.
    const g = kiln.compile((x: kiln.Tensor) => {
      let z = x;
      if (x.greater(0)) {
        let t: kiln.Tensor;
        t = x.mul(3);
        z = t.add(1);
      }
      return z;
    });
    expect(values(g(kiln.scalar(2)))).toEqual([7]);
  });

  it('returning in one branch only throws TensorFlow\'s message', () => {
    const f = kiln.compile((x: kiln.Tensor) => {
      if (x.greater(0)) {
        return kiln.scalar(1);
      }
      return undefined as unknown as kiln.Tensor;
    });
    const g = kiln.compile((x: kiln.Tensor): kiln.Tensor | undefined => {
      if (x.greater(0)) {
        return kiln.scalar(1);
      }
      return;
    });
    expect(() => g(kiln.scalar(1))).toThrow(kiln.KilnError);
    expect(() => g(kiln.scalar(1))).toThrow('A value must also be returned from the else branch.');
    expect(() => f(kiln.scalar(1))).toThrow('A value must also be returned from the else branch.');
  });

  it('branches must agree on dtype and shape', () => {
    const dtype = kiln.compile((x: kiln.Tensor) => {
      let y = x;
      if (x.greater(0)) y = x.cast('int32');
      return y;
    });
    expect(() => dtype(kiln.scalar(1))).toThrow("'y' has dtype int32 in the if branch, but dtype float32 in the else branch");
    const shape = kiln.compile((x: kiln.Tensor) => {
      let y = x;
      if (x.sum().greater(0)) y = x.reshape([2, 1]);
      return y;
    });
    expect(() => shape(kiln.tensor([1, 2]))).toThrow("'y' has shape [2,1] in the if branch, but shape [2] in the else branch");
  });

  it('host values modified inside tensor control flow become tensors', () => {
    const f = kiln.compile((x: kiln.Tensor) => {
      let n: number | kiln.Tensor = 0;
      let flag: boolean | kiln.Tensor = false;
      if (x.greater(0)) {
        n = 1;
        flag = true;
      } else {
        n = 2;
      }
      return { n, flag };
    });
    const pos = f(kiln.scalar(5)) as unknown as { n: kiln.Tensor; flag: kiln.Tensor };
    expect(pos.n).toBeInstanceOf(kiln.Tensor);
    expect([values(pos.n), values(pos.flag), pos.n.dtype, pos.flag.dtype]).toEqual([[1], [1], 'float32', 'bool']);
    const neg = f(kiln.scalar(-5)) as unknown as { n: kiln.Tensor; flag: kiln.Tensor };
    expect([values(neg.n), values(neg.flag)]).toEqual([[2], [0]]);
    // A JS number meets an int32 tensor in the other branch: it takes int32.
    const g = kiln.compile((x: kiln.Tensor) => {
      let k: number | kiln.Tensor = 0;
      if (x.greater(0)) k = kiln.scalar(7, 'int32');
      return k;
    });
    const k = g(kiln.scalar(1)) as kiln.Tensor;
    expect([k.dtype, values(k)]).toEqual(['int32', [7]]);
  });

  it('a JS value that is the same in both branches stays a JS value', () => {
    let seen: unknown;
    const f = kiln.compile((x: kiln.Tensor) => {
      let label = 'start';
      let y = x;
      if (x.greater(0)) { label = 'set'; y = x.add(1); } else { label = 'set'; }
      seen = label;
      return y;
    });
    f(kiln.scalar(1));
    expect(seen).toBe('set');
  });

  it('a non-scalar bool tensor as a condition is a KilnError; a non-bool tensor is a JS object', () => {
    const f = kiln.compile((x: kiln.Tensor) => {
      let y = x;
      if (x.greater(0)) y = x.neg();
      return y;
    });
    expect(() => f(kiln.tensor([1, 2]))).toThrow(/must hold one element/);
  });
});
