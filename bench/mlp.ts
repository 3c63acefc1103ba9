// Workloads A and D: one train step of an MLP 784 → 512 relu → 10 with softmax cross-entropy
// on integer labels and Adam (lr 1e-3), on a fixed random batch. Every library starts from the
// same weights and data, so their loss trajectories must agree.
import * as kiln from '../src/index.js';
import { random, uniform, type Impl } from './harness.js';
import { jax, tf, useTf } from './peers.js';

const IN = 784, HIDDEN = 512, OUT = 10;
const LR = 1e-3, BETA1 = 0.9, BETA2 = 0.999, EPSILON = 1e-7;

export interface MlpData {
  readonly batch: number;
  readonly x: Float32Array;
  readonly labels: Int32Array;
  readonly w1: Float32Array;
  readonly w2: Float32Array;
}

function glorot(fanIn: number, fanOut: number, seed: number): Float32Array {
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  return uniform(fanIn * fanOut, seed, -limit, limit);
}

export function mlpData(batch: number): MlpData {
  const r = random(3);
  return {
    batch,
    x: uniform(batch * IN, 1),
    labels: Int32Array.from({ length: batch }, () => Math.floor(r() * OUT)),
    w1: glorot(IN, HIDDEN, 4),
    w2: glorot(HIDDEN, OUT, 5),
  };
}

/**
 * kiln: a compiled step with GradientTape and keras Adam (Keras's ε-hat form) on kiln.Variables.
 * `sync` (on a GPU): every step reads its loss back, so each step's time includes the GPU's work.
 */
export function kilnMlp(d: MlpData, fuse: boolean, sync = false): Impl {
  const vars = [
    new kiln.Variable(kiln.tensor(d.w1, [IN, HIDDEN]), { name: 'w1' }),
    new kiln.Variable(kiln.zeros([HIDDEN]), { name: 'b1' }),
    new kiln.Variable(kiln.tensor(d.w2, [HIDDEN, OUT]), { name: 'w2' }),
    new kiln.Variable(kiln.zeros([OUT]), { name: 'b2' }),
  ] as const;
  const [w1, b1, w2, b2] = vars;
  const optimizer = new kiln.keras.optimizers.Adam({ learningRate: LR, beta1: BETA1, beta2: BETA2, epsilon: EPSILON });
  const step = kiln.compile((x: kiln.Tensor, y: kiln.Tensor) => {
    const tape = new kiln.GradientTape();
    const loss = tape.record(() => {
      const h = kiln.relu(kiln.matMul(x, w1).add(b1));
      const logits = kiln.matMul(h, w2).add(b2);
      return kiln.mean(kiln.nn.sparseSoftmaxCrossEntropyWithLogits(y, logits));
    });
    const grads = tape.gradient(loss, [...vars]);
    optimizer.applyGradients(grads.map((g, i) => [g, vars[i]!] as const));
    return loss;
  }, { name: fuse ? 'mlpStep' : 'mlpStepUnfused', fuse });
  const x = kiln.tensor(d.x, [d.batch, IN]);
  const y = kiln.tensor(d.labels, [d.batch], 'int32');
  let loss: kiln.Tensor | null = null;
  let last = NaN;
  return {
    name: fuse ? 'kiln' : 'kiln (fuse off)',
    run: sync
      ? async () => { loss?.dispose(); loss = step(x, y); last = (await loss.data())[0]!; }
      : () => { loss?.dispose(); loss = step(x, y); },
    finish: sync ? async () => last : async () => (await loss!.data())[0]!,
    stats: () => step.concrete(x, y).stats,
    kernelSources: () => step.concrete(x, y).kernels.map((k) => k.source),
  };
}

