import { tf, startPeers, useTf } from './peers.js';
await startPeers(() => {});
const backend = process.argv[2] ?? 'cpu'; const which = process.argv[3] ?? 'mlp'; const n = Number(process.argv[4] ?? 320);
await useTf(backend);
const net = tf.sequential({ layers: which === 'mlp' ? [tf.layers.flatten({ inputShape: [28, 28] }), tf.layers.dense({ units: 256, activation: 'relu' }), tf.layers.dense({ units: 10, activation: 'softmax' })]
  : [tf.layers.reshape({ targetShape: [28, 28, 1], inputShape: [28, 28] }), tf.layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu' }), tf.layers.maxPooling2d({ poolSize: 2 }), tf.layers.flatten(), tf.layers.dense({ units: 10, activation: 'softmax' })] });
net.compile({ optimizer: tf.train.adam(1e-3), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
const x = tf.randomUniform([n, 28, 28]); const y = tf.floor(tf.randomUniform([n, 1], 0, 10));
for (let i = 0; i < 3; i++) { const t = performance.now(); const c = process.cpuUsage(); await net.fit(x, y, { epochs: 1, batchSize: 32, verbose: 0, yieldEvery: 'never' }); const cc = process.cpuUsage(c); console.log(backend, which, `${((performance.now() - t) / (n / 32)).toFixed(1)} ms/step wall, ${((cc.user + cc.system) / 1000 / (n / 32)).toFixed(1)} cpu`); }
process.exit(0);
