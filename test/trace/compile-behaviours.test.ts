// tf.function behaviours 1–4 and 8–12 of shared/reference/tf-function.md (tracing and the trace
// cache), as TypeScript versions of the guide's examples.
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as kiln from '../../src/index.js';

const c = (value: number | number[] | number[][], dtype?: kiln.DType) =>
  typeof value === 'number' ? kiln.scalar(value, dtype) : kiln.tensor(value, undefined, dtype);

const values = async (t: unknown) => Array.from(await (t as kiln.Tensor).data());

afterEach(() => {
  kiln.runFunctionsEagerly(false);
  vi.restoreAllMocks();
});

describe('1. trace, then run', () => {
  it('traces once per signature; host code runs only while tracing', async () => {
    const log: string[] = [];
    const double = kiln.compile((a: kiln.Tensor | string) => {
      log.push(`Tracing with ${String(a)}`);
      return typeof a === 'string' ? a + a : kiln.add(a, a);
    });
    expect(await values(double(c(1, 'int32')))).toEqual([2]);
    expect(await values(double(c(1.1)))).toEqual([Math.fround(2.2)]);
    expect(await values(double(c([1, 2])))).toEqual([2, 4]);
    expect(log).toHaveLength(3);
    // A later call with an already-seen signature (float32 scalar) only runs.
    expect(await values(double(c(2.5)))).toEqual([5]);
    expect(log).toHaveLength(3);
    // kiln has no string tensors: a JS string is a primitive, keyed by value (item 3).
    expect(double('a')).toBe('aa');
    expect(double('a')).toBe('aa');
    expect(log).toHaveLength(4);
    expect(double('b')).toBe('bb');
    expect(log).toHaveLength(5);
  });

  it('counts traces: two tensors of one signature trace once, a string traces again', () => {
    const double = kiln.compile((a: kiln.Tensor | string) => (typeof a === 'string' ? a + a : kiln.add(a, a)));
    double(c(1));
    double(c(2));
    expect(double.traceCount).toBe(1);
    double('a');
    expect(double.traceCount).toBe(2);
  });

  it('keeps one trace over many calls with the same shapes and different values', async () => {
    const f = kiln.compile((x: kiln.Tensor, y: kiln.Tensor) => kiln.mul(x, y).add(1));
    for (let i = 0; i < 20; i++) {
      expect(await values(f(c([i, 2 * i]), c([3, 4])))).toEqual([3 * i + 1, 8 * i + 1]);
    }
    expect(f.traceCount).toBe(1);
  });
});

describe("2. a tensor's key is its dtype and shape", () => {
  it('a vector and a matrix give two concrete functions', async () => {
    const f = kiln.compile((x: kiln.Tensor) => kiln.add(x, 1));
    const vector = c([1, 1]);
    const matrix = c([[3]]);
    expect(await values(f(vector))).toEqual([2, 2]);
    expect(await values(f(matrix))).toEqual([4]);
    expect(f.traceCount).toBe(2);
    expect(f.concreteFunctions).toHaveLength(2);
    expect(f.concrete(vector)).not.toBe(f.concrete(matrix));
    // Same shape, other dtype: another trace.
    f(c([1, 1], 'int32'));
    expect(f.traceCount).toBe(3);
  });
});

describe("3. a primitive's key is its value", () => {
  it('concrete functions of 1 and 2 differ; of two scalar tensors they are one', () => {
    const f = kiln.compile((x: kiln.Tensor | number) => kiln.add(x, 1));
    expect(f.concrete(1)).not.toBe(f.concrete(2));
    expect(f.concrete(c(1))).toBe(f.concrete(c(2)));
    expect(f.traceCount).toBe(3);
  });

  it('train(10) then train(20) retraces; tensor arguments reuse the trace', async () => {
    const log: string[] = [];
    const steps = new kiln.Variable(0, { dtype: 'int32' });
    const train = kiln.compile((numSteps: number | kiln.Tensor) => {
      log.push(`Tracing with numSteps = ${String(numSteps)}`);
      steps.assignAdd(numSteps);
      return steps.read();
    });
    train(10);
    train(20);
    expect(log).toHaveLength(2);
    expect(await values(steps)).toEqual([30]);
    log.length = 0;
    train(c(10, 'int32'));
    train(c(20, 'int32'));
    expect(log).toHaveLength(1);
    expect(await values(steps)).toEqual([60]);
  });
});

