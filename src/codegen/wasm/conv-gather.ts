import type { ReduceKernel } from '../kernel.js';
import type { FuncBuilder, Local } from './assembler.js';
import type { Locals, Scratch, WindowProductPlan } from './conv-frame.js';
import { Dag, type DagNode } from './dag.js';
import { ExprEmitter } from './emit.js';
import { carry, decompose, forLoop } from './frame.js';
import { MR, NR } from './microkernel.js';

/** Gathers the panels of A (4 rows, k-major) and B (8 columns, k-major) for the block of k at pc. */
export class PanelGather {
  private readonly dagA: Dag;
  private readonly dagB: Dag;
  private readonly rootA: DagNode;
  private readonly rootB: DagNode;
  private readonly j: number;
  /** Coordinates of each of a panel's four rows. */
  private readonly rowSets: readonly (readonly Local[])[];

  constructor(
    private readonly kernel: ReduceKernel, private readonly plan: WindowProductPlan, private readonly f: FuncBuilder,
    private readonly inputs: ExprEmitter['inputs'], private readonly o: Locals, private readonly s: Scratch,
    /** The first inner dim the gather of A loops over (those before it are fixed in a block of k): see kBlocks. */
    private readonly first: number,
  ) {
    const r = kernel.domain.length, q = kernel.inner.length, rank = r + q;
    this.j = r - 1;
    this.rowSets = Array.from({ length: MR }, (_, t) => plan.rowShape.map((_, d) => f.local('i32', `r${t}_${d}`)));
    this.dagA = new Dag(rank);
    this.rootA = this.dagA.add(plan.a);
    // A: rows at level 0, inner dim t at level 1 + t − first (the fixed ones at 1), in a loop nest
    const levelA = (d: number) => (d < r ? 0 : 1 + Math.max(0, d - r - first));
    const rootLevel = q - first;
    this.dagA.analyze([{ node: this.rootA, level: rootLevel }], Array.from({ length: rank }, (_, d) => levelA(d)), rootLevel, -1, false);
    this.dagB = new Dag(rank);
    this.rootB = this.dagB.add(plan.b);
    // B: inner dims at level 1, j at level 2 (four lanes)
    this.dagB.analyze([{ node: this.rootB, level: 2 }], Array.from({ length: rank }, (_, d) => (d < r - 1 ? 0 : d === r - 1 ? 2 : 1)), 2, r - 1, false);
  }

  private dims(jLocal: Local | null): (Local | null)[] {
    return [...this.o.rowCoords, jLocal, ...this.o.innerCoords];
  }

  private restartInner(): void {
    this.o.innerStart.forEach((l, d) => this.f.get(l).set(this.o.innerCoords[d]!));
  }

