// Workloads B (a fused elementwise chain summed to a scalar) and C (a 1024×1024 matmul), on
// every library and by hand.
import * as kiln from '../src/index.js';
import { uniform, type Impl } from './harness.js';
import { jax, tf, useTf } from './peers.js';

// ---- B: sum(sigmoid(relu(x·a + b)·c − d)) over 2^20 elements, a–d scalars -----------------------

export const B_SIZE = 2 ** 20;
const A = 1.5, B = 0.25, C = 0.75, D = 0.5;

export function chainData(): Float32Array {
  return uniform(B_SIZE, 11, -2, 2);
}

/**
 * The float32 elementwise values summed one after another in float32, as a library without
 * pairwise or wider accumulation does: over 2^20 terms that drifts ~2e-3 from the exact sum.
 */
export function float32RunningSum(x: Float32Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) {
    const r = Math.fround(x[i]! * A + B);
    s = Math.fround(s + Math.fround(1 / (1 + Math.exp(-((r > 0 ? r : 0) * C - D)))));
  }
  return s;
}

/** The hand-written reference: one fused loop, accumulating in a double. */
export function handChain(x: Float32Array): Impl {
  const loop = (): number => {
    let s = 0;
    for (let i = 0; i < x.length; i++) {
      const r = x[i]! * A + B;
      s += 1 / (1 + Math.exp(-((r > 0 ? r : 0) * C - D)));
    }
    return s;
  };
  let last = 0;
  return { name: 'hand loop', run: () => { last = loop(); }, finish: async () => last };
}

export function kilnChain(x: Float32Array, fuse: boolean): Impl {
  const fn = kiln.compile((t: kiln.Tensor) => kiln.sum(kiln.sigmoid(kiln.relu(t.mul(A).add(B)).mul(C).sub(D))), { name: 'chain', fuse });
  const t = kiln.tensor(x, [B_SIZE]);
  let last = 0;
  // Each run reads its scalar back, as a user of the sum would.
  return {
    name: fuse ? 'kiln' : 'kiln (fuse off)',
    run: async () => { const s = fn(t); last = (await s.data())[0]!; s.dispose(); },
    finish: async () => last,
    stats: () => fn.concrete(t).stats,
    kernelSources: () => fn.concrete(t).kernels.map((k) => k.source),
  };
}

export function tfChain(x: Float32Array, backend: string): Impl {
  let made: { t: tf.Tensor; a: tf.Scalar; b: tf.Scalar; c: tf.Scalar; d: tf.Scalar } | null = null;
  let last = 0;
  return {
    name: `tfjs-${backend}`,
    prepare: async () => {
      await useTf(backend);
      made ??= { t: tf.tensor1d(x), a: tf.scalar(A), b: tf.scalar(B), c: tf.scalar(C), d: tf.scalar(D) };
    },
    run: async () => {
      const { t, a, b, c, d } = made!;
      const s = tf.tidy(() => tf.sum(tf.sigmoid(tf.sub(tf.mul(tf.relu(tf.add(tf.mul(t, a), b)), c), d))));
      last = (await s.data())[0]!;
      s.dispose();
    },
    finish: async () => last,
  };
}

export function jaxChain(x: Float32Array, name = 'jax-js'): Impl {
  const { numpy: np, nn } = jax;
  const fn = jax.jit((t: jax.numpy.Array) => nn.sigmoid(nn.relu(t.mul(A).add(B)).mul(C).sub(D)).sum());
  const t = np.array(x);
  let last = 0;
  return {
    name,
    run: async () => { last = (await fn(t.ref).data())[0]!; },
    finish: async () => last,
  };
}

// ---- C: 1024×1024 float32 matmul ----------------------------------------------------------------

export const N = 1024;
export const MATMUL_FLOPS = 2 * N ** 3;

export function matmulData(): { a: Float32Array; b: Float32Array } {
  return { a: uniform(N * N, 21, -1, 1), b: uniform(N * N, 22, -1, 1) };
}

/** The hand-written reference: the plain i-k-j triple loop (row-major, unit stride inside). */
export function handMatmul(a: Float32Array, b: Float32Array, out: Float32Array): Impl {
  const loop = () => {
    out.fill(0);
    for (let i = 0; i < N; i++) {
      const row = i * N;
      for (let p = 0; p < N; p++) {
        const aip = a[row + p]!;
        const bRow = p * N;
        for (let j = 0; j < N; j++) out[row + j] += aip * b[bRow + j]!;
      }
    }
  };
  return { name: 'hand i-k-j', run: loop, finish: async () => out[0]! };
}

/** Each implementation reads the product back into `sink` at the end of a call (its values are checked). */
export function kilnMatmul(a: Float32Array, b: Float32Array, fuse: boolean, sink: (v: ArrayLike<number>) => void): Impl {
  const fn = kiln.compile((x: kiln.Tensor, y: kiln.Tensor) => kiln.matMul(x, y), { name: 'matmul', fuse });
  const ta = kiln.tensor(a, [N, N]), tb = kiln.tensor(b, [N, N]);
  let last = 0;
  return {
    name: fuse ? 'kiln' : 'kiln (fuse off)',
    run: async () => { const c = fn(ta, tb); const v = await c.data(); sink(v); last = v[0]!; c.dispose(); },
    finish: async () => last,
    stats: () => fn.concrete(ta, tb).stats,
    kernelSources: () => fn.concrete(ta, tb).kernels.map((k) => k.source),
  };
}

export function tfMatmul(a: Float32Array, b: Float32Array, backend: string, sink: (v: ArrayLike<number>) => void): Impl {
  let made: { a: tf.Tensor2D; b: tf.Tensor2D } | null = null;
  let last = 0;
  return {
    name: `tfjs-${backend}`,
    prepare: async () => { await useTf(backend); made ??= { a: tf.tensor2d(a, [N, N]), b: tf.tensor2d(b, [N, N]) }; },
    run: async () => { const c = tf.matMul(made!.a, made!.b); const v = await c.data(); sink(v); last = v[0]!; c.dispose(); },
    finish: async () => last,
  };
}

export function jaxMatmul(a: Float32Array, b: Float32Array, sink: (v: ArrayLike<number>) => void, name = 'jax-js'): Impl {
  const { numpy: np } = jax;
  const fn = jax.jit((x: jax.numpy.Array, y: jax.numpy.Array) => np.matmul(x, y));
  const ja = np.array(a).reshape([N, N]), jb = np.array(b).reshape([N, N]);
  let last = 0;
  return {
    name,
    run: async () => { const v = await fn(ja.ref, jb.ref).data(); sink(v); last = v[0]!; },
    finish: async () => last,
  };
}
