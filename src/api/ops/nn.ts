import { composite } from '../memory.js';
import { KilnError, normalizeAxis, shapeString } from '../../ir/index.js';
import { applyOp, type Tensor } from '../../trace/index.js';
import { requiredArg } from '../args.js';
import { hostTensor, fromHost, toTensor, type TensorLike } from '../convert.js';
import { abs, add, cast, div, equal, exp, log1p, maximum, mul, neg, sub } from './elementwise.js';
import { logSumExp, max, sum } from './reduce.js';
import { expandDims, reshape } from './shape.js';

export const softmax = composite(function softmax(logits: TensorLike, dim: number = -1): Tensor {
  const t = toTensor(logits, 'logits', 'softmax');
  const axis = normalizeAxis('softmax', dim, t.rank, t.shape);
  const e = exp(sub(t, applyOp('stopGradient', [max(t, axis, true)])));
  return div(e, sum(e, axis, true));
});

export const logSoftmax = composite(function logSoftmax(logits: TensorLike, axis: number = -1): Tensor {
  const t = toTensor(logits, 'logits', 'logSoftmax');
  const a = normalizeAxis('logSoftmax', axis, t.rank, t.shape);
  return sub(t, logSumExp(t, a, true));
});

/** One-hot rows: `onValue` at each index, `offValue` elsewhere (float32, as TF's default). */
export const oneHot = composite(function oneHot(indices: TensorLike, depth: number, onValue: number = 1, offValue: number = 0): Tensor {
  const t = toTensor(indices, 'indices', 'oneHot', 'int32');
  if (t.dtype !== 'int32') throw new KilnError(`indices must be int32, got ${t.dtype}`, { op: 'oneHot' });
  if (!Number.isInteger(requiredArg('oneHot', 'depth', depth)) || depth < 1) throw new KilnError(`depth must be a positive integer, got ${depth}`, { op: 'oneHot' });
  const positions = fromHost(hostTensor('oneHot', Array.from({ length: depth }, (_, i) => i), [depth], 'int32'));
  const hot = cast(equal(expandDims(t, -1), positions), 'float32');
  return onValue === 1 && offValue === 0 ? hot : add(mul(hot, onValue - offValue), offValue);
});

export type Padding = 'valid' | 'same' | number | readonly (readonly number[])[];

function pair(x: number | readonly number[], name: string, op: string): [number, number] {
  const p = typeof x === 'number' ? [x, x] : requiredArg(op, name, x);
  if (!Array.isArray(p) || p.length !== 2 || p.some((v) => !Number.isInteger(v) || v < 1)) throw new KilnError(`${name} must be a positive integer or a pair of them, got ${JSON.stringify(x)}`, { op });
  return [p[0]!, p[1]!];
}

/** Explicit [top, bottom, left, right] padding for TF's 'same'/'valid' or explicit forms. */
function explicitPads(op: string, pad: Padding, inH: number, inW: number, k: [number, number], s: [number, number], d: [number, number]): number[] {
  if (requiredArg(op, 'pad', pad) === 'valid') return [0, 0, 0, 0];
  if (pad === 'same') {
    const total = (n: number, i: 0 | 1) => Math.max((Math.ceil(n / s[i]) - 1) * s[i] + (k[i] - 1) * d[i] + 1 - n, 0);
    const th = total(inH, 0);
    const tw = total(inW, 1);
    return [Math.floor(th / 2), th - Math.floor(th / 2), Math.floor(tw / 2), tw - Math.floor(tw / 2)];
  }
  if (typeof pad === 'number') return [pad, pad, pad, pad];
  if (Array.isArray(pad) && pad.length === 4) return [pad[1]![0]!, pad[1]![1]!, pad[2]![0]!, pad[2]![1]!];
  throw new KilnError(`pad must be 'valid', 'same', a number or [[0,0],[top,bottom],[left,right],[0,0]], got ${JSON.stringify(pad)}`, { op });
}

function batched(op: string, x: Tensor): [Tensor, boolean] {
  if (x.rank === 3) return [reshape(x, [1, ...x.shape]), true];
  if (x.rank !== 4) throw new KilnError(`expects an NHWC input of rank 4 (or 3), got shape ${shapeString(x.shape)}`, { op });
  return [x, false];
}

