import { KilnError, shapeString } from '../error.js';
import { alu, constant, int, mul, add, where, type Expr } from '../expr.js';
import type { Attrs, OpDef } from '../op-def.js';
import type { TensorType } from '../tensor-type.js';
import { evalByCoords, at } from './host-loops.js';

/**
 * conv2d, maxPool and avgPool on NHWC tensors, as reductions over a window. Padding arrives
 * explicit (`pads: [top, bottom, left, right]`); src/api turns 'same'/'valid' into it.
 */
export interface Window { kh: number; kw: number; sh: number; sw: number; dh: number; dw: number; pt: number; pb: number; pl: number; pr: number }

export function windowOf(attrs: Attrs, kh: number, kw: number): Window {
  const [sh, sw] = attrs.strides as number[];
  const [dh, dw] = (attrs.dilations as number[] | undefined) ?? [1, 1];
  const [pt, pb, pl, pr] = attrs.pads as number[];
  return { kh, kw, sh: sh!, sw: sw!, dh: dh!, dw: dw!, pt: pt!, pb: pb!, pl: pl!, pr: pr! };
}

function outSize(n: number, k: number, s: number, d: number, p0: number, p1: number): number {
  return Math.floor((n + p0 + p1 - (k - 1) * d - 1) / s) + 1;
}

function checkNHWC(op: string, x: TensorType): void {
  if (x.shape.length !== 4) throw new KilnError(`expects an NHWC input of rank 4, got shape ${shapeString(x.shape)}`, { op });
  if (x.dtype !== 'float32') throw new KilnError(`expects a float32 input, got ${x.dtype}`, { op });
}

function outputShape(op: string, x: TensorType, w: Window, channels: number): number[] {
  const oh = outSize(x.shape[1]!, w.kh, w.sh, w.dh, w.pt, w.pb);
  const ow = outSize(x.shape[2]!, w.kw, w.sw, w.dw, w.pl, w.pr);
  if (oh <= 0 || ow <= 0) throw new KilnError(`window ${w.kh}x${w.kw} does not fit input ${shapeString(x.shape)}`, { op });
  return [x.shape[0]!, oh, ow, channels];
}

/**
 * Input row/col of output (o) and window (k) positions, and whether it lies inside the image.
 * `outCount` and `taps` are the extents of o and k: a bound no position can cross is not
 * tested, so without padding `inside` is null (always inside) and kernels carry no mask.
 */
export function tap(o: Expr, k: Expr, s: number, d: number, p: number, n: number, outCount: number, taps: number): { pos: Expr; inside: Expr | null } {
  const pos = add(add(mul(o, int(s)), mul(k, int(d))), int(-p));
  const last = (outCount - 1) * s + (taps - 1) * d - p;
  return { pos, inside: allOf([p > 0 ? alu('ge', [pos, int(0)]) : null, last >= n ? alu('lt', [pos, int(n)]) : null]) };
}

/** The conjunction of the conditions that are not null; null when none is left (always true). */
export function allOf(conditions: readonly (Expr | null)[]): Expr | null {
  const kept = conditions.filter((c): c is Expr => c !== null);
  return kept.length === 0 ? null : kept.reduce((a, b) => alu('and', [a, b]));
}

/** `value` where every condition holds, else `otherwise` (just `value` when nothing is tested). */
export function whereAll(conditions: readonly (Expr | null)[], value: Expr, otherwise: Expr): Expr {
  const c = allOf(conditions);
  return c === null ? value : where(c, value, otherwise);
}

export const conv2dOp: OpDef = {
  name: 'conv2d', kind: 'reduce', arity: 2,
  infer([x, f], attrs) {
    checkNHWC('conv2d', x!);
    if (f!.shape.length !== 4) throw new KilnError(`expects an HWIO filter of rank 4, got shape ${shapeString(f!.shape)}`, { op: 'conv2d' });
    if (f!.shape[2] !== x!.shape[3]) {
      throw new KilnError(`input channels differ: input ${shapeString(x!.shape)} has ${x!.shape[3]}, filter ${shapeString(f!.shape)} expects ${f!.shape[2]}`, { op: 'conv2d' });
    }
    return { shape: outputShape('conv2d', x!, windowOf(attrs, f!.shape[0]!, f!.shape[1]!), f!.shape[3]!), dtype: 'float32' };
  },
  evaluate([x, f], attrs, out) {
    const [kh, kw, ci] = f!.type.shape as [number, number, number, number];
    const w = windowOf(attrs, kh, kw);
    const [, H, W] = x!.type.shape as [number, number, number, number];
    return evalByCoords([x!, f!], out, ([n, oh, ow, co]) => {
      let s = 0;
      for (let i = 0; i < kh; i++) for (let j = 0; j < kw; j++) {
        const ih = oh! * w.sh + i * w.dh - w.pt;
        const iw = ow! * w.sw + j * w.dw - w.pl;
        if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
        for (let c = 0; c < ci; c++) s += at(x!, [n!, ih, iw, c]) * at(f!, [i, j, c, co!]);
      }
      return s;
    });
  },
  vjp: (g, c) => {
    const geometry = { strides: c.attrs.strides!, pads: c.attrs.pads!, dilations: c.attrs.dilations ?? [1, 1] };
    return [
      g.op('conv2dBackpropInput', [c.dy, c.x(1)], { ...geometry, inputShape: [...c.inTypes[0]!.shape] }),
      g.op('conv2dBackpropFilter', [c.x(0), c.dy], { ...geometry, filterShape: [...c.inTypes[1]!.shape] }),
    ];
  },
  reduce([x, f], attrs, out) {
    const [kh, kw, ci] = f!.shape as [number, number, number, number];
    const w = windowOf(attrs, kh, kw);
    return {
      op: 'sum',
      innerShape: [kh, kw, ci],
      body: (ctx) => {
        const [n, oh, ow, co] = ctx.coords as [Expr, Expr, Expr, Expr];
        const [i, j, c] = ctx.inner as [Expr, Expr, Expr];
        const r = tap(oh, i, w.sh, w.dh, w.pt, x!.shape[1]!, out.shape[1]!, kh);
        const q = tap(ow, j, w.sw, w.dw, w.pl, x!.shape[2]!, out.shape[2]!, kw);
        const product = mul(ctx.load(0, [n, r.pos, q.pos, c]), ctx.load(1, [i, j, c, co]));
        return whereAll([r.inside, q.inside], product, constant(0));
      },
    };
  },
};

