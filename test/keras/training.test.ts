// compile / fit / evaluate / predict: the compiled steps and their trace counts, epoch logs,
// validation, callbacks (EarlyStopping, throwing callbacks), datasets and progress output.
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as kiln from '../../src/index.js';
import { expectClose } from '../ops/close.js';

const { keras } = kiln;
const { layers, optimizers, callbacks } = keras;
const values = async (t: kiln.Tensor) => Array.from(await t.data());

/** Three well-separated classes in 4 features: learnable in a few epochs. */
function blobs(n: number, seed = 1): [kiln.Tensor, kiln.Tensor] {
  const labels = Int32Array.from({ length: n }, (_, i) => i % 3);
  const noise = kiln.randomNormal([n, 4], { stddev: 0.3, seed });
  const centers = kiln.tensor([[2, 0, 0, 0], [0, 2, 0, 0], [0, 0, 2, 0]]);
  const x = kiln.add(kiln.gather(centers, kiln.tensor(labels, [n], 'int32')), noise);
  return [x, kiln.tensor(labels, [n], 'int32')];
}

function classifier(): kiln.keras.Sequential {
  return new keras.Sequential([
    new layers.Dense(16, { inputShape: [4], activation: 'relu' }),
    new layers.Dropout(0.1),
    new layers.Dense(3, { activation: 'softmax' }),
  ]);
}

afterEach(() => vi.restoreAllMocks());

