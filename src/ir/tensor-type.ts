import { type DType, dtypeShortName } from './dtype.js';
import { KilnError, shapeString } from './error.js';

/** The static type of a Value: its shape and element type. */
export interface TensorType {
  readonly shape: readonly number[];
  readonly dtype: DType;
}

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function typeString(t: TensorType): string {
  return `${dtypeShortName(t.dtype)}${shapeString(t.shape)}`;
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function sameType(a: TensorType, b: TensorType): boolean {
  return a.dtype === b.dtype && sameShape(a.shape, b.shape);
}

/** Row-major strides of a contiguous tensor of this shape. */
export function stridesOf(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) { strides[i] = s; s *= shape[i]!; }
  return strides;
}

/** NumPy broadcasting of several shapes; throws a KilnError naming the op. */
export function broadcastShapes(op: string, shapes: readonly (readonly number[])[]): number[] {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out = new Array<number>(rank).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const o = rank - s.length + i;
      const d = s[i]!;
      if (out[o] === 1) out[o] = d;
      else if (d !== 1 && d !== out[o]) {
        throw new KilnError(`shapes ${shapes.map(shapeString).join(' and ')} cannot be broadcast together`, { op });
      }
    }
  }
  return out;
}

/** Normalizes a possibly negative axis against a rank; throws a KilnError when out of range. */
export function normalizeAxis(op: string, axis: number, rank: number, shape?: readonly number[]): number {
  if (!Number.isInteger(axis)) throw new KilnError(`axis must be an integer, got ${typeof axis === 'string' ? `'${axis}'` : String(axis)}`, { op });
  if (axis < -Math.max(rank, 1) || axis >= Math.max(rank, 1)) {
    const of = shape ? ` of a tensor with shape ${shapeString(shape)}` : '';
    throw new KilnError(`axis ${axis} is out of range for rank ${rank}${of}`, { op });
  }
  return axis < 0 ? axis + rank : axis;
}

export function normalizeAxes(op: string, axes: number | readonly number[] | undefined | null, rank: number, shape?: readonly number[]): number[] {
  if (axes === undefined || axes === null) return Array.from({ length: rank }, (_, i) => i);
  if (typeof axes !== 'number' && !Array.isArray(axes)) throw new KilnError(`axis must be a number or an array of numbers, got ${typeof axes}`, { op });
  const list: readonly number[] = typeof axes === 'number' ? [axes] : axes;
  const out = list.map((a) => normalizeAxis(op, a, rank, shape));
  if (new Set(out).size !== out.length) throw new KilnError(`axes [${list.join(',')}] repeat an axis`, { op });
  return out.sort((a, b) => a - b);
}
