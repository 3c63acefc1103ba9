import * as kiln from '../src/index.js';
import { keras } from '../src/index.js';
import { CpuBackend } from '../src/runtime/index.js';
const { layers } = keras;
const which = process.argv[2] ?? 'mlp';
const batch = Number(process.argv[4] ?? 32);
const [[x, y]] = await keras.datasets.mnist.loadData();
const model = which === 'mlp' ? new keras.Sequential([
  new layers.Flatten({ inputShape: [28, 28] }), new layers.Dense(256, { activation: 'relu' }), new layers.Dense(10, { activation: 'softmax' })])
 : new keras.Sequential([new layers.Reshape([28, 28, 1], { inputShape: [28, 28] }), new layers.Conv2D(32, 3, { activation: 'relu' }), new layers.MaxPooling2D(2), new layers.Flatten(), new layers.Dense(10, { activation: 'softmax' })]);
model.compile({ optimizer: new keras.optimizers.Adam({ learningRate: 1e-3 }), loss: new keras.losses.SparseCategoricalCrossentropy(), metrics: ['accuracy'] });
const n = Number(process.argv[3] ?? 2000);
const xs = kiln.slice(x, [0, 0, 0], [n, 28, 28]), ys = kiln.slice(y, [0], [n]);
await model.fit(xs, ys, { epochs: 1, batchSize: batch, verbose: 0 });
const times = new Map<string, number>(); const calls = new Map<string, number>();
const orig = CpuBackend.prototype.run;
CpuBackend.prototype.run = function (launch) {
  const t = process.cpuUsage(); orig.call(this, launch); const u = process.cpuUsage(t); const d = (u.user + u.system) / 1000;
  const k = launch.kernel.name; times.set(k, (times.get(k) ?? 0) + d); calls.set(k, (calls.get(k) ?? 0) + 1);
};
const t = performance.now(); const c0 = process.cpuUsage();
await model.fit(xs, ys, { epochs: 1, batchSize: batch, verbose: 0 });
const wall = performance.now() - t; const cc = process.cpuUsage(c0); console.log(`cpu ${((cc.user + cc.system) / 1000).toFixed(0)} ms`);
const tot = [...times.values()].reduce((a, b) => a + b, 0);
console.log(`${n / batch} steps: ${wall.toFixed(0)} ms wall, kernels ${tot.toFixed(0)} ms`);
for (const [k, v] of [...times].sort((a, b) => b[1] - a[1]).slice(0, 30)) console.log(v.toFixed(1).padStart(8), String(calls.get(k)).padStart(5), k);
if (process.argv[5]) { const cf = model.trainFunction!; console.log((cf as any).concrete ? '' : ''); }
if (process.env.DUMPK) {
  const fs = await import('node:fs');
  const it = (await import('../src/keras/engine/data-adapter.js'));
  const src = new it.TensorBatches(xs, ys, undefined, batch);
  for (const b of src.epoch(false)) { const cf = model.trainFunction!.concrete(b.data); fs.writeFileSync('/tmp/mn/kernels.txt', cf.kernels.map((k) => `// ==== ${k.name}\n${k.source}`).join('\n\n') + '\n\n' + cf.graph.toString()); break; }
}
