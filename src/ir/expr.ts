import type { DType } from './dtype.js';

/**
 * The scalar expression language of kernels: what one element of an output is, in terms of
 * loads from input buffers at index expressions over the iteration domain. Registry entries
 * describe their ops in it, the Kernel IR is made of it, and each renderer (js, wasm, wgsl)
 * prints it. Booleans are 0/1 values of dtype `bool`; index arithmetic is int32.
 */
export type UnaryAlu =
  | 'neg' | 'abs' | 'sign' | 'floor' | 'ceil' | 'round' | 'sqrt' | 'rsqrt' | 'exp' | 'log' | 'log1p'
  | 'sin' | 'cos' | 'tanh' | 'sigmoid' | 'not' | 'cast';
export type BinaryAlu =
  | 'add' | 'sub' | 'mul' | 'div' | 'idiv' | 'mod' | 'pow' | 'max' | 'min'
  | 'lt' | 'le' | 'gt' | 'ge' | 'eq' | 'ne' | 'and' | 'or'
  /** Uniform float in [0, 1) from (seed, counter); see random-bits.ts. */
  | 'rand';
export type AluOp = UnaryAlu | BinaryAlu | 'where';

export type Expr =
  | { readonly k: 'const'; readonly value: number; readonly dtype: DType }
  /** The int32 coordinate of dimension `dim` of the iteration domain. */
  | { readonly k: 'index'; readonly dim: number; readonly dtype: 'int32' }
  /** Element `at` (a flat int32 index) of input buffer `input`. */
  | { readonly k: 'load'; readonly input: number; readonly at: Expr; readonly dtype: DType }
  /** The finished accumulator of a reduction, in its epilogue. */
  | { readonly k: 'acc'; readonly dtype: DType }
  | { readonly k: 'alu'; readonly op: AluOp; readonly args: readonly Expr[]; readonly dtype: DType };

const COMPARISONS = new Set<AluOp>(['lt', 'le', 'gt', 'ge', 'eq', 'ne', 'and', 'or', 'not']);

export function constant(value: number, dtype: DType = 'float32'): Expr {
  return { k: 'const', value, dtype };
}
export function int(value: number): Expr {
  return { k: 'const', value, dtype: 'int32' };
}
export function index(dim: number): Expr {
  return { k: 'index', dim, dtype: 'int32' };
}
export function load(input: number, at: Expr, dtype: DType): Expr {
  return { k: 'load', input, at, dtype };
}
export function acc(dtype: DType): Expr {
  return { k: 'acc', dtype };
}

function isConst(e: Expr, v?: number): boolean {
  return e.k === 'const' && (v === undefined || e.value === v);
}
const valueOf = (e: Expr): number => (e.k === 'const' ? e.value : NaN);

/** Builds an ALU node, folding the trivial identities that index arithmetic produces. */
export function alu(op: AluOp, args: readonly Expr[], dtype?: DType): Expr {
  const out: DType = dtype ?? (COMPARISONS.has(op) ? 'bool' : op === 'rand' ? 'float32' : args[0]!.dtype);
  const [a, b] = args;
  if (out === 'int32' && a && b && a.dtype === 'int32' && b.dtype === 'int32') {
    if (op === 'add') {
      if (isConst(a, 0)) return b;
      if (isConst(b, 0)) return a;
      if (isConst(a) && isConst(b)) return int(valueOf(a) + valueOf(b));
    }
    if (op === 'sub' && isConst(b, 0)) return a;
    if (op === 'mul') {
      if (isConst(a, 0) || isConst(b, 0)) return int(0);
      if (isConst(a, 1)) return b;
      if (isConst(b, 1)) return a;
      if (isConst(a) && isConst(b)) return int(Math.imul(valueOf(a), valueOf(b)));
    }
    if ((op === 'idiv') && isConst(b, 1)) return a;
  }
  if (op === 'cast' && a && a.dtype === out) return a;
  return { k: 'alu', op, args, dtype: out };
}

export const add = (a: Expr, b: Expr): Expr => alu('add', [a, b]);
export const mul = (a: Expr, b: Expr): Expr => alu('mul', [a, b]);
export const where = (c: Expr, a: Expr, b: Expr): Expr => alu('where', [c, a, b], a.dtype);
export const cast = (a: Expr, dtype: DType): Expr => alu('cast', [a], dtype);

/** Flat row-major index of coordinates in a tensor of `shape`; size-1 dimensions contribute nothing. */
export function flatIndex(coords: readonly Expr[], shape: readonly number[]): Expr {
  let at: Expr = int(0);
  let stride = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] !== 1) at = add(mul(coords[i]!, int(stride)), at);
    stride *= shape[i]!;
  }
  return at;
}

/** The domain coordinates `0..rank-1` as index expressions. */
export function domainCoords(rank: number, first = 0): Expr[] {
  return Array.from({ length: rank }, (_, i) => index(first + i));
}

/** Coordinates of a broadcast input: its trailing dims align with the output's. */
export function broadcastCoords(outCoords: readonly Expr[], inShape: readonly number[]): Expr[] {
  const offset = outCoords.length - inShape.length;
  return inShape.map((d, i) => (d === 1 ? int(0) : outCoords[offset + i]!));
}
