import { alu, constant, int, mul, add, where, type Expr } from '../expr.js';
import type { Attrs, OpDef } from '../op-def.js';
import { evalByCoords, at } from './host-loops.js';
import { allOf, tap, whereAll, windowCount, windowOf } from './window.js';

/**
 * The gradients of conv2d and the pools, as primitives of their own (reductions over the
 * window), so backward passes fuse and compile like forward ones.
 */

/**
 * Output position along one axis whose window covers input position `i` at tap `k`, and whether
 * it exists. `inSize` and `taps` are the extents of i and k: a test that can never fail is left
 * out (`valid` null: always), so stride 1 needs no divisibility test and an unpadded edge no bound.
 */
function coveringOutput(i: Expr, k: Expr, s: number, d: number, p: number, outSize: number, inSize: number, taps: number): { pos: Expr; valid: Expr | null } {
  const shifted = add(add(i, int(p)), mul(k, int(-d)));
  const pos = alu('idiv', [shifted, int(s)]);
  const lowest = p - (taps - 1) * d;
  const highest = inSize - 1 + p;
  return {
    pos,
    valid: allOf([
      s > 1 ? alu('eq', [alu('mod', [shifted, int(s)]), int(0)]) : null,
      lowest < 0 ? alu('ge', [shifted, int(0)]) : null,
      Math.floor(highest / s) >= outSize ? alu('lt', [pos, int(outSize)]) : null,
    ]),
  };
}

/**
 * The one output position along an axis whose window covers input position `i` when windows do
 * not overlap (stride ≥ window, no dilation): `pos` = ⌊(i + p) / s⌋ at tap (i + p) − pos·s, and
 * whether that tap is inside the window and `pos` inside the output (null: always).
 */
function soleCoveringOutput(i: Expr, s: number, p: number, taps: number, outSize: number, inSize: number): { pos: Expr; valid: Expr | null } {
  const shifted = add(i, int(p));
  const pos = alu('idiv', [shifted, int(s)]);
  const k = alu('sub', [shifted, mul(pos, int(s))]);
  return {
    pos,
    valid: allOf([
      s > taps ? alu('lt', [k, int(taps)]) : null,
      Math.floor((inSize - 1 + p) / s) >= outSize ? alu('lt', [pos, int(outSize)]) : null,
    ]),
  };
}

function hostCovering(i: number, k: number, s: number, d: number, p: number, outSize: number): number {
  const shifted = i + p - k * d;
  if (shifted < 0 || shifted % s !== 0 || shifted / s >= outSize) return -1;
  return shifted / s;
}

const shapeAttr = (attrs: Attrs, name: string) => attrs[name] as number[];

/** dx of conv2d: inputs (dy, filter); attrs inputShape, strides, pads, dilations. */
const conv2dBackpropInput: OpDef = {
  name: 'conv2dBackpropInput', kind: 'reduce', arity: 2,
  infer: (_ins, attrs) => ({ shape: shapeAttr(attrs, 'inputShape'), dtype: 'float32' }),
  evaluate([dy, f], attrs, out) {
    const [kh, kw, , co] = f!.type.shape as [number, number, number, number];
    const w = windowOf(attrs, kh, kw);
    const [, OH, OW] = dy!.type.shape as [number, number, number, number];
    return evalByCoords([dy!, f!], out, ([n, h, x, ci]) => {
      let s = 0;
      for (let i = 0; i < kh; i++) for (let j = 0; j < kw; j++) {
        const oh = hostCovering(h!, i, w.sh, w.dh, w.pt, OH);
        const ow = hostCovering(x!, j, w.sw, w.dw, w.pl, OW);
        if (oh < 0 || ow < 0) continue;
        for (let o = 0; o < co; o++) s += at(dy!, [n!, oh, ow, o]) * at(f!, [i, j, ci!, o]);
      }
      return s;
    });
  },
  reduce([dy, f], attrs, out) {
    const [kh, kw, , co] = f!.shape as [number, number, number, number];
    const w = windowOf(attrs, kh, kw);
    return {
      op: 'sum',
      innerShape: [kh, kw, co],
      body: (ctx) => {
        const [n, h, x, ci] = ctx.coords as [Expr, Expr, Expr, Expr];
        const [i, j, o] = ctx.inner as [Expr, Expr, Expr];
        const r = coveringOutput(h, i, w.sh, w.dh, w.pt, dy!.shape[1]!, out.shape[1]!, kh);
        const q = coveringOutput(x, j, w.sw, w.dw, w.pl, dy!.shape[2]!, out.shape[2]!, kw);
        return whereAll([r.valid, q.valid], mul(ctx.load(0, [n, r.pos, q.pos, o]), ctx.load(1, [i, j, ci, o])), constant(0));
      },
    };
  },
  vjp: (g, c) => {
    const geometry = { strides: c.attrs.strides!, pads: c.attrs.pads!, dilations: c.attrs.dilations ?? [1, 1] };
    return [
      g.op('conv2d', [c.dy, c.x(1)], geometry),
      g.op('conv2dBackpropFilter', [c.dy, c.x(0)], { ...geometry, filterShape: [...c.inTypes[1]!.shape] }),
    ];
  },
};

