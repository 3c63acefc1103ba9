import { castScalar } from '../dtype.js';
import { KilnError, shapeString } from '../error.js';
import { alu, broadcastCoords, flatIndex, int, add, where, type Expr } from '../expr.js';
import type { OpDef } from '../op-def.js';
import { broadcastShapes, normalizeAxis, sameShape, sizeOf } from '../tensor-type.js';
import { evalByCoords, at } from './host-loops.js';

/** Ops that only move elements: each output element is one input element (or a pad value). */

function movement(def: Omit<OpDef, 'kind'>): OpDef {
  return { kind: 'movement', ...def };
}

export const reshapeOp = movement({
  name: 'reshape', arity: 1,
  normalize([x], attrs) {
    const shape = [...(attrs.shape as number[])];
    const unknown = shape.indexOf(-1);
    if (unknown >= 0) {
      const known = sizeOf(shape.filter((_, i) => i !== unknown));
      if (known === 0 || sizeOf(x!.shape) % known !== 0) {
        throw new KilnError(`cannot reshape ${shapeString(x!.shape)} (${sizeOf(x!.shape)} elements) to ${shapeString(shape)}`, { op: 'reshape' });
      }
      shape[unknown] = sizeOf(x!.shape) / known;
    }
    return { shape };
  },
  infer([x], attrs) {
    const shape = attrs.shape as number[];
    if (shape.some((d) => !Number.isInteger(d) || d < 0) || sizeOf(shape) !== sizeOf(x!.shape)) {
      throw new KilnError(`cannot reshape ${shapeString(x!.shape)} (${sizeOf(x!.shape)} elements) to ${shapeString(shape)}`, { op: 'reshape' });
    }
    return { shape, dtype: x!.dtype };
  },
  vjp: (g, c) => [g.reshape(c.dy, c.inTypes[0]!.shape)],
  evaluate([x]) { return x!.data.slice(); },
  element: (ctx) => ctx.loadFlat(0, flatIndex(ctx.coords, ctx.out.shape)),
});

export const transposeOp = movement({
  name: 'transpose', arity: 1,
  normalize([x], attrs) {
    const rank = x!.shape.length;
    const perm = (attrs.perm as number[] | undefined | null) ?? Array.from({ length: rank }, (_, i) => rank - 1 - i);
    const sorted = [...perm].sort((a, b) => a - b);
    if (perm.length !== rank || sorted.some((p, i) => p !== i)) {
      throw new KilnError(`perm [${perm.join(',')}] is not a permutation of the ${rank} axes of ${shapeString(x!.shape)}`, { op: 'transpose' });
    }
    return { perm };
  },
  infer([x], attrs) {
    return { shape: (attrs.perm as number[]).map((p) => x!.shape[p]!), dtype: x!.dtype };
  },
  vjp: (g, c) => {
    const perm = c.attrs.perm as number[];
    const inverse = perm.map((_, i) => perm.indexOf(i));
    return [g.op('transpose', [c.dy], { perm: inverse })];
  },
  evaluate([x], attrs, out) {
    const perm = attrs.perm as number[];
    return evalByCoords([x!], out, (c) => {
      const inCoords = new Array<number>(perm.length);
      perm.forEach((p, i) => { inCoords[p] = c[i]!; });
      return at(x!, inCoords);
    });
  },
  element(ctx) {
    const perm = ctx.attrs.perm as number[];
    const inCoords = new Array<Expr>(perm.length);
    perm.forEach((p, i) => { inCoords[p] = ctx.coords[i]!; });
    return ctx.load(0, inCoords);
  },
});

export const broadcastToOp = movement({
  name: 'broadcastTo', arity: 1,
  infer([x], attrs) {
    const shape = attrs.shape as number[];
    const out = broadcastShapes('broadcastTo', [x!.shape, shape]);
    if (!sameShape(out, shape)) throw new KilnError(`cannot broadcast ${shapeString(x!.shape)} to ${shapeString(shape)}`, { op: 'broadcastTo' });
    return { shape, dtype: x!.dtype };
  },
  vjp: (g, c) => [g.unbroadcast(c.dy, c.inTypes[0]!.shape)],
  evaluate([x], _attrs, out) {
    const offset = out.shape.length - x!.type.shape.length;
    return evalByCoords([x!], out, (c) => at(x!, x!.type.shape.map((d, i) => (d === 1 ? 0 : c[offset + i]!))));
  },
  element: (ctx) => ctx.load(0, broadcastCoords(ctx.coords, ctx.ins[0]!.shape)),
});

