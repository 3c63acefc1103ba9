import type { Tensor, TensorLike } from '../../api/index.js';
import {
  binaryCrossentropy, categoricalCrossentropy, meanAbsoluteError, meanSquaredError, sparseCategoricalCrossentropy,
  type CrossentropyOptions,
} from './functions.js';
import { Loss, type LossOptions } from './loss.js';

export class MeanSquaredError extends Loss {
  constructor(options: LossOptions = {}) {
    super(options, 'mean_squared_error');
  }

  perSample(yTrue: TensorLike, yPred: TensorLike): Tensor {
    return meanSquaredError(yTrue, yPred);
  }
}

export class MeanAbsoluteError extends Loss {
  constructor(options: LossOptions = {}) {
    super(options, 'mean_absolute_error');
  }

  perSample(yTrue: TensorLike, yPred: TensorLike): Tensor {
    return meanAbsoluteError(yTrue, yPred);
  }
}

export type CrossentropyLossOptions = LossOptions & CrossentropyOptions;

export class BinaryCrossentropy extends Loss {
  readonly fromLogits: boolean;
  readonly labelSmoothing: number;
  readonly axis: number;

  constructor(options: CrossentropyLossOptions = {}) {
    super(options, 'binary_crossentropy');
    this.fromLogits = options.fromLogits ?? false;
    this.labelSmoothing = options.labelSmoothing ?? 0;
    this.axis = options.axis ?? -1;
  }

  perSample(yTrue: TensorLike, yPred: TensorLike): Tensor {
    return binaryCrossentropy(yTrue, yPred, { fromLogits: this.fromLogits, labelSmoothing: this.labelSmoothing, axis: this.axis });
  }
}

export class CategoricalCrossentropy extends Loss {
  readonly fromLogits: boolean;
  readonly labelSmoothing: number;
  readonly axis: number;

  constructor(options: CrossentropyLossOptions = {}) {
    super(options, 'categorical_crossentropy');
    this.fromLogits = options.fromLogits ?? false;
    this.labelSmoothing = options.labelSmoothing ?? 0;
    this.axis = options.axis ?? -1;
  }

  perSample(yTrue: TensorLike, yPred: TensorLike): Tensor {
    return categoricalCrossentropy(yTrue, yPred, { fromLogits: this.fromLogits, labelSmoothing: this.labelSmoothing, axis: this.axis });
  }
}

export class SparseCategoricalCrossentropy extends Loss {
  readonly fromLogits: boolean;

  constructor(options: LossOptions & Pick<CrossentropyOptions, 'fromLogits'> = {}) {
    super(options, 'sparse_categorical_crossentropy');
    this.fromLogits = options.fromLogits ?? false;
  }

  perSample(yTrue: TensorLike, yPred: TensorLike): Tensor {
    return sparseCategoricalCrossentropy(yTrue, yPred, { fromLogits: this.fromLogits });
  }
}
