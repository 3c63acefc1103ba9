// tf.function behaviours 14–24 of shared/reference/tf-function.md (side effects, state and
// ordering), as TypeScript versions of the guide's examples.
import { describe, expect, it } from 'vitest';
import * as kiln from '../../src/index.js';

const c = (value: number | number[], dtype?: kiln.DType) =>
  typeof value === 'number' ? kiln.scalar(value, dtype) : kiln.tensor(value, undefined, dtype);

const values = async (t: unknown) => Array.from(await (t as kiln.Tensor).data());
/** xs.map(f) for an async f, called one element after another as the synchronous map would. */
async function inOrder<T, U>(xs: readonly T[], f: (x: T) => Promise<U>): Promise<U[]> {
  const out: U[] = [];
  for (const x of xs) out.push(await f(x));
  return out;
}

describe('14. host side effects run only while tracing', () => {
  it('f(1); f(1); f(2): traced twice, executed three times, in order', async () => {
    const log: string[] = [];
    const executed = new kiln.Variable(0);
    const f = kiln.compile((x: number) => {
      log.push(`Traced with ${x}`);
      executed.assignAdd(1); // stands in for tf.print: it runs on every call
      return kiln.add(executed, 0);
    });
    const calls = await inOrder([1, 1, 2], async (x) => { const out = (await values(f(x)))[0]; log.push(`Executed ${out}`); return out; });
    expect(calls).toEqual([1, 2, 3]);
    expect(log).toEqual(['Traced with 1', 'Executed 1', 'Executed 2', 'Traced with 2', 'Executed 3']);
  });

  it('an external list is appended to once', () => {
    const externalList: number[] = [];
    const sideEffect = kiln.compile((x: kiln.Tensor) => { externalList.push(1); return x; });
    for (let i = 0; i < 3; i++) sideEffect(c(1));
    expect(externalList).toHaveLength(1);
  });
});

describe('15. host computations become constants', () => {
  it('Math.random() inside the function gives the same value on every call', async () => {
    const f = kiln.compile(() => kiln.scalar(Math.random()));
    const first = (await values(f()))[0];
    for (let i = 0; i < 3; i++) expect((await values(f()))[0]).toBe(first);
  });
});

describe('16. host iterators are consumed once, at trace time', () => {
  it('a JS iterator gives 1, 1, 1; values passed as tensors give 1, 2, 3', async () => {
    const iterator = [1, 2, 3][Symbol.iterator]();
    const bufferedConsume = kiln.compile(() => kiln.scalar(iterator.next().value as number));
    expect(await inOrder([0, 1, 2], async () => (await values(bufferedConsume()))[0])).toEqual([1, 1, 1]);

    // kiln has no graph-side dataset iterator: each element enters as a tensor argument.
    const goodConsume = kiln.compile((next: kiln.Tensor) => kiln.add(next, 0));
    const ds = [c(1), c(2), c(3)];
    expect(await inOrder(ds, async (x) => (await values(goodConsume(x)))[0])).toEqual([1, 2, 3]);
    expect(goodConsume.traceCount).toBe(1);
  });
});

describe('17. a host-guarded state update is recorded unconditionally', () => {
  it('the update recorded in the trace runs on every call: 1, 2, 3', async () => {
    class Model {
      v = new kiln.Variable(0);
      counter = 0;
      call = kiln.compile(() => {
        if (this.counter === 0) {
          this.counter += 1;
          this.v.assignAdd(1);
        }
        return this.v;
      });
    }
    const m = new Model();
    expect(await inOrder([0, 1, 2], async () => (await values(m.call()))[0])).toEqual([1, 2, 3]);
  });

  it('kiln.initScope lifts the update out of the trace: 1, 1, 1', async () => {
    class Model {
      v = new kiln.Variable(0);
      counter = 0;
      call = kiln.compile(() => {
        if (this.counter === 0) {
          kiln.initScope(() => {
            this.counter += 1;
            this.v.assignAdd(1);
          });
        }
        return this.v;
      });
    }
    const m = new Model();
    expect(await inOrder([0, 1, 2], async () => (await values(m.call()))[0])).toEqual([1, 1, 1]);
  });
});

