import { argMax, cast, equal, greater, squeeze, tidy, type Tensor, type TensorLike } from '../../api/index.js';
import { asTensor } from '../losses/inputs.js';
import { squeezeOrExpandToSameRank } from '../losses/reduction.js';
import { MeanMetricWrapper } from './mean.js';
import type { MetricOptions } from './metric.js';

const matches = (a: Tensor, b: Tensor): Tensor => cast(equal(a, b), 'float32');

/** 1 where yTrue equals yPred exactly, else 0. */
export function accuracy(yTrue: TensorLike, yPred: TensorLike): Tensor {
  return tidy(() => matches(...squeezeOrExpandToSameRank(asTensor(yTrue, 'yTrue', 'accuracy'), asTensor(yPred, 'yPred', 'accuracy'))));
}

/** 1 where (yPred > threshold) equals yTrue, else 0. */
export function binaryAccuracy(yTrue: TensorLike, yPred: TensorLike, threshold = 0.5): Tensor {
  return tidy(() => {
    const [t, p] = squeezeOrExpandToSameRank(asTensor(yTrue, 'yTrue', 'binaryAccuracy'), asTensor(yPred, 'yPred', 'binaryAccuracy'));
    return matches(t, cast(greater(p, threshold), 'float32'));
  });
}

/** 1 where the argmax of one-hot yTrue equals the argmax of yPred. */
export function categoricalAccuracy(yTrue: TensorLike, yPred: TensorLike): Tensor {
  return tidy(() => matches(argMax(asTensor(yTrue, 'yTrue', 'categoricalAccuracy'), -1), argMax(asTensor(yPred, 'yPred', 'categoricalAccuracy'), -1)));
}

/** 1 where the integer label (int32 or float, shape [n] or [n, 1]) equals the argmax of yPred [n, classes]. */
export function sparseCategoricalAccuracy(yTrue: TensorLike, yPred: TensorLike): Tensor {
  return tidy(() => {
    const p = asTensor(yPred, 'yPred', 'sparseCategoricalAccuracy');
    let labels = asTensor(yTrue, 'yTrue', 'sparseCategoricalAccuracy');
    if (labels.rank === p.rank && labels.shape[labels.rank - 1] === 1) labels = squeeze(labels, [-1]);
    return matches(labels, cast(argMax(p, -1), 'float32'));
  });
}

export class Accuracy extends MeanMetricWrapper {
  constructor(options: MetricOptions = {}) {
    super(accuracy, { name: options.name ?? 'accuracy' }, 'up');
  }
}

export class BinaryAccuracy extends MeanMetricWrapper {
  readonly threshold: number;

  constructor(options: MetricOptions & { readonly threshold?: number } = {}) {
    const threshold = options.threshold ?? 0.5;
    super((t, p) => binaryAccuracy(t, p, threshold), { name: options.name ?? 'binary_accuracy' }, 'up');
    this.threshold = threshold;
  }
}

export class CategoricalAccuracy extends MeanMetricWrapper {
  constructor(options: MetricOptions = {}) {
    super(categoricalAccuracy, { name: options.name ?? 'categorical_accuracy' }, 'up');
  }
}

export class SparseCategoricalAccuracy extends MeanMetricWrapper {
  constructor(options: MetricOptions = {}) {
    super(sparseCategoricalAccuracy, { name: options.name ?? 'sparse_categorical_accuracy' }, 'up');
  }
}
