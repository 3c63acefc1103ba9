import { afterAll, beforeAll, expect, it } from 'vitest';
import * as kiln from '../../src/index.js';
import type { Launch } from '../../src/runtime/index.js';
import { describeWebGpu, webgpu } from '../webgpu/webgpu-env.js';

/**
 * Control flow on WebGPU, where a predicate is read back asynchronously: the decision runs as
 * a continuation while the call returns its tensors at once. Results must equal the cpu
 * backend's, later work must see them, and a loop with a trip count known when traced reads
 * nothing back.
 */

const values = async (t: kiln.Tensor) => Array.from(await t.data());

function collatzJs(n: number): number {
  let steps = 0;
  while (n > 1) { n = n % 2 === 0 ? n / 2 : 3 * n + 1; steps++; }
  return steps;
}

/** Runs `fn` on cpu and on webgpu (results read only after every call is issued) and returns both. */
async function onBoth(fn: () => kiln.Tensor[]): Promise<{ cpu: number[][]; gpu: number[][] }> {
  const run = async (backend: 'cpu' | 'webgpu') => {
    await kiln.setBackend(backend);
    const out = fn();
    return Promise.all(out.map(values));
  };
  const cpu = await run('cpu');
  const gpu = await run('webgpu');
  return { cpu, gpu };
}

function expectClose(got: number[][], want: number[][], digits = 5): void {
  expect(got.length).toBe(want.length);
  got.forEach((g, i) => {
    expect(g.length).toBe(want[i]!.length);
    g.forEach((v, k) => expect(v, `result ${i}[${k}]`).toBeCloseTo(want[i]![k]!, digits));
  });
}

