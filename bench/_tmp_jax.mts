import { init, defaultDevice, jit, valueAndGrad, numpy as np, nn } from '@jax-js/jax';
console.log(await init('wasm')); defaultDevice('wasm');
function rng(seed: number) { let s = seed >>> 0; return () => { s = (s + 0x6d2b79f5) >>> 0; let t = s; t = Math.imul(t ^ (t >>> 15), t | 1); t ^= t + Math.imul(t ^ (t >>> 7), t | 61); return ((t ^ (t >>> 14)) >>> 0) / 4294967296; }; }
const r = rng(1);
const B = 128;
const glorot = (i: number, o: number) => { const l = Math.sqrt(6 / (i + o)); const a = new Float32Array(i * o); for (let k = 0; k < a.length; k++) a[k] = (r() * 2 - 1) * l; return a; };
const W1 = glorot(784, 512), W2 = glorot(512, 10);
const X = new Float32Array(B * 784).map(() => r()); const Y = new Int32Array(B).map(() => Math.floor(r() * 10));
type P = { w1: np.Array; b1: np.Array; w2: np.Array; b2: np.Array };
const lossFn = (p: P, x: np.Array, y: np.Array) => {
  const h = nn.relu(np.matmul(x, p.w1).add(p.b1));
  const z = np.matmul(h, p.w2).add(p.b2);
  return nn.logSoftmax(z, -1).mul(nn.oneHot(y, 10)).sum(-1).mean().neg();
};
const b1 = 0.9, b2 = 0.999, eps = 1e-7, lr = 1e-3;
const step = jit((p: P, m: P, v: P, t: np.Array, x: np.Array, y: np.Array) => {
  const [loss, g] = valueAndGrad(lossFn)({ w1: p.w1.ref, b1: p.b1.ref, w2: p.w2.ref, b2: p.b2.ref }, x, y);
  const t1 = t.add(1);
  const alpha = np.sqrt(np.exp(t1.ref.mul(Math.log(b2))).neg().add(1)).mul(lr).div(np.exp(t1.ref.mul(Math.log(b1))).neg().add(1));
  const np2: any = {}, nm: any = {}, nv: any = {};
  for (const k of ['w1','b1','w2','b2'] as const) {
    const gk = g[k];
    const mk = m[k].mul(b1).add(gk.ref.mul(1 - b1));
    const vk = v[k].mul(b2).add(np.square(gk).mul(1 - b2));
    np2[k] = p[k].sub(mk.ref.mul(alpha.ref).div(np.sqrt(vk.ref).add(eps)));
    nm[k] = mk; nv[k] = vk;
  }
  alpha.dispose();
  return [np2 as P, nm as P, nv as P, t1, loss] as const;
});
let p: P = { w1: np.array(W1).reshape([784, 512]), b1: np.zeros([512]), w2: np.array(W2).reshape([512, 10]), b2: np.zeros([10]) };
const z = (): P => ({ w1: np.zeros([784, 512]), b1: np.zeros([512]), w2: np.zeros([512, 10]), b2: np.zeros([10]) });
let m = z(), v = z(); let t = np.array([0]).reshape([]);
const x = np.array(X).reshape([B, 784]); const y = np.array(Y, { dtype: np.int32 });
for (let i = 0; i < 20; i++) {
  const s = performance.now();
  const out = step(p, m, v, t, x.ref, y.ref) as any;
  [p, m, v, t] = out; const loss = out[4];
  console.log(i, (await loss.data())[0], performance.now() - s);
}
