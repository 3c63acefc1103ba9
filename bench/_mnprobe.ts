import * as kiln from '../src/index.js';
import { keras } from '../src/index.js';
const { layers } = keras;
const which = process.argv[2] ?? 'mlp';
const epochs = Number(process.argv[3] ?? 2);
const batch = Number(process.argv[4] ?? 32);
if (process.argv[5]) await kiln.setBackend(process.argv[5] as any);
const [[x, y], [tx, ty]] = await keras.datasets.mnist.loadData();
const model = which === 'mlp' ? new keras.Sequential([
  new layers.Flatten({ inputShape: [28, 28] }), new layers.Dense(256, { activation: 'relu' }), new layers.Dense(10, { activation: 'softmax' })])
 : new keras.Sequential([new layers.Reshape([28, 28, 1], { inputShape: [28, 28] }), new layers.Conv2D(32, 3, { activation: 'relu' }), new layers.MaxPooling2D(2), new layers.Flatten(), new layers.Dense(10, { activation: 'softmax' })]);
model.compile({ optimizer: new keras.optimizers.Adam({ learningRate: 1e-3 }), loss: new keras.losses.SparseCategoricalCrossentropy(), metrics: ['accuracy'] });
for (let e = 0; e < epochs; e++) {
  const t = performance.now();
  await model.fit(x, y, { epochs: 1, batchSize: batch, verbose: 0 });
  const t2 = performance.now();
  const r = await model.evaluate(tx, ty, { batchSize: 500 });
  console.log(`epoch ${e}: ${(t2 - t).toFixed(0)} ms fit, eval ${(performance.now() - t2).toFixed(0)} ms`, r);
}
