import { describe, expect, it } from 'vitest';
import * as kiln from '../../src/index.js';
import { keras } from '../../src/index.js';
import { expectClose } from '../ops/close.js';

/** Metrics against Keras's documented examples: accumulation, sample weights, reset, compiled updates. */

const { metrics, losses } = keras;
const result = async (m: keras.metrics.Metric): Promise<number> => (await m.result().data())[0]!;

describe('Mean', () => {
  it('update_state([1,3,5,7]) is 4; after reset, weights [1,1,0,0] give 2 (keras-defaults.md)', async () => {
    const m = new metrics.Mean();
    m.updateState([1, 3, 5, 7]);
    expect(await result(m)).toBeCloseTo(4, 6);
    m.resetState();
    expect(await result(m)).toBe(0);
    m.updateState([1, 3, 5, 7], [1, 1, 0, 0]);
    expect(await result(m)).toBeCloseTo(2, 6);
  });

  it('accumulates across calls, averages rows of a matrix first, and keeps state in non-trainable variables', async () => {
    const m = new metrics.Mean({ name: 'loss' });
    m.updateState(kiln.tensor([[1, 3], [5, 7]])); // row means 2, 6
    m.updateState(10);
    expect(await result(m)).toBeCloseTo(6, 6);
    expect(m.name).toBe('loss');
    expect(m.variables.length).toBe(2);
    expect(m.variables.every((v) => !v.trainable)).toBe(true);
  });

  it('a matrix weighted per sample', async () => {
    const m = new metrics.Mean();
    m.updateState(kiln.tensor([[1, 3], [5, 7]]), [[0.25], [0.75]]);
    expect(await result(m)).toBeCloseTo((2 * 0.25 + 6 * 0.75) / 1, 6);
  });
});

describe('accuracy metrics (Keras docs examples)', () => {
  const cases: [string, () => keras.metrics.Metric, number[][], number[][] | number[], number[], number, number][] = [
    ['Accuracy', () => new metrics.Accuracy(), [[1], [2], [3], [4]], [[0], [2], [3], [4]], [1, 1, 0, 0], 0.75, 0.5],
    ['BinaryAccuracy', () => new metrics.BinaryAccuracy(), [[1], [1], [0], [0]], [[0.98], [1], [0], [0.6]], [1, 0, 0, 1], 0.75, 0.5],
    ['CategoricalAccuracy', () => new metrics.CategoricalAccuracy(), [[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]], [0.7, 0.3], 0.5, 0.3],
    ['SparseCategoricalAccuracy', () => new metrics.SparseCategoricalAccuracy(), [[2], [1]], [[0.1, 0.6, 0.3], [0.05, 0.95, 0]], [0.7, 0.3], 0.5, 0.3],
  ];
  for (const [name, make, yTrue, yPred, weights, plain, weighted] of cases) {
    it(`${name}: ${plain}, then ${weighted} weighted after reset`, async () => {
      const m = make();
      m.updateState(yTrue, yPred);
      expect(await result(m)).toBeCloseTo(plain, 6);
      m.resetState();
      m.updateState(yTrue, yPred, weights);
      expect(await result(m)).toBeCloseTo(weighted, 6);
      expect(m.direction).toBe('up');
    });
  }

  it('SparseCategoricalAccuracy takes int32 labels of shape [n] and accumulates over batches', async () => {
    const m = new metrics.SparseCategoricalAccuracy();
    m.updateState(kiln.tensor([2, 1], undefined, 'int32'), [[0.1, 0.6, 0.3], [0.05, 0.95, 0]]);
    m.updateState(kiln.tensor([0, 0], undefined, 'int32'), [[0.9, 0.1, 0], [0.2, 0.7, 0.1]]);
    expect(await result(m)).toBeCloseTo(0.5, 6);
    expect(m.name).toBe('sparse_categorical_accuracy');
  });

  it('BinaryAccuracy with a threshold', async () => {
    const m = new metrics.BinaryAccuracy({ threshold: 0.7 });
    m.updateState([[1], [1], [0], [0]], [[0.98], [0.6], [0], [0.6]]);
    expect(await result(m)).toBeCloseTo(0.75, 6);
  });

  it('an empty metric reads 0, not NaN', async () => {
    expect(await result(new metrics.CategoricalAccuracy())).toBe(0);
  });
});