/** tfjs: optimizer.minimize with tf.train.adam on tf.variables, on the given backend. */
export function tfMlp(d: MlpData, backend: string, sync = false): Impl {
  let made: { step: () => tf.Scalar } | null = null;
  // Made under its own backend, so its variables live there and never move.
  const make = () => {
    const w1 = tf.variable(tf.tensor2d(d.w1, [IN, HIDDEN]));
    const b1 = tf.variable(tf.zeros([HIDDEN]));
    const w2 = tf.variable(tf.tensor2d(d.w2, [HIDDEN, OUT]));
    const b2 = tf.variable(tf.zeros([OUT]));
    const x = tf.tensor2d(d.x, [d.batch, IN]);
    const y = tf.oneHot(tf.tensor1d(d.labels, 'int32'), OUT);
    const optimizer = tf.train.adam(LR, BETA1, BETA2, EPSILON);
    const lossFn = (): tf.Scalar => {
      const h = tf.relu(tf.add(tf.matMul(x, w1), b1));
      const logits = tf.add(tf.matMul(h, w2), b2);
      return tf.losses.softmaxCrossEntropy(y, logits);
    };
    return { step: () => optimizer.minimize(lossFn, true, [w1, b1, w2, b2])! };
  };
  let loss: tf.Scalar | null = null;
  let last = NaN;
  return {
    name: `tfjs-${backend}`,
    prepare: async () => { await useTf(backend); made ??= make(); },
    run: sync
      ? async () => { loss?.dispose(); loss = made!.step(); last = (await loss.data())[0]!; }
      : () => { loss?.dispose(); loss = made!.step(); },
    finish: sync ? async () => last : async () => (await loss!.data())[0]!,
  };
}

type Params = { w1: jax.numpy.Array; b1: jax.numpy.Array; w2: jax.numpy.Array; b2: jax.numpy.Array };
const KEYS = ['w1', 'b1', 'w2', 'b2'] as const;

/** jax-js: jit of valueAndGrad of the loss and an Adam update (ε-hat form, as kiln's) in jax-js ops. */
export function jaxMlp(d: MlpData, name = 'jax-js', sync = false): Impl {
  const { numpy: np, nn } = jax;
  const lossFn = (p: Params, x: jax.numpy.Array, y: jax.numpy.Array): jax.numpy.Array => {
    const h = nn.relu(np.matmul(x, p.w1).add(p.b1));
    const logits = np.matmul(h, p.w2).add(p.b2);
    return nn.logSoftmax(logits, -1).mul(nn.oneHot(y, OUT)).sum(-1).mean().neg();
  };
  // jax-js arrays are reference counted and every call takes ownership of its arguments: `.ref` keeps one.
  const step = jax.jit((p: Params, m: Params, v: Params, t: jax.numpy.Array, x: jax.numpy.Array, y: jax.numpy.Array) => {
    const [loss, g] = jax.valueAndGrad(lossFn)({ w1: p.w1.ref, b1: p.b1.ref, w2: p.w2.ref, b2: p.b2.ref }, x, y);
    const t1 = t.add(1);
    const correction = (beta: number) => np.exp(t1.ref.mul(Math.log(beta))).neg().add(1); // 1 − βᵗ
    const alpha = np.sqrt(correction(BETA2)).mul(LR).div(correction(BETA1));
    const next = {} as Params, nm = {} as Params, nv = {} as Params;
    for (const k of KEYS) {
      const gk = g[k];
      nm[k] = m[k].mul(BETA1).add(gk.ref.mul(1 - BETA1));
      nv[k] = v[k].mul(BETA2).add(np.square(gk).mul(1 - BETA2));
      next[k] = p[k].sub(nm[k].ref.mul(alpha.ref).div(np.sqrt(nv[k].ref).add(EPSILON)));
    }
    alpha.dispose();
    return [next, nm, nv, t1, loss] as [Params, Params, Params, jax.numpy.Array, jax.numpy.Array];
  });
  const zeros = (): Params => ({ w1: np.zeros([IN, HIDDEN]), b1: np.zeros([HIDDEN]), w2: np.zeros([HIDDEN, OUT]), b2: np.zeros([OUT]) });
  let p: Params = { w1: np.array(d.w1).reshape([IN, HIDDEN]), b1: np.zeros([HIDDEN]), w2: np.array(d.w2).reshape([HIDDEN, OUT]), b2: np.zeros([OUT]) };
  let m = zeros(), v = zeros();
  let t = np.zeros([]);
  const x = np.array(d.x).reshape([d.batch, IN]);
  const y = np.array(d.labels, { dtype: np.int32 });
  let loss: jax.numpy.Array | null = null;
  let last = NaN;
  const run = () => {
    loss?.dispose();
    [p, m, v, t, loss] = step(p, m, v, t, x.ref, y.ref);
  };
  return {
    name,
    run: sync ? async () => { run(); last = (await loss!.ref.data())[0]!; } : run,
    finish: sync ? async () => last : async () => (await loss!.ref.data())[0]!,
  };
}
