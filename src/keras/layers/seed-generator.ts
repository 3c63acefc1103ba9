import * as kiln from '../../api/index.js';
import { KilnError, Variable, type Tensor } from '../../api/index.js';
import { applyOp } from '../../trace/index.js';

/**
 * A layer's own random stream (Keras's SeedGenerator): a seed state that advances by one per
 * draw, so a seeded layer draws a reproducible sequence of new values, eager or compiled.
 * Without a seed, draws come from kiln's global random stream.
 */
export class SeedGenerator {
  readonly #state: Variable | null;

  /** Call outside any trace (a layer's build does): it may create the state variable. */
  constructor(seed: number | undefined, op: string) {
    if (seed === undefined) { this.#state = null; return; }
    if (!Number.isInteger(seed)) throw new KilnError(`seed must be an integer, got ${seed}`, { op });
    this.#state = new Variable(kiln.scalar(Math.imul(seed, 0x5bd1e995) | 0, 'int32'), { trainable: false, name: 'seed_generator_state' });
  }

  /** Uniform floats in [minval, maxval), a new draw each call. */
  uniform(shape: readonly number[], minval = 0, maxval = 1): Tensor {
    const state = this.#state;
    let u: Tensor;
    if (!state) {
      u = kiln.randomUniform(shape);
    } else {
      const seed = applyOp('identity', [state]);
      state.assignAdd(1);
      u = applyOp('randomUniform', [seed], { shape: [...shape] });
    }
    return minval === 0 && maxval === 1 ? u : kiln.add(kiln.mul(u, maxval - minval), minval);
  }
}
