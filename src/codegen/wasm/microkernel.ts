import type { FuncBuilder, Local } from './assembler.js';

/** Rows and columns of the matmul micro-kernel's register tile. */
export const MR = 4;
export const NR = 8;
/** f32x4 vectors per row of the tile. */
const NV = NR / 4;

/**
 * The 4×8 micro-kernel: C[4][8] += Ap[k][4] ⊗ Bp[k][8] over kp (even) steps of packed panels,
 * two k steps per iteration (kp ≥ 2). Eight f32x4 accumulators, two B vectors, one broadcast A value and
 * a product fit the 16 SIMD registers of x86-64 (one is the engine's scratch); 4×16, 5×8, 6×8
 * and 8×8 measured slower here (spills). Returns the accumulator locals (row r, vector h at r·2 + h).
 */
export function matmulMicroKernel(f: FuncBuilder, o: { ap: () => void; bp: () => void; kp: number | Local }): Local[] {
  const pa = f.local('i32', 'pa'), pb = f.local('i32', 'pb'), end = f.local('i32', 'pend');
  const c = Array.from({ length: MR * NV }, (_, i) => f.local('v128', `c${Math.floor(i / NV)}${i % NV}`));
  const bv = Array.from({ length: NV }, (_, i) => f.local('v128', `b${i}`));
  const a = f.local('v128', 'a');
  f.comment('4×8 micro-kernel');
  for (const l of c) f.i32x4Const([0]).set(l);
  o.ap();
  f.tee(pa);
  // kp: a constant, or a local holding it at run time (a block of k in the convolution template)
  if (typeof o.kp === 'number') f.i32Const(o.kp * MR * 4);
  else f.get(o.kp).i32Const(Math.log2(MR * 4)).op('i32.shl');
  f.op('i32.add').set(end);
  o.bp();
  f.set(pb);
  const top = f.loop('k');
  for (let u = 0; u < 2; u++) {
    for (let v = 0; v < NV; v++) f.get(pb).mem('v128.load', u * NR * 4 + v * 16).set(bv[v]!);
    for (let r = 0; r < MR; r++) {
      f.get(pa).mem('v128.load32_splat', u * MR * 4 + r * 4).set(a);
      for (let v = 0; v < NV; v++) f.get(c[NV * r + v]!).get(a).get(bv[v]!).op('f32x4.mul').op('f32x4.add').set(c[NV * r + v]!);
    }
  }
  f.get(pa).i32Const(2 * MR * 4).op('i32.add').set(pa);
  f.get(pb).i32Const(2 * NR * 4).op('i32.add').set(pb);
  f.get(pa).get(end).op('i32.lt_u').brIf(top);
  f.end();
  return c;
}

/** Stores the accumulators row-major (MR rows of NR floats) at `tile`. */
export function storeTile(f: FuncBuilder, c: readonly Local[], tile: () => void): void {
  for (let r = 0; r < MR; r++) {
    for (let h = 0; h < NV; h++) {
      tile();
      f.get(c[NV * r + h]!).mem('v128.store', r * NR * 4 + h * 16);
    }
  }
}
