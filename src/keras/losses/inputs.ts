import { cast, KilnError, Tensor, tensor, type DType, type NestedArray, type TensorLike, type TypedArray } from '../../api/index.js';

/** A tensor for a loss or metric argument, cast to `dtype` (Keras converts y_true and y_pred to the loss's dtype). */
export function asTensor(x: TensorLike | undefined | null, name: string, op: string, dtype: DType = 'float32'): Tensor {
  if (x instanceof Tensor) return x.dtype === dtype ? x : cast(x, dtype);
  if (x === undefined || x === null) throw new KilnError(`missing argument '${name}' (a tensor, number or nested array)`, { op });
  return tensor(x as TypedArray | NestedArray, undefined, dtype);
}
