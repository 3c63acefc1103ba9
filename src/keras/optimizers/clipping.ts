import { add, clipByValue, div, maximum, minimum, mul, sqrt, square, sum, where, type Tensor } from '../../api/index.js';

/** Gradient clipping options shared by every optimizer (Keras's clipnorm, clipvalue, global_clipnorm). */
export interface ClippingOptions {
  /** Each gradient is rescaled so its L2 norm is at most this. */
  readonly clipNorm?: number;
  /** Each gradient element is clipped to [-clipValue, clipValue]. */
  readonly clipValue?: number;
  /** All gradients are rescaled together so their joint L2 norm is at most this. */
  readonly globalClipnorm?: number;
}

function clipByNorm(g: Tensor, clipNorm: number): Tensor {
  const l2sum = sum(square(g));
  const positive = l2sum.greater(0);
  // The where keeps sqrt's gradient finite at 0, as Keras does.
  const norm = where(positive, sqrt(where(positive, l2sum, 1)), l2sum);
  return div(mul(g, clipNorm), maximum(norm, clipNorm));
}

function clipByGlobalNorm(grads: Tensor[], clipNorm: number): Tensor[] {
  const total = grads.map((g) => sum(square(g))).reduce((a, b) => add(a, b));
  const scale = mul(minimum(div(1, sqrt(total)), 1 / clipNorm), clipNorm);
  return grads.map((g) => mul(g, scale));
}

/** Applies the one clipping option that is set (Keras allows only one). */
export function clipGradients(grads: Tensor[], options: ClippingOptions): Tensor[] {
  const { clipNorm, clipValue, globalClipnorm } = options;
  if (clipNorm && clipNorm > 0) return grads.map((g) => clipByNorm(g, clipNorm));
  if (globalClipnorm && globalClipnorm > 0) return clipByGlobalNorm(grads, globalClipnorm);
  if (clipValue && clipValue > 0) return grads.map((g) => clipByValue(g, -clipValue, clipValue));
  return grads;
}