describe('metrics inside kiln.compile', () => {
  it('updates run in the compiled program: one trace over several batches, reset between epochs', async () => {
    const acc = new metrics.SparseCategoricalAccuracy();
    const lossMean = new metrics.Mean({ name: 'loss' });
    const step = kiln.compile((y: kiln.Tensor, p: kiln.Tensor) => {
      acc.updateState(y, p);
      lossMean.updateState(new losses.SparseCategoricalCrossentropy().call(y, p));
      return { accuracy: acc.result(), loss: lossMean.result() };
    });
    const y = kiln.tensor([0, 1], undefined, 'int32');
    const batches = [[[0.9, 0.1], [0.2, 0.8]], [[0.9, 0.1], [0.9, 0.1]], [[0.3, 0.7], [0.6, 0.4]]];
    const losses3 = batches.map((b) => (-Math.log(b[0]![0]!) - Math.log(b[1]![1]!)) / 2);
    let out = step(y, kiln.tensor(batches[0]!));
    out = step(y, kiln.tensor(batches[1]!));
    out = step(y, kiln.tensor(batches[2]!));
    expect(step.traceCount).toBe(1);
    expect((await out.accuracy.data())[0]).toBeCloseTo(3 / 6, 6);
    expectClose([(await out.loss.data())[0]!], [(losses3[0]! + losses3[1]! + losses3[2]!) / 3], 1e-5);
    acc.resetState();
    lossMean.resetState();
    out = step(y, kiln.tensor(batches[0]!));
    expect(step.traceCount).toBe(1);
    expect((await out.accuracy.data())[0]).toBeCloseTo(1, 6);
    expectClose([(await out.loss.data())[0]!], [losses3[0]!], 1e-5);
  });

  it('a metric created inside a compiled function does not force a second trace', async () => {
    let m: keras.metrics.Mean | null = null;
    const f = kiln.compile((x: kiln.Tensor) => {
      m ??= new metrics.Mean();
      m.updateState(x);
      return m.result();
    });
    f(kiln.tensor([1, 3]));
    expect((await f(kiln.tensor([5, 7])).data())[0]).toBeCloseTo(4, 6);
    expect(f.traceCount).toBe(1);
  });
});

describe('metrics.get', () => {
  it("resolves 'accuracy' from the loss, as Keras", () => {
    expect(metrics.get('accuracy', 'sparse_categorical_crossentropy')).toBeInstanceOf(metrics.SparseCategoricalAccuracy);
    expect(metrics.get('accuracy', new losses.SparseCategoricalCrossentropy({ fromLogits: true }))).toBeInstanceOf(metrics.SparseCategoricalAccuracy);
    expect(metrics.get('acc', new losses.CategoricalCrossentropy())).toBeInstanceOf(metrics.CategoricalAccuracy);
    expect(metrics.get('accuracy', 'binary_crossentropy')).toBeInstanceOf(metrics.BinaryAccuracy);
    expect(metrics.get('accuracy', losses.binaryCrossentropy)).toBeInstanceOf(metrics.BinaryAccuracy);
    expect(metrics.get('accuracy', 'mse')).toBeInstanceOf(metrics.Accuracy);
    expect(metrics.get('accuracy')).toBeInstanceOf(metrics.Accuracy);
    expect(metrics.get('acc', 'categorical_crossentropy').name).toBe('acc');
    expect(metrics.get('accuracy', 'categorical_crossentropy').name).toBe('accuracy');
  });

  it('resolves other names, objects and functions; unknown names throw', async () => {
    expect(metrics.get('sparse_categorical_accuracy')).toBeInstanceOf(metrics.SparseCategoricalAccuracy);
    expect(metrics.get('binaryAccuracy')).toBeInstanceOf(metrics.BinaryAccuracy);
    const mse = metrics.get('mse');
    expect(mse.name).toBe('mse');
    expect(mse.direction).toBe('down');
    mse.updateState([[0, 1], [0, 0]], [[1, 1], [1, 0]]);
    expect(await result(mse)).toBeCloseTo(0.5, 6);
    const own = new metrics.Mean();
    expect(metrics.get(own)).toBe(own);
    const fn = metrics.get(function absError(t: kiln.Tensor, p: kiln.Tensor) { return kiln.abs(kiln.sub(t, p)); });
    expect(fn.name).toBe('absError');
    expect(() => metrics.get('f1')).toThrow(kiln.KilnError);
    expect(() => metrics.get('f1')).toThrow(/'accuracy'/);
  });

  it('eager updates free their intermediates', () => {
    const m = new metrics.CategoricalAccuracy();
    const t = kiln.tensor([[0, 1]]);
    const p = kiln.tensor([[0.3, 0.7]]);
    m.updateState(t, p, [1]);
    const before = kiln.memory().numTensors;
    m.updateState(t, p, [1]);
    m.result().dispose();
    m.resetState();
    expect(kiln.memory().numTensors).toBe(before);
  });
});
