import * as kiln from '../../api/index.js';
import { KilnError, type Tensor, type Variable } from '../../api/index.js';
import type { InitializerLike } from '../engine/initializers.js';
import type { Shape } from '../engine/keras-tensor.js';
import { Layer, type CallArgs, type LayerArgs } from '../engine/layer.js';
import { knownAxis } from './core.js';

export interface BatchNormalizationArgs extends LayerArgs {
  /** The features axis (default -1, channels last). */
  readonly axis?: number;
  readonly momentum?: number;
  readonly epsilon?: number;
  readonly center?: boolean;
  readonly scale?: boolean;
  readonly betaInitializer?: InitializerLike;
  readonly gammaInitializer?: InitializerLike;
  readonly movingMeanInitializer?: InitializerLike;
  readonly movingVarianceInitializer?: InitializerLike;
}

/**
 * Normalizes each feature to zero mean and unit variance, then scales by gamma and shifts by
 * beta. While training (and trainable) it uses the batch's statistics and moves the moving
 * ones toward them: moving = moving·momentum + batch·(1 − momentum), with the biased batch
 * variance (as Keras 3); otherwise it uses the moving statistics.
 */
export class BatchNormalization extends Layer {
  readonly axis: number;
  readonly momentum: number;
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  gamma: Variable | null = null;
  beta: Variable | null = null;
  movingMean!: Variable;
  movingVariance!: Variable;
  private readonly initializers: Required<Pick<BatchNormalizationArgs, 'betaInitializer' | 'gammaInitializer' | 'movingMeanInitializer' | 'movingVarianceInitializer'>>;

  constructor(args: BatchNormalizationArgs = {}) {
    super(args);
    this.axis = args.axis ?? -1;
    this.momentum = args.momentum ?? 0.99;
    this.epsilon = args.epsilon ?? 1e-3;
    this.center = args.center ?? true;
    this.scale = args.scale ?? true;
    this.initializers = {
      betaInitializer: args.betaInitializer ?? 'zeros', gammaInitializer: args.gammaInitializer ?? 'ones',
      movingMeanInitializer: args.movingMeanInitializer ?? 'zeros', movingVarianceInitializer: args.movingVarianceInitializer ?? 'ones',
    };
  }

  override build(inputShape: Shape): void {
    const rank = inputShape.length;
    if (this.axis < -rank || this.axis >= rank) throw new KilnError(`axis ${this.axis} is out of range for inputs of rank ${rank}`, { op: `${this.name}.build` });
    const dim = knownAxis(this, inputShape, this.axis);
    const i = this.initializers;
    if (this.scale) this.gamma = this.addWeight({ name: 'gamma', shape: [dim], initializer: i.gammaInitializer });
    if (this.center) this.beta = this.addWeight({ name: 'beta', shape: [dim], initializer: i.betaInitializer });
    this.movingMean = this.addWeight({ name: 'moving_mean', shape: [dim], initializer: i.movingMeanInitializer, trainable: false });
    this.movingVariance = this.addWeight({ name: 'moving_variance', shape: [dim], initializer: i.movingVarianceInitializer, trainable: false });
    this.inputSpec = { rank, axes: { [this.axis]: dim } };
  }

  override call(inputs: Tensor, args: CallArgs = {}): Tensor {
    const rank = inputs.rank;
    const axis = this.axis < 0 ? rank + this.axis : this.axis;
    const reduceAxes = Array.from({ length: rank }, (_, i) => i).filter((i) => i !== axis);
    // Per-feature vectors broadcast against the input along `axis`.
    const broadcastShape = inputs.shape.map((d, i) => (i === axis ? d : 1));
    const expand = (t: Tensor) => (axis === rank - 1 ? t : kiln.reshape(t, broadcastShape));
    let mean: Tensor;
    let variance: Tensor;
    if (args.training && this.trainable) {
      const batchMean = kiln.mean(inputs, reduceAxes, true);
      const batchVariance = kiln.mean(kiln.square(kiln.sub(inputs, batchMean)), reduceAxes, true);
      mean = batchMean;
      variance = batchVariance;
      const m = this.momentum;
      const flat = (t: Tensor) => kiln.reshape(t, [inputs.shape[axis]!]);
      this.movingMean.assign(kiln.add(kiln.mul(this.movingMean, m), kiln.mul(kiln.stopGradient(flat(batchMean)), 1 - m)));
      this.movingVariance.assign(kiln.add(kiln.mul(this.movingVariance, m), kiln.mul(kiln.stopGradient(flat(batchVariance)), 1 - m)));
    } else {
      mean = expand(this.movingMean);
      variance = expand(this.movingVariance);
    }
    let y = kiln.mul(kiln.sub(inputs, mean), kiln.rsqrt(kiln.add(variance, this.epsilon)));
    if (this.gamma) y = kiln.mul(y, expand(this.gamma));
    if (this.beta) y = kiln.add(y, expand(this.beta));
    return y;
  }
}
