import { describe, expect, it } from 'vitest';
import * as kiln from '../../src/index.js';
import { keras } from '../../src/index.js';
import { expectClose } from '../ops/close.js';

/** Losses against Keras's documented examples and float64 values computed here. */

const { losses } = keras;
const values = async (t: kiln.Tensor): Promise<number[]> => Array.from(await t.data());
const EPS = 1e-7;
// Clipping happens in float32, as in Keras: 1 - 1e-7 rounds to 0.99999988.
const clip = (p: number) => Math.min(Math.max(p, Math.fround(EPS)), Math.fround(1 - EPS));
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

describe('MeanSquaredError and MeanAbsoluteError (Keras docs example)', () => {
  const yTrue = [[0, 1], [0, 0]];
  const yPred = [[1, 1], [1, 0]];
  for (const [Cls, fn] of [[losses.MeanSquaredError, losses.meanSquaredError], [losses.MeanAbsoluteError, losses.meanAbsoluteError]] as const) {
    it(`${Cls.name}: 0.5, weighted 0.25, sum 1.0, none [0.5, 0.5]`, async () => {
      expectClose(await values(new Cls().call(yTrue, yPred)), [0.5], 1e-6);
      expectClose(await values(new Cls().call(yTrue, yPred, [0.7, 0.3])), [0.25], 1e-6);
      expectClose(await values(new Cls({ reduction: 'sum' }).call(yTrue, yPred)), [1], 1e-6);
      const none = new Cls({ reduction: 'none' }).call(yTrue, yPred);
      expect(none.shape).toEqual([2]);
      expectClose(await values(none), [0.5, 0.5], 1e-6);
      expectClose(await values(fn(yTrue, yPred)), [0.5, 0.5], 1e-6);
    });
  }

  it('y of shape [n] against predictions [n, 1] is expanded, not broadcast', async () => {
    const loss = losses.meanSquaredError(kiln.tensor([1, 2, 3]), kiln.tensor([[1], [2], [5]]));
    expect(loss.shape).toEqual([3]);
    expectClose(await values(loss), [0, 0, 4], 1e-6);
  });

  it('a sample weight of shape [n, 1] and a scalar weight', async () => {
    expectClose(await values(new losses.MeanSquaredError().call(yTrue, yPred, [[0.7], [0.3]])), [0.25], 1e-6);
    expectClose(await values(new losses.MeanSquaredError().call(yTrue, yPred, 2)), [1], 1e-6);
  });
});

