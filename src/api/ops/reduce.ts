import { composite } from '../memory.js';
import { KilnError, normalizeAxes } from '../../ir/index.js';
import { applyOp, type Tensor } from '../../trace/index.js';
import { toTensor, type TensorLike } from '../convert.js';
import { cast } from './elementwise.js';
import { add, div, exp, log, sub } from './elementwise.js';

type Axis = number | number[] | null | undefined;

const reduction = (op: string) => (x: TensorLike, axis?: Axis, keepDims = false): Tensor =>
  applyOp(op, [toTensor(x, 'x', op)], { axes: axis ?? null, keepDims });

export const sum = reduction('sum');
export const prod = reduction('prod');
export const max = reduction('max');
export const min = reduction('min');

export const mean = composite(function mean(x: TensorLike, axis?: Axis, keepDims: boolean = false): Tensor {
  const t = toTensor(x, 'x', 'mean');
  const axes = normalizeAxes('mean', axis ?? null, t.rank, t.shape);
  const count = axes.reduce((n, a) => n * t.shape[a]!, 1);
  return div(sum(t, axes, keepDims), count);
});

export const argMax = composite(function argMax(x: TensorLike, axis: number = 0): Tensor {
  return applyOp('argMax', [toTensor(x, 'x', 'argMax')], { axis });
});

export const argMin = composite(function argMin(x: TensorLike, axis: number = 0): Tensor {
  return applyOp('argMin', [toTensor(x, 'x', 'argMin')], { axis });
});

/** log(sum(exp(x))) computed stably by shifting by the maximum. */
export const logSumExp = composite(function logSumExp(x: TensorLike, axis?: Axis, keepDims: boolean = false): Tensor {
  const t = toTensor(x, 'x', 'logSumExp');
  if (t.dtype !== 'float32') throw new KilnError(`expects a float32 input, got ${t.dtype}`, { op: 'logSumExp' });
  const axes = normalizeAxes('logSumExp', axis ?? null, t.rank, t.shape);
  const m = applyOp('stopGradient', [max(t, axes, true)]);
  const lse = add(log(sum(exp(sub(t, m)), axes, true)), m);
  return keepDims ? lse : applyOp('reshape', [lse], { shape: lse.shape.filter((_, i) => !axes.includes(i)) });
});

export const any = composite(function any(x: TensorLike, axis?: Axis, keepDims: boolean = false): Tensor {
  return cast(max(cast(toTensor(x, 'x', 'any', 'bool'), 'int32'), axis, keepDims), 'bool');
});

export const all = composite(function all(x: TensorLike, axis?: Axis, keepDims: boolean = false): Tensor {
  return cast(min(cast(toTensor(x, 'x', 'all', 'bool'), 'int32'), axis, keepDims), 'bool');
});
