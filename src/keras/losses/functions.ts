import {
  abs, clipByValue, KilnError, log, logSoftmax, mean, mul, neg, nn, square, squeeze, sub, sum, tidy, add, div,
  type Tensor, type TensorLike,
} from '../../api/index.js';
import { asTensor } from './inputs.js';
import { squeezeOrExpandToSameRank } from './reduction.js';

/** Keras's backend epsilon: probabilities are clipped to [EPSILON, 1 - EPSILON]. */
export const EPSILON = 1e-7;

export interface CrossentropyOptions {
  /** Whether yPred holds logits rather than probabilities (default false). */
  readonly fromLogits?: boolean;
  /** Moves the targets towards 1/2 (binary) or 1/classes (categorical) by this fraction (default 0). */
  readonly labelSmoothing?: number;
  /** The class axis (default -1). */
  readonly axis?: number;
}

function pair(yTrue: TensorLike, yPred: TensorLike, op: string): [Tensor, Tensor] {
  const p = asTensor(yPred, 'yPred', op);
  return squeezeOrExpandToSameRank(asTensor(yTrue, 'yTrue', op), p);
}

/** mean((yTrue - yPred)², axis -1): one value per sample (keras.losses.mean_squared_error). */
export function meanSquaredError(yTrue: TensorLike, yPred: TensorLike): Tensor {
  return tidy(() => {
    const [t, p] = pair(yTrue, yPred, 'meanSquaredError');
    return mean(square(sub(t, p)), -1);
  });
}

/** mean(|yTrue - yPred|, axis -1): one value per sample (keras.losses.mean_absolute_error). */
export function meanAbsoluteError(yTrue: TensorLike, yPred: TensorLike): Tensor {
  return tidy(() => {
    const [t, p] = pair(yTrue, yPred, 'meanAbsoluteError');
    return mean(abs(sub(t, p)), -1);
  });
}

/** Per-element binary cross-entropy averaged over `axis` (keras.losses.binary_crossentropy). */
export function binaryCrossentropy(yTrue: TensorLike, yPred: TensorLike, options: CrossentropyOptions = {}): Tensor {
  const { fromLogits = false, labelSmoothing = 0, axis = -1 } = options;
  return tidy(() => {
    let [t, p] = pair(yTrue, yPred, 'binaryCrossentropy');
    if (labelSmoothing) t = add(mul(t, 1 - labelSmoothing), 0.5 * labelSmoothing);
    if (fromLogits) return mean(nn.sigmoidCrossEntropyWithLogits(t, p), axis);
    const o = clipByValue(p, EPSILON, 1 - EPSILON);
    return mean(neg(add(mul(t, log(o)), mul(sub(1, t), log(sub(1, o))))), axis);
  });
}

/** -Σ yTrue·log(yPred) over `axis`, yTrue one-hot (keras.losses.categorical_crossentropy). */
export function categoricalCrossentropy(yTrue: TensorLike, yPred: TensorLike, options: CrossentropyOptions = {}): Tensor {
  const { fromLogits = false, labelSmoothing = 0, axis = -1 } = options;
  return tidy(() => {
    const p = asTensor(yPred, 'yPred', 'categoricalCrossentropy');
    let t = asTensor(yTrue, 'yTrue', 'categoricalCrossentropy');
    if (t.shape.join() !== p.shape.join()) {
      throw new KilnError(`yTrue ${t.describe()} and yPred ${p.describe()} must have the same shape (one-hot targets); ` +
        `for integer labels use SparseCategoricalCrossentropy`, { op: 'categoricalCrossentropy' });
    }
    if (labelSmoothing) t = add(mul(t, 1 - labelSmoothing), labelSmoothing / p.shape.at(axis)!);
    if (fromLogits) return neg(sum(mul(t, logSoftmax(p, axis)), axis));
    // As Keras: renormalize the probabilities, then clip them.
    const o = clipByValue(div(p, sum(p, axis, true)), EPSILON, 1 - EPSILON);
    return neg(sum(mul(t, log(o)), axis));
  });
}

/** Cross-entropy of integer labels against class probabilities (keras.losses.sparse_categorical_crossentropy). */
export function sparseCategoricalCrossentropy(yTrue: TensorLike, yPred: TensorLike, options: Pick<CrossentropyOptions, 'fromLogits'> = {}): Tensor {
  const { fromLogits = false } = options;
  return tidy(() => {
    const p = asTensor(yPred, 'yPred', 'sparseCategoricalCrossentropy');
    let labels = asTensor(yTrue, 'yTrue', 'sparseCategoricalCrossentropy', 'int32');
    if (labels.rank === p.rank && labels.shape[labels.rank - 1] === 1) labels = squeeze(labels, [-1]);
    if (labels.shape.join() !== p.shape.slice(0, -1).join()) {
      throw new KilnError(`labels ${labels.describe()} must have the shape of yPred ${p.describe()} without its last axis ` +
        `(for one-hot targets use CategoricalCrossentropy)`, { op: 'sparseCategoricalCrossentropy' });
    }
    // Keras's TF backend: log of the clipped probabilities, used as logits.
    const logits = fromLogits ? p : log(clipByValue(p, EPSILON, 1 - EPSILON));
    return nn.sparseSoftmaxCrossEntropyWithLogits(labels, logits);
  });
}