describe('BinaryCrossentropy', () => {
  const yTrue = [[0, 1], [0, 0]];
  const logits = [[-18.6, 0.51], [2.94, -12.8]];
  const perElement = (t: number, x: number) => Math.max(x, 0) - x * t + Math.log1p(Math.exp(-Math.abs(x)));
  const rows = logits.map((r, i) => (perElement(yTrue[i]![0]!, r[0]!) + perElement(yTrue[i]![1]!, r[1]!)) / 2);

  it('from logits: 0.865, weighted 0.243, sum 1.730, none [0.235, 1.496] (Keras docs)', async () => {
    expectClose(await values(new losses.BinaryCrossentropy({ fromLogits: true }).call(yTrue, logits)), [0.865], 1e-3);
    expectClose(await values(new losses.BinaryCrossentropy({ fromLogits: true }).call(yTrue, logits, [0.8, 0.2])), [0.2436], 1e-3);
    expectClose(await values(new losses.BinaryCrossentropy({ fromLogits: true, reduction: 'sum' }).call(yTrue, logits)), [1.730], 1e-3);
    expectClose(await values(new losses.BinaryCrossentropy({ fromLogits: true, reduction: 'none' }).call(yTrue, logits)), rows, 1e-5);
    expectClose(rows, [0.235, 1.496], 2e-3);
  });

  it('probabilities are clipped to [1e-7, 1 - 1e-7]', async () => {
    const probs = [[0.6, 0.4], [0.4, 0.6], [0, 1]];
    const labels = [[0, 1], [0, 0], [1, 0]];
    const expected = probs.map((r, i) => r.reduce((s, p, j) => {
      const t = labels[i]![j]!;
      return s - (t * Math.log(clip(p)) + (1 - t) * Math.log(Math.fround(1 - clip(p)))) / 2;
    }, 0));
    expectClose(await values(losses.binaryCrossentropy(labels, probs)), expected, 1e-4);
    expectClose(expected.slice(0, 2), [0.916, 0.714], 1e-3); // keras.losses.binary_crossentropy docs
    expect(Number.isFinite((await values(new losses.BinaryCrossentropy().call(labels, probs)))[0]!)).toBe(true);
  });

  it('probabilities and logits agree; label smoothing moves targets towards 1/2', async () => {
    const x = [[0.3, -1.2, 2.5]];
    const y = [[1, 0, 1]];
    const p = x.map((r) => r.map(sigmoid));
    expectClose(await values(losses.binaryCrossentropy(y, p)), await values(losses.binaryCrossentropy(y, x, { fromLogits: true })), 1e-5);
    const smoothed = y[0]!.map((t) => t * 0.8 + 0.1);
    const expected = smoothed.reduce((s, t, j) => s + perElement(t, x[0]![j]!), 0) / 3;
    expectClose(await values(new losses.BinaryCrossentropy({ fromLogits: true, labelSmoothing: 0.2 }).call(y, x)), [expected], 1e-5);
  });

  it('stays finite for large logits', async () => {
    expectClose(await values(losses.binaryCrossentropy([[1, 0]], [[100, -100]], { fromLogits: true })), [0], 0, 'loss', 1e-6);
  });
});

describe('CategoricalCrossentropy and SparseCategoricalCrossentropy (Keras docs example)', () => {
  const probs = [[0.05, 0.95, 0], [0.1, 0.8, 0.1]];
  const oneHot = [[0, 1, 0], [0, 0, 1]];
  const sparse = [1, 2];
  const rows = [-Math.log(0.95), -Math.log(0.1)];

  it('categorical: 1.177, weighted [0.3, 0.7] 0.814, sum 2.354, none [0.0513, 2.303]', async () => {
    expectClose(await values(new losses.CategoricalCrossentropy().call(oneHot, probs)), [1.177], 1e-3);
    expectClose(await values(new losses.CategoricalCrossentropy().call(oneHot, probs, [0.3, 0.7])), [0.814], 1e-3);
    expectClose(await values(new losses.CategoricalCrossentropy({ reduction: 'sum' }).call(oneHot, probs)), [2.354], 1e-3);
    expectClose(await values(losses.categoricalCrossentropy(oneHot, probs)), rows, 1e-5);
  });

  it('sparse: the same values from integer labels (int32, float, or shape [n, 1])', async () => {
    expectClose(await values(new losses.SparseCategoricalCrossentropy().call(sparse, probs)), [1.177], 1e-3);
    expectClose(await values(new losses.SparseCategoricalCrossentropy().call(sparse, probs, [0.3, 0.7])), [0.814], 1e-3);
    expectClose(await values(new losses.SparseCategoricalCrossentropy({ reduction: 'sum' }).call(sparse, probs)), [2.354], 1e-3);
    expectClose(await values(losses.sparseCategoricalCrossentropy(kiln.tensor(sparse, undefined, 'int32'), probs)), rows, 1e-5);
    expectClose(await values(losses.sparseCategoricalCrossentropy(kiln.tensor([[1], [2]]), probs)), rows, 1e-5);
  });

  it('from logits: the stable log-softmax forms', async () => {
    const logits = [[2, -1, 0.5], [-3, 4, 1]];
    const lse = logits.map((r) => Math.log(r.reduce((s, v) => s + Math.exp(v), 0)));
    const expected = [lse[0]! - logits[0]![0]!, lse[1]! - logits[1]![2]!];
    expectClose(await values(losses.sparseCategoricalCrossentropy([0, 2], logits, { fromLogits: true })), expected, 1e-5);
    expectClose(await values(losses.categoricalCrossentropy([[1, 0, 0], [0, 0, 1]], logits, { fromLogits: true })), expected, 1e-5);
    const big = new losses.SparseCategoricalCrossentropy({ fromLogits: true }).call([0], [[1000, 0, -1000]]);
    expectClose(await values(big), [0], 0, 'loss', 1e-6);
  });

  it('categorical label smoothing spreads 0.1 over the classes', async () => {
    const t = oneHot.map((r) => r.map((v) => v * 0.9 + 0.1 / 3));
    const expected = probs.map((r, i) => -r.reduce((s, p, j) => s + t[i]![j]! * Math.log(clip(p)), 0));
    expectClose(await values(losses.categoricalCrossentropy(oneHot, probs, { labelSmoothing: 0.1 })), expected, 1e-4);
  });

  it('mismatched targets name the right loss to use', () => {
    expect(() => losses.categoricalCrossentropy([1, 2], probs)).toThrow(/SparseCategoricalCrossentropy/);
    expect(() => losses.sparseCategoricalCrossentropy(oneHot, probs)).toThrow(/CategoricalCrossentropy/);
  });
});

