import { composite } from '../memory.js';
import { KilnError, normalizeAxis, shapeString } from '../../ir/index.js';
import { applyOp, type Tensor } from '../../trace/index.js';
import { intListArg, intOrListArg, numberArg, requiredArg } from '../args.js';
import { toTensor, type TensorLike } from '../convert.js';

export const reshape = composite(function reshape(x: TensorLike, shape: readonly number[]): Tensor {
  const t = toTensor(x, 'x', 'reshape');
  return applyOp('reshape', [t], { shape: intListArg('reshape', 'shape', shape, -1) });
});

export const transpose = composite(function transpose(x: TensorLike, perm?: readonly number[]): Tensor {
  const t = toTensor(x, 'x', 'transpose');
  return applyOp('transpose', [t], { perm: perm === undefined || perm === null ? null : intListArg('transpose', 'perm', perm) });
});

/** The position of an axis inserted into `shape` (-rank-1 .. rank). */
function newAxis(op: string, axis: number, shape: readonly number[]): number {
  const rank = shape.length + 1;
  if (Number.isInteger(axis) && (axis < -rank || axis >= rank)) {
    throw new KilnError(`axis ${axis} is out of range for a new axis of shape ${shapeString(shape)} (from ${-rank} to ${rank - 1})`, { op });
  }
  return normalizeAxis(op, axis, rank);
}

export const expandDims = composite(function expandDims(x: TensorLike, axis: number = 0): Tensor {
  const t = toTensor(x, 'x', 'expandDims');
  const a = newAxis('expandDims', axis, t.shape);
  const shape = [...t.shape];
  shape.splice(a, 0, 1);
  return reshape(t, shape);
});

export const squeeze = composite(function squeeze(x: TensorLike, axis?: number | readonly number[]): Tensor {
  const t = toTensor(x, 'x', 'squeeze');
  const axes = axis === undefined ? t.shape.map((d, i) => (d === 1 ? i : -1)).filter((i) => i >= 0)
    : intOrListArg('squeeze', 'axis', axis, -Infinity).map((a) => normalizeAxis('squeeze', a, t.rank, t.shape));
  for (const a of axes) {
    if (t.shape[a] !== 1) throw new KilnError(`cannot squeeze axis ${a} of shape ${shapeString(t.shape)}: its size is ${t.shape[a]}, not 1`, { op: 'squeeze' });
  }
  return reshape(t, t.shape.filter((_, i) => !axes.includes(i)));
});

/** Inputs of one concat node: WebGPU guarantees a kernel 8 storage buffers, one of them its output. */
const CONCAT_FAN_IN = 7;

export const concat = composite(function concat(tensors: readonly TensorLike[], axis: number = 0): Tensor {
  if (!Array.isArray(tensors) || tensors.length === 0) throw new KilnError('expects a non-empty list of tensors', { op: 'concat' });
  const ts = tensors.map((t, i) => toTensor(t, `tensors[${i}]`, 'concat'));
  if (ts.length === 1) { normalizeAxis('concat', axis, ts[0]!.rank, ts[0]!.shape); return ts[0]!; }
  if (ts.length <= CONCAT_FAN_IN) return applyOp('concat', ts, { axis });
  // A wider one is a tree of concats, so no kernel has to bind more buffers than a backend allows.
  const parts: Tensor[] = [];
  for (let i = 0; i < ts.length; i += CONCAT_FAN_IN) parts.push(concat(ts.slice(i, i + CONCAT_FAN_IN), axis));
  return concat(parts, axis);
});

export const stack = composite(function stack(tensors: readonly TensorLike[], axis: number = 0): Tensor {
  if (!Array.isArray(tensors) || tensors.length === 0) throw new KilnError('expects a non-empty list of tensors', { op: 'stack' });
  const ts = tensors.map((t, i) => toTensor(t, `tensors[${i}]`, 'stack'));
  for (const t of ts) {
    if (t.shape.join() !== ts[0]!.shape.join()) throw new KilnError(`tensors must all have one shape, got ${ts.map((u) => shapeString(u.shape)).join(', ')}`, { op: 'stack' });
  }
  const a = newAxis('stack', axis, ts[0]!.shape);
  return concat(ts.map((t) => expandDims(t, a)), a);
});

export const unstack = composite(function unstack(x: TensorLike, axis: number = 0): Tensor[] {
  const t = toTensor(x, 'x', 'unstack');
  const a = normalizeAxis('unstack', axis, t.rank, t.shape);
  return Array.from({ length: t.shape[a]! }, (_, i) => {
    const begin = t.shape.map((_, d) => (d === a ? i : 0));
    const size = t.shape.map((s, d) => (d === a ? 1 : s));
    return squeeze(slice(t, begin, size), [a]);
  });
});

export const slice = composite(function slice(x: TensorLike, begin: number | readonly number[], size?: number | readonly number[]): Tensor {
  const t = toTensor(x, 'x', 'slice');
  return applyOp('slice', [t], { begin: intOrListArg('slice', 'begin', begin, -Infinity), size: size === undefined ? null : intOrListArg('slice', 'size', size, -1) });
});

export const gather = composite(function gather(x: TensorLike, indices: TensorLike, axis: number = 0): Tensor {
  return applyOp('gather', [toTensor(x, 'x', 'gather'), toTensor(indices, 'indices', 'gather', 'int32')], { axis });
});

export const tile = composite(function tile(x: TensorLike, reps: readonly number[]): Tensor {
  const t = toTensor(x, 'x', 'tile');
  return applyOp('tile', [t], { reps: intListArg('tile', 'reps', reps) });
});

export const pad = composite(function pad(x: TensorLike, paddings: readonly (readonly [number, number] | readonly number[])[], constantValue: number = 0): Tensor {
  const t = toTensor(x, 'x', 'pad');
  const p = requiredArg('pad', 'paddings', paddings);
  if (!Array.isArray(p)) throw new KilnError(`argument 'paddings' must be an array of [before, after] pairs, got ${typeof p}`, { op: 'pad' });
  return applyOp('pad', [t], { paddings: p.map((q, i) => intListArg('pad', `paddings[${i}]`, q)), constantValue: numberArg('pad', 'constantValue', constantValue) });
});

export const broadcastTo = composite(function broadcastTo(x: TensorLike, shape: readonly number[]): Tensor {
  const t = toTensor(x, 'x', 'broadcastTo');
  const s = intListArg('broadcastTo', 'shape', shape);
  if (t.shape.join() === s.join()) return t;
  return applyOp('broadcastTo', [t], { shape: s });
});
