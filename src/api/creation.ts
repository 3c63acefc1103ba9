import { allocArray, castScalar, KilnError, sizeOf, type DType, type TypedArray } from '../ir/index.js';
import { dtypeArg, intListArg, numberArg } from './args.js';
import { applyOp, Tensor } from '../trace/index.js';
import { Variable } from './variable.js';
import { fromHost, hostTensor, toTensor, type NestedArray, type TensorLike } from './convert.js';

function checkShape(op: string, shape: readonly number[]): void {
  intListArg(op, 'shape', shape);
}

/** A tensor from nested arrays, a typed array (copied) or a number. */
export function tensor(values: TypedArray | NestedArray | readonly NestedArray[], shape?: readonly number[], dtype?: DType): Tensor {
  return fromHost(hostTensor('tensor', values, shape, dtype));
}

export function scalar(value: number | boolean, dtype?: DType): Tensor {
  if (typeof value !== 'number' && typeof value !== 'boolean') throw new KilnError(`expects a number or boolean, got ${typeof value}`, { op: 'scalar' });
  return fromHost(hostTensor('scalar', value, [], dtype));
}

function ranked(rank: number) {
  return (values: TypedArray | readonly NestedArray[], shape?: readonly number[], dtype?: DType): Tensor => {
    const host = hostTensor(`tensor${rank}d`, values, shape, dtype);
    if (host.type.shape.length !== rank) throw new KilnError(`expects rank ${rank} values, got shape [${host.type.shape.join(',')}]`, { op: `tensor${rank}d` });
    return fromHost(host);
  };
}

export const tensor1d = ranked(1);
export const tensor2d = ranked(2);
export const tensor3d = ranked(3);
export const tensor4d = ranked(4);

function filled(op: string, shape: readonly number[], value: number, dtype: DType): Tensor {
  checkShape(op, shape);
  const dt = dtypeArg(op, 'dtype', dtype);
  const data = allocArray(dt, sizeOf(shape));
  data.fill(castScalar(numberArg(op, 'value', typeof value === 'boolean' ? Number(value) : value), dt));
  return fromHost({ type: { shape: [...shape], dtype: dt }, data });
}

export function fill(shape: readonly number[], value: number, dtype: DType = 'float32'): Tensor {
  return filled('fill', shape, value, dtype);
}

export function zeros(shape: readonly number[], dtype: DType = 'float32'): Tensor {
  return filled('zeros', shape, 0, dtype);
}

export function ones(shape: readonly number[], dtype: DType = 'float32'): Tensor {
  return filled('ones', shape, 1, dtype);
}

export function zerosLike(x: TensorLike): Tensor {
  const t = toTensor(x, 'x', 'zerosLike');
  return zeros(t.shape, t.dtype);
}

export function onesLike(x: TensorLike): Tensor {
  const t = toTensor(x, 'x', 'onesLike');
  return ones(t.shape, t.dtype);
}

/** start, start + step, ... up to (not including) stop, as tf.range. */
export function range(start: number, stop?: number, step = 1, dtype: DType = 'float32'): Tensor {
  if (stop === undefined) { stop = start; start = 0; }
  numberArg('range', 'start', start);
  numberArg('range', 'stop', stop);
  if (numberArg('range', 'step', step) === 0) throw new KilnError('step must not be 0', { op: 'range' });
  const n = Math.max(0, Math.ceil((stop - start) / step));
  const data = allocArray(dtypeArg('range', 'dtype', dtype), n);
  for (let i = 0; i < n; i++) data[i] = start + i * step;
  return fromHost({ type: { shape: [n], dtype }, data });
}

export function linspace(start: number, stop: number, num: number): Tensor {
  const data = new Float32Array(num);
  for (let i = 0; i < num; i++) data[i] = num === 1 ? start : start + ((stop - start) * i) / (num - 1);
  return fromHost({ type: { shape: [num], dtype: 'float32' }, data });
}

export function eye(numRows: number, numColumns: number = numRows, batchShape: readonly number[] = [], dtype: DType = 'float32'): Tensor {
  if (!Number.isInteger(numRows) || numRows < 0 || !Number.isInteger(numColumns) || numColumns < 0) {
    throw new KilnError(`numRows and numColumns must be non-negative integers, got ${numRows} and ${numColumns}`, { op: 'eye' });
  }
  checkShape('eye', batchShape);
  const size = sizeOf(batchShape);
  const data = allocArray(dtypeArg('eye', 'dtype', dtype), size * numRows * numColumns);
  for (let b = 0; b < size; b++) for (let i = 0; i < Math.min(numRows, numColumns); i++) data[b * numRows * numColumns + i * numColumns + i] = 1;
  return fromHost({ type: { shape: [...batchShape, numRows, numColumns], dtype }, data });
}

/** A variable initialized from a value (a tensor, number or nested array). */
export function variable(initialValue: TensorLike, trainable = true, name?: string, dtype?: DType): Variable {
  const init = toTensor(initialValue, 'initialValue', 'variable', dtype);
  const typed = dtype && init.dtype !== dtype ? applyOp('cast', [init], { dtype }) : init;
  const v = new Variable(typed, { trainable, ...(name ? { name } : {}) });
  if (typed !== init) typed.dispose();
  if (init !== initialValue) init.dispose();
  return v;
}
