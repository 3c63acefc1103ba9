import type { ReduceKernel } from '../kernel.js';
import type { FuncBuilder, Local } from './assembler.js';
import { dimsOf, type Locals, type Scratch, type WindowProductPlan } from './conv-frame.js';
import { Dag, type DagNode } from './dag.js';
import { ExprEmitter } from './emit.js';
import { decompose, elementAddress, forLoop, storeScalar, storeVector } from './frame.js';
import { MR, NR, storeTile } from './microkernel.js';

/** Epilogues up to this many DAG nodes are unrolled over the tile's registers; bigger ones go through scratch. */
const UNROLL_EPILOGUE = 32;

/** Applies the kernel's epilogue (bias, activation, ...) to finished sums and stores them. */
export class WindowEpilogue {
  private readonly dag: Dag;
  private readonly root: DagNode;
  private readonly usesRows: boolean;
  private readonly accS: Local;
  private readonly accV: Local;

  constructor(
    private readonly kernel: ReduceKernel, private readonly plan: WindowProductPlan, private readonly f: FuncBuilder,
    private readonly inputs: ExprEmitter['inputs'], private readonly out: ExprEmitter['inputs'][number], private readonly o: Locals, private readonly s: Scratch,
  ) {
    const r = kernel.domain.length;
    this.dag = new Dag(r + kernel.inner.length);
    this.root = this.dag.add(kernel.epilogue);
    this.dag.analyze([{ node: this.root, level: 0 }], Array.from({ length: r + kernel.inner.length }, () => 0), 0, r - 1, true);
    this.usesRows = [...dimsOf(kernel.epilogue)].some((d) => d < r - 1);
    this.accS = f.local('f32', 'accs');
    this.accV = f.local('v128', 'accv');
  }

  private emitter(vector: boolean): ExprEmitter {
    const dims = [...this.o.rowCoords, this.o.col, ...this.o.innerCoords];
    const e = new ExprEmitter(this.f, this.dag, this.inputs, dims, vector ? this.kernel.domain.length - 1 : -1);
    e.acc = vector ? { scalar: null, vector: this.accV } : { scalar: this.accS, vector: null };
    return e;
  }

  /** Row coordinates of `row` for the epilogue, when it reads them. */
  private setRow(): void {
    if (this.usesRows) decompose(this.f, () => this.f.get(this.o.row), this.plan.rowShape, this.o.rowCoords, this.o.tmp);
  }

  /** Stores out[row, col] = epilogue(acc), four lanes or one. */
  private store(e: ExprEmitter, vector: boolean): void {
    const { f, o } = this;
    e.pushScope();
    elementAddress(f, this.out, () => f.get(o.row).i32Const(this.plan.n).op('i32.mul').get(o.col).op('i32.add'));
    if (vector) { e.vector(this.root); storeVector(f, this.out); } else { e.scalarAs(this.root, 'f32'); storeScalar(f, this.out); }
    e.popScope();
  }

  /** The tile of the micro-kernel at (i0, jc + jr): whole tiles from the registers, edge tiles through scratch. */
  fromRegisters(acc: readonly Local[], jr: Local): void {
    const { f, o } = this;
    const vector = !this.dag.usesF64;
    if (vector) f.get(o.i0).i32Const(MR).op('i32.add').i32Const(this.plan.m).op('i32.le_s').get(jr).i32Const(NR).op('i32.add').get(o.ncl).op('i32.le_s').op('i32.and');
    else f.i32Const(0);
    f.if();
    if (vector && this.dag.nodes.length <= UNROLL_EPILOGUE) {
      const e = this.emitter(true);
      for (let rr = 0; rr < MR; rr++) {
        f.get(o.i0).i32Const(rr).op('i32.add').set(o.row);
        this.setRow();
        for (let h = 0; h < NR / 4; h++) {
          f.get(o.jc).get(jr).op('i32.add').i32Const(h * 4).op('i32.add').set(o.col);
          f.get(acc[rr * (NR / 4) + h]!).set(this.accV);
          this.store(e, true);
        }
      }
    } else if (vector) {
      storeTile(f, acc, this.s.tile);
      const e = this.emitter(true);
      forLoop(f, o.t, () => f.i32Const(0), () => f.get(o.t).i32Const(MR).op('i32.lt_s'), 1, () => {
        f.get(o.i0).get(o.t).op('i32.add').set(o.row);
        this.setRow();
        forLoop(f, o.c, () => f.i32Const(0), () => f.get(o.c).i32Const(NR).op('i32.lt_s'), 4, () => {
          f.get(o.jc).get(jr).op('i32.add').get(o.c).op('i32.add').set(o.col);
          this.s.tile();
          f.get(o.t).i32Const(Math.log2(NR * 4)).op('i32.shl').op('i32.add').get(o.c).i32Const(2).op('i32.shl').op('i32.add').mem('v128.load').set(this.accV);
          this.store(e, true);
        });
      });
    }
    f.else();
    storeTile(f, acc, this.s.tile);
    const e = this.emitter(false);
    forLoop(f, o.t, () => f.i32Const(0), () => f.get(o.t).i32Const(MR).op('i32.lt_s').get(o.i0).get(o.t).op('i32.add').i32Const(this.plan.m).op('i32.lt_s').op('i32.and'), 1, () => {
      f.get(o.i0).get(o.t).op('i32.add').set(o.row);
      this.setRow();
      forLoop(f, o.c, () => f.i32Const(0), () => f.get(o.c).i32Const(NR).op('i32.lt_s').get(jr).get(o.c).op('i32.add').get(o.ncl).op('i32.lt_s').op('i32.and'), 1, () => {
        f.get(o.jc).get(jr).op('i32.add').get(o.c).op('i32.add').set(o.col);
        this.s.tile();
        f.get(o.t).i32Const(Math.log2(NR * 4)).op('i32.shl').op('i32.add').get(o.c).i32Const(2).op('i32.shl').op('i32.add').mem('f32.load').set(this.accS);
        this.store(e, false);
      });
    });
    f.end();
  }