describe('fit', () => {
  it('trains through a compiled step traced at most twice over 3 epochs, and logs loss and metrics', async () => {
    const [x, y] = blobs(100);
    const model = classifier();
    model.compile({ optimizer: new optimizers.Adam({ learningRate: 0.05 }), loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
    const history = await model.fit(x, y, { epochs: 3, batchSize: 32, verbose: 0 });
    expect(model.trainFunction!.traceCount).toBeLessThanOrEqual(2);
    expect(Object.keys(history.history)).toEqual(['loss', 'accuracy']);
    expect(history.epoch).toEqual([0, 1, 2]);
    const loss = history.history.loss!;
    expect(loss[2]!).toBeLessThan(loss[0]!);
    expect(history.history.accuracy![2]!).toBeGreaterThan(0.9);
    // A second fit reuses the compiled step: no new traces for the same batch shapes.
    await model.fit(x, y, { epochs: 1, batchSize: 32, verbose: 0 });
    expect(model.trainFunction!.traceCount).toBe(2);
    const result = await model.evaluate(x, y);
    expect(Object.keys(result)).toEqual(['loss', 'accuracy']);
    expect(result.accuracy).toBeGreaterThan(0.9);
    expect(model.testFunction!.traceCount).toBeLessThanOrEqual(2);
  });

  it('logs the epoch loss as the mean over samples (batches weighted by their size)', async () => {
    const [x, y] = blobs(40);
    const model = new keras.Sequential([new layers.Dense(3, { inputShape: [4], activation: 'softmax' })]);
    model.compile({ optimizer: new optimizers.SGD({ learningRate: 0 }), loss: 'sparse_categorical_crossentropy' });
    const history = await model.fit(x, y, { epochs: 1, batchSize: 16, verbose: 0 });
    const full = await model.evaluate(x, y, { batchSize: 40 });
    expectClose(history.history.loss!, [full.loss!], 1e-5);
  });

  it('validationSplit holds out the last fraction, before shuffling', async () => {
    const x = kiln.reshape(kiln.range(0, 10), [10, 1]);
    const model = new keras.Sequential([new layers.Dense(1, { inputShape: [1], kernelInitializer: 'zeros', useBias: false })]);
    model.compile({ optimizer: new optimizers.SGD({ learningRate: 0 }), loss: 'mse' });
    const history = await model.fit(x, x, { epochs: 2, batchSize: 3, validationSplit: 0.2, verbose: 0 });
    // Predictions are 0: the loss is the mean square of the targets, 0..7 for training, 8 and 9 for validation.
    expect(history.history.loss).toEqual([17.5, 17.5]);
    expect(history.history.val_loss).toEqual([72.5, 72.5]);
    const withData = await model.fit(x, x, { epochs: 1, validationSplit: 0.2, validationData: [kiln.tensor([[1], [3]]), kiln.tensor([[1], [3]])], verbose: 0 });
    expect(withData.history.val_loss).toEqual([5]);
  });

  it('fits a kiln.data.Dataset of batches, with dataset validation data', async () => {
    const [x, y] = blobs(60);
    const ds = kiln.data.Dataset.fromTensorSlices([x, y]).shuffle(60, { seed: 1 }).batch(16);
    const model = classifier();
    model.compile({ optimizer: new optimizers.Adam({ learningRate: 0.05 }), loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
    const before = kiln.memory().numTensors;
    const history = await model.fit(ds, { epochs: 3, validationData: kiln.data.Dataset.fromTensorSlices([x, y]).batch(32), verbose: 0 });
    expect(history.history.val_accuracy!.length).toBe(3);
    expect(history.history.accuracy![2]!).toBeGreaterThan(0.8);
    expect(model.trainFunction!.traceCount).toBeLessThanOrEqual(2);
    // Batches are freed after their step; what stays is the optimizer's state.
    expect(kiln.memory().numTensors - before).toBeLessThanOrEqual(model.optimizer.variables.length + 2);
  });

  it('initialEpoch resumes at that epoch; predict runs in batches', async () => {
    const [x, y] = blobs(30);
    const model = classifier();
    model.compile({ optimizer: 'sgd', loss: 'sparse_categorical_crossentropy' });
    const history = await model.fit(x, y, { epochs: 3, initialEpoch: 2, verbose: 0 });
    expect(history.epoch).toEqual([2]);
    const probs = model.predict(x, { batchSize: 8 });
    expect(probs.shape).toEqual([30, 3]);
    expectClose(await values(probs), await values(model.apply(x)), 1e-6);
    expect(model.predictFunction!.traceCount).toBe(2);
  });

  it('reads logs back once per epoch when nothing needs batch logs', async () => {
    const [x, y] = blobs(64);
    const model = classifier();
    model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
    const reads = vi.spyOn(kiln.Tensor.prototype, 'data');
    await model.fit(x, y, { epochs: 2, batchSize: 4, verbose: 0 });
    // 32 steps; the label check reads y once, and each epoch reads its 2 logs.
    expect(reads.mock.calls.length).toBe(1 + 2 * 2);
    reads.mockClear();
    const seen: number[] = [];
    await model.fit(x, y, { epochs: 1, batchSize: 4, verbose: 0, callbacks: [{ onBatchEnd: (_b: number, logs?: Record<string, number>) => { seen.push(logs!.loss!); } }] });
    expect(seen.length).toBe(16);
  });

  it('verbose 2 prints one line per epoch', async () => {
    const [x, y] = blobs(20);
    const model = classifier();
    model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
    const lines: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => { lines.push(String(s)); return true; });
    await model.fit(x, y, { epochs: 2, batchSize: 8, verbose: 2, validationSplit: 0.2 });
    vi.restoreAllMocks();
    expect(lines.length).toBe(2);
    // The time per step reads 4.3s, 12ms or 80us (src/keras/engine/progress.ts), however fast the backend.
    expect(lines[0]).toMatch(/^Epoch 1\/2 - 2\/2 - \d+s (\d+\.\d|\d+m|\d+u)s\/step - loss: \d\.\d{4} - accuracy: \d\.\d{4} - val_loss: \d\.\d{4} - val_accuracy: \d\.\d{4}\n$/);
  });
});

describe('fit on other models', () => {
  class Net extends keras.Model {
    dense = new layers.Dense(8, { activation: 'relu' });
    norm = new layers.BatchNormalization();
    out = new layers.Dense(3, { activation: 'softmax' });
    override call(x: kiln.Tensor) {
      return this.out.apply(this.norm.apply(this.dense.apply(x)));
    }
  }

  it('builds a subclassed model from the data and updates BatchNormalization statistics inside the compiled step', async () => {
    const [x, y] = blobs(48);
    const model = new Net();
    model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
    const history = await model.fit(x, y, { epochs: 2, batchSize: 16, verbose: 0 });
    expect(model.built).toBe(true);
    expect(model.countParams()).toBe(4 * 8 + 8 + 4 * 8 + 8 * 3 + 3);
    expect(model.trainFunction!.traceCount).toBe(1);
    expect(history.history.loss!.length).toBe(2);
    const moving = await values(model.norm.movingMean);
    expect(moving.some((v) => v !== 0)).toBe(true);
    expect(await values(model.optimizer.iterations)).toEqual([6]);
    // Six updates of moving = 0.99·moving + 0.01·batch mean, from 0: at most 1 - 0.99^6 of the largest activation.
    expect(Math.max(...moving)).toBeLessThan(0.06 * Math.max(...(await values(model.dense.apply(x))).map(Math.abs)));
  });
});

describe('overridden steps', () => {
  it('testStep and predictStep overridden by a subclass run compiled in evaluate and predict', async () => {
    const traced: string[] = [];
    class Scaled extends keras.Model {
      dense = new layers.Dense(2, { kernelInitializer: 'ones', useBias: false });
      override call(x: kiln.Tensor) { return this.dense.apply(x); }
      override testStep([x, y]: [kiln.Tensor, kiln.Tensor]) {
        traced.push('test');
        const error = kiln.mean(kiln.abs(kiln.sub(this.apply(x), y)));
        return { mae: error };
      }
      override predictStep(x: kiln.Tensor) {
        traced.push('predict');
        return kiln.mul(this.apply(x), 10);
      }
    }
    const model = new Scaled();
    model.compile({ optimizer: 'sgd', loss: 'mse' });
    const x = kiln.tensor([[1, 2], [3, 4], [5, 6]]);
    const result = await model.evaluate(x, kiln.zeros([3, 2]), { batchSize: 3 });
    expect(result).toEqual({ mae: (3 + 7 + 11) / 3 });
    expect(await values(model.predict(x, { batchSize: 2 }))).toEqual([30, 30, 70, 70, 110, 110]);
    expect(traced).toEqual(['test', 'predict', 'predict']);
  });

  it('predict returns a list for a functional model with several outputs', () => {
    const inputs = keras.Input({ shape: [2] });
    const model = new keras.Model({ inputs, outputs: [new layers.Dense(1).apply(inputs), new layers.Dense(3).apply(inputs)] });
    const out = model.predict<kiln.Tensor[]>(kiln.ones([5, 2]), { batchSize: 2 });
    expect(out.map((t) => t.shape)).toEqual([[5, 1], [5, 3]]);
  });
});

describe('callbacks', () => {
  it('EarlyStopping stops when val_loss stops improving and restores the best weights', async () => {
    // Training pulls the weight toward y = x while validation wants y = -x: val_loss only rises.
    const x = kiln.tensor([[1], [2], [-1], [0.5]]);
    const model = new keras.Sequential([new layers.Dense(1, { inputShape: [1], useBias: false, kernelInitializer: 'zeros' })]);
    model.compile({ optimizer: new optimizers.SGD({ learningRate: 0.1 }), loss: 'mse' });
    const kernels: number[] = [];
    const record = { onEpochEnd: async () => { kernels.push((await values(model.getLayer(0).weights[0]!))[0]!); } };
    const stop = new callbacks.EarlyStopping({ monitor: 'val_loss', patience: 2, restoreBestWeights: true });
    const history = await model.fit(x, x, { epochs: 20, validationData: [x, kiln.neg(x)], callbacks: [record, stop], verbose: 0 });
    expect(history.epoch).toEqual([0, 1, 2]);
    expect(kernels[2]).toBeGreaterThan(kernels[0]!);
    expect((await values(model.getLayer(0).weights[0]!))[0]).toBe(kernels[0]);
  });

  it('a callback that throws stops fit with the weights of the last completed step', async () => {
    const [x, y] = blobs(40);
    const model = classifier();
    model.compile({ optimizer: 'sgd', loss: 'sparse_categorical_crossentropy' });
    let afterStep2: number[] = [];
    const failing = new (class extends callbacks.Callback {
      override async onBatchEnd(batch: number) {
        if (batch === 2) {
          afterStep2 = await values(model.weights[0]!);
          throw new Error('callback failed');
        }
      }
    })();
    await expect(model.fit(x, y, { epochs: 2, batchSize: 8, callbacks: [failing], verbose: 0 })).rejects.toThrow('callback failed');
    expect(await values(model.weights[0]!)).toEqual(afterStep2);
    expect(await values(model.optimizer.iterations)).toEqual([3]);
  });

  it('stopTraining set in a batch hook ends the epoch loop', async () => {
    const [x, y] = blobs(40);
    const model = classifier();
    model.compile({ optimizer: 'sgd', loss: 'sparse_categorical_crossentropy' });
    const history = await model.fit(x, y, {
      epochs: 5, batchSize: 8, verbose: 0,
      callbacks: [{ onBatchEnd: (b: number) => { if (b === 1) model.stopTraining = true; } }],
    });
    expect(history.epoch).toEqual([0]);
    expect(await values(model.optimizer.iterations)).toEqual([2]);
  });
});
