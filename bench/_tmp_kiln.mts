import * as kiln from '../src/index.js';
const { keras } = kiln;
function rng(seed: number) { let s = seed >>> 0; return () => { s = (s + 0x6d2b79f5) >>> 0; let t = s; t = Math.imul(t ^ (t >>> 15), t | 1); t ^= t + Math.imul(t ^ (t >>> 7), t | 61); return ((t ^ (t >>> 14)) >>> 0) / 4294967296; }; }
const r = rng(1);
const B = 128;
const glorot = (i: number, o: number) => { const l = Math.sqrt(6 / (i + o)); const a = new Float32Array(i * o); for (let k = 0; k < a.length; k++) a[k] = (r() * 2 - 1) * l; return a; };
const W1 = glorot(784, 512), W2 = glorot(512, 10);
const X = new Float32Array(B * 784).map(() => r()); const Y = new Int32Array(B).map(() => Math.floor(r() * 10));
for (const fuse of [true, false]) {
  const vars = [new kiln.Variable(kiln.tensor(W1, [784, 512])), new kiln.Variable(kiln.zeros([512])), new kiln.Variable(kiln.tensor(W2, [512, 10])), new kiln.Variable(kiln.zeros([10]))];
  const [w1, b1, w2, b2] = vars as [kiln.Variable, kiln.Variable, kiln.Variable, kiln.Variable];
  const opt = new keras.optimizers.Adam({ learningRate: 1e-3 });
  const step = kiln.compile((x: kiln.Tensor, y: kiln.Tensor) => {
    const tape = new kiln.GradientTape();
    const loss = tape.record(() => {
      const h = kiln.relu(kiln.matMul(x, w1).add(b1));
      const z = kiln.matMul(h, w2).add(b2);
      return kiln.mean(kiln.nn.sparseSoftmaxCrossEntropyWithLogits(y, z));
    });
    const grads = tape.gradient(loss, vars);
    opt.applyGradients(grads.map((g, i) => [g, vars[i]!] as const));
    return loss;
  }, { fuse });
  const x = kiln.tensor(X, [B, 784]), y = kiln.tensor(Y, [B], 'int32');
  for (let i = 0; i < 8; i++) {
    const s = performance.now();
    const l = step(x, y);
    console.log(fuse, i, l.dataSync()[0], (performance.now() - s).toFixed(1));
    l.dispose();
  }
  const cf = step.concrete(x, y);
  console.log(cf.stats);
  if (fuse) for (const k of cf.kernels) console.log('---', k.name, k.source.length);
}
