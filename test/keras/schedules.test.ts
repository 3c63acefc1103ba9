import { describe, expect, it, vi } from 'vitest';
import * as kiln from '../../src/index.js';
import { keras } from '../../src/index.js';

/** The learning-rate callbacks: LearningRateScheduler and ReduceLROnPlateau, against their formulas. */

const { callbacks, layers, optimizers } = keras;
type Logs = keras.callbacks.Logs;

/** A model with an optimizer and nothing else, which is all these callbacks touch. */
class OptimizerOnly implements keras.callbacks.CallbackModel {
  stopTraining = false;
  readonly optimizer: keras.optimizers.Optimizer;
  constructor(learningRate: number) { this.optimizer = new optimizers.SGD({ learningRate }); }
  getWeights(): kiln.Tensor[] { return []; }
  setWeights(): void {}
}

/** Drives the epoch hooks as fit does; returns the learning rate in force during each epoch and the History. */
async function epochs(model: OptimizerOnly, cbs: keras.callbacks.CallbackHooks[], logsOf: (e: number) => Logs, n = logsOf.length) {
  const list = new callbacks.CallbackList(cbs, { model, params: { epochs: n }, addHistory: true });
  const during: number[] = [];
  await list.onTrainBegin();
  for (let e = 0; e < n; e++) {
    await list.onEpochBegin(e);
    during.push(model.optimizer.learningRate);
    await list.onEpochEnd(e, logsOf(e));
  }
  await list.onTrainEnd();
  return { during, history: list.history!.history };
}

describe('LearningRateScheduler', () => {
  it('sets schedule(epoch, lr) at the start of each epoch and logs it as learning_rate', async () => {
    const model = new OptimizerOnly(0.1);
    // Keras's example: constant for 2 epochs, then halved every epoch.
    const scheduler = new callbacks.LearningRateScheduler((epoch, lr) => (epoch < 2 ? lr : lr * 0.5));
    const { during, history } = await epochs(model, [scheduler], () => ({ loss: 1 }), 5);
    expect(during).toEqual([0.1, 0.1, 0.05, 0.025, 0.0125]);
    expect(history.learning_rate).toEqual([0.1, 0.1, 0.05, 0.025, 0.0125]);
    expect(await model.optimizer.learningRateVariable.data()).toEqual(new Float32Array([0.0125]));
  });

  it('reports each change when verbose, and rejects a schedule that returns no number', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    await epochs(new OptimizerOnly(0.1), [new callbacks.LearningRateScheduler((epoch) => 0.01 / (epoch + 1), 1)], () => ({}), 2);
    expect(log.mock.calls.map((c) => String(c[0]).trim())).toEqual([
      'Epoch 1: LearningRateScheduler setting learning rate to 0.01.', 'Epoch 2: LearningRateScheduler setting learning rate to 0.005.',
    ]);
    log.mockRestore();
    await expect(epochs(new OptimizerOnly(0.1), [new callbacks.LearningRateScheduler(() => NaN)], () => ({}), 1)).rejects.toThrow(/must return a finite number/);
    await expect(epochs({ stopTraining: false, getWeights: () => [], setWeights: () => {} } as unknown as OptimizerOnly, [new callbacks.LearningRateScheduler((e, lr) => lr)], () => ({}), 1))
      .rejects.toThrow(/no optimizer/);
  });

  it('changes the rate the compiled train step uses, without retracing', async () => {
    const model = new keras.Sequential([new layers.Dense(1, { inputShape: [2], kernelInitializer: 'ones' })]);
    model.compile({ optimizer: new optimizers.SGD({ learningRate: 0.1 }), loss: 'mse' });
    const x = kiln.tensor([[1, 2], [3, 4]]), y = kiln.tensor([[1], [2]]);
    // Epoch 0 at rate 0: the weights stay; epoch 1 at 0.1: they move.
    const seen: number[][] = [];
    const record = { onEpochEnd: async () => { seen.push([...(await model.getWeights()[0]!.data())]); } };
    const history = await model.fit(x, y, { epochs: 2, batchSize: 2, verbose: 0, callbacks: [new callbacks.LearningRateScheduler((e) => (e === 0 ? 0 : 0.1)), record] });
    expect(seen[0]).toEqual([1, 1]);
    expect(seen[1]).not.toEqual([1, 1]);
    expect(history.history.learning_rate).toEqual([0, 0.1]);
    expect(model.trainFunction!.traceCount).toBe(1);
  });
});

describe('ReduceLROnPlateau', () => {
  it('multiplies the rate by factor after patience epochs without improvement, then cools down', async () => {
    const model = new OptimizerOnly(0.1);
    const losses = [1, 0.9, 0.95, 0.95, 0.95, 0.8, 0.85, 0.85];
    const reduce = new callbacks.ReduceLROnPlateau({ monitor: 'loss', factor: 0.5, patience: 2, cooldown: 1 });
    const { during, history } = await epochs(model, [reduce], (e) => ({ loss: losses[e]! }), losses.length);
    // Epoch 3 is the second without improving on 0.9: the rate halves after it. Epoch 4 is the
    // cooldown (its wait restarts at 1); 0.8 improves; epochs 6 and 7 do not: halved again after 7.
    expect(during).toEqual([0.1, 0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.05]);
    expect(history.learning_rate).toEqual(during);
    expect(model.optimizer.learningRate).toBe(0.025);
    expect(reduce.best).toBe(0.8);
  });

  it('never goes below minLr; minDelta demands a margin; accuracy is maximized in mode auto', async () => {
    const model = new OptimizerOnly(0.1);
    await epochs(model, [new callbacks.ReduceLROnPlateau({ monitor: 'loss', patience: 1, factor: 0.5, minLr: 0.03 })], (e) => ({ loss: 1 }), 4);
    // 0.1 (first epoch sets the best) → 0.05 → 0.03 (not 0.025) → stays.
    expect(model.optimizer.learningRate).toBe(0.03);

    const margin = new OptimizerOnly(0.1);
    await epochs(margin, [new callbacks.ReduceLROnPlateau({ monitor: 'loss', patience: 1, minDelta: 0.1 })], (e) => ({ loss: 1 - 0.05 * e }), 2);
    expect(margin.optimizer.learningRate).toBeCloseTo(0.01, 10);

    const accuracy = new OptimizerOnly(0.1);
    await epochs(accuracy, [new callbacks.ReduceLROnPlateau({ monitor: 'val_accuracy', patience: 1 })], (e) => ({ val_accuracy: 0.5 + 0.1 * e }), 4);
    expect(accuracy.optimizer.learningRate).toBe(0.1);
    const min = new OptimizerOnly(0.1);
    await epochs(min, [new callbacks.ReduceLROnPlateau({ monitor: 'val_accuracy', patience: 1, mode: 'min' })], (e) => ({ val_accuracy: 0.5 + 0.1 * e }), 2);
    expect(min.optimizer.learningRate).toBeCloseTo(0.01, 10);
  });

  it('warns when the monitor is missing and rejects a factor of 1 or more', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const model = new OptimizerOnly(0.1);
    await epochs(model, [new callbacks.ReduceLROnPlateau({ patience: 0 })], () => ({ loss: 1 }), 2);
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/conditioned on 'val_loss'/));
    expect(model.optimizer.learningRate).toBe(0.1);
    warn.mockRestore();
    expect(() => new callbacks.ReduceLROnPlateau({ factor: 1 })).toThrow(/factor must be below 1/);
  });
});
