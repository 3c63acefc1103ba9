import { tidy, type Tensor, type TensorLike } from '../../api/index.js';
import { asTensor } from './inputs.js';
import { checkReduction, reduceWeighted, type Reduction } from './reduction.js';

export interface LossOptions {
  /** 'sum_over_batch_size' (default), 'sum', 'none', 'mean' or 'mean_with_sample_weight'. */
  readonly reduction?: Reduction;
  readonly name?: string;
}

/** A per-sample loss function, as keras.losses.mean_squared_error. */
export type LossFunction = (yTrue: Tensor, yPred: Tensor) => Tensor;

/**
 * A loss object. `call` (Keras's `__call__`) computes the per-sample values with `perSample`,
 * weights them by `sampleWeight` and reduces them; a custom loss overrides `perSample`.
 */
export abstract class Loss {
  readonly name: string;
  readonly reduction: Reduction;

  constructor(options: LossOptions = {}, defaultName = 'loss') {
    this.name = options.name ?? defaultName;
    this.reduction = checkReduction(options.reduction ?? 'sum_over_batch_size', this.name);
  }

  /** The unreduced loss, one value per sample. */
  abstract perSample(yTrue: TensorLike, yPred: TensorLike): Tensor;

  /** The weighted, reduced loss: a scalar unless the reduction is 'none'. */
  call(yTrue: TensorLike, yPred: TensorLike, sampleWeight?: TensorLike): Tensor {
    return tidy(() => reduceWeighted(this.perSample(yTrue, yPred), sampleWeight, this.reduction));
  }
}

/** A loss object around a per-sample function (Keras's LossFunctionWrapper). */
export class LossFunctionWrapper extends Loss {
  constructor(readonly fn: LossFunction, options: LossOptions = {}) {
    super(options, fn.name || 'loss');
  }

  perSample(yTrue: TensorLike, yPred: TensorLike): Tensor {
    return this.fn(asTensor(yTrue, 'yTrue', this.name), asTensor(yPred, 'yPred', this.name));
  }
}