/** dfilter of conv2d: inputs (x, dy); attrs filterShape, strides, pads, dilations. */
const conv2dBackpropFilter: OpDef = {
  name: 'conv2dBackpropFilter', kind: 'reduce', arity: 2,
  infer: (_ins, attrs) => ({ shape: shapeAttr(attrs, 'filterShape'), dtype: 'float32' }),
  evaluate([x, dy], attrs, out) {
    const [kh, kw] = shapeAttr(attrs, 'filterShape') as [number, number];
    const w = windowOf(attrs, kh, kw);
    const [N, H, W] = x!.type.shape as [number, number, number, number];
    const [, OH, OW] = dy!.type.shape as [number, number, number, number];
    return evalByCoords([x!, dy!], out, ([i, j, ci, co]) => {
      let s = 0;
      for (let n = 0; n < N; n++) for (let oh = 0; oh < OH; oh++) for (let ow = 0; ow < OW; ow++) {
        const h = oh * w.sh + i! * w.dh - w.pt;
        const v = ow * w.sw + j! * w.dw - w.pl;
        if (h < 0 || h >= H || v < 0 || v >= W) continue;
        s += at(x!, [n, h, v, ci!]) * at(dy!, [n, oh, ow, co!]);
      }
      return s;
    });
  },
  reduce([x, dy], attrs) {
    const [kh, kw] = shapeAttr(attrs, 'filterShape') as [number, number];
    const w = windowOf(attrs, kh, kw);
    return {
      op: 'sum',
      innerShape: dy!.shape.slice(0, 3),
      body: (ctx) => {
        const [i, j, ci, co] = ctx.coords as [Expr, Expr, Expr, Expr];
        const [n, oh, ow] = ctx.inner as [Expr, Expr, Expr];
        const r = tap(oh, i, w.sh, w.dh, w.pt, x!.shape[1]!, dy!.shape[1]!, kh);
        const q = tap(ow, j, w.sw, w.dw, w.pl, x!.shape[2]!, dy!.shape[2]!, kw);
        return whereAll([r.inside, q.inside], mul(ctx.load(0, [n, r.pos, q.pos, ci]), ctx.load(1, [n, oh, ow, co])), constant(0));
      },
    };
  },
  vjp: (g, c) => {
    const geometry = { strides: c.attrs.strides!, pads: c.attrs.pads!, dilations: c.attrs.dilations ?? [1, 1] };
    return [
      g.op('conv2dBackpropInput', [c.x(1), c.dy], { ...geometry, inputShape: [...c.inTypes[0]!.shape] }),
      g.op('conv2d', [c.x(0), c.dy], geometry),
    ];
  },
};

/**
 * dx of maxPool: inputs (x, y, dy). Every input element equal to its window's maximum gets
 * that window's gradient (TensorFlow picks one element on ties; with distinct values they agree).
 */