  /** Bp[panel][kk][c] = B(pc + kk, jc + 8·panel + c), 0 past the block's columns and at an odd block's last step. */
  packB(): void {
    const { f, o, s } = this;
    const e = new ExprEmitter(f, this.dagB, this.inputs, this.dims(o.col), this.j);
    const vector = !this.dagB.usesF64;
    const b = this.rootB;
    const contiguous = b.k === 'load' && this.inputs[b.value]!.dtype === 'float32' && b.args[0]!.affine?.coef[this.j] === 1;
    // byte address of column c (local) at step kk: b + ((c >> 3)·kcp + kk)·32 + (c & 7)·4
    const dst = () => {
      s.b();
      f.get(o.c).i32Const(3).op('i32.shr_u').get(o.kcp).op('i32.mul').get(o.kk).op('i32.add').i32Const(5).op('i32.shl').op('i32.add');
      f.get(o.c).i32Const(7).op('i32.and').i32Const(2).op('i32.shl').op('i32.add');
    };
    const setCol = () => f.get(o.jc).get(o.c).op('i32.add').set(o.col);
    this.restartInner();
    f.comment('gather B[k block, jc:jc+ncl] into panels of 8 columns, k-major');
    forLoop(f, o.kk, () => f.i32Const(0), () => f.get(o.kk).get(o.kcl).op('i32.lt_s'), 1, () => {
      e.pushScope();
      e.materialize(1, vector);
      f.i32Const(0).set(o.c);
      if (contiguous) {
        // B is a float32 load stepping by 1 along j: whole panels are two plain vector copies
        f.get(o.jc).set(o.col);
        e.pushScope();
        f.get(this.inputs[this.rootB.value]!.ptr);
        e.scalarAs(this.rootB.args[0]!, 'i32');
        f.i32Const(2).op('i32.shl').op('i32.add').set(o.src);
        e.popScope();
        s.b();
        f.get(o.kk).i32Const(5).op('i32.shl').op('i32.add').set(o.dst);
        forLoop(f, o.c, () => f.get(o.c), () => f.get(o.c).i32Const(NR).op('i32.add').get(o.ncl).op('i32.le_s'), NR, () => {
          for (let v = 0; v < NR / 4; v++) f.get(o.dst).get(o.src).mem('v128.load', v * 16).mem('v128.store', v * 16);
          f.get(o.src).i32Const(NR * 4).op('i32.add').set(o.src);
          f.get(o.dst).get(o.kcp).i32Const(Math.log2(NR * 4)).op('i32.shl').op('i32.add').set(o.dst);
        });
      }
      if (vector) {
        forLoop(f, o.c, () => f.get(o.c), () => f.get(o.c).i32Const(4).op('i32.add').get(o.ncl).op('i32.le_s'), 4, () => {
          setCol();
          e.pushScope();
          dst();
          e.vector(this.rootB);
          f.mem('v128.store');
          e.popScope();
        });
      }
      forLoop(f, o.c, () => f.get(o.c), () => f.get(o.c).get(o.ncl).op('i32.lt_s'), 1, () => {
        setCol();
        e.pushScope();
        dst();
        e.scalarAs(this.rootB, 'f32');
        f.mem('f32.store');
        e.popScope();
      });
      forLoop(f, o.c, () => f.get(o.c), () => f.get(o.c).get(o.ncl).i32Const(7).op('i32.add').i32Const(-8).op('i32.and').op('i32.lt_s'), 1, () => {
        dst();
        f.f32Const(0).mem('f32.store');
      });
      e.popScope();
      carry(f, o.innerCoords, this.kernel.inner, this.kernel.inner.length - 1);
    });
    // an odd block's padding step kk = kcl: zero in every panel
    f.get(o.kcl).i32Const(1).op('i32.and');
    f.if();
    f.get(o.kcl).set(o.kk);
    forLoop(f, o.c, () => f.i32Const(0), () => f.get(o.c).get(o.ncl).i32Const(7).op('i32.add').i32Const(-8).op('i32.and').op('i32.lt_s'), 4, () => {
      dst();
      f.i32x4Const([0]).mem('v128.store');
    });
    f.end();
  }

  /**
   * Ap[kk][t] = A(i0 + t, pc + kk); rows past M repeat row M − 1 (their results are not stored).
   * Each of the four rows has its own coordinates and emitter, so what depends on the row alone
   * (the row's part of an address) is computed once per panel and the inner coordinates advance
   * once per step for all four.
   */
  packA(): void {
    const { f, o, s, plan } = this;
    const es = this.rowSets.map((rows) => new ExprEmitter(f, this.dagA, this.inputs, [...rows, null, ...o.innerCoords], -1));
    f.comment('gather A[i0:i0+4, k block] k-major');
    decompose(f, () => f.get(o.i0), plan.rowShape, this.rowSets[0]!, o.tmp);
    for (let t = 1; t < MR; t++) {
      this.rowSets[t - 1]!.forEach((l, d) => f.get(l).set(this.rowSets[t]![d]!));
      f.get(o.i0).i32Const(t).op('i32.add').i32Const(plan.m).op('i32.lt_s');
      f.if();
      carry(f, this.rowSets[t]!, plan.rowShape, plan.rowShape.length - 1);
      f.end();
    }
    for (const e of es) { e.pushScope(); e.materialize(0, false); }
    s.a();
    f.set(o.at);
    const element = () => {
      es.forEach((e, t) => {
        e.pushScope();
        f.get(o.at);
        e.scalarAs(this.rootA, 'f32');
        f.mem('f32.store', t * 4);
        e.popScope();
      });
      f.get(o.at).i32Const(MR * 4).op('i32.add').set(o.at);
    };
    const inner = this.kernel.inner;
    const nest = (t: number): void => {
      if (t === inner.length) { element(); return; }
      const d = o.innerCoords[t]!;
      const from = t === this.first ? () => f.get(o.innerStart[t]!) : () => f.i32Const(0);
      const to = t === this.first ? () => f.get(o.ue) : () => f.i32Const(inner[t]!);
      forLoop(f, d, from, () => { f.get(d); to(); f.op('i32.lt_s'); }, 1, () => {
        for (const e of es) { e.pushScope(); e.materialize(1 + t - this.first, false); }
        nest(t + 1);
        for (const e of es) e.popScope();
      });
    };
    o.innerStart.slice(0, this.first).forEach((l, d) => f.get(l).set(o.innerCoords[d]!));
    nest(this.first);
    // the padding step of an odd block (kcp > kcl)
    f.get(o.kcp).get(o.kcl).op('i32.gt_s');
    f.if();
    f.get(o.at).i32x4Const([0]).mem('v128.store');
    f.end();
    for (const e of es) e.popScope();
  }
}
