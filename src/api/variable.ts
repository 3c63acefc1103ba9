import type { DType } from '../ir/index.js';
import { Variable as TracedVariable, type VariableOptions } from '../trace/index.js';
import { toTensor, type TensorLike } from './convert.js';

/** A mutable tensor: `new kiln.Variable(initial, { trainable, name })`. */
export class Variable extends TracedVariable {
  constructor(initialValue: TensorLike, options: VariableOptions & { dtype?: DType } = {}) {
    const init = toTensor(initialValue, 'initialValue', 'Variable', options.dtype);
    super(init, options);
    if (init !== initialValue) init.dispose();
  }
}