function checkFormat(op: string, dataFormat: string): void {
  if (dataFormat !== 'NHWC') throw new KilnError(`only dataFormat 'NHWC' is supported, got '${dataFormat}'`, { op });
}

/** 2-D convolution on NHWC input with an HWIO filter, as tf.conv2d. */
export const conv2d = composite(function conv2d(x: TensorLike, filter: TensorLike, strides: number | [number, number], pad: Padding, dataFormat: 'NHWC' = 'NHWC', dilations: number | [number, number] = 1): Tensor {
  checkFormat('conv2d', dataFormat);
  const [x4, unbatched] = batched('conv2d', toTensor(x, 'x', 'conv2d'));
  const f = toTensor(filter, 'filter', 'conv2d');
  if (f.rank !== 4) throw new KilnError(`expects an HWIO filter of rank 4, got shape ${shapeString(f.shape)}`, { op: 'conv2d' });
  const s = pair(strides, 'strides', 'conv2d');
  const d = pair(dilations, 'dilations', 'conv2d');
  const pads = explicitPads('conv2d', pad, x4.shape[1]!, x4.shape[2]!, [f.shape[0]!, f.shape[1]!], s, d);
  const y = applyOp('conv2d', [x4, f], { strides: s, pads, dilations: d });
  return unbatched ? reshape(y, y.shape.slice(1)) : y;
});

function pool(op: 'maxPool' | 'avgPool', x: TensorLike, filterSize: number | [number, number], strides: number | [number, number], pad: Padding): Tensor {
  const [x4, unbatched] = batched(op, toTensor(x, 'x', op));
  const k = pair(filterSize, 'filterSize', op);
  const s = pair(strides, 'strides', op);
  const pads = explicitPads(op, pad, x4.shape[1]!, x4.shape[2]!, k, s, [1, 1]);
  const y = applyOp(op, [x4], { filterSize: k, strides: s, pads });
  return unbatched ? reshape(y, y.shape.slice(1)) : y;
}

export const maxPool = composite(function maxPool(x: TensorLike, filterSize: number | [number, number], strides: number | [number, number], pad: Padding): Tensor {
  return pool('maxPool', x, filterSize, strides, pad);
});

export const avgPool = composite(function avgPool(x: TensorLike, filterSize: number | [number, number], strides: number | [number, number], pad: Padding): Tensor {
  return pool('avgPool', x, filterSize, strides, pad);
});

/** Per-example cross-entropy of integer labels against logits (tf.nn's, unreduced). */
export const sparseSoftmaxCrossEntropyWithLogits = composite(function sparseSoftmaxCrossEntropyWithLogits(labels: TensorLike, logits: TensorLike): Tensor {
  const z = toTensor(logits, 'logits', 'sparseSoftmaxCrossEntropyWithLogits');
  const y = toTensor(labels, 'labels', 'sparseSoftmaxCrossEntropyWithLogits', 'int32');
  if (y.dtype !== 'int32') throw new KilnError(`labels must be int32, got ${y.dtype}`, { op: 'sparseSoftmaxCrossEntropyWithLogits' });
  if (z.rank < 1 || y.shape.join() !== z.shape.slice(0, -1).join()) {
    throw new KilnError(`labels ${shapeString(y.shape)} must have the shape of logits ${shapeString(z.shape)} without its last axis`, { op: 'sparseSoftmaxCrossEntropyWithLogits' });
  }
  const picked = sum(mul(oneHot(y, z.shape[z.rank - 1]!), z), -1);
  return sub(logSumExp(z, -1), picked);
});

/** Per-element logistic loss, stable for large |logits| (tf.nn's). */
export const sigmoidCrossEntropyWithLogits = composite(function sigmoidCrossEntropyWithLogits(labels: TensorLike, logits: TensorLike): Tensor {
  const x = toTensor(logits, 'logits', 'sigmoidCrossEntropyWithLogits');
  const z = toTensor(labels, 'labels', 'sigmoidCrossEntropyWithLogits', x.dtype);
  return add(sub(maximum(x, 0), mul(x, z)), log1p(exp(neg(abs(x)))));
});

export const nn = { sparseSoftmaxCrossEntropyWithLogits, sigmoidCrossEntropyWithLogits, softmax, logSoftmax };
