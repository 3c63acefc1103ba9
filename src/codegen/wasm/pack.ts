import type { FuncBuilder, Local } from './assembler.js';
import type { BufferRef } from './emit.js';
import { elementAddress, forLoop } from './frame.js';
import { MR, NR } from './microkernel.js';

/**
 * Packing for the matmul template. Ap holds a panel of MR rows of A k-major (Ap[k][r]); Bp holds
 * NR-column panels of B k-major (Bp[panel][k][c]); both are zero past the matrix and past K
 * (rounded up to even for the micro-kernel). Whole panels of row-major or column-major operands
 * copy four floats at a time (transposing 4×4 blocks with shuffles where the operand runs along
 * k); edges and other strides copy element by element.
 */
export interface PackLocals {
  readonly t: Local;
  readonly kk: Local;
  readonly src: Local;
  readonly dst: Local;
  readonly flag: Local;
  readonly v: readonly Local[];
}

export function packLocals(f: FuncBuilder): PackLocals {
  const L = (n: string) => f.local('i32', n);
  return { t: L('t'), kk: L('kk'), src: L('src'), dst: L('dst'), flag: L('ok'), v: [0, 1, 2, 3].map((i) => f.local('v128', `pv${i}`)) };
}

/** Four rows (locals v) → four columns, stored at dst + 0, step, 2·step, 3·step. */
function transposeStore(f: FuncBuilder, v: readonly Local[], dst: Local, step: number, dstOffset: number): void {
  const [r0, r1, r2, r3] = v as [Local, Local, Local, Local];
  const halves: [number[], number[]] = [[0, 4, 1, 5], [2, 6, 3, 7]];
  // t0 = a0 b0 a1 b1, t1 = a2 b2 a3 b3 (into r0, r1); t2, t3 from c, d (into r2, r3)
  for (const [x, y] of [[r0, r1], [r2, r3]] as const) {
    f.get(x).get(y).shuffle32(halves[0]);
    f.get(x).get(y).shuffle32(halves[1]).set(y).set(x);
  }
  const cols: [Local, Local, number[]][] = [[r0, r2, [0, 1, 4, 5]], [r0, r2, [2, 3, 6, 7]], [r1, r3, [0, 1, 4, 5]], [r1, r3, [2, 3, 6, 7]]];
  cols.forEach(([x, y, lanes], c) => f.get(dst).get(x).get(y).shuffle32(lanes).mem('v128.store', dstOffset + c * step));
}

export interface PackA {
  readonly A: BufferRef; readonly ap: () => void; readonly ai: number; readonly ak: number; readonly k: number; readonly kp: number; readonly m: number;
  readonly i0: Local; readonly aBase: Local;
}

/** Ap[k][r] = A[i0 + r, k], or 0 past M and past K. */
export function packA(f: FuncBuilder, o: PackA, l: PackLocals): void {
  const rowAddress = (row: () => void) => elementAddress(f, o.A, () => { f.get(o.aBase); row(); f.i32Const(o.ai).op('i32.mul').op('i32.add'); });
  const fast = MR === 4 && (o.ai === 1 || (o.ak === 1 && o.ai > 0));
  if (fast) {
    f.get(o.i0).i32Const(MR).op('i32.add').i32Const(o.m).op('i32.le_s');
    f.if();
    rowAddress(() => f.get(o.i0));
    f.set(l.src);
    o.ap();
    f.set(l.dst);
    if (o.ai === 1) {
      forLoop(f, l.kk, () => f.i32Const(0), () => f.get(l.kk).i32Const(o.k).op('i32.lt_s'), 1, () => {
        f.get(l.dst).get(l.src).mem('v128.load').mem('v128.store');
        f.get(l.src).i32Const(o.ak * 4).op('i32.add').set(l.src);
        f.get(l.dst).i32Const(16).op('i32.add').set(l.dst);
      });
    } else {
      forLoop(f, l.kk, () => f.i32Const(0), () => f.get(l.kk).i32Const(4).op('i32.add').i32Const(o.k).op('i32.le_s'), 4, () => {
        l.v.forEach((v, r) => f.get(l.src).mem('v128.load', r * o.ai * 4).set(v));
        transposeStore(f, l.v, l.dst, 16, 0);
        f.get(l.src).i32Const(16).op('i32.add').set(l.src);
        f.get(l.dst).i32Const(64).op('i32.add').set(l.dst);
      });
      forLoop(f, l.kk, () => f.get(l.kk), () => f.get(l.kk).i32Const(o.k).op('i32.lt_s'), 1, () => {
        for (let r = 0; r < MR; r++) f.get(l.dst).get(l.src).mem('f32.load', r * o.ai * 4).mem('f32.store', r * 4);
        f.get(l.src).i32Const(4).op('i32.add').set(l.src);
        f.get(l.dst).i32Const(16).op('i32.add').set(l.dst);
      });
    }
    if (o.kp > o.k) f.get(l.dst).i32x4Const([0]).mem('v128.store');
    f.else();
  }
  forLoop(f, l.t, () => f.i32Const(0), () => f.get(l.t).i32Const(MR).op('i32.lt_s'), 1, () => {
    f.get(o.i0).get(l.t).op('i32.add').i32Const(o.m).op('i32.lt_s').set(l.flag);
    // rows past M read row i0 (in bounds) and store 0
    rowAddress(() => f.get(o.i0).get(l.t).i32Const(0).get(l.flag).op('select').op('i32.add'));
    f.set(l.src);
    o.ap();
    f.get(l.t).i32Const(2).op('i32.shl').op('i32.add').set(l.dst);
    copyDown(f, l, o.k, o.kp, o.ak, MR * 4);
  });
  if (fast) f.end();
}