export const sliceOp = movement({
  name: 'slice', arity: 1,
  normalize([x], attrs) {
    const rank = x!.shape.length;
    const beginIn = typeof attrs.begin === 'number' ? [attrs.begin] : (attrs.begin as number[]);
    const sizeIn = attrs.size === undefined || attrs.size === null ? [] : typeof attrs.size === 'number' ? [attrs.size] : (attrs.size as number[]);
    const begin = x!.shape.map((_, i) => beginIn[i] ?? 0);
    const size = x!.shape.map((d, i) => (sizeIn[i] === undefined || sizeIn[i] === -1 ? d - begin[i]! : sizeIn[i]!));
    if (beginIn.length > rank || begin.some((b, i) => b < 0 || size[i]! < 0 || b + size[i]! > x!.shape[i]!)) {
      throw new KilnError(`begin [${begin.join(',')}] and size [${size.join(',')}] are out of bounds for shape ${shapeString(x!.shape)}`, { op: 'slice' });
    }
    return { begin, size };
  },
  infer([x], attrs) {
    return { shape: attrs.size as number[], dtype: x!.dtype };
  },
  vjp: (g, c) => {
    const begin = c.attrs.begin as number[];
    const size = c.attrs.size as number[];
    const shape = c.inTypes[0]!.shape;
    return [g.op('pad', [c.dy], { paddings: shape.map((d, i) => [begin[i]!, d - begin[i]! - size[i]!]), constantValue: 0 })];
  },
  evaluate([x], attrs, out) {
    const begin = attrs.begin as number[];
    return evalByCoords([x!], out, (c) => at(x!, c.map((v, i) => v + begin[i]!)));
  },
  element(ctx) {
    const begin = ctx.attrs.begin as number[];
    return ctx.load(0, ctx.coords.map((c, i) => add(c, int(begin[i]!))));
  },
});

export const padOp = movement({
  name: 'pad', arity: 1,
  infer([x], attrs) {
    const p = attrs.paddings as number[][];
    if (p.length !== x!.shape.length || p.some((q) => q.length !== 2 || q[0]! < 0 || q[1]! < 0)) {
      throw new KilnError(`paddings ${JSON.stringify(p)} do not match shape ${shapeString(x!.shape)} (one [before, after] pair of non-negative numbers per axis)`, { op: 'pad' });
    }
    return { shape: x!.shape.map((d, i) => d + p[i]![0]! + p[i]![1]!), dtype: x!.dtype };
  },
  vjp: (g, c) => [g.op('slice', [c.dy], { begin: (c.attrs.paddings as number[][]).map((p) => p[0]!), size: [...c.inTypes[0]!.shape] })],
  evaluate([x], attrs, out) {
    const p = attrs.paddings as number[][];
    const value = (attrs.constantValue as number | undefined) ?? 0;
    return evalByCoords([x!], out, (c) => {
      const inCoords = c.map((v, i) => v - p[i]![0]!);
      return inCoords.every((v, i) => v >= 0 && v < x!.type.shape[i]!) ? at(x!, inCoords) : value;
    });
  },
  element(ctx) {
    const p = ctx.attrs.paddings as number[][];
    const shape = ctx.ins[0]!.shape;
    const inCoords = ctx.coords.map((c, i) => add(c, int(-p[i]![0]!)));
    let inside: Expr | null = null;
    inCoords.forEach((c, i) => {
      if (p[i]![0] === 0 && p[i]![1] === 0) return;
      const ok = alu('and', [alu('ge', [c, int(0)]), alu('lt', [c, int(shape[i]!)])]);
      inside = inside ? alu('and', [inside, ok]) : ok;
    });
    const v = ctx.load(0, inCoords);
    // The pad value as an element of the output's dtype (3 pads a bool tensor with true, 0.5 an int32 one with 0).
    const value = castScalar((ctx.attrs.constantValue as number | undefined) ?? 0, ctx.out.dtype);
    return inside ? where(inside, v, { k: 'const', value, dtype: ctx.out.dtype }) : v;
  },
});

export const tileOp = movement({
  name: 'tile', arity: 1,
  infer([x], attrs) {
    const reps = attrs.reps as number[];
    if (reps.length !== x!.shape.length || reps.some((r) => !Number.isInteger(r) || r < 0)) {
      throw new KilnError(`reps [${reps.join(',')}] must have one non-negative integer per axis of ${shapeString(x!.shape)}`, { op: 'tile' });
    }
    return { shape: x!.shape.map((d, i) => d * reps[i]!), dtype: x!.dtype };
  },
  vjp: (g, c) => {
    const shape = c.inTypes[0]!.shape;
    const reps = c.attrs.reps as number[];
    const split = g.reshape(c.dy, shape.flatMap((d, i) => [reps[i]!, d]));
    return [g.reshape(g.sum(split, shape.map((_, i) => 2 * i), false), shape)];
  },
  evaluate([x], _attrs, out) {
    return evalByCoords([x!], out, (c) => at(x!, c.map((v, i) => v % x!.type.shape[i]!)));
  },
  element(ctx) {
    const shape = ctx.ins[0]!.shape;
    return ctx.load(0, ctx.coords.map((c, i) => (ctx.out.shape[i] === shape[i] ? c : alu('mod', [c, int(shape[i]!)]))));
  },
});