describe('18. tensor leaks', () => {
  it('a symbolic tensor kept outside the call cannot be used after it', async () => {
    let leaked: kiln.Tensor | null = null;
    const leaky = kiln.compile((a: kiln.Tensor) => { leaked = kiln.add(a, 1); return leaked; }, { name: 'leaky' });
    expect(await values(leaky(c(1)))).toEqual([2]);
    const x = leaked as unknown as kiln.Tensor;
    expect(x.isSymbolic).toBe(true);
    expect(() => x.dataSync()).toThrow(kiln.KilnError);
    expect(() => kiln.add(x, 1)).toThrow(kiln.KilnError);
    expect(() => x.add(1)).toThrow(/symbolic/);
    expect(() => x.dataSync()).toThrow(/'leaky'/);

    const captureLeak = kiln.compile(() => kiln.mul(x, 2));
    expect(() => captureLeak()).toThrow(kiln.KilnError);
    expect(() => captureLeak()).toThrow(/made while tracing 'leaky'/);
  });
});

describe('19–20. variables are created on the first call only', () => {
  it('a function that creates a variable on every call throws on its first call', () => {
    const f = kiln.compile((x: kiln.Tensor) => {
      const v = new kiln.Variable(1);
      return kiln.add(v, x);
    });
    expect(() => f(c(1))).toThrow(kiln.KilnError);
    expect(() => f(c(1))).toThrow(/creates a new variable on every call.*first call only/);
  });

  it('the create-if-null pattern works: 1, then 2', async () => {
    class Count {
      count: kiln.Variable | null = null;
      call = kiln.compile(() => {
        if (this.count === null) this.count = new kiln.Variable(0);
        return this.count.assignAdd(1);
      });
    }
    const counter = new Count();
    expect(await values(counter.call())).toEqual([1]);
    expect(await values(counter.call())).toEqual([2]);
    expect(counter.count).not.toBeNull();
  });

  it('the global-v pattern: created on the first call, reused by a retrace of another dtype', async () => {
    let v: kiln.Variable | null = null;
    const f = kiln.compile((x: kiln.Tensor) => {
      if (v === null) v = new kiln.Variable(1.0);
      return kiln.add(kiln.cast(x, 'float32'), v);
    });
    expect(await values(f(c(1, 'float32')))).toEqual([2]);
    const created = v;
    expect(created).not.toBeNull();
    expect(await values(f(c(2, 'int32')))).toEqual([3]);
    expect(v).toBe(created);
    expect(f.traceCount).toBe(2);
  });

  it('creating variables on a later trace throws and leaves the earlier traces usable', async () => {
    const made: kiln.Variable[] = [];
    const f = kiln.compile((x: kiln.Tensor) => {
      if (x.dtype === 'int32') made.push(new kiln.Variable(0));
      return kiln.add(x, x);
    });
    expect(await values(f(c(1)))).toEqual([2]);
    expect(() => f(c(1, 'int32'))).toThrow(/while tracing a new input signature.*first call only/);
    expect(await values(f(c(4)))).toEqual([8]);
  });

  it("an initializer is lifted out of the trace; one that depends on the arguments cannot be", async () => {
    const scale = c(3);
    let w: kiln.Variable | null = null;
    const f = kiln.compile((x: kiln.Tensor) => {
      if (w === null) w = new kiln.Variable(kiln.mul(scale, kiln.onesLike(x)));
      return kiln.mul(w, x);
    });
    expect(await values(f(c([1, 2])))).toEqual([3, 6]);
    expect(await values(w!)).toEqual([3, 3]);

    let u: kiln.Variable | null = null;
    const g = kiln.compile((x: kiln.Tensor) => {
      if (u === null) u = new kiln.Variable(kiln.mul(x, 2));
      return kiln.add(u, x);
    });
    expect(() => g(c(1))).toThrow(/depend on the compiled function's arguments/);
  });
});

describe('21. decorated methods get one trace cache per instance', () => {
  class ScalarModel {
    v: kiln.Variable | null = null;

    @kiln.compiled
    increment(amount: kiln.Tensor) {
      if (this.v === null) this.v = new kiln.Variable(kiln.zerosLike(amount));
      this.v.assignAdd(amount);
      return this.v;
    }
  }

  it('ScalarModel: model1 goes 3 then 7, model2 gives 5', async () => {
    const model1 = new ScalarModel();
    model1.increment(c(3, 'int32'));
    expect(await values(model1.v)).toEqual([3]);
    model1.increment(c(4, 'int32'));
    expect(await values(model1.v)).toEqual([7]);
    const model2 = new ScalarModel();
    model2.increment(c(5, 'int32'));
    expect(await values(model2.v)).toEqual([5]);
    expect(await values(model1.v)).toEqual([7]);
  });

  it('a second model that creates state in one shared function throws; one function each works', async () => {
    class Dense { w: kiln.Variable | null = null; }
    const apply = (layer: Dense, x: kiln.Tensor) => {
      if (layer.w === null) layer.w = new kiln.Variable(kiln.onesLike(x));
      return kiln.mul(layer.w, x);
    };
    const shared = kiln.compile(apply);
    expect(await values(shared(new Dense(), c([1, 2])))).toEqual([1, 2]);
    expect(() => shared(new Dense(), c([1, 2]))).toThrow(kiln.KilnError);

    const a = new Dense();
    const b = new Dense();
    const applyA = kiln.compile(apply);
    const applyB = kiln.compile(apply);
    expect(await values(applyA(a, c([1, 2])))).toEqual([1, 2]);
    expect(await values(applyB(b, c([3, 4])))).toEqual([3, 4]);
  });

  it('a decorated method called without an instance throws a KilnError', () => {
    const increment = new ScalarModel().increment;
    expect(() => increment(c(1, 'int32'))).toThrow(kiln.KilnError);
  });
});

describe('22. captured variables are read live', () => {
  it('x ** 2 + y with y a variable', async () => {
    const x = c([-2, -3], 'int32');
    const y = new kiln.Variable([3, -2], { dtype: 'int32' });
    const f = kiln.compile(() => kiln.add(kiln.square(x), y));
    expect(await values(f())).toEqual([7, 7]);
    y.assign([4, -1]);
    expect(await values(f())).toEqual([8, 8]);
    expect(f.traceCount).toBe(1);
  });

  it('a host loop of assignAdd: f(3) leaves v = 4', async () => {
    const v = new kiln.Variable(1, { dtype: 'int32' });
    const f = kiln.compile((x: number) => { for (let i = 0; i < x; i++) v.assignAdd(i); });
    f(3);
    expect(await values(v)).toEqual([4]);
  });
});

describe('23. automatic control dependencies', () => {
  it('assign then read always gives the assigned value', async () => {
    const v = new kiln.Variable(1.0);
    const f = kiln.compile(() => { v.assign(2.0); return v.read(); });
    for (let i = 0; i < 3; i++) {
      expect(await values(f())).toEqual([2]);
      v.assign(7);
    }
  });

  it('assignments to two variables both run', async () => {
    const a = new kiln.Variable(1.0);
    const b = new kiln.Variable(1.0);
    const f = kiln.compile(() => { a.assign(2.0); b.assign(3.0); return kiln.add(a, b); });
    expect(await values(f())).toEqual([5]);
    expect(await values(a)).toEqual([2]);
    expect(await values(b)).toEqual([3]);
  });

  it('stateful ops on one variable run in program order', async () => {
    const v = new kiln.Variable(1.0);
    const f = kiln.compile(() => {
      const before = v.read();
      v.assign(kiln.mul(v, 10));
      const middle = v.read();
      v.assignAdd(1);
      return [before, middle, v.read()];
    });
    expect(await inOrder(f() as kiln.Tensor[], async (t) => (await values(t))[0])).toEqual([1, 10, 11]);
    expect(await inOrder(f() as kiln.Tensor[], async (t) => (await values(t))[0])).toEqual([11, 110, 111]);
  });

  it('an assignment whose result is unused still runs', async () => {
    const v = new kiln.Variable(0.0);
    const f = kiln.compile((x: kiln.Tensor) => { v.assignAdd(x); return kiln.mul(x, 2); });
    f(c(2));
    f(c(3));
    expect(await values(v)).toEqual([5]);
    expect(f.concrete(c(1)).graph.toString()).toContain('assignVariable');
  });
});

describe('24. non-strict execution', () => {
  it('an unused gather out of range throws eagerly but is pruned when compiled', async () => {
    const x = c([0]);
    const unusedReturnEager = (x: kiln.Tensor) => { kiln.gather(x, [1]); return x; };
    // Eager index checks read the indices back: webgpu skips them (no synchronous readback), as TF's GPU kernels do.
    if (kiln.getBackend() !== 'webgpu') {
      expect(() => unusedReturnEager(x)).toThrow(kiln.KilnError);
      expect(() => unusedReturnEager(x)).toThrow(/out of range/);
    }

    const unusedReturnGraph = kiln.compile(unusedReturnEager);
    expect(await values(unusedReturnGraph(x))).toEqual([0]);
    const cf = unusedReturnGraph.concrete(x);
    expect(cf.graph.toString({ stage: 'traced' })).toContain('gather');
    expect(cf.graph.toString()).not.toContain('gather');
  });
});