export interface PackB {
  readonly B: BufferRef; readonly bp: Local; readonly bj: number; readonly bk: number; readonly k: number; readonly kp: number;
  readonly jc: Local; readonly ncl: Local; readonly bBase: Local;
}

/** Bp[panel][k][c] = B[k, jc + NR·panel + c], or 0 past the block's columns and past K. */
export function packB(f: FuncBuilder, o: PackB, l: PackLocals, panel: Local): void {
  const colAddress = (col: () => void) => elementAddress(f, o.B, () => { f.get(o.bBase).get(o.jc); col(); f.op('i32.add').i32Const(o.bj).op('i32.mul').op('i32.add'); });
  const panelStart = () => f.get(o.bp).get(panel).i32Const(o.kp * 4).op('i32.mul').op('i32.add');
  const fast = o.bj === 1 || (o.bk === 1 && o.bj > 0);
  forLoop(f, panel, () => f.i32Const(0), () => f.get(panel).get(o.ncl).op('i32.lt_s'), NR, () => {
    if (fast) {
      f.get(panel).i32Const(NR).op('i32.add').get(o.ncl).op('i32.le_s');
      f.if();
      colAddress(() => f.get(panel));
      f.set(l.src);
      panelStart();
      f.set(l.dst);
      if (o.bj === 1) {
        forLoop(f, l.kk, () => f.i32Const(0), () => f.get(l.kk).i32Const(o.k).op('i32.lt_s'), 1, () => {
          for (let v = 0; v < NR / 4; v++) f.get(l.dst).get(l.src).mem('v128.load', v * 16).mem('v128.store', v * 16);
          f.get(l.src).i32Const(o.bk * 4).op('i32.add').set(l.src);
          f.get(l.dst).i32Const(NR * 4).op('i32.add').set(l.dst);
        });
      } else {
        // columns run along k: transpose 4 columns × 4 k at a time
        forLoop(f, l.kk, () => f.i32Const(0), () => f.get(l.kk).i32Const(4).op('i32.add').i32Const(o.k).op('i32.le_s'), 4, () => {
          for (let g = 0; g < NR / 4; g++) {
            l.v.forEach((v, c) => f.get(l.src).mem('v128.load', (g * 4 + c) * o.bj * 4).set(v));
            transposeStore(f, l.v, l.dst, NR * 4, g * 16);
          }
          f.get(l.src).i32Const(16).op('i32.add').set(l.src);
          f.get(l.dst).i32Const(4 * NR * 4).op('i32.add').set(l.dst);
        });
        forLoop(f, l.kk, () => f.get(l.kk), () => f.get(l.kk).i32Const(o.k).op('i32.lt_s'), 1, () => {
          for (let c = 0; c < NR; c++) f.get(l.dst).get(l.src).mem('f32.load', c * o.bj * 4).mem('f32.store', c * 4);
          f.get(l.src).i32Const(4).op('i32.add').set(l.src);
          f.get(l.dst).i32Const(NR * 4).op('i32.add').set(l.dst);
        });
      }
      if (o.kp > o.k) for (let v = 0; v < NR / 4; v++) f.get(l.dst).i32x4Const([0]).mem('v128.store', v * 16);
      f.else();
    }
    forLoop(f, l.t, () => f.i32Const(0), () => f.get(l.t).i32Const(NR).op('i32.lt_s'), 1, () => {
      f.get(panel).get(l.t).op('i32.add').get(o.ncl).op('i32.lt_s').set(l.flag);
      // columns past the block read column jc (in bounds) and store 0
      colAddress(() => f.get(panel).get(l.t).op('i32.add').i32Const(0).get(l.flag).op('select'));
      f.set(l.src);
      panelStart();
      f.get(l.t).i32Const(2).op('i32.shl').op('i32.add').set(l.dst);
      copyDown(f, l, o.k, o.kp, o.bk, NR * 4);
    });
    if (fast) f.end();
  });
}

/** dst[kk·step] = src[kk·stride] for kk < k when `flag`, else 0; to kp (staying on row k-1 past K). */
function copyDown(f: FuncBuilder, l: PackLocals, k: number, kp: number, stride: number, step: number): void {
  forLoop(f, l.kk, () => f.i32Const(0), () => f.get(l.kk).i32Const(kp).op('i32.lt_s'), 1, () => {
    f.get(l.dst);
    f.get(l.src).mem('f32.load').f32Const(0).get(l.flag).get(l.kk).i32Const(k).op('i32.lt_s').op('i32.and').op('select');
    f.mem('f32.store');
    f.get(l.dst).i32Const(step).op('i32.add').set(l.dst);
    f.get(l.src).i32Const(stride * 4).get(l.kk).i32Const(k - 1).op('i32.lt_s').op('i32.mul').op('i32.add').set(l.src);
  });
}
