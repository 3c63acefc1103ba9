import type { Kernel } from '../kernel.js';
import { FuncBuilder, ModuleBuilder, type Local } from './assembler.js';
import { sizeShift, type BufferRef, type ExprEmitter } from './emit.js';
import { HOST_IMPORTS } from './math.js';

/**
 * The frame every kernel function shares: `run(in0.., out0.., rs, re, cs, ce, scratch)` over
 * byte addresses in the shared memory. A launch computes rows [rs, re) (the outer dimensions
 * flattened) and, within each, columns [cs, ce) of the last one; threads get disjoint slices.
 * `scratch` is a per-thread work area (packed matrix panels).
 */
export interface KernelFrame {
  readonly f: FuncBuilder;
  readonly inputs: readonly BufferRef[];
  readonly outputs: readonly BufferRef[];
  readonly rs: Local;
  readonly re: Local;
  readonly cs: Local;
  readonly ce: Local;
  readonly scratch: Local;
}

export function kernelFrame(kernel: Kernel, name = 'run'): KernelFrame {
  const names = [...kernel.inputs.map((_, i) => `in${i}`), ...kernel.outputs.map((_, i) => `out${i}`), 'rs', 're', 'cs', 'ce', 'scratch'];
  const f = new FuncBuilder(name, names.map((name) => ({ name, type: 'i32' as const })));
  const p = f.params;
  const ni = kernel.inputs.length, no = kernel.outputs.length;
  return {
    f,
    inputs: kernel.inputs.map((b, i) => ({ ptr: p[i]!, dtype: b.dtype })),
    outputs: kernel.outputs.map((b, i) => ({ ptr: p[ni + i]!, dtype: b.dtype })),
    rs: p[ni + no]!, re: p[ni + no + 1]!, cs: p[ni + no + 2]!, ce: p[ni + no + 3]!, scratch: p[ni + no + 4]!,
  };
}

/** A module exporting kernel functions (each under its own name) over the imported memory and host helpers. */
export function wrapModule(funcs: readonly FuncBuilder[], shared: boolean, header: string): { bytes: Uint8Array<ArrayBuffer>; listing: string } {
  const m = new ModuleBuilder();
  for (const h of HOST_IMPORTS) m.importFunc('host', h.name, h.params, [h.result]);
  m.importMemory(shared, 1, 65536);
  for (const f of funcs) m.addFunc(f, f.name);
  return { bytes: m.encode(), listing: `;; ${header}\n${m.listing()}` };
}

/** `for (i = from; i < to; i += step)`, with `to` re-read each time. */
export function forLoop(f: FuncBuilder, i: Local, from: () => void, cond: () => void, step: number, body: () => void): void {
  from();
  f.set(i);
  const exit = f.block('exit');
  const top = f.loop('next');
  cond();
  f.op('i32.eqz').brIf(exit);
  body();
  f.get(i).i32Const(step).op('i32.add').set(i).br(top);
  f.end().end();
}

/**
 * Rows [rs, re) of `shape` (row-major), with one local per coordinate: decomposed once from
 * rs, then advanced by carrying, so no division runs per row.
 */
export function forRows(
  frame: KernelFrame, shape: readonly number[], body: (coords: readonly Local[], row: Local) => void,
  range: { rs: () => void; re: () => void } = { rs: () => frame.f.get(frame.rs), re: () => frame.f.get(frame.re) },
): void {
  const f = frame.f;
  const r = f.local('i32', 'r');
  const coords = shape.map((_, d) => f.local('i32', `c${d}`));
  if (coords.length) {
    const t = f.local('i32', 'rt');
    range.rs();
    f.set(t);
    for (let d = shape.length - 1; d >= 0; d--) {
      f.get(t).i32Const(shape[d]!).op('i32.rem_u').set(coords[d]!);
      if (d > 0) f.get(t).i32Const(shape[d]!).op('i32.div_u').set(t);
    }
  }
  forLoop(f, r, range.rs, () => { f.get(r); range.re(); f.op('i32.lt_s'); }, 1, () => {
    body(coords, r);
    carry(f, coords, shape, shape.length - 1);
  });
}

/** Advances row-major coordinates `coords` (of `shape`) by one, from dim `d` outwards. */
export function carry(f: FuncBuilder, coords: readonly Local[], shape: readonly number[], d: number): void {
  if (d < 0) return;
  f.get(coords[d]!).i32Const(1).op('i32.add').tee(coords[d]!).i32Const(shape[d]!).op('i32.eq');
  f.if();
  f.i32Const(0).set(coords[d]!);
  carry(f, coords, shape, d - 1);
  f.end();
}

/** Sets `coords` to the row-major coordinates (in `shape`) of the flat index `value` pushes. */
export function decompose(f: FuncBuilder, value: () => void, shape: readonly number[], coords: readonly Local[], t: Local): void {
  value();
  f.set(t);
  for (let d = shape.length - 1; d >= 0; d--) {
    if (d === 0) { f.get(t).set(coords[0]!); break; }
    f.get(t).i32Const(shape[d]!).op('i32.rem_u').set(coords[d]!);
    f.get(t).i32Const(shape[d]!).op('i32.div_u').set(t);
  }
}

/** Pushes the byte address of element `index` (pushed by `at`) of a buffer. */
export function elementAddress(f: FuncBuilder, buf: BufferRef, at: () => void): void {
  f.get(buf.ptr);
  at();
  const s = sizeShift(buf.dtype);
  if (s) f.i32Const(s).op('i32.shl');
  f.op('i32.add');
}

/** Stores the scalar value `value` pushes (already converted) at the address on the stack. */
export function storeScalar(f: FuncBuilder, buf: BufferRef): void {
  f.mem(buf.dtype === 'float32' ? 'f32.store' : buf.dtype === 'int32' ? 'i32.store' : 'i32.store8');
}

/** Stores four lanes (f32x4, i32x4, or bool 0/1 lanes narrowed to bytes) at the address on the stack. */
export function storeVector(f: FuncBuilder, buf: BufferRef): void {
  if (buf.dtype !== 'bool') { f.mem('v128.store'); return; }
  f.i32x4Const([0]).op('i16x8.narrow_i32x4_u').i32x4Const([0]).op('i8x16.narrow_i16x8_u').memLane('v128.store32_lane', 0, 0);
}

/** Stores output `o` of the current point: scalar or vector per `vector`. */
export function storeRoot(e: ExprEmitter, buf: BufferRef, node: Parameters<ExprEmitter['scalar']>[0], at: () => void, vector: boolean): void {
  elementAddress(e.f, buf, at);
  if (vector) { e.vector(node); storeVector(e.f, buf); return; }
  e.scalarAs(node, buf.dtype === 'float32' ? 'f32' : 'i32');
  storeScalar(e.f, buf);
}
