import { KilnError } from '../../ir/index.js';
import { Tensor } from '../../trace/index.js';
import { unstack } from '../ops/shape.js';

declare module '../../trace/tensor.js' {
  interface Tensor {
    /** The slices along dimension 0 (as iterating a tf.Tensor); in a converted loop while tracing, one graph loop. */
    [Symbol.iterator](): Iterator<Tensor>;
  }
}

Object.defineProperty(Tensor.prototype, Symbol.iterator, {
  configurable: true,
  writable: true,
  value: function* iterate(this: Tensor): Generator<Tensor> {
    if (this.rank === 0) throw new KilnError(`cannot iterate over a scalar tensor (${this.describe()})`, { op: 'iterate' });
    yield* unstack(this);
  },
});
