import { describe, expect, it, vi } from 'vitest';
import * as kiln from '../../src/index.js';
import { keras } from '../../src/index.js';
import { expectClose } from '../ops/close.js';

/** Each optimizer against its Keras formula in float64, eagerly and in one compiled step over many steps. */

const { optimizers } = keras;
const values = async (t: kiln.Tensor): Promise<number[]> => Array.from(await t.data());

/** One float64 reference step for element i: mutates w and the state arrays. */
type Reference = (w: number[], g: number[], s: Record<string, number[]>, lr: number, t: number) => void;

const sgd = (momentum = 0, nesterov = false): Reference => (w, g, s, lr) => {
  s.m ??= w.map(() => 0);
  w.forEach((_, i) => {
    if (momentum === 0) { w[i]! -= lr * g[i]!; return; }
    s.m![i] = momentum * s.m![i]! - lr * g[i]!;
    w[i]! += nesterov ? momentum * s.m![i]! - lr * g[i]! : s.m![i]!;
  });
};

const rmsprop = (rho = 0.9, momentum = 0, eps = 1e-7, centered = false): Reference => (w, g, s, lr) => {
  for (const k of ['v', 'm', 'a']) s[k] ??= w.map(() => 0);
  w.forEach((_, i) => {
    s.v![i] = rho * s.v![i]! + (1 - rho) * g[i]! ** 2;
    let denominator = s.v![i]! + eps;
    if (centered) {
      s.a![i] = rho * s.a![i]! + (1 - rho) * g[i]!;
      denominator = s.v![i]! - s.a![i]! ** 2 + eps;
    }
    const increment = (lr * g[i]!) / Math.sqrt(denominator);
    if (momentum > 0) { s.m![i] = momentum * s.m![i]! + increment; w[i]! -= s.m![i]!; } else w[i]! -= increment;
  });
};

const adam = (b1 = 0.9, b2 = 0.999, eps = 1e-7, amsgrad = false, weightDecay = 0): Reference => (w, g, s, lr, t) => {
  for (const k of ['m', 'v', 'vh']) s[k] ??= w.map(() => 0);
  const alpha = (lr * Math.sqrt(1 - b2 ** t)) / (1 - b1 ** t);
  w.forEach((_, i) => {
    w[i]! -= w[i]! * weightDecay * lr;
    s.m![i]! += (g[i]! - s.m![i]!) * (1 - b1);
    s.v![i]! += (g[i]! ** 2 - s.v![i]!) * (1 - b2);
    s.vh![i] = Math.max(s.vh![i]!, s.v![i]!);
    w[i]! -= (alpha * s.m![i]!) / (Math.sqrt(amsgrad ? s.vh![i]! : s.v![i]!) + eps);
  });
};

/** Gradients that change sign and size from step to step. */
const gradAt = (step: number, n: number, offset: number): number[] =>
  Array.from({ length: n }, (_, i) => Math.sin(1.3 * step + 0.7 * i + offset) * (1 + i) * 0.5);

interface Case { name: string; make: () => keras.optimizers.Optimizer; ref: Reference; lr: number }
const cases: Case[] = [
  { name: 'SGD', make: () => new optimizers.SGD(), ref: sgd(), lr: 0.01 },
  { name: 'SGD momentum 0.9', make: () => new optimizers.SGD({ learningRate: 0.1, momentum: 0.9 }), ref: sgd(0.9), lr: 0.1 },
  { name: 'SGD nesterov', make: () => new optimizers.SGD({ learningRate: 0.1, momentum: 0.8, nesterov: true }), ref: sgd(0.8, true), lr: 0.1 },
  { name: 'RMSprop', make: () => new optimizers.RMSprop(), ref: rmsprop(), lr: 0.001 },
  { name: 'RMSprop centered, momentum', make: () => new optimizers.RMSprop({ learningRate: 0.01, momentum: 0.5, centered: true, rho: 0.8 }), ref: rmsprop(0.8, 0.5, 1e-7, true), lr: 0.01 },
  { name: 'Adam', make: () => new optimizers.Adam(), ref: adam(), lr: 0.001 },
  { name: 'Adam amsgrad', make: () => new optimizers.Adam({ learningRate: 0.01, amsgrad: true, beta1: 0.8 }), ref: adam(0.8, 0.999, 1e-7, true), lr: 0.01 },
  { name: 'AdamW (weightDecay 0.004)', make: () => new optimizers.AdamW({ learningRate: 0.05 }), ref: adam(0.9, 0.999, 1e-7, false, 0.004), lr: 0.05 },
];

