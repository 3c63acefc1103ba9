import { describe, expect, it } from 'vitest';
import * as kiln from '../../src/index.js';

const values = (t: kiln.Tensor) => Array.from(t.dataSync());
const ir = (f: { concrete: (...a: never[]) => kiln.ConcreteFunction }, ...args: unknown[]) =>
  (f.concrete as (...a: unknown[]) => kiln.ConcreteFunction)(...args).graph.toString({ locations: false });

function collatzJs(n: number): number {
  let steps = 0;
  while (n > 1) { n = n % 2 === 0 ? n / 2 : 3 * n + 1; steps++; }
  return steps;
}

describe('cond', () => {
  it('runs one branch eagerly and both are traced into one node when compiled', () => {
    const traced: string[] = [];
    const branchy = (x: kiln.Tensor) => kiln.cond(x.sum().greater(0),
      () => { traced.push('true'); return x.mul(x); },
      () => { traced.push('false'); return x.neg().floorDiv(2); });
    expect(values(branchy(kiln.tensor([-2])))).toEqual([1]);
    expect(traced).toEqual(['false']);
    traced.length = 0;
    const f = kiln.compile(branchy);
    expect(values(f(kiln.tensor([-2])))).toEqual([1]);
    expect(values(f(kiln.tensor([3])))).toEqual([9]);
    expect(traced).toEqual(['true', 'false']);
    expect(f.traceCount).toBe(1);
    expect(ir(f, kiln.tensor([3]))).toContain('= cond %');
  });

  it('returns nested structures and turns JS numbers into tensors', () => {
    const f = kiln.compile((x: kiln.Tensor) => kiln.cond(x.greater(0), () => ({ y: x.add(1), k: 1 }), () => ({ y: x.sub(1), k: 2 })));
    const pos = f(kiln.scalar(5)) as unknown as { y: kiln.Tensor; k: kiln.Tensor };
    const neg = f(kiln.scalar(-5)) as unknown as { y: kiln.Tensor; k: kiln.Tensor };
    expect([values(pos.y)[0], values(pos.k)[0], values(neg.y)[0], values(neg.k)[0]]).toEqual([6, 1, -6, 2]);
  });

  it('rejects branches of different structure, dtype or shape with a KilnError', () => {
    const x = kiln.tensor([1, 2]);
    const shapes = kiln.compile((a: kiln.Tensor) => kiln.cond(a.sum().greater(0), () => a, () => a.sum()));
    expect(() => shapes(x)).toThrow(/cond: output 0 is f32\[2\] in the true branch but f32\[\] in the false branch/);
    const structure = kiln.compile((a: kiln.Tensor) => kiln.cond(a.sum().greater(0), () => [a, a], () => [a]));
    expect(() => structure(x)).toThrow(kiln.KilnError);
    const dtypes = kiln.compile((a: kiln.Tensor) => kiln.cond(a.sum().greater(0), () => a, () => a.cast('int32')));
    expect(() => dtypes(x)).toThrow(/f32\[2\] in the true branch but i32\[2\]/);
  });

  it('inlines the taken branch when the predicate is a constant', () => {
    const f = kiln.compile((x: kiln.Tensor) => kiln.cond(kiln.scalar(true), () => x.add(1), () => x.sub(1)));
    expect(values(f(kiln.tensor([1])))).toEqual([2]);
    const text = ir(f, kiln.tensor([1]));
    expect(text).not.toContain('cond');
    expect(text).not.toContain('sub');
    expect(f.concrete(kiln.tensor([1])).passes.find((p) => p.name === 'fold')!.stats.branchesInlined).toBe(1);
  });

  it('lets the passes see into branches: dead and duplicate nodes inside are removed, kernels fuse inside', () => {
    const f = kiln.compile((x: kiln.Tensor) => kiln.cond(x.sum().greater(0), () => {
      x.exp(); // unused: removed by DCE inside the branch
      return x.mul(2).add(1).relu().add(x.mul(2).add(1).relu());
    }, () => x));
    const cf = f.concrete(kiln.tensor([1, 2]));
    const text = cf.graph.toString({ locations: false });
    expect(text).not.toContain('exp');
    expect(text.match(/relu/g)!.length).toBe(1);
    expect(values(f(kiln.tensor([1, 2])))).toEqual([6, 10]);
    // The true branch is one fused kernel; the graph around the cond has its own.
    expect(cf.kernels.filter((k) => k.name.startsWith('true_branch')).length).toBe(1);
  });

  it('updates variables only in the branch taken', () => {
    const v = kiln.variable(0);
    const f = kiln.compile((x: kiln.Tensor) => kiln.cond(x.greater(0), () => { v.assignAdd(1); return x; }, () => { v.assignSub(1); return x; }));
    f(kiln.scalar(1)); f(kiln.scalar(1)); f(kiln.scalar(-1));
    expect(values(v)).toEqual([1]);
  });
});