  /** The sums of row panels [pb, pe) collected in scratch (rows of `nc` floats), columns jc.. jc + ncl. */
  fromBlock(pb: Local, pe: Local, nc: number): void {
    const { f, o } = this;
    const vector = !this.dag.usesF64;
    const ev = vector ? this.emitter(true) : null, es = this.emitter(false);
    const end = () => {
      f.get(pe).i32Const(MR).op('i32.mul').i32Const(this.plan.m);
      f.get(pe).i32Const(MR).op('i32.mul').i32Const(this.plan.m).op('i32.lt_s').op('select');
    };
    const sum = () => {
      this.s.c();
      f.get(o.row).get(pb).i32Const(MR).op('i32.mul').op('i32.sub').i32Const(nc * 4).op('i32.mul').op('i32.add').get(o.c).i32Const(2).op('i32.shl').op('i32.add');
    };
    forLoop(f, o.row, () => f.get(pb).i32Const(MR).op('i32.mul'), () => { f.get(o.row); end(); f.op('i32.lt_s'); }, 1, () => {
      this.setRow();
      f.i32Const(0).set(o.c);
      if (ev) {
        forLoop(f, o.c, () => f.get(o.c), () => f.get(o.c).i32Const(4).op('i32.add').get(o.ncl).op('i32.le_s'), 4, () => {
          f.get(o.jc).get(o.c).op('i32.add').set(o.col);
          sum();
          f.mem('v128.load').set(this.accV);
          this.store(ev, true);
        });
      }
      forLoop(f, o.c, () => f.get(o.c), () => f.get(o.c).get(o.ncl).op('i32.lt_s'), 1, () => {
        f.get(o.jc).get(o.c).op('i32.add').set(o.col);
        sum();
        f.mem('f32.load').set(this.accS);
        this.store(es, false);
      });
    });
  }

  /** out = epilogue(Σ over `parts` slots of the partial sums), the slots `stride` bytes apart from base + offset. */
  fromSlots(o2: { parts: Local; stride: Local; base: Local; offset: number; npad: number }): void {
    const { f, o } = this;
    const vector = !this.dag.usesF64;
    const ev = vector ? this.emitter(true) : null, es = this.emitter(false);
    const sum = (lanes: 1 | 4) => {
      const acc = lanes === 4 ? this.accV : this.accS;
      if (lanes === 4) f.i32x4Const([0]).set(acc); else f.f32Const(0).set(acc);
      // at = base + offset + (row·npad + col)·4, stepping by stride
      f.get(o2.base).i32Const(o2.offset).op('i32.add').get(o.row).i32Const(o2.npad).op('i32.mul').get(o.col).op('i32.add').i32Const(2).op('i32.shl').op('i32.add').set(o.at);
      forLoop(f, o.t, () => f.i32Const(0), () => f.get(o.t).get(o2.parts).op('i32.lt_s'), 1, () => {
        f.get(acc).get(o.at).mem(lanes === 4 ? 'v128.load' : 'f32.load').op(lanes === 4 ? 'f32x4.add' : 'f32.add').set(acc);
        f.get(o.at).get(o2.stride).op('i32.add').set(o.at);
      });
    };
    forLoop(f, o.row, () => f.i32Const(0), () => f.get(o.row).i32Const(this.plan.m).op('i32.lt_s'), 1, () => {
      this.setRow();
      f.i32Const(0).set(o.c);
      if (ev) {
        forLoop(f, o.c, () => f.get(o.c), () => f.get(o.c).i32Const(4).op('i32.add').i32Const(this.plan.n).op('i32.le_s'), 4, () => {
          f.get(o.c).set(o.col);
          sum(4);
          this.store(ev, true);
        });
      }
      forLoop(f, o.c, () => f.get(o.c), () => f.get(o.c).i32Const(this.plan.n).op('i32.lt_s'), 1, () => {
        f.get(o.c).set(o.col);
        sum(1);
        this.store(es, false);
      });
    });
  }
}
