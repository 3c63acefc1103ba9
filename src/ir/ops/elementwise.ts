import { allocLike, castScalar, type DType, type HostArray } from '../dtype.js';
import { KilnError, shapeString } from '../error.js';
import { broadcastCoords, type Expr } from '../expr.js';
import type { Attrs, HostTensor, OpDef, VjpRule } from '../op-def.js';
import { broadcastShapes, sizeOf, stridesOf, type TensorType } from '../tensor-type.js';

/** Which dtypes an elementwise op accepts. */
export type DTypeRule = 'float' | 'numeric' | 'any' | 'bool';

const ACCEPTS: Record<DTypeRule, readonly DType[]> = {
  float: ['float32'],
  numeric: ['float32', 'int32'],
  any: ['float32', 'int32', 'bool'],
  bool: ['bool'],
};

function checkDtypes(op: string, ins: readonly TensorType[], rule: DTypeRule): void {
  for (const t of ins) {
    if (!ACCEPTS[rule].includes(t.dtype)) {
      throw new KilnError(`expects ${ACCEPTS[rule].join(' or ')} inputs, got ${ins.map((i) => `${i.dtype}${shapeString(i.shape)}`).join(' and ')}`, { op });
    }
  }
}

function checkSameDtype(op: string, ins: readonly TensorType[]): void {
  if (ins.some((t) => t.dtype !== ins[0]!.dtype)) {
    throw new KilnError(`inputs must have the same dtype, got ${ins.map((t) => `${t.dtype}${shapeString(t.shape)}`).join(' and ')}; use cast() to convert`, { op });
  }
}

/**
 * Applies `f` to every output element of a broadcasting elementwise op, on the host. Walks the
 * output with an odometer and keeps one offset per input, so it needs no division per element.
 */
export function evalBroadcast(ins: readonly HostTensor[], out: TensorType, f: (...xs: number[]) => number): HostArray {
  const shape = out.shape;
  const rank = shape.length;
  const size = sizeOf(shape);
  const result = allocLike(ins, out.dtype, size);
  const inStrides = ins.map((t) => {
    const s = stridesOf(t.type.shape);
    const pad = rank - t.type.shape.length;
    return shape.map((_, d) => (d < pad || t.type.shape[d - pad] === 1 ? 0 : s[d - pad]!));
  });
  const offs = new Array<number>(ins.length).fill(0);
  const idx = new Array<number>(rank).fill(0);
  const args = new Array<number>(ins.length);
  for (let i = 0; i < size; i++) {
    for (let j = 0; j < ins.length; j++) args[j] = ins[j]!.data[offs[j]!]!;
    result[i] = castScalar(f(...args), out.dtype);
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]!++;
      for (let j = 0; j < ins.length; j++) offs[j]! += inStrides[j]![d]!;
      if (idx[d]! < shape[d]!) break;
      for (let j = 0; j < ins.length; j++) offs[j]! -= inStrides[j]![d]! * shape[d]!;
      idx[d] = 0;
    }
  }
  return result;
}

export interface ElementwiseSpec {
  readonly name: string;
  readonly arity: number;
  readonly accepts: DTypeRule;
  /** Whether all inputs must share one dtype (true for arithmetic). */
  readonly sameDtype?: boolean;
  /** The output dtype given the first input's (default: the same). */
  readonly outDtype?: (input: DType, attrs: Attrs) => DType;
  /** The reference: one element from the input elements, in float64. */
  readonly ref: (attrs: Attrs, outDtype: DType) => (...xs: number[]) => number;
  /** One element as a scalar expression. */
  readonly expr: (args: Expr[], attrs: Attrs, outDtype: DType) => Expr;
  readonly vjp?: VjpRule;
}

/** The registry entry of a broadcasting elementwise op. */
export function elementwise(spec: ElementwiseSpec): OpDef {
  return {
    name: spec.name,
    kind: 'elementwise',
    arity: spec.arity,
    infer(ins, attrs) {
      checkDtypes(spec.name, ins, spec.accepts);
      if (spec.sameDtype !== false) checkSameDtype(spec.name, ins);
      const shape = broadcastShapes(spec.name, ins.map((t) => t.shape));
      const dtype = spec.outDtype ? spec.outDtype(ins[0]!.dtype, attrs) : ins[0]!.dtype;
      return { shape, dtype };
    },
    evaluate(ins, attrs, out) {
      return evalBroadcast(ins, out, spec.ref(attrs, out.dtype));
    },
    element(ctx) {
      const args = ctx.ins.map((t, i) => ctx.load(i, broadcastCoords(ctx.coords, t.shape)));
      return spec.expr(args, ctx.attrs, ctx.out.dtype);
    },
    ...(spec.vjp ? { vjp: spec.vjp } : {}),
  };
}
