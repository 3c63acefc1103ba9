import { composite } from '../memory.js';
import { KilnError, shapeString } from '../../ir/index.js';
import { applyOp, type Tensor } from '../../trace/index.js';
import { toTensorPair, type TensorLike } from '../convert.js';
import { reshape } from './shape.js';

export const matMul = composite(function matMul(a: TensorLike, b: TensorLike, transposeA: boolean = false, transposeB: boolean = false): Tensor {
  return applyOp('matMul', toTensorPair(a, b, 'matMul'), { transposeA, transposeB });
});

/** Dot product of vectors and matrices (rank 1 or 2), as tf.dot. */
export const dot = composite(function dot(a: TensorLike, b: TensorLike): Tensor {
  const [ta, tb] = toTensorPair(a, b, 'dot');
  if (ta.rank < 1 || ta.rank > 2 || tb.rank < 1 || tb.rank > 2) {
    throw new KilnError(`expects rank 1 or 2 inputs, got shapes ${shapeString(ta.shape)} and ${shapeString(tb.shape)}`, { op: 'dot' });
  }
  const a2 = ta.rank === 1 ? reshape(ta, [1, ta.shape[0]!]) : ta;
  const b2 = tb.rank === 1 ? reshape(tb, [tb.shape[0]!, 1]) : tb;
  const product = matMul(a2, b2);
  const shape = [...(ta.rank === 2 ? [ta.shape[0]!] : []), ...(tb.rank === 2 ? [tb.shape[1]!] : [])];
  return ta.rank === 2 && tb.rank === 2 ? product : reshape(product, shape);
});

export const outerProduct = composite(function outerProduct(a: TensorLike, b: TensorLike): Tensor {
  const [ta, tb] = toTensorPair(a, b, 'outerProduct');
  return matMul(reshape(ta, [ta.size, 1]), reshape(tb, [1, tb.size]));
});
