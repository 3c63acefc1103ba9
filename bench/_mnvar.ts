import * as kiln from '../src/index.js';
import { keras } from '../src/index.js';
const { layers } = keras;
const [variant, epochs, batch, lr] = [process.argv[2] ?? 'plain', Number(process.argv[3] ?? 10), Number(process.argv[4] ?? 32), Number(process.argv[5] ?? 1e-3)];
if (process.argv[6]) await kiln.setBackend(process.argv[6] as any);
const [[x, y], [tx, ty]] = await keras.datasets.mnist.loadData();
const model = new keras.Sequential([
  new layers.Flatten({ inputShape: [28, 28] }), new layers.Dense(256, { activation: 'relu' }),
  ...(variant.startsWith('dropout') ? [new layers.Dropout(Number(variant.slice(7)) || 0.2)] : []),
  new layers.Dense(10, { activation: 'softmax' })]);
model.compile({ optimizer: new keras.optimizers.Adam({ learningRate: lr }), loss: new keras.losses.SparseCategoricalCrossentropy(), metrics: ['accuracy'] });
const accs: string[] = [];
for (let e = 0; e < epochs; e++) {
  await model.fit(x, y, { epochs: 1, batchSize: batch, verbose: 0 });
  accs.push(((await model.evaluate(tx, ty, { batchSize: 500 })).accuracy! * 100).toFixed(2));
}
console.log(variant, 'batch', batch, 'lr', lr, ':', accs.join(' '));
process.exit(0);
