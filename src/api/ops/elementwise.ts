import { composite } from '../memory.js';
import type { DType } from '../../ir/index.js';
import { applyOp, type Tensor } from '../../trace/index.js';
import { dtypeArg, numberArg } from '../args.js';
import { toTensor, toTensorPair, type TensorLike } from '../convert.js';

// The hot paths: converted arguments (numbers, arrays) are freed right after the op, or when it throws.
const unary = (op: string) => (x: TensorLike): Tensor => {
  const t = toTensor(x, 'x', op);
  try {
    return applyOp(op, [t]);
  } finally {
    if (t !== x) t.dispose();
  }
};
const binary = (op: string) => (a: TensorLike, b: TensorLike): Tensor => {
  const [ta, tb] = toTensorPair(a, b, op);
  try {
    return applyOp(op, [ta, tb]);
  } finally {
    if (ta !== a) ta.dispose();
    if (tb !== b) tb.dispose();
  }
};

export const neg = unary('neg');
export const abs = unary('abs');
export const sign = unary('sign');
export const floor = unary('floor');
export const ceil = unary('ceil');
export const round = unary('round');
export const square = unary('square');
export const sqrt = unary('sqrt');
export const rsqrt = unary('rsqrt');
export const reciprocal = unary('reciprocal');
export const exp = unary('exp');
export const log = unary('log');
export const log1p = unary('log1p');
export const sin = unary('sin');
export const cos = unary('cos');
export const tanh = unary('tanh');
export const sigmoid = unary('sigmoid');
export const relu = unary('relu');
export const elu = unary('elu');
export const softplus = unary('softplus');
export const logicalNot = unary('logicalNot');

export const add = binary('add');
export const sub = binary('sub');
export const mul = binary('mul');
export const div = binary('div');
export const floorDiv = binary('floorDiv');
export const mod = binary('mod');
export const pow = binary('pow');
export const minimum = binary('minimum');
export const maximum = binary('maximum');
export const equal = binary('equal');
export const notEqual = binary('notEqual');
export const less = binary('less');
export const lessEqual = binary('lessEqual');
export const greater = binary('greater');
export const greaterEqual = binary('greaterEqual');
export const logicalAnd = binary('logicalAnd');
export const logicalOr = binary('logicalOr');

export const leakyRelu = composite(function leakyRelu(x: TensorLike, alpha: number = 0.2): Tensor {
  const t = toTensor(x, 'x', 'leakyRelu');
  return applyOp('leakyRelu', [t], { alpha: numberArg('leakyRelu', 'alpha', alpha) });
});

/** min(max(x, lo), hi), as tf.clipByValue. */
export const clipByValue = composite(function clipByValue(x: TensorLike, clipValueMin: number, clipValueMax: number): Tensor {
  const t = toTensor(x, 'x', 'clipByValue');
  return minimum(maximum(t, numberArg('clipByValue', 'clipValueMin', clipValueMin)), numberArg('clipByValue', 'clipValueMax', clipValueMax));
});

export const relu6 = composite(function relu6(x: TensorLike): Tensor {
  return clipByValue(x, 0, 6);
});

export const squaredDifference = composite(function squaredDifference(a: TensorLike, b: TensorLike): Tensor {
  return square(sub(a, b));
});

export const cast = composite(function cast(x: TensorLike, dtype: DType): Tensor {
  const t = toTensor(x, 'x', 'cast');
  const to = dtypeArg('cast', 'dtype', dtype);
  return t.dtype === to ? t : applyOp('cast', [t], { dtype: to });
});

/** Elementwise choice: `a` where `condition` is true, else `b` (all three broadcast). */
export const where = composite(function where(condition: TensorLike, a: TensorLike, b: TensorLike): Tensor {
  const [ta, tb] = toTensorPair(a, b, 'where');
  return applyOp('where', [toTensor(condition, 'condition', 'where', 'bool'), ta, tb]);
});
