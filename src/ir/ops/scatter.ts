import { alu, constant, where, type Expr } from '../expr.js';
import { KilnError } from '../error.js';
import type { OpDef } from '../op-def.js';
import { evalByCoords, forEachCoord, at } from './host-loops.js';

/**
 * scatterAdd(updates, indices) along `axis` into `size` rows: the gradient of gather. Output
 * row j is the sum of the update rows whose index is j (a reduction over the index positions).
 */
export const scatterAddOp: OpDef = {
  name: 'scatterAdd', kind: 'reduce', arity: 2,
  infer([updates, indices], attrs) {
    if (indices!.dtype !== 'int32') throw new KilnError(`indices must be int32, got ${indices!.dtype}`, { op: 'scatterAdd' });
    const axis = attrs.axis as number;
    const ir = indices!.shape.length;
    return { shape: [...updates!.shape.slice(0, axis), attrs.size as number, ...updates!.shape.slice(axis + ir)], dtype: updates!.dtype };
  },
  evaluate([updates, indices], attrs, out) {
    const axis = attrs.axis as number;
    return evalByCoords([updates!, indices!], out, (c) => {
      let s = 0;
      forEachCoord(indices!.type.shape, (k) => {
        if (at(indices!, k) === c[axis]) s += at(updates!, [...c.slice(0, axis), ...k, ...c.slice(axis + 1)]);
      });
      return s;
    });
  },
  reduce([, indices], attrs) {
    const axis = attrs.axis as number;
    return {
      op: 'sum',
      innerShape: indices!.shape,
      body: (ctx) => {
        const k = ctx.inner as Expr[];
        const hit = alu('eq', [ctx.load(1, k), ctx.coords[axis]!]);
        const update = ctx.load(0, [...ctx.coords.slice(0, axis), ...k, ...ctx.coords.slice(axis + 1)]);
        return where(hit, update, constant(0, ctx.out.dtype));
      },
    };
  },
  vjp: (g, c) => [g.op('gather', [c.dy, c.x(1)], { axis: c.attrs.axis as number }), null],
};
