import type { DType, TypedArray } from '../ir/index.js';

function formatElement(x: number, dtype: DType): string {
  if (dtype === 'bool') return x ? 'true' : 'false';
  if (dtype === 'int32') return String(x);
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? 'Infinity' : '-Infinity';
  const r = Number(Math.fround(x).toPrecision(7));
  return String(r);
}

/** Nested-array text of a tensor's values; long dimensions show their first and last 3 items. */
export function formatValues(data: TypedArray, shape: readonly number[], dtype: DType): string {
  const total = data.length;
  const summarize = total > 1000;
  const strides: number[] = [];
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) { strides[i] = s; s *= shape[i]!; }
  const items = Array.from(data, (x) => formatElement(x, dtype));
  const width = Math.max(0, ...items.map((t) => t.length));
  const pad = (t: string) => (shape.length > 1 ? t.padStart(width) : t);
  const rec = (dim: number, offset: number, indent: string): string => {
    if (dim === shape.length) return pad(items[offset]!);
    const n = shape[dim]!;
    const idx = summarize && n > 6 ? [0, 1, 2, -1, n - 3, n - 2, n - 1] : Array.from({ length: n }, (_, i) => i);
    const parts = idx.map((i) => (i < 0 ? '...' : rec(dim + 1, offset + i * strides[dim]!, indent + ' ')));
    const sep = dim === shape.length - 1 ? ', ' : ',\n' + '\n'.repeat(Math.max(0, shape.length - dim - 2)) + indent + ' ';
    return `[${parts.join(sep)}]`;
  };
  return rec(0, 0, '');
}

export function formatTensor(data: TypedArray, shape: readonly number[], dtype: DType): string {
  const values = formatValues(data, shape, dtype);
  const sep = shape.length > 1 ? '\n' : '';
  return `Tensor(${sep}${values}, shape=[${shape.join(', ')}], dtype=${dtype})`;
}

/** Nested JS arrays of a tensor's values (booleans for bool). */
export function toNested(data: TypedArray, shape: readonly number[], dtype: DType): unknown {
  const value = (x: number) => (dtype === 'bool' ? x !== 0 : x);
  if (shape.length === 0) return value(data[0]!);
  const strides: number[] = [];
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) { strides[i] = s; s *= shape[i]!; }
  const rec = (dim: number, offset: number): unknown[] =>
    Array.from({ length: shape[dim]! }, (_, i) => (dim === shape.length - 1 ? value(data[offset + i]!) : rec(dim + 1, offset + i * strides[dim]!)));
  return rec(0, 0);
}
