import * as kiln from '../../api/index.js';
import { KilnError, Variable, type Tensor } from '../../api/index.js';
import { applyOp } from '../../trace/index.js';
import type { Shape } from '../engine/keras-tensor.js';
import { Layer, type CallArgs, type LayerArgs } from '../engine/layer.js';

export interface DropoutArgs extends LayerArgs {
  readonly rate?: number;
  /** Makes the sequence of masks reproducible; each call still draws a new mask. */
  readonly seed?: number;
  /** The mask's shape, 1 on axes to share one draw across (as Keras's noise_shape); null axes follow the input. */
  readonly noiseShape?: readonly (number | null)[];
}

/**
 * Zeroes a fraction `rate` of its inputs while training and scales the rest by 1/(1 - rate), so
 * the expected sum is unchanged; at inference it passes inputs through. Inside a compiled step
 * each call draws a new mask: from kiln's global random stream, or from this layer's own seed
 * state when it has a seed.
 */
export class Dropout extends Layer {
  readonly rate: number;
  readonly seed: number | undefined;
  readonly noiseShape: readonly (number | null)[] | undefined;
  #seedState: Variable | null = null;

  constructor(rate: number | DropoutArgs, args: DropoutArgs = {}) {
    const options = typeof rate === 'number' ? args : rate;
    super(options);
    this.rate = typeof rate === 'number' ? rate : rate.rate ?? 0.5;
    if (!(this.rate >= 0 && this.rate <= 1)) throw new KilnError(`rate must be in [0, 1], got ${this.rate}`, { op: 'Dropout' });
    this.seed = options.seed;
    this.noiseShape = options.noiseShape;
  }

  override build(_inputShape: Shape): void {
    if (this.seed !== undefined) {
      if (!Number.isInteger(this.seed)) throw new KilnError(`seed must be an integer, got ${this.seed}`, { op: 'Dropout' });
      // The layer's seed stream: a state that advances by one per call (not a weight: it is not saved).
      this.#seedState = new Variable(kiln.scalar(Math.imul(this.seed, 0x5bd1e995) | 0, 'int32'), { trainable: false, name: 'seed_generator_state' });
    }
  }

  override call(inputs: Tensor, args: CallArgs = {}): Tensor {
    if (!args.training || this.rate === 0) return inputs;
    if (this.rate === 1) return kiln.mul(inputs, 0);
    const shape = this.noiseShape ? this.noiseShape.map((d, i) => d ?? inputs.shape[i]!) : [...inputs.shape];
    const keep = kiln.cast(kiln.greaterEqual(this.uniform(shape), this.rate), inputs.dtype);
    return kiln.div(kiln.mul(inputs, keep), 1 - this.rate);
  }

  private uniform(shape: number[]): Tensor {
    const state = this.#seedState;
    if (!state) return kiln.randomUniform(shape);
    const seed = applyOp('identity', [state]);
    state.assignAdd(1);
    return applyOp('randomUniform', [seed], { shape });
  }
}