describe('whileLoop', () => {
  const collatz = kiln.compile((n: kiln.Tensor) => {
    const [, steps] = kiln.whileLoop((x) => x.greater(1),
      (x, s) => [kiln.where(x.mod(2).equal(0), x.floorDiv(2), x.mul(3).add(1)), s.add(1)],
      [n, kiln.scalar(0, 'int32')]);
    return steps!;
  });

  it('counts Collatz steps like plain JS, traced once for all inputs', () => {
    for (let n = 1; n <= 60; n++) expect(values(collatz(kiln.scalar(n, 'int32')))[0]).toBe(collatzJs(n));
    expect(collatz.traceCount).toBe(1);
  });

  it('runs Newton\'s method for sqrt to a tolerance', () => {
    const newton = kiln.compile((a: kiln.Tensor) => {
      const [x] = kiln.whileLoop((x) => x.mul(x).sub(a).abs().greater(1e-4),
        (x) => [x.add(a.div(x)).mul(0.5)], [a.add(1)], { maximumIterations: 100 });
      return x!;
    });
    for (const a of [0.5, 2, 9, 10, 123.5, 1e4]) expect(values(newton(kiln.scalar(a)))[0]).toBeCloseTo(Math.sqrt(a), 3);
    expect(newton.traceCount).toBe(1);
  });

  it('stops at maximumIterations, eagerly and compiled', () => {
    const loop = (x: kiln.Tensor) => kiln.whileLoop(() => kiln.scalar(true), (v) => [v.add(1)], [x], { maximumIterations: 7 })[0]!;
    expect(values(loop(kiln.scalar(0)))).toEqual([7]);
    expect(values(kiln.compile(loop)(kiln.scalar(0)))).toEqual([7]);
  });

  it('keeps loop variables\' dtypes and shapes (a KilnError names the variable)', () => {
    const f = kiln.compile((x: kiln.Tensor) => kiln.whileLoop((v) => v.sum().less(10), (v) => [v.reshape([2, 1])], [x])[0]!);
    expect(() => f(kiln.tensor([1, 2]))).toThrow(/loop variable 0 enters as f32\[2\] but the body returns f32\[2,1\]/);
    expect(() => kiln.whileLoop((v) => v.sum().less(10), (v) => [v], [kiln.tensor([1])], { shapeInvariants: [[null as unknown as number]] }))
      .toThrow(kiln.KilnError);
  });
});

