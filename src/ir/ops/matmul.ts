import { KilnError, shapeString } from '../error.js';
import { broadcastCoords, mul } from '../expr.js';
import type { OpDef } from '../op-def.js';
import { broadcastShapes } from '../tensor-type.js';
import { evalByCoords, at } from './host-loops.js';

/** Batched matrix product over the last two dims; leading (batch) dims broadcast. */
export const matMulOp: OpDef = {
  name: 'matMul', kind: 'reduce', arity: 2,
  normalize(_ins, attrs) {
    return { transposeA: attrs.transposeA === true, transposeB: attrs.transposeB === true };
  },
  infer([a, b], attrs) {
    if (a!.shape.length < 2 || b!.shape.length < 2) {
      throw new KilnError(`expects inputs of rank >= 2, got shapes ${shapeString(a!.shape)} and ${shapeString(b!.shape)}`, { op: 'matMul' });
    }
    if (a!.dtype !== b!.dtype || a!.dtype === 'bool') {
      throw new KilnError(`expects two float32 or two int32 inputs, got ${a!.dtype} and ${b!.dtype}`, { op: 'matMul' });
    }
    const [m, ka] = dims(a!.shape, attrs.transposeA === true);
    const [kb, n] = dims(b!.shape, attrs.transposeB === true);
    if (ka !== kb) {
      throw new KilnError(`inner dimensions differ: ${shapeString(a!.shape)}${attrs.transposeA ? 'ᵀ' : ''} × ${shapeString(b!.shape)}${attrs.transposeB ? 'ᵀ' : ''} (${ka} vs ${kb})`, { op: 'matMul' });
    }
    const batch = broadcastShapes('matMul', [a!.shape.slice(0, -2), b!.shape.slice(0, -2)]);
    return { shape: [...batch, m, n], dtype: a!.dtype };
  },
  evaluate([a, b], attrs, out) {
    const ta = attrs.transposeA === true;
    const tb = attrs.transposeB === true;
    const k = dims(a!.type.shape, ta)[1];
    const r = out.shape.length;
    return evalByCoords([a!, b!], out, (c) => {
      const batch = c.slice(0, r - 2);
      const ab = batch.slice(batch.length - (a!.type.shape.length - 2)).map((x, i) => (a!.type.shape[i] === 1 ? 0 : x));
      const bb = batch.slice(batch.length - (b!.type.shape.length - 2)).map((x, i) => (b!.type.shape[i] === 1 ? 0 : x));
      let s = 0;
      for (let kk = 0; kk < k; kk++) {
        const av = at(a!, [...ab, ...(ta ? [kk, c[r - 2]!] : [c[r - 2]!, kk])]);
        const bv = at(b!, [...bb, ...(tb ? [c[r - 1]!, kk] : [kk, c[r - 1]!])]);
        s += av * bv;
      }
      return s;
    });
  },
  vjp(g, c) {
    const ta = c.attrs.transposeA === true;
    const tb = c.attrs.transposeB === true;
    const a = c.x(0);
    const b = c.x(1);
    const dy = c.dy;
    const mm = (x: typeof a, y: typeof a, tx: boolean, ty: boolean) => g.op('matMul', [x, y], { transposeA: tx, transposeB: ty });
    const [da, db] = !ta && !tb ? [mm(dy, b, false, true), mm(a, dy, true, false)]
      : !ta && tb ? [mm(dy, b, false, false), mm(dy, a, true, false)]
        : ta && !tb ? [mm(b, dy, false, true), mm(a, dy, false, false)]
          : [mm(b, dy, true, true), mm(dy, a, true, true)];
    return [g.unbroadcast(da, c.inTypes[0]!.shape), g.unbroadcast(db, c.inTypes[1]!.shape)];
  },
  reduce([a, b], attrs, out) {
    const ta = attrs.transposeA === true;
    const tb = attrs.transposeB === true;
    const r = out.shape.length;
    return {
      op: 'sum',
      innerShape: [dims(a!.shape, ta)[1]],
      matmul: { transposeA: ta, transposeB: tb },
      body: (ctx) => {
        const batch = ctx.coords.slice(0, r - 2);
        const i = ctx.coords[r - 2]!;
        const j = ctx.coords[r - 1]!;
        const kk = ctx.inner[0]!;
        const ab = broadcastCoords(batch, a!.shape.slice(0, -2));
        const bb = broadcastCoords(batch, b!.shape.slice(0, -2));
        return mul(ctx.load(0, [...ab, ...(ta ? [kk, i] : [i, kk])]), ctx.load(1, [...bb, ...(tb ? [j, kk] : [kk, j])]));
      },
    };
  },
};

/** (rows, cols) of the last two dims, after an optional transpose. */
function dims(shape: readonly number[], transpose: boolean): [number, number] {
  const r = shape[shape.length - 2]!;
  const c = shape[shape.length - 1]!;
  return transpose ? [c, r] : [r, c];
}