const STEPS = 6;
const W0 = [0.5, -1.5, 2, 0.25];
const B0 = [[1, -2], [0.5, 3]];

/** The float64 trajectory: the weights after each step; the learning rate becomes `lrAfter3` from step 4 on. */
function reference(c: Case, lrAfter3: number): { w: number[]; b: number[] }[] {
  const w = [...W0];
  const b = B0.flat();
  const sw: Record<string, number[]> = {};
  const sb: Record<string, number[]> = {};
  const out = [];
  for (let k = 0; k < STEPS; k++) {
    const lr = k >= 3 ? lrAfter3 : c.lr;
    c.ref(w, gradAt(k, 4, 0), sw, lr, k + 1);
    c.ref(b, gradAt(k, 4, 2), sb, lr, k + 1);
    out.push({ w: [...w], b: [...b] });
  }
  return out;
}

describe.each(cases)('$name', (c) => {
  it('has Keras default learning rate, and follows the formula eagerly over several steps', async () => {
    const opt = c.make();
    expect(opt.learningRate).toBeCloseTo(c.lr, 10);
    const w = new kiln.Variable(kiln.tensor(W0));
    const b = new kiln.Variable(kiln.tensor(B0));
    const expected = reference(c, c.lr);
    for (let k = 0; k < STEPS; k++) {
      opt.applyGradients([[kiln.tensor(gradAt(k, 4, 0)), w], [kiln.tensor(gradAt(k, 4, 2), [2, 2]), b]]);
      expectClose(await values(w), expected[k]!.w, 2e-5, `w after step ${k + 1}`, 1e-6);
      expectClose(await values(b), expected[k]!.b, 2e-5, `b after step ${k + 1}`, 1e-6);
    }
    expect(await values(opt.iterations)).toEqual([STEPS]);
    expect(opt.iterations.dtype).toBe('int32');
  });

  it('gives the same values in one compiled step (traceCount 1), and a new learning rate applies without retracing', async () => {
    const opt = c.make();
    const w = new kiln.Variable(kiln.tensor(W0));
    const b = new kiln.Variable(kiln.tensor(B0));
    const step = kiln.compile((gw: kiln.Tensor, gb: kiln.Tensor) => {
      opt.applyGradients([[gw, w], [gb, b]]);
      return opt.iterations.read();
    });
    const newLr = c.lr * 3;
    const expected = reference(c, newLr);
    for (let k = 0; k < STEPS; k++) {
      if (k === 3) opt.learningRate = newLr;
      const it = step(kiln.tensor(gradAt(k, 4, 0)), kiln.tensor(gradAt(k, 4, 2), [2, 2]));
      expect(await values(it)).toEqual([k + 1]);
      expectClose(await values(w), expected[k]!.w, 2e-5, `w after step ${k + 1}`, 1e-6);
      expectClose(await values(b), expected[k]!.b, 2e-5, `b after step ${k + 1}`, 1e-6);
    }
    expect(step.traceCount).toBe(1);
    expect(opt.learningRate).toBeCloseTo(newLr, 10);
  });
});