describe('gradients through control flow', () => {
  function gradOf(f: (x: kiln.Tensor) => kiln.Tensor, x: kiln.Tensor): number[] {
    const g = kiln.compile((a: kiln.Tensor) => {
      const tape = new kiln.GradientTape();
      tape.watch(a);
      const y = tape.record(() => f(a));
      return tape.gradient(y, [a])[0]!;
    });
    return values(g(x));
  }

  function finiteDifference(f: (x: number[]) => number, x: number[], h = 1e-3): number[] {
    return x.map((_, i) => {
      const up = [...x]; up[i]! += h;
      const down = [...x]; down[i]! -= h;
      return (f(up) - f(down)) / (2 * h);
    });
  }

  it('cond: the gradient of the branch taken, matching finite differences', () => {
    const f = (x: kiln.Tensor) => kiln.cond(x.sum().greater(0), () => x.mul(x).sin().sum(), () => x.mul(3).exp().sum());
    const js = (x: number[]) => (x[0]! + x[1]! > 0 ? Math.sin(x[0]! ** 2) + Math.sin(x[1]! ** 2) : Math.exp(3 * x[0]!) + Math.exp(3 * x[1]!));
    for (const x of [[0.3, 0.9], [-0.4, -0.2]]) {
      const got = gradOf(f, kiln.tensor(x));
      finiteDifference(js, x).forEach((d, i) => expect(got[i]).toBeCloseTo(d, 2));
    }
  });

  it('whileLoop: matches the unrolled loop, for loop variables and captured tensors', () => {
    const w = kiln.variable([[0.5, -0.3], [0.2, 0.8]]);
    const steps = 5;
    const looped = (h0: kiln.Tensor) => kiln.whileLoop((i) => i.less(steps),
      (i, h) => [i.add(1), kiln.tanh(kiln.matMul(h, w))], [kiln.scalar(0, 'int32'), h0], { maximumIterations: 10 })[1]!.sum();
    const unrolled = (h0: kiln.Tensor) => {
      let h = h0;
      for (let i = 0; i < steps; i++) h = kiln.tanh(kiln.matMul(h, w));
      return h.sum();
    };
    const grads = (f: (h: kiln.Tensor) => kiln.Tensor) => kiln.compile((h0: kiln.Tensor) => {
      const tape = new kiln.GradientTape();
      tape.watch(h0);
      const y = tape.record(() => f(h0));
      const [dh, dw] = tape.gradient(y, [h0, w]);
      return [y, dh!, dw!];
    });
    const h0 = kiln.tensor([[0.7, -0.1]]);
    const a = grads(looped)(h0) as kiln.Tensor[];
    const b = grads(unrolled)(h0) as kiln.Tensor[];
    a.forEach((t, i) => values(t).forEach((v, k) => expect(v).toBeCloseTo(values(b[i]!)[k]!, 5)));
  });

  it('whileLoop without maximumIterations cannot be differentiated (a clear KilnError)', () => {
    const f = kiln.compile((x: kiln.Tensor) => {
      const tape = new kiln.GradientTape();
      tape.watch(x);
      const y = tape.record(() => kiln.whileLoop((v) => v.less(10), (v) => [v.mul(2)], [x])[0]!);
      return tape.gradient(y, [x])[0]!;
    });
    expect(() => f(kiln.scalar(1))).toThrow(/maximumIterations/);
  });

  it('an RNN over time steps with whileLoop trains: its loss falls', () => {
    const T = 6;
    const xs = kiln.randomNormal([T, 1, 3], { seed: 3 });
    const target = kiln.tensor([[0.5, -0.5]]);
    const wx = kiln.variable(kiln.randomNormal([3, 2], { seed: 4, stddev: 0.3 }));
    const wh = kiln.variable(kiln.randomNormal([2, 2], { seed: 5, stddev: 0.3 }));
    const step = kiln.compile(() => {
      const tape = new kiln.GradientTape();
      const loss = tape.record(() => {
        const [, h] = kiln.whileLoop((t) => t.less(T), (t, h) => [t.add(1),
          kiln.tanh(kiln.matMul(kiln.gather(xs, t), wx).add(kiln.matMul(h, wh)))], [kiln.scalar(0, 'int32'), kiln.zeros([1, 2])], { maximumIterations: T });
        return kiln.mean(kiln.square(h!.sub(target)));
      });
      const [gx, gh] = tape.gradient(loss, [wx, wh]);
      wx.assignSub(gx!.mul(0.5));
      wh.assignSub(gh!.mul(0.5));
      return loss;
    });
    const losses = Array.from({ length: 40 }, () => values(step() as kiln.Tensor)[0]!);
    expect(losses[39]!).toBeLessThan(losses[0]! * 0.5);
    expect(step.traceCount).toBe(1);
  });
});
