import { keras } from '../src/index.js';
import { CpuBackend } from '../src/runtime/index.js';
const { layers } = keras;
const [[x, y]] = await keras.datasets.mnist.loadData();
const model = new keras.Sequential([new layers.Flatten({ inputShape: [28, 28] }), new layers.Dense(256, { activation: 'relu' }), new layers.Dense(10, { activation: 'softmax' })]);
model.compile({ optimizer: new keras.optimizers.Adam({ learningRate: 1e-3 }), loss: new keras.losses.SparseCategoricalCrossentropy(), metrics: ['accuracy'] });
let times = new Map<string, number>();
const orig = CpuBackend.prototype.run;
CpuBackend.prototype.run = function (launch) { const t = performance.now(); orig.call(this, launch); const k = launch.kernel.name; times.set(k, (times.get(k) ?? 0) + performance.now() - t); };
for (let e = 0; e < 3; e++) {
  times = new Map();
  const t0 = performance.now();
  await model.fit(x, y, { epochs: 1, batchSize: 32, verbose: 0 });
  const tot = [...times.values()].reduce((a, b) => a + b, 0);
  console.log(`epoch ${e}: ${(performance.now() - t0).toFixed(0)} ms, kernels ${tot.toFixed(0)}:`, [...times].sort((a, b) => b[1] - a[1]).slice(0, 6).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(', '));
}
process.exit(0);
