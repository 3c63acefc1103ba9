import { broadcastTo, mean, mul, sum, tidy, type Tensor, type TensorLike } from '../../api/index.js';
import { asTensor } from '../losses/inputs.js';
import { divNoNan, squeezeOrExpandToSameRank } from '../losses/reduction.js';
import { Metric, type MetricDirection, type MetricOptions } from './metric.js';

const trailingAxes = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

/**
 * Keras's reduce_to_samplewise_values: weight the values (averaging them down to the
 * weight's rank first), then average each sample to one value.
 */
function samplewise(values: Tensor, sampleWeight: Tensor | null): [Tensor, Tensor | null] {
  let v = values;
  let w = sampleWeight;
  if (w) {
    [v, w] = squeezeOrExpandToSameRank(v, w);
    if (v.rank > w.rank) v = mean(v, trailingAxes(w.rank, v.rank));
    w = broadcastTo(w, v.shape);
    v = mul(v, w);
    if (w.rank > 1) w = mean(w, trailingAxes(1, w.rank));
  }
  if (v.rank > 1) v = mean(v, trailingAxes(1, v.rank));
  return [v, w];
}

/** The (weighted) mean of the values seen: total / count. */
export class Mean extends Metric {
  private readonly total = this.addVariable('total');
  private readonly count = this.addVariable('count');

  constructor(options: MetricOptions = {}, direction?: MetricDirection) {
    super(options, 'mean', direction);
  }

  /** Accumulates `values`, each weighted by `sampleWeight` when given. */
  updateState(values: TensorLike, sampleWeight?: TensorLike): void {
    this.accumulate(values, sampleWeight);
  }

  result(): Tensor {
    return tidy(() => divNoNan(this.total, this.count));
  }

  protected accumulate(values: TensorLike, sampleWeight: TensorLike | undefined): void {
    tidy(() => {
      const weight = sampleWeight === undefined || sampleWeight === null ? null : asTensor(sampleWeight, 'sampleWeight', this.name);
      const [v, w] = samplewise(asTensor(values, 'values', this.name), weight);
      this.total.assignAdd(sum(v));
      this.count.assignAdd(w ? sum(w) : v.rank >= 1 ? v.shape[0]! : 1);
    });
  }
}

/** A per-sample function (yTrue, yPred) => values, averaged (Keras's MeanMetricWrapper). */
export class MeanMetricWrapper extends Mean {
  constructor(readonly fn: (yTrue: Tensor, yPred: Tensor) => Tensor, options: MetricOptions = {}, direction?: MetricDirection) {
    super({ name: options.name ?? (fn.name || 'mean_metric_wrapper') }, direction);
  }

  override updateState(yTrue: TensorLike, yPred: TensorLike, sampleWeight?: TensorLike): void {
    tidy(() => {
      const values = this.fn(asTensor(yTrue, 'yTrue', this.name), asTensor(yPred, 'yPred', this.name));
      this.accumulate(values, sampleWeight);
    });
  }
}
