// Bad input to compile/fit/evaluate/predict fails with a KilnError before any step runs.
import { describe, expect, it } from 'vitest';
import * as kiln from '../../src/index.js';

const { keras } = kiln;
const { layers } = keras;
const values = async (t: kiln.Tensor) => Array.from(await t.data());

function model(): kiln.keras.Sequential {
  return new keras.Sequential([new layers.Dense(3, { inputShape: [4], activation: 'softmax' })]);
}

/** Runs `fn`, expecting a KilnError matching `message`, and checks that no step ran and no weight changed. */
async function failsBeforeAnyStep(m: kiln.keras.Model, fn: () => Promise<unknown>, message: RegExp): Promise<void> {
  const before = await Promise.all(m.weights.map(values));
  const error = await fn().then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(kiln.KilnError);
  expect((error as Error).message).toMatch(message);
  expect(await Promise.all(m.weights.map(values))).toEqual(before);
  if (m.isCompiled) expect(await values(m.optimizer.iterations)).toEqual([0]);
}

describe('errors before any step', () => {
  const x = kiln.randomNormal([10, 4], { seed: 4 });
  const y = kiln.tensor([0, 1, 2, 0, 1, 2, 0, 1, 2, 0], [10], 'int32');

  it('fit, evaluate before compile', async () => {
    const m = model();
    await failsBeforeAnyStep(m, () => m.fit(x, y, { verbose: 0 }), /fit: model 'sequential' must be compiled first: call model.compile/);
    await failsBeforeAnyStep(m, () => m.evaluate(x, y), /evaluate: model 'sequential' must be compiled first/);
  });

  it('unknown optimizer, loss or metric names, at compile', () => {
    const m = model();
    expect(() => m.compile({ optimizer: 'adamm', loss: 'mse' })).toThrow(kiln.KilnError);
    expect(() => m.compile({ optimizer: 'adamm', loss: 'mse' })).toThrow(/unknown optimizer 'adamm'/);
    expect(() => m.compile({ optimizer: 'adam', loss: 'msee' })).toThrow(/unknown loss 'msee'/);
    expect(() => m.compile({ optimizer: 'adam', loss: 'mse', metrics: ['accuracy', 'precisionn'] })).toThrow(/unknown metric 'precisionn'/);
    expect(m.isCompiled).toBe(false);
  });

  it('x and y with different numbers of samples', async () => {
    const m = model();
    m.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy' });
    await failsBeforeAnyStep(m, () => m.fit(x, kiln.slice(y, [0], [9]), { verbose: 0 }), /fit: x has 10 samples but y has 9 \(shape \[9\]\)/);
    await failsBeforeAnyStep(m, () => m.evaluate(x, kiln.slice(y, [0], [9])), /x has 10 samples but y has 9/);
  });

  it('an input shape the model was not built for', async () => {
    const m = model();
    m.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy' });
    await failsBeforeAnyStep(m, () => m.fit(kiln.ones([10, 5]), y, { verbose: 0 }), /fit: x has shape \[10,5\], but model 'sequential(_\d+)?' was built for inputs of shape \(None, 4\)/);
    expect(() => m.predict(kiln.ones([10, 5]))).toThrow(/input shape \(10, 5\) is incompatible with layer 'sequential(_\d+)?'/);
    // A lazily built model is built by its first data; data of another shape fails after that.
    const lazy = new keras.Sequential([new layers.Dense(2)]);
    lazy.compile({ optimizer: 'sgd', loss: 'mse' });
    await lazy.fit(kiln.ones([4, 3]), kiln.ones([4, 2]), { verbose: 0 });
    await expect(lazy.fit(kiln.ones([4, 6]), kiln.ones([4, 2]), { verbose: 0 })).rejects.toThrow(/built for inputs of shape \(None, 3\)/);
  });

  it('labels out of range for sparse categorical cross-entropy, checked once on the data', async () => {
    const m = model();
    m.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy' });
    const bad = kiln.tensor([0, 1, 2, 0, 1, 3, 0, 1, 2, 0], [10], 'int32');
    await failsBeforeAnyStep(m, () => m.fit(x, bad, { verbose: 0 }), /integer class labels in \[0, 3\) for the model's 3 outputs; label 5 is 3/);
    await failsBeforeAnyStep(m, () => m.fit(x, y, { verbose: 0, validationData: [x, kiln.neg(y)] }), /fit \(validationData\): .*label 1 is -1/);
    await failsBeforeAnyStep(m, () => m.fit(x, kiln.tensor([0, 1, 2, 0, 1, 2, 0, 1, 2, 0.5]), { verbose: 0 }), /label 9 is 0.5/);
  });

  it('bad fit options', async () => {
    const m = model();
    m.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy' });
    await failsBeforeAnyStep(m, () => m.fit(x, y, { validationSplit: 1, verbose: 0 }), /validationSplit must be in \[0, 1\), got 1/);
    await failsBeforeAnyStep(m, () => m.fit(x, y, { validationSplit: 0.95, verbose: 0 }), /leaves 0 for training and 10 for validation/);
    await failsBeforeAnyStep(m, () => m.fit(x, y, { batchSize: 0, verbose: 0 }), /batchSize must be an integer >= 1, got 0/);
  });

  it('a model without a loss (default trainStep) fails at its first trace', async () => {
    const m = model();
    m.compile({ optimizer: 'adam' });
    await failsBeforeAnyStep(m, () => m.fit(x, y, { verbose: 0 }), /has no loss to minimize: compile it with a loss/);
  });
});