describeWebGpu('control flow on webgpu', () => {
  const previous = kiln.getBackend();
  beforeAll(() => kiln.setBackend('webgpu'));
  afterAll(() => kiln.setBackend(previous));

  it('runs cond like the cpu backend, traced once, with every call issued before any read', async () => {
    const branchy = (x: kiln.Tensor) => kiln.cond(x.sum().greater(0), () => x.mul(x).add(1), () => x.neg().floorDiv(2));
    const inputs = [[-2, 1], [3, 4], [0, 0], [5, -9], [7, 1]];
    let f = kiln.compile(branchy);
    const { cpu, gpu } = await onBoth(() => { f = kiln.compile(branchy); return inputs.map((x) => f(kiln.tensor(x))); });
    expect(gpu).toEqual(cpu);
    expect(f.traceCount).toBe(1);
  });

  it('counts Collatz steps (a loop of unknown trip count), one predicate read per decision', async () => {
    const collatz = kiln.compile((n: kiln.Tensor) => {
      const [, steps] = kiln.whileLoop((x) => x.greater(1),
        (x, s) => [kiln.where(x.mod(2).equal(0), x.floorDiv(2), x.mul(3).add(1)), s.add(1)],
        [n, kiln.scalar(0, 'int32')]);
      return steps!;
    });
    const ns = Array.from({ length: 30 }, (_, i) => i + 1);
    const before = webgpu().stats.reads;
    const outs = ns.map((n) => collatz(kiln.scalar(n, 'int32')));
    const got = await Promise.all(outs.map(async (t) => (await t.data())[0]));
    expect(got).toEqual(ns.map(collatzJs));
    expect(collatz.traceCount).toBe(1);
    // Each loop reads its condition once per iteration and once to stop; then each result is read.
    const decisions = ns.reduce((a, n) => a + collatzJs(n) + 1, 0);
    expect(webgpu().stats.reads - before).toBe(decisions + ns.length);
  });

  it('reads nothing back for a loop whose trip count is known when traced', async () => {
    const f = kiln.compile((x: kiln.Tensor) => kiln.whileLoop((i) => i.less(6), (i, v) => [i.add(1), v.mul(2).add(1)], [kiln.scalar(0, 'int32'), x])[1]!);
    f(kiln.tensor([0, 1])); // compiled and warmed up
    const before = webgpu().stats.reads;
    const y = f(kiln.tensor([1, -2]));
    const z = f(y);
    expect(webgpu().stats.reads - before).toBe(0);
    expect(await values(z)).toEqual([8191, -4097]);
    expect(webgpu().stats.reads - before).toBe(1);
  });

  it('updates variables assigned in branches and loop bodies; later reads see the new values', async () => {
    const run = () => {
      const v = kiln.variable(kiln.tensor([0, 0]));
      const count = kiln.variable(0);
      const f = kiln.compile((x: kiln.Tensor) => {
        const y = kiln.cond(x.greater(0), () => { v.assignAdd(kiln.stack([x, x.mul(2)])); return x; }, () => { v.assignSub(kiln.stack([x, x])); return x.neg(); });
        // Read after the cond in the same call: the branch's write.
        return y.add(v.sum());
      });
      const g = kiln.compile((x: kiln.Tensor) => kiln.whileLoop((a) => a.less(50), (a) => { count.assignAdd(1); return [a.mul(3)]; }, [x])[0]!);
      const outs: kiln.Tensor[] = [];
      for (const x of [2, -1, 3, -5, 1]) {
        outs.push(f(kiln.scalar(x)));
        // User ops issued right after the call, before its continuation has run.
        outs.push(v.mul(10), kiln.add(v, kiln.tensor([1, 1])));
      }
      outs.push(g(kiln.scalar(1)), g(kiln.scalar(7)), count.add(0), v, count);
      return outs;
    };
    const { cpu, gpu } = await onBoth(run);
    expect(gpu).toEqual(cpu);
  });

  it('keeps inputs alive and orders uploads and later calls after a pending decision', async () => {
    const f = kiln.compile((x: kiln.Tensor) => kiln.whileLoop((a) => a.sum().less(100), (a) => [a.mul(2).add(1)], [x])[0]!);
    const { cpu, gpu } = await onBoth(() => {
      const x = kiln.tensor([1, 2, 3]);
      const y = f(x);
      x.dispose(); // the pending loop still reads it
      const z = kiln.tensor([10, 20, 30]); // an upload issued while the loop is pending
      const w = f(y.add(z));
      return [y, w, z.sub(y)];
    });
    expect(gpu).toEqual(cpu);
  });

  it('resolves data() only once the pending decisions before it are done', async () => {
    const slow = kiln.compile((x: kiln.Tensor) => kiln.whileLoop((i, a) => a.less(200), (i, a) => [i.add(1), a.add(1)], [kiln.scalar(0, 'int32'), x]));
    const [i, a] = slow(kiln.scalar(0)) as kiln.Tensor[];
    const later = a!.mul(2);
    expect(await values(later)).toEqual([400]);
    expect(await values(i!)).toEqual([200]);
  });

  it('runs nested control flow (a cond inside a loop body, a loop inside a branch)', async () => {
    const f = kiln.compile((x: kiln.Tensor) => {
      const [, total] = kiln.whileLoop((i) => i.less(5), (i, t) => [i.add(1), t.add(kiln.cond(i.mod(2).equal(0), () => x, () => x.neg().mul(i.cast('float32'))))],
        [kiln.scalar(0, 'int32'), kiln.zerosLike(x)]);
      const deep = kiln.cond(x.sum().greater(0), () => kiln.whileLoop((a) => a.sum().less(40), (a) => [a.mul(2)], [x])[0]!, () => x);
      return [total!, deep];
    });
    const { cpu, gpu } = await onBoth(() => [...f(kiln.tensor([1, 2])) as kiln.Tensor[], ...f(kiln.tensor([-1, 0.5])) as kiln.Tensor[]]);
    expect(gpu).toEqual(cpu);
  });

  it('differentiates through a while with maximumIterations like the cpu backend', async () => {
    const grads = () => {
      const w = kiln.variable([[0.5, -0.3], [0.2, 0.8]]);
      const g = kiln.compile((h0: kiln.Tensor) => {
        const tape = new kiln.GradientTape();
        tape.watch(h0);
        // A data-dependent condition: the forward and backward loops run as continuations.
        const y = tape.record(() => kiln.whileLoop((h) => h.abs().sum().greater(0.05), (h) => [kiln.tanh(kiln.matMul(h, w)).mul(0.9)],
          [h0], { maximumIterations: 12 })[0]!.sum());
        const [dh, dw] = tape.gradient(y, [h0, w]);
        return [y, dh!, dw!];
      });
      return [...g(kiln.tensor([[0.7, -0.1]])) as kiln.Tensor[], ...g(kiln.tensor([[0.01, 0.02]])) as kiln.Tensor[]];
    };
    const { cpu, gpu } = await onBoth(grads);
    expectClose(gpu, cpu);
  });

  it('runs eager kiln.cond and kiln.whileLoop with tensor predicates compiled', async () => {
    const { cpu, gpu } = await onBoth(() => {
      const x = kiln.tensor([3, -4]);
      const c = kiln.cond(x.sum().less(0), () => ({ a: x.mul(2), b: x.sum() }), () => ({ a: x, b: x.sum().neg() }));
      const [n, s] = kiln.whileLoop((v) => v.less(100), (v, t) => [v.mul(3), t.add(v)], [kiln.scalar(2), kiln.scalar(0)], { maximumIterations: 10 });
      return [c.a, c.b, n!, s!];
    });
    expect(gpu).toEqual(cpu);
  });

  it('surfaces an error inside a continuation on the next read and call, with variables unchanged', async () => {
    const backend = webgpu();
    const v = kiln.variable(kiln.tensor([1, 2]));
    const f = kiln.compile((x: kiln.Tensor) => kiln.cond(x.greater(0), () => { v.assignAdd(kiln.stack([x, x])); return x.mul(3); }, () => x));
    expect(await values(f(kiln.scalar(1)))).toEqual([3]);
    expect(await values(v)).toEqual([2, 3]);
    const run = backend.run.bind(backend);
    backend.run = (launch: Launch) => {
      if (launch.kernel.name.startsWith('true_branch')) throw new Error('injected failure');
      run(launch);
    };
    let y: kiln.Tensor;
    try {
      y = f(kiln.scalar(2)); // returns at once; the branch fails later
      await expect(y.data()).rejects.toThrow(/injected failure/);
    } finally {
      backend.run = run;
    }
    // Reading it again throws again: never a silent wrong value.
    await expect(y.data()).rejects.toThrow(kiln.KilnError);
    // Nothing half-applied: the variable keeps the value it had.
    expect(await values(v)).toEqual([2, 3]);
    // And the backend goes on working.
    expect(await values(f(kiln.scalar(4)))).toEqual([12]);
    expect(await values(v)).toEqual([6, 7]);
  });

  it('fails a loop whose nested cond fails, leaving the variable its body assigns as it was', async () => {
    const backend = webgpu();
    const v = kiln.variable(kiln.tensor([1, 2]));
    const f = kiln.compile((x: kiln.Tensor) => kiln.whileLoop((a) => a.less(20),
      (a) => [kiln.cond(a.greater(5), () => { v.assignAdd(kiln.stack([a, a])); return a.mul(2); }, () => a.add(3))], [x])[0]!);
    expect(await values(f(kiln.scalar(1)))).toEqual([28]);
    expect(await values(v)).toEqual([22, 23]);
    const run = backend.run.bind(backend);
    backend.run = (launch: Launch) => {
      if (launch.kernel.name.startsWith('true_branch')) throw new Error('injected failure');
      run(launch);
    };
    try {
      const y = f(kiln.scalar(1));
      const later = y.add(v.sum());
      await expect(later.data()).rejects.toThrow(/injected failure/);
      await expect(y.data()).rejects.toThrow(/injected failure/);
    } finally {
      backend.run = run;
    }
    expect(await values(v)).toEqual([22, 23]);
    expect(await values(f(kiln.scalar(1)))).toEqual([28]);
    expect(await values(v)).toEqual([43, 44]);
  });

  it('throws the continuation error on the next call when nothing reads its result', async () => {
    const backend = webgpu();
    const f = kiln.compile((x: kiln.Tensor) => kiln.cond(x.greater(0), () => x.exp(), () => x));
    await values(f(kiln.scalar(1)));
    const run = backend.run.bind(backend);
    backend.run = (launch: Launch) => {
      if (launch.kernel.name.startsWith('true_branch')) throw new Error('injected failure');
      run(launch);
    };
    try {
      f(kiln.scalar(1));
      // Waits for the failing continuation without touching the error it leaves.
      await new Promise<void>((resolve) => backend.defer(async () => resolve(), []));
    } finally {
      backend.run = run;
    }
    expect(() => f(kiln.scalar(-1))).toThrow(/injected failure/);
    expect(await values(f(kiln.scalar(-1)))).toEqual([-1]);
  });
});
