import * as kiln from '../src/index.js';
const { keras } = kiln;
const { layers } = keras;
const model = new keras.Sequential([new layers.Dense(8, { inputShape: [2], activation: 'relu' }), new layers.Dense(1)]);
model.compile({ optimizer: 'adam', loss: 'mse' });
const x = kiln.randomUniform([1024, 2], { seed: 1 });
const y = kiln.randomUniform([1024, 1], { seed: 2 });
await model.fit(x, y, { epochs: 1, batchSize: 32, verbose: 0 });
let t = performance.now();
await model.fit(x, y, { epochs: 5, batchSize: 32, verbose: 0 });
const fitMs = performance.now() - t;
console.log('fit per step ms', fitMs / (5 * 32));
const step = model.trainFunction!;
const xb = kiln.slice(x, [0, 0], [32, 2]); const yb = kiln.slice(y, [0, 0], [32, 1]);
t = performance.now();
for (let i = 0; i < 200; i++) kiln.dispose(step([xb, yb]));
console.log('raw step ms', (performance.now() - t) / 200);
const idx = kiln.tensor(Int32Array.from({length: 32}, (_, i) => i), [32], 'int32');
t = performance.now();
for (let i = 0; i < 200; i++) kiln.gather(x, idx).dispose();
console.log('gather ms', (performance.now() - t) / 200);
for (const e of [1, 5, 20]) {
  t = performance.now();
  await model.fit(x, y, { epochs: e, batchSize: 32, verbose: 0 });
  console.log('epochs', e, 'ms', performance.now() - t);
}
t = performance.now();
for (let i = 0; i < 200; i++) kiln.tidy(() => { const a = kiln.gather(x, idx); const b = kiln.gather(y, idx); kiln.dispose(step([a, b])); });
console.log('gather+step ms', (performance.now() - t) / 200);
