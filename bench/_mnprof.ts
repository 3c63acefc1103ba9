import * as kiln from '../src/index.js';
import { keras } from '../src/index.js';
const { layers } = keras;
const which = process.argv[2] ?? 'mlp';
const [[x, y], [tx, ty]] = await keras.datasets.mnist.loadData();
const model = which === 'mlp' ? new keras.Sequential([
  new layers.Flatten({ inputShape: [28, 28] }), new layers.Dense(256, { activation: 'relu' }), new layers.Dense(10, { activation: 'softmax' })])
 : new keras.Sequential([new layers.Reshape([28, 28, 1], { inputShape: [28, 28] }), new layers.Conv2D(32, 3, { activation: 'relu' }), new layers.MaxPooling2D(2), new layers.Flatten(), new layers.Dense(10, { activation: 'softmax' })]);
model.compile({ optimizer: new keras.optimizers.Adam({ learningRate: 1e-3 }), loss: new keras.losses.SparseCategoricalCrossentropy(), metrics: ['accuracy'] });
const n = Number(process.argv[3] ?? 2000);
const xs = kiln.slice(x, [0, 0, 0], [n, 28, 28]), ys = kiln.slice(y, [0], [n]);
await model.fit(xs, ys, { epochs: 1, batchSize: 32, verbose: 0 });
const c0 = process.cpuUsage(); const t = performance.now();
await model.fit(xs, ys, { epochs: 1, batchSize: 32, verbose: 0 });
const c = process.cpuUsage(c0);
console.log(`${n / 32} steps: ${(performance.now() - t).toFixed(0)} ms wall, ${((c.user + c.system) / 1000).toFixed(0)} ms cpu`);
