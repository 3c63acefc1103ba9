import type { DType } from '../dtype.js';
import { KilnError } from '../error.js';

import type { Attrs, OpDef, ReduceOp, VjpContext } from '../op-def.js';
import type { Grad } from './vjp-helpers.js';
import { normalizeAxes, normalizeAxis, type TensorType } from '../tensor-type.js';
import { evalByCoords, forEachCoord, at } from './host-loops.js';

/** Output shape of reducing `axes`; reduced dims stay as 1 with keepDims. */
export function reducedShape(shape: readonly number[], axes: readonly number[], keepDims: boolean): number[] {
  const out: number[] = [];
  shape.forEach((d, i) => {
    if (!axes.includes(i)) out.push(d);
    else if (keepDims) out.push(1);
  });
  return out;
}

/** Input coordinates from output coordinates and the inner (reduced) ones. */
export function reduceInputCoords<T>(rank: number, axes: readonly number[], keepDims: boolean, outer: readonly T[], inner: readonly T[]): T[] {
  const coords: T[] = [];
  let o = 0;
  for (let d = 0; d < rank; d++) {
    const r = axes.indexOf(d);
    if (r >= 0) { coords.push(inner[r]!); if (keepDims) o++; } else coords.push(outer[o++]!);
  }
  return coords;
}

const INIT: Record<ReduceOp, number> = { sum: 0, prod: 1, max: -Infinity, min: Infinity, argmax: -Infinity, argmin: Infinity };

/** One accumulation step; int32 products wrap like int32 multiplication (a float64 product would round). */
function combine(op: ReduceOp, a: number, b: number, dtype: DType = 'float32'): number {
  switch (op) {
    case 'sum': return a + b;
    case 'prod': return dtype === 'int32' ? Math.imul(a, b) : a * b;
    case 'max': case 'argmax': return Number.isNaN(b) || b > a ? b : a;
    case 'min': case 'argmin': return Number.isNaN(b) || b < a ? b : a;
  }
}

function reduction(name: string, op: Exclude<ReduceOp, 'argmax' | 'argmin'>): OpDef {
  return {
    name, kind: 'reduce', arity: 1,
    normalize([x], attrs) {
      return { axes: normalizeAxes(name, attrs.axes as number[] | number | undefined, x!.shape.length, x!.shape), keepDims: attrs.keepDims === true };
    },
    infer([x], attrs) {
      if (x!.dtype === 'bool') throw new KilnError(`expects a float32 or int32 input, got bool`, { op: name });
      return { shape: reducedShape(x!.shape, attrs.axes as number[], attrs.keepDims === true), dtype: x!.dtype };
    },
    evaluate([x], attrs, out) {
      const axes = attrs.axes as number[];
      const keep = attrs.keepDims === true;
      const innerShape = axes.map((a) => x!.type.shape[a]!);
      return evalByCoords([x!], out, (c) => {
        let acc = INIT[op];
        forEachCoord(innerShape, (inner) => { acc = combine(op, acc, at(x!, reduceInputCoords(x!.type.shape.length, axes, keep, c, inner)), x!.type.dtype); });
        return acc;
      });
    },
    vjp: (g, c) => [reductionVjp(op, g, c)],
    reduce([x], attrs) {
      const axes = attrs.axes as number[];
      const keep = attrs.keepDims === true;
      return {
        op,
        innerShape: axes.map((a) => x!.shape[a]!),
        body: (ctx) => ctx.load(0, reduceInputCoords(x!.shape.length, axes, keep, ctx.coords, ctx.inner)),
      };
    },
  };
}

function argReduction(name: string, op: 'argmax' | 'argmin'): OpDef {
  const axisOf = (x: TensorType, attrs: Attrs) => normalizeAxis(name, (attrs.axis as number | undefined) ?? 0, x.shape.length, x.shape);
  return {
    name, kind: 'reduce', arity: 1,
    normalize([x], attrs) {
      if (x!.shape.length === 0) throw new KilnError(`expects a tensor of rank >= 1, got a scalar`, { op: name });
      return { axis: axisOf(x!, attrs) };
    },
    infer([x], attrs) {
      if (x!.dtype === 'bool') throw new KilnError(`expects a float32 or int32 input, got bool`, { op: name });
      if (x!.shape.length === 0) throw new KilnError(`expects a tensor of rank >= 1, got a scalar`, { op: name });
      return { shape: reducedShape(x!.shape, [axisOf(x!, attrs)], false), dtype: 'int32' };
    },
    evaluate([x], attrs, out) {
      const axis = attrs.axis as number;
      const n = x!.type.shape[axis]!;
      return evalByCoords([x!], out, (c) => {
        let best = INIT[op];
        let bestIndex = 0;
        for (let i = 0; i < n; i++) {
          const v = at(x!, reduceInputCoords(x!.type.shape.length, [axis], false, c, [i]));
          if (combine(op, best, v) !== best && !(Number.isNaN(best))) { best = v; bestIndex = i; }
        }
        return bestIndex;
      });
    },
    vjp: () => [null],
    reduce([x], attrs) {
      const axis = attrs.axis as number;
      return {
        op,
        innerShape: [x!.shape[axis]!],
        body: (ctx) => ctx.load(0, reduceInputCoords(x!.shape.length, [axis], false, ctx.coords, ctx.inner)),
      };
    },
  };
}

/** The input cotangent of sum/prod/max/min over `attrs.axes`. */
function reductionVjp<V>(op: 'sum' | 'prod' | 'max' | 'min', g: Grad<V>, c: VjpContext<V>): V {
  const shape = c.inTypes[0]!.shape;
  const axes = c.attrs.axes as number[];
  const dy = g.unreduce(c.dy, shape, axes);
  if (op === 'sum') return dy;
  const x = c.x(0);
  if (op === 'prod') {
    // The product of the other elements, exact when some elements are zero: (product of the
    // other non-zero elements) · (product of the other zero elements). The latter is 1 with no
    // other zero, the other zero itself with one (0, but its derivative is 1, which second
    // derivatives need), and 0 with more.
    const isZero = g.op('equal', [x, g.c(0)]);
    const nonZero = g.where(isZero, g.c(1), x);
    const productOfNonZero = g.unreduce(g.op('prod', [nonZero], { axes, keepDims: true }), shape, axes);
    const zero = g.toFloat(isZero);
    const otherZeros = g.sub(g.unreduce(g.sum(zero, axes, true), shape, axes), zero);
    const zeroX = g.mask(isZero, x);
    const otherZeroX = g.sub(g.unreduce(g.sum(zeroX, axes, true), shape, axes), zeroX);
    const productOfZero = g.where(g.op('equal', [otherZeros, g.c(0)]), g.c(1), g.mask(g.op('equal', [otherZeros, g.c(1)]), otherZeroX));
    return g.mul(dy, g.mul(g.div(productOfNonZero, nonZero), productOfZero));
  }
  // max/min: the gradient is shared equally among the elements equal to the result.
  const hit = g.toFloat(g.op('equal', [x, g.unreduce(c.y(), shape, axes)]));
  return g.div(g.mul(hit, dy), g.unreduce(g.sum(hit, axes, true), shape, axes));
}

export const reduceOps: OpDef[] = [
  reduction('sum', 'sum'),
  reduction('prod', 'prod'),
  reduction('max', 'max'),
  reduction('min', 'min'),
  argReduction('argMax', 'argmax'),
  argReduction('argMin', 'argmin'),
];