export const concatOp = movement({
  name: 'concat', arity: -1,
  normalize(ins, attrs) {
    if (ins.length === 0) throw new KilnError('expects at least one tensor', { op: 'concat' });
    return { axis: normalizeAxis('concat', (attrs.axis as number | undefined) ?? 0, ins[0]!.shape.length, ins[0]!.shape) };
  },
  infer(ins, attrs) {
    const axis = attrs.axis as number;
    const first = ins[0]!;
    for (const t of ins) {
      const ok = t.dtype === first.dtype && t.shape.length === first.shape.length && t.shape.every((d, i) => i === axis || d === first.shape[i]);
      if (!ok) throw new KilnError(`tensors ${ins.map((i) => `${i.dtype}${shapeString(i.shape)}`).join(', ')} differ outside axis ${axis}`, { op: 'concat' });
    }
    const shape = [...first.shape];
    shape[axis] = ins.reduce((s, t) => s + t.shape[axis]!, 0);
    return { shape, dtype: first.dtype };
  },
  vjp: (g, c) => {
    const axis = c.attrs.axis as number;
    let offset = 0;
    return c.inTypes.map((t) => {
      const begin = t.shape.map((_, i) => (i === axis ? offset : 0));
      offset += t.shape[axis]!;
      return g.op('slice', [c.dy], { begin, size: [...t.shape] });
    });
  },
  evaluate(ins, attrs, out) {
    const axis = attrs.axis as number;
    return evalByCoords(ins, out, (c) => {
      let k = c[axis]!;
      for (const t of ins) {
        const n = t.type.shape[axis]!;
        if (k < n) return at(t, c.map((v, i) => (i === axis ? k : v)));
        k -= n;
      }
      return 0;
    });
  },
  element(ctx) {
    const axis = ctx.attrs.axis as number;
    const starts: number[] = [];
    let s = 0;
    for (const t of ctx.ins) { starts.push(s); s += t.shape[axis]!; }
    const part = (i: number) => ctx.load(i, ctx.coords.map((c, d) => (d === axis ? add(c, int(-starts[i]!)) : c)));
    let e = part(ctx.ins.length - 1);
    for (let i = ctx.ins.length - 2; i >= 0; i--) e = where(alu('lt', [ctx.coords[axis]!, int(starts[i + 1]!)]), part(i), e);
    return e;
  },
});

/** TF's CPU kernel rejects out-of-range indices; kiln does so wherever the indices are on the host. */
function checkGatherIndices(indices: ArrayLike<number>, shape: readonly number[], axis: number): void {
  const size = shape[axis]!;
  for (let i = 0; i < indices.length; i++) {
    const k = indices[i]!;
    if (k < 0 || k >= size) {
      throw new KilnError(`indices[${i}] = ${k} is out of range [0, ${size}) for axis ${axis} of ${shapeString(shape)}`, { op: 'gather' });
    }
  }
}

export const gatherOp = movement({
  name: 'gather', arity: 2,
  normalize([x], attrs) {
    return { axis: normalizeAxis('gather', (attrs.axis as number | undefined) ?? 0, x!.shape.length, x!.shape) };
  },
  infer([x, indices], attrs) {
    if (indices!.dtype !== 'int32') throw new KilnError(`indices must be int32, got ${indices!.dtype}`, { op: 'gather' });
    const axis = attrs.axis as number;
    return { shape: [...x!.shape.slice(0, axis), ...indices!.shape, ...x!.shape.slice(axis + 1)], dtype: x!.dtype };
  },
  vjp: (g, c) => [g.op('scatterAdd', [c.dy, c.x(1)], { axis: c.attrs.axis as number, size: c.inTypes[0]!.shape[c.attrs.axis as number]! }), null],
  checkValues: (read, [x], attrs) => checkGatherIndices(read(1), x!.shape, attrs.axis as number),
  evaluate([x, indices], attrs, out) {
    checkGatherIndices(indices!.data, x!.type.shape, attrs.axis as number);
    const axis = attrs.axis as number;
    const ir = indices!.type.shape.length;
    return evalByCoords([x!, indices!], out, (c) => {
      const i = at(indices!, c.slice(axis, axis + ir));
      return at(x!, [...c.slice(0, axis), i, ...c.slice(axis + ir)]);
    });
  },
  element(ctx) {
    const axis = ctx.attrs.axis as number;
    const ir = ctx.ins[1]!.shape.length;
    const i = ctx.load(1, ctx.coords.slice(axis, axis + ir));
    return ctx.load(0, [...ctx.coords.slice(0, axis), i, ...ctx.coords.slice(axis + ir)]);
  },
});

export const movementOps: OpDef[] = [reshapeOp, transposeOp, broadcastToOp, sliceOp, padOp, tileOp, concatOp, gatherOp];

