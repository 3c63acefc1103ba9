import { describe, expect, it } from 'vitest';
import * as kiln from '../../src/index.js';
import { keras } from '../../src/index.js';

/**
 * MNIST accuracy on the default backend: an MLP (784-256-10, Adam 1e-3, batch 32) trained on
 * keras.datasets.mnist's 8,000 training digits, tested on its 2,000 test digits.
 *
 * The Keras issue's goal is ≥ 96% for this MLP and ≥ 97.5% for a small CNN (Conv2D 32 →
 * MaxPooling2D → Dense). Neither is reached with these recipes on these 8,000 digits, by kiln or
 * by TensorFlow.js: from the same initial weights, tfjs's model.fit ends where kiln's does (MLP
 * 94.8% vs 94.6% after 10 epochs; CNN 84.2% vs 84.0% after 3 epochs on 1,024 digits), and more
 * epochs, batch 16 or 128, dropout or a smaller learning rate leave the MLP at 94–95.4% (it
 * overfits after about 6 epochs) and the CNN at about 96%. `npm run bench -- --only mnist` prints
 * both goals with PASS/FAIL. This test guards what kiln does reach, so that a regression in
 * training (gradients, Adam, fit's batching) shows: 6 epochs take about 25 s on an idle CPU.
 */

const { layers } = keras;
const EPOCHS = 6;
/** What 6 epochs reach (94.4% on the cpu backend, from these seeds), less a margin for other backends' rounding. */
const FLOOR = 0.935;

describe('MNIST accuracy (keras.datasets.mnist, default backend)', () => {
  it(`an MLP 784-256-10 with Adam reaches ≥ ${100 * FLOOR}% on the 2,000 test digits after ${EPOCHS} epochs`, async () => {
    await kiln.ready();
    const [[x, y], [testX, testY]] = await keras.datasets.mnist.loadData();
    const model = new keras.Sequential([
      new layers.Flatten({ inputShape: [28, 28] }),
      new layers.Dense(256, { activation: 'relu', kernelInitializer: new keras.initializers.GlorotUniform({ seed: 1 }) }),
      new layers.Dense(10, { activation: 'softmax', kernelInitializer: new keras.initializers.GlorotUniform({ seed: 2 }) }),
    ]);
    model.compile({ optimizer: new keras.optimizers.Adam({ learningRate: 1e-3 }), loss: new keras.losses.SparseCategoricalCrossentropy(), metrics: ['accuracy'] });
    const started = performance.now();
    const history = await model.fit(x, y, { epochs: EPOCHS, batchSize: 32, verbose: 0 });
    const seconds = (performance.now() - started) / 1000;
    const { accuracy } = await model.evaluate(testX, testY, { batchSize: 500 });
    console.log(`MLP on ${kiln.getBackend()}: ${EPOCHS} epochs in ${seconds.toFixed(1)} s; training accuracy ${history.history.accuracy!.map((a) => a.toFixed(3)).join(' → ')}; test accuracy ${accuracy!.toFixed(4)}`);
    // Training converges: the loss falls every epoch but, at most, one.
    const loss = history.history.loss!;
    expect(loss.slice(1).filter((l, i) => l > loss[i]!).length).toBeLessThanOrEqual(1);
    expect(accuracy).toBeGreaterThanOrEqual(FLOOR);
    kiln.dispose([x, y, testX, testY]);
  }, 600_000);
});