const maxPoolGrad: OpDef = {
  name: 'maxPoolGrad', kind: 'reduce', arity: 3,
  infer: ([x]) => ({ shape: x!.shape, dtype: 'float32' }),
  evaluate([x, y, dy], attrs, out) {
    const [fh, fw] = shapeAttr(attrs, 'filterSize') as [number, number];
    const w = windowOf(attrs, fh, fw);
    const [, OH, OW] = y!.type.shape as [number, number, number, number];
    return evalByCoords([x!, y!, dy!], out, ([n, h, v, ch]) => {
      let s = 0;
      for (let i = 0; i < fh; i++) for (let j = 0; j < fw; j++) {
        const oh = hostCovering(h!, i, w.sh, 1, w.pt, OH);
        const ow = hostCovering(v!, j, w.sw, 1, w.pl, OW);
        if (oh < 0 || ow < 0) continue;
        if (at(x!, [n!, h!, v!, ch!]) === at(y!, [n!, oh, ow, ch!])) s += at(dy!, [n!, oh, ow, ch!]);
      }
      return s;
    });
  },
  reduce([x, y], attrs) {
    const [fh, fw] = shapeAttr(attrs, 'filterSize') as [number, number];
    const w = windowOf(attrs, fh, fw);
    const [, H, W] = x!.shape as [number, number, number, number];
    const [, OH, OW] = y!.shape as [number, number, number, number];
    // Windows that do not overlap (the usual 2×2 pool, stride 2): each input element lies in at
    // most one, found by division, so nothing is folded over the window's taps.
    const disjoint = w.sh >= fh && w.sw >= fw;
    return {
      op: 'sum',
      innerShape: disjoint ? [1, 1] : [fh, fw],
      body: (ctx) => {
        const [n, h, v, ch] = ctx.coords as [Expr, Expr, Expr, Expr];
        const [i, j] = ctx.inner as [Expr, Expr];
        const r = disjoint ? soleCoveringOutput(h, w.sh, w.pt, fh, OH, H) : coveringOutput(h, i, w.sh, 1, w.pt, OH, H, fh);
        const q = disjoint ? soleCoveringOutput(v, w.sw, w.pl, fw, OW, W) : coveringOutput(v, j, w.sw, 1, w.pl, OW, W, fw);
        const isMax = alu('eq', [ctx.load(0, [n, h, v, ch]), ctx.load(1, [n, r.pos, q.pos, ch])]);
        return whereAll([r.valid, q.valid, isMax], ctx.load(2, [n, r.pos, q.pos, ch]), constant(0));
      },
    };
  },
  // Linear in dy; the argmax mask is piecewise constant in x and y, so nothing flows to them.
  vjp: (g, c) => [null, null, g.op('maxPoolGradGrad', [c.x(0), c.x(1), c.dy], { filterSize: c.attrs.filterSize!, strides: c.attrs.strides!, pads: c.attrs.pads! })],
};

/**
 * The adjoint of maxPoolGrad in its dy (TF's MaxPoolGradGrad): inputs (x, y, ddx), output
 * shaped like y. Each window sums ddx over the input elements equal to its maximum.
 */