describe('losses inside kiln.compile, gradients, get', () => {
  it('a compiled loss matches the eager one, and its gradient is (p - t) · 2/n for MSE', async () => {
    const lossFn = new losses.MeanSquaredError();
    const w = new kiln.Variable(kiln.tensor([[1, 2], [3, 4]]));
    const step = kiln.compile((y: kiln.Tensor) => {
      const tape = new kiln.GradientTape();
      const loss = tape.record(() => lossFn.call(y, w));
      return [loss, tape.gradient(loss, [w])[0]!];
    });
    const [loss, grad] = step(kiln.tensor([[0, 0], [0, 0]]));
    expectClose(await values(loss!), [7.5], 1e-6);
    expectClose(await values(grad!), [0.5, 1, 1.5, 2], 1e-6);
  });

  it('get resolves names, camelCase, aliases, objects and functions', async () => {
    expect(losses.get('mse')).toBeInstanceOf(losses.MeanSquaredError);
    expect(losses.get('mean_absolute_error')).toBeInstanceOf(losses.MeanAbsoluteError);
    expect(losses.get('mae')).toBeInstanceOf(losses.MeanAbsoluteError);
    expect(losses.get('binaryCrossentropy')).toBeInstanceOf(losses.BinaryCrossentropy);
    expect(losses.get('categorical_crossentropy')).toBeInstanceOf(losses.CategoricalCrossentropy);
    expect(losses.get('SparseCategoricalCrossentropy')).toBeInstanceOf(losses.SparseCategoricalCrossentropy);
    const own = new losses.BinaryCrossentropy({ fromLogits: true });
    expect(losses.get(own)).toBe(own);
    const fromFn = losses.get(losses.meanAbsoluteError);
    expect(fromFn.name).toBe('meanAbsoluteError');
    expectClose(await values(fromFn.call([[0, 1], [0, 0]], [[1, 1], [1, 0]])), [0.5], 1e-6);
    expect(() => losses.get('hinge_loss')).toThrow(kiln.KilnError);
    expect(() => losses.get('hinge_loss')).toThrow(/'mse'.*'sparse_categorical_crossentropy'/);
    expect(() => new losses.MeanSquaredError({ reduction: 'avg' as 'sum' })).toThrow(/unknown reduction/);
  });

  it('eager calls free their intermediates', () => {
    const yTrue = kiln.tensor([[0, 1], [0, 0]]);
    const yPred = kiln.tensor([[0.6, 0.4], [0.4, 0.6]]);
    const lossFn = new losses.BinaryCrossentropy();
    lossFn.call(yTrue, yPred).dispose();
    const before = kiln.memory().numTensors;
    lossFn.call(yTrue, yPred, [1, 2]).dispose();
    new losses.SparseCategoricalCrossentropy().call([0, 1], yPred).dispose();
    expect(kiln.memory().numTensors).toBe(before);
  });
});
