// The seed's Keras programs (API.md): a custom SimpleDense layer in a Sequential model trained
// by fit, and a CustomModel overriding trainStep that fit still runs compiled.
import { describe, expect, it } from 'vitest';
import * as kiln from '../../src/index.js';

const { keras } = kiln;
const { layers, losses, metrics, optimizers } = keras;
const values = async (t: kiln.Tensor) => Array.from(await t.data());

class SimpleDense extends keras.Layer {
  W!: kiln.Variable; b!: kiln.Variable;
  constructor(readonly units: number, readonly activation?: (x: kiln.Tensor) => kiln.Tensor) { super(); }
  override build(inputShape: number[]) {
    this.W = this.addWeight({ shape: [inputShape.at(-1)!, this.units], initializer: 'randomNormal' });
    this.b = this.addWeight({ shape: [this.units], initializer: 'zeros' });
  }
  override call(inputs: kiln.Tensor) { const y = kiln.matMul(inputs, this.W).add(this.b); return this.activation ? this.activation(y) : y; }
}

/** y = 2·x0 − x1 + 0.5 with a little noise. */
function regression(n: number): [kiln.Tensor, kiln.Tensor] {
  const x = kiln.randomUniform([n, 2], { minval: -1, maxval: 1, seed: 3 });
  const y = kiln.add(kiln.matMul(x, kiln.tensor([[2], [-1]])), 0.5);
  return [x, y];
}

describe('a custom SimpleDense layer in a Sequential model, trained by fit', () => {
  it('builds lazily, shows in the summary and learns the linear map', async () => {
    const model = new keras.Sequential([new SimpleDense(8, kiln.relu), new SimpleDense(1)]);
    const [x, y] = regression(128);
    model.compile({ optimizer: new optimizers.Adam({ learningRate: 0.02 }), loss: 'mse' });
    const history = await model.fit(x, y, { epochs: 25, batchSize: 32, verbose: 0 });
    expect(model.layers.map((l) => l.name)).toEqual(['simple_dense', 'simple_dense_1']);
    expect(model.countParams()).toBe(2 * 8 + 8 + 8 + 1);
    expect(model.trainFunction!.traceCount).toBe(1);
    const loss = history.history.loss!;
    expect(loss.at(-1)!).toBeLessThan(loss[0]! / 10);
    expect(model.summary({ print: false })).toContain('│ simple_dense (SimpleDense)      │ (None, 8)              │            24 │');
  });
});

describe('a CustomModel overriding trainStep, trained by fit', () => {
  let traces = 0;

  class CustomModel extends keras.Model {
    lossTracker = new metrics.Mean({ name: 'loss' });
    /** The mean step count seen this epoch: tells whether metrics are reset at each epoch. */
    stepTracker = new metrics.Mean({ name: 'mean_step' });
    lossFn = new losses.MeanSquaredError();

    override trainStep([x, y]: [kiln.Tensor, kiln.Tensor]) {
      traces++;
      const tape = new kiln.GradientTape();
      const loss = tape.record(() => this.lossFn.call(y, this.apply(x, { training: true })));
      const weights = this.trainableWeights;
      const grads = tape.gradient(loss, weights);
      this.optimizer.applyGradients(grads.map((g, i) => [g, weights[i]!] as const));
      this.lossTracker.updateState(loss);
      this.stepTracker.updateState(kiln.cast(this.optimizer.iterations, 'float32'));
      return { loss: this.lossTracker.result(), mean_step: this.stepTracker.result() };
    }

    override get metrics() { return [this.lossTracker, this.stepTracker]; }
  }

  it('runs the overridden step compiled, resets its metrics each epoch, and learns', async () => {
    const inputs = keras.Input({ shape: [2] });
    const features = new layers.Dense(16, { activation: 'relu' }).apply(inputs);
    const outputs = new layers.Dense(1).apply(new layers.Dropout(0.1).apply(features));
    const custom = new CustomModel({ inputs, outputs });
    custom.compile({ optimizer: new optimizers.Adam({ learningRate: 0.02 }) });
    const [x, y] = regression(128);
    const history = await custom.fit(x, y, { epochs: 20, batchSize: 32, verbose: 0 });
    expect(custom.trainFunction!.traceCount).toBe(1);
    // Traced (and traced again without creating the optimizer's slots), never run step by step.
    expect(traces).toBeLessThanOrEqual(2);
    // 4 steps per epoch: epoch e averages steps 4e+1 .. 4e+4.
    expect(history.history.mean_step!.slice(0, 3)).toEqual([2.5, 6.5, 10.5]);
    const loss = history.history.loss!;
    expect(loss.at(-1)!).toBeLessThan(loss[0]! / 5);
    expect(await values(custom.optimizer.iterations)).toEqual([80]);
  });
});