/** How many window positions of output (oh, ow) lie inside the image: the average's divisor (TF excludes padding). */
export function windowCount(oh: Expr, ow: Expr, w: Window, fh: number, fw: number, H: number, W: number): Expr {
  const first = (o: Expr, s: number, p: number) => alu('max', [add(mul(o, int(s)), int(-p)), int(0)]);
  const last = (o: Expr, s: number, p: number, k: number, n: number) => alu('min', [add(mul(o, int(s)), int(k - p)), int(n)]);
  return mul(alu('sub', [last(oh, w.sh, w.pt, fh, H), first(oh, w.sh, w.pt)]), alu('sub', [last(ow, w.sw, w.pl, fw, W), first(ow, w.sw, w.pl)]));
}

function pool(name: 'maxPool' | 'avgPool'): OpDef {
  return {
    name, kind: 'reduce', arity: 1,
    infer([x], attrs) {
      checkNHWC(name, x!);
      const [fh, fw] = attrs.filterSize as number[];
      return { shape: outputShape(name, x!, windowOf(attrs, fh!, fw!), x!.shape[3]!), dtype: 'float32' };
    },
    vjp: (g, c) => {
      const geometry = { filterSize: c.attrs.filterSize!, strides: c.attrs.strides!, pads: c.attrs.pads! };
      return [name === 'maxPool'
        ? g.op('maxPoolGrad', [c.x(0), c.y(), c.dy], geometry)
        : g.op('avgPoolGrad', [c.dy], { ...geometry, inputShape: [...c.inTypes[0]!.shape] })];
    },
    evaluate([x], attrs, out) {
      const [fh, fw] = attrs.filterSize as [number, number];
      const w = windowOf(attrs, fh, fw);
      const [, H, W] = x!.type.shape as [number, number, number, number];
      return evalByCoords([x!], out, ([n, oh, ow, c]) => {
        let best = -Infinity;
        let sum = 0;
        let count = 0;
        for (let i = 0; i < fh; i++) for (let j = 0; j < fw; j++) {
          const ih = oh! * w.sh + i * w.dh - w.pt;
          const iw = ow! * w.sw + j * w.dw - w.pl;
          if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
          const v = at(x!, [n!, ih, iw, c!]);
          best = Math.max(best, v);
          sum += v;
          count++;
        }
        return name === 'maxPool' ? best : sum / count;
      });
    },
    reduce([x], attrs, out) {
      const [fh, fw] = attrs.filterSize as [number, number];
      const w = windowOf(attrs, fh, fw);
      const [, H, W] = x!.shape as [number, number, number, number];
      const rowsCols = (oh: Expr, ow: Expr) => windowCount(oh, ow, w, fh, fw, H, W);
      return {
        op: name === 'maxPool' ? 'max' : 'sum',
        innerShape: [fh, fw],
        body: (ctx) => {
          const [n, oh, ow, c] = ctx.coords as [Expr, Expr, Expr, Expr];
          const [i, j] = ctx.inner as [Expr, Expr];
          const r = tap(oh, i, w.sh, w.dh, w.pt, H, out.shape[1]!, fh);
          const q = tap(ow, j, w.sw, w.dw, w.pl, W, out.shape[2]!, fw);
          const outside = constant(name === 'maxPool' ? -Infinity : 0);
          return whereAll([r.inside, q.inside], ctx.load(0, [n, r.pos, q.pos, c]), outside);
        },
        ...(name === 'avgPool' ? {
          epilogue: (accExpr: Expr, ctx: { coords: readonly Expr[] }) =>
            alu('div', [accExpr, alu('cast', [rowsCols(ctx.coords[1]!, ctx.coords[2]!)], 'float32')]),
        } : {}),
      };
    },
  };
}

export const windowOps: OpDef[] = [conv2dOp, pool('maxPool'), pool('avgPool')];