describe('4. container keys', () => {
  it('arrays are keyed element by element', async () => {
    const f = kiln.compile((xs: number[]) => kiln.scalar(xs[0]! * 10 + xs[1]!));
    expect(await values(f([1, 2]))).toEqual([12]);
    expect(await values(f([2, 1]))).toEqual([21]);
    expect(await values(f([1, 2]))).toEqual([12]);
    expect(f.traceCount).toBe(2);
  });

  it('plain objects are keyed without regard to key order', async () => {
    const f = kiln.compile((d: Record<string, number | kiln.Tensor>) => kiln.add(d.a!, d.b!));
    expect(await values(f({ a: 2, b: 4 }))).toEqual([6]);
    expect(await values(f({ b: 4, a: 2 }))).toEqual([6]);
    expect(f.traceCount).toBe(1);
    // Tensors inside containers are inputs: another value does not retrace.
    expect(await values(f({ a: c(1), b: c(2) }))).toEqual([3]);
    expect(await values(f({ b: c(5), a: c(1) }))).toEqual([6]);
    expect(f.traceCount).toBe(2);
  });

  it('other objects are keyed by identity', () => {
    class Fruit { constructor(readonly flavor: number) {} }
    const mix = kiln.compile((a: Fruit, b: Fruit) => kiln.scalar(a.flavor + b.flavor));
    mix(new Fruit(1), new Fruit(2));
    mix(new Fruit(1), new Fruit(2));
    expect(mix.traceCount).toBe(2);
    const apple = new Fruit(1);
    const mango = new Fruit(2);
    mix(apple, mango);
    mix(apple, mango);
    expect(mix.traceCount).toBe(3);
  });

  it('an object with a kiln.tracingKey method supplies its own key', async () => {
    class Fruit {
      constructor(readonly kind: string, readonly flavor: number) {}
      [kiln.tracingKey](): unknown { return ['Fruit', this.kind]; }
    }
    const mix = kiln.compile((a: Fruit, b: Fruit) => kiln.scalar(a.flavor + b.flavor));
    expect(await values(mix(new Fruit('apple', 1), new Fruit('mango', 2)))).toEqual([3]);
    expect(await values(mix(new Fruit('apple', 1), new Fruit('mango', 2)))).toEqual([3]);
    expect(mix.traceCount).toBe(1);
    mix(new Fruit('mango', 2), new Fruit('apple', 1));
    expect(mix.traceCount).toBe(2);
  });
});

describe('8. function objects never share traces', () => {
  it('compiling the same function twice traces twice', () => {
    const log: string[] = [];
    const f = () => { log.push('Tracing!'); return kiln.scalar(1); };
    kiln.compile(f)();
    kiln.compile(f)();
    expect(log).toEqual(['Tracing!', 'Tracing!']);
  });
});

describe('9. closures and globals are not part of the key', () => {
  it('a JS global is frozen into the trace', async () => {
    let foo = 1;
    const buggyAdd = kiln.compile(() => kiln.add(kiln.scalar(1), foo));
    expect(await values(buggyAdd())).toEqual([2]);
    foo = 100;
    expect(await values(buggyAdd())).toEqual([2]);
    const recommendedAdd = kiln.compile((foo: number) => kiln.add(kiln.scalar(1), foo));
    expect(await values(recommendedAdd(foo))).toEqual([101]);
  });

  it('a Variable global is read on every call', async () => {
    const foo = new kiln.Variable(1);
    const variableAdd = kiln.compile(() => kiln.add(1, foo));
    expect(await values(variableAdd())).toEqual([2]);
    foo.assign(100);
    expect(await values(variableAdd())).toEqual([101]);
    expect(variableAdd.traceCount).toBe(1);
  });
});

describe('10. identity-keyed objects go stale', () => {
  it('a changed JS attribute is not seen; a Variable attribute is', async () => {
    class SimpleModel { weight = 2; bias = 0; }
    const evaluate = kiln.compile((model: SimpleModel, x: kiln.Tensor) => kiln.add(kiln.mul(model.weight, x), model.bias));
    const model = new SimpleModel();
    const x = c(10);
    expect(await values(evaluate(model, x))).toEqual([20]);
    model.bias += 5;
    expect(await values(evaluate(model, x))).toEqual([20]);

    class BetterModel { weight = new kiln.Variable(2); bias = new kiln.Variable(0); }
    const better = new BetterModel();
    const evaluateBetter = kiln.compile((model: BetterModel, x: kiln.Tensor) => kiln.add(kiln.mul(model.weight, x), model.bias));
    expect(await values(evaluateBetter(better, x))).toEqual([20]);
    better.bias.assignAdd(5);
    expect(await values(evaluateBetter(better, x))).toEqual([25]);
    expect(evaluateBetter.traceCount).toBe(1);
  });
});