const maxPoolGradGrad: OpDef = {
  name: 'maxPoolGradGrad', kind: 'reduce', arity: 3,
  infer: ([, y]) => ({ shape: y!.shape, dtype: 'float32' }),
  evaluate([x, y, ddx], attrs, out) {
    const [fh, fw] = shapeAttr(attrs, 'filterSize') as [number, number];
    const w = windowOf(attrs, fh, fw);
    const [, H, W] = x!.type.shape as [number, number, number, number];
    return evalByCoords([x!, y!, ddx!], out, ([n, oh, ow, ch]) => {
      let s = 0;
      for (let i = 0; i < fh; i++) for (let j = 0; j < fw; j++) {
        const h = oh! * w.sh + i - w.pt;
        const v = ow! * w.sw + j - w.pl;
        if (h < 0 || h >= H || v < 0 || v >= W) continue;
        if (at(x!, [n!, h, v, ch!]) === at(y!, [n!, oh!, ow!, ch!])) s += at(ddx!, [n!, h, v, ch!]);
      }
      return s;
    });
  },
  reduce([x], attrs, out) {
    const [fh, fw] = shapeAttr(attrs, 'filterSize') as [number, number];
    const w = windowOf(attrs, fh, fw);
    return {
      op: 'sum',
      innerShape: [fh, fw],
      body: (ctx) => {
        const [n, oh, ow, ch] = ctx.coords as [Expr, Expr, Expr, Expr];
        const [i, j] = ctx.inner as [Expr, Expr];
        const r = tap(oh, i, w.sh, 1, w.pt, x!.shape[1]!, out.shape[1]!, fh);
        const q = tap(ow, j, w.sw, 1, w.pl, x!.shape[2]!, out.shape[2]!, fw);
        const isMax = alu('eq', [ctx.load(0, [n, r.pos, q.pos, ch]), ctx.load(1, [n, oh, ow, ch])]);
        return whereAll([r.inside, q.inside, isMax], ctx.load(2, [n, r.pos, q.pos, ch]), constant(0));
      },
    };
  },
  vjp: (g, c) => [null, null, g.op('maxPoolGrad', [c.x(0), c.x(1), c.dy], { filterSize: c.attrs.filterSize!, strides: c.attrs.strides!, pads: c.attrs.pads! })],
};

/** dx of avgPool: input dy; attrs inputShape, filterSize, strides, pads. Linear in dy. */
const avgPoolGrad: OpDef = {
  name: 'avgPoolGrad', kind: 'reduce', arity: 1,
  infer: (_ins, attrs) => ({ shape: shapeAttr(attrs, 'inputShape'), dtype: 'float32' }),
  evaluate([dy], attrs, out) {
    const [fh, fw] = shapeAttr(attrs, 'filterSize') as [number, number];
    const w = windowOf(attrs, fh, fw);
    const [, H, W] = shapeAttr(attrs, 'inputShape') as [number, number, number, number];
    const [, OH, OW] = dy!.type.shape as [number, number, number, number];
    const count = (oh: number, ow: number) =>
      (Math.min(oh * w.sh + fh - w.pt, H) - Math.max(oh * w.sh - w.pt, 0)) * (Math.min(ow * w.sw + fw - w.pl, W) - Math.max(ow * w.sw - w.pl, 0));
    return evalByCoords([dy!], out, ([n, h, v, ch]) => {
      let s = 0;
      for (let i = 0; i < fh; i++) for (let j = 0; j < fw; j++) {
        const oh = hostCovering(h!, i, w.sh, 1, w.pt, OH);
        const ow = hostCovering(v!, j, w.sw, 1, w.pl, OW);
        if (oh >= 0 && ow >= 0) s += at(dy!, [n!, oh, ow, ch!]) / count(oh, ow);
      }
      return s;
    });
  },
  reduce([dy], attrs) {
    const [fh, fw] = shapeAttr(attrs, 'filterSize') as [number, number];
    const w = windowOf(attrs, fh, fw);
    const [, H, W] = shapeAttr(attrs, 'inputShape') as [number, number, number, number];
    return {
      op: 'sum',
      innerShape: [fh, fw],
      body: (ctx) => {
        const [n, h, v, ch] = ctx.coords as [Expr, Expr, Expr, Expr];
        const [i, j] = ctx.inner as [Expr, Expr];
        const r = coveringOutput(h, i, w.sh, 1, w.pt, dy!.shape[1]!, H, fh);
        const q = coveringOutput(v, j, w.sw, 1, w.pl, dy!.shape[2]!, W, fw);
        const count = alu('cast', [windowCount(r.pos, q.pos, w, fh, fw, H, W)], 'float32');
        return whereAll([r.valid, q.valid], alu('div', [ctx.load(0, [n, r.pos, q.pos, ch]), count]), constant(0));
      },
    };
  },
  vjp: (g, c) => [g.op('avgPool', [c.dy], { filterSize: c.attrs.filterSize!, strides: c.attrs.strides!, pads: c.attrs.pads! })],
};

export const windowGradOps: OpDef[] = [conv2dBackpropInput, conv2dBackpropFilter, maxPoolGrad, maxPoolGradGrad, avgPoolGrad];