describe('Optimizer', () => {
  it('creates slots once per weight, lists its variables, and skips null gradients with a warning', async () => {
    const opt = new optimizers.Adam();
    const w = new kiln.Variable(kiln.tensor([1, 2]), { name: 'w' });
    const unused = new kiln.Variable(kiln.tensor([5]), { name: 'unused' });
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    opt.applyGradients([[kiln.tensor([0.1, 0.2]), w], [null, unused]]);
    opt.applyGradients([[kiln.tensor([0.1, 0.2]), w], [null, unused]]);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]![0])).toMatch(/'unused'/);
    warn.mockRestore();
    expect(await values(unused)).toEqual([5]);
    expect(opt.variables.length).toBe(4); // iterations, learning rate, m and v of w
    expect(opt.variables.slice(2).every((v) => !v.trainable && v.shape.join() === '2')).toBe(true);
    expect(Object.keys(opt.getSlots(w))).toEqual(['momentum', 'velocity']);
    expect(() => opt.applyGradients([[null, w]])).toThrow(/no gradients provided/);
    expect(() => opt.applyGradients([[kiln.tensor([1, 2, 3]), w]])).toThrow(kiln.KilnError);
    expect(() => opt.applyGradients([[kiln.tensor([1, 2, 3]), w]])).toThrow(/does not match variable 'w/);
  });

  it('minimizes a quadratic with tape gradients in one compiled train step', async () => {
    const opt = new optimizers.SGD({ learningRate: 0.1, momentum: 0.5 });
    const w = new kiln.Variable(kiln.tensor([3, -2]));
    const target = kiln.tensor([1, 1]);
    const step = kiln.compile(() => {
      const tape = new kiln.GradientTape();
      const loss = tape.record(() => kiln.sum(kiln.square(kiln.sub(w, target))));
      const grads = tape.gradient(loss, [w]);
      opt.applyGradients(grads.map((g) => [g, w] as const));
      return loss;
    });
    for (let i = 0; i < 60; i++) step();
    expect(step.traceCount).toBe(1);
    expectClose(await values(w), [1, 1], 0, 'w', 1e-4);
  });

  it('the learning-rate variable is non-trainable, and setting it checks the value', async () => {
    const opt = new optimizers.RMSprop({ learningRate: 0.5 });
    expect(await values(opt.learningRateVariable)).toEqual([0.5]);
    opt.learningRate = 0.25;
    expect(await values(opt.learningRateVariable)).toEqual([0.25]);
    expect(opt.learningRateVariable.trainable).toBe(false);
    expect(() => { opt.learningRate = Number.NaN; }).toThrow(kiln.KilnError);
  });

  it('AdamW excludes weights from decay by variable or name; clipping options clip', async () => {
    const opt = new optimizers.AdamW({ learningRate: 0.1, weightDecay: 0.5 });
    const kernel = new kiln.Variable(kiln.tensor([2]), { name: 'kernel' });
    const bias = new kiln.Variable(kiln.tensor([2]), { name: 'dense/bias' });
    opt.excludeFromWeightDecay({ names: ['bias'] });
    opt.applyGradients([[kiln.tensor([0]), kernel], [kiln.tensor([0]), bias]]);
    expectClose(await values(kernel), [2 - 2 * 0.5 * 0.1], 1e-6);
    expectClose(await values(bias), [2], 1e-6);

    const clipped = new optimizers.SGD({ learningRate: 1, clipNorm: 1 });
    const v = new kiln.Variable(kiln.tensor([0, 0]));
    clipped.applyGradients([[kiln.tensor([3, 4]), v]]);
    expectClose(await values(v), [-0.6, -0.8], 1e-6);
    const byValue = new optimizers.SGD({ learningRate: 1, clipValue: 0.5 });
    byValue.applyGradients([[kiln.tensor([3, -0.25]), v]]);
    expectClose(await values(v), [-1.1, -0.55], 1e-6);
    const global = new optimizers.SGD({ learningRate: 1, globalClipnorm: 5 });
    const u = new kiln.Variable(kiln.tensor([0]));
    global.applyGradients([[kiln.tensor([6, 8]), v], [kiln.tensor([0]), u]]);
    expectClose(await values(v), [-1.1 - 3, -0.55 - 4], 1e-6);
    expect(() => new optimizers.SGD({ clipNorm: 1, clipValue: 1 })).toThrow(/only one/);
  });

  it('get resolves names with Keras defaults and passes objects through', () => {
    expect(optimizers.get('adam')).toBeInstanceOf(optimizers.Adam);
    expect(optimizers.get('Adam').learningRate).toBeCloseTo(0.001, 10);
    expect(optimizers.get('sgd').learningRate).toBeCloseTo(0.01, 10);
    expect(optimizers.get('rmsprop')).toBeInstanceOf(optimizers.RMSprop);
    const adamw = optimizers.get('adamw');
    expect(adamw).toBeInstanceOf(optimizers.AdamW);
    expect(adamw.weightDecay).toBe(0.004);
    const own = new optimizers.SGD();
    expect(optimizers.get(own)).toBe(own);
    expect(() => optimizers.get('adagrad')).toThrow(kiln.KilnError);
    expect(() => optimizers.get('adagrad')).toThrow(/'adam', 'adamw', 'sgd', 'rmsprop'/);
  });

  it('eager steps free their intermediates', () => {
    const opt = new optimizers.Adam({ amsgrad: true });
    const w = new kiln.Variable(kiln.tensor([1, 2]));
    const g = kiln.tensor([0.5, -0.5]);
    opt.applyGradients([[g, w]]);
    const before = kiln.memory().numTensors;
    opt.applyGradients([[g, w]]);
    opt.learningRate = 0.01;
    expect(kiln.memory().numTensors).toBe(before);
  });
});