describe('11. retracing warning', () => {
  const retraceWarnings = (warn: { mock: { calls: unknown[][] } }) =>
    warn.mock.calls.filter((args) => String(args[0]).includes('retrace'));

  it('warns when 5 of the last 10 calls traced, at most twice per function', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const f = kiln.compile((n: number) => kiln.scalar(n), { name: 'retracer' });
    for (let i = 0; i < 4; i++) f(i);
    expect(retraceWarnings(warn)).toHaveLength(0);
    f(4);
    expect(retraceWarnings(warn)).toHaveLength(1);
    expect(String(retraceWarnings(warn)[0]![0])).toContain('retracer');
    for (let i = 5; i < 40; i++) f(i);
    expect(retraceWarnings(warn)).toHaveLength(2);
  });

  it('does not warn when most calls hit the cache', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const f = kiln.compile((n: number, x: kiln.Tensor) => kiln.add(x, n));
    const x = c(1);
    for (let i = 0; i < 40; i++) f(i % 4, x);
    expect(retraceWarnings(warn)).toHaveLength(0);
  });

  it('warns when the same function is compiled anew in a loop', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const body = (x: kiln.Tensor) => kiln.add(x, 1);
    const x = c(1);
    for (let i = 0; i < 10; i++) kiln.compile(body)(x);
    expect(retraceWarnings(warn)).toHaveLength(2);
  });
});

describe('12. runFunctionsEagerly', () => {
  it('runs the body as plain code on every call', async () => {
    const log: string[] = [];
    const getMSE = kiln.compile((yTrue: kiln.Tensor, yPred: kiln.Tensor) => {
      log.push('Calculating MSE!');
      return kiln.mean(kiln.square(kiln.sub(yPred, yTrue)));
    });
    const yTrue = c([1, 2, 3]);
    const yPred = c([2, 2, 5]);
    kiln.runFunctionsEagerly(true);
    for (let i = 0; i < 3; i++) expect((await values(getMSE(yTrue, yPred)))[0]).toBeCloseTo(5 / 3);
    expect(log).toHaveLength(3);
    expect(getMSE.traceCount).toBe(0);
    kiln.runFunctionsEagerly(false);
    for (let i = 0; i < 3; i++) getMSE(yTrue, yPred);
    expect(log).toHaveLength(4);
    expect(getMSE.traceCount).toBe(1);
  });
});

describe('trace cache edge cases', () => {
  it('a trace that throws caches nothing, and the next call traces again', async () => {
    let fail = true;
    const f = kiln.compile((x: kiln.Tensor) => { if (fail) throw new Error('boom'); return kiln.add(x, 1); });
    expect(() => f(c(1))).toThrow('boom');
    expect(f.traceCount).toBe(0);
    // The failed trace left no trace in progress: eager ops run eagerly.
    expect(await values(kiln.add(c(1), 1))).toEqual([2]);
    fail = false;
    expect(await values(f(c(1)))).toEqual([2]);
    expect(f.traceCount).toBe(1);
  });

  it('variable arguments are keyed by identity and read live', async () => {
    const f = kiln.compile((v: kiln.Variable, x: kiln.Tensor) => { v.assignAdd(x); return v.read(); });
    const a = new kiln.Variable(1);
    const b = new kiln.Variable(10);
    expect(await values(f(a, c(1)))).toEqual([2]);
    expect(await values(f(b, c(1)))).toEqual([11]);
    expect(await values(f(a, c(1)))).toEqual([3]);
    expect(f.traceCount).toBe(2);
  });

  it('a compiled function called while tracing another is inlined, so host-bounded recursion unrolls', async () => {
    // tf.function does not support recursion; kiln inlines nested calls, which makes a
    // recursion bounded by a JS value work (a tensor-bounded one would never end).
    type Power = (x: kiln.Tensor, n: number) => kiln.Tensor;
    const power: kiln.CompiledFunction<Power> = kiln.compile<Power>(
      (x: kiln.Tensor, n: number): kiln.Tensor => (n === 0 ? kiln.onesLike(x) : kiln.mul(x, power(x, n - 1))));
    expect(await values(power(c(2), 3))).toEqual([8]);
    expect(power.traceCount).toBe(1);
  });

  it('a compiled function must be synchronous', () => {
    const f = kiln.compile(async (x: kiln.Tensor) => x);
    expect(() => f(c(1))).toThrow(kiln.KilnError);
  });
});
