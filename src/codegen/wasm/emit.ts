import type { DType } from '../../ir/index.js';
import type { FuncBuilder, Local } from './assembler.js';
import type { Dag, DagNode, ScalarType } from './dag.js';
import { convert, emitScalarOp, operandType } from './scalar-ops.js';
import { VectorMath } from './math.js';
import { emitVectorOp, emitVectorWhere } from './vector-ops.js';
import { laneStride } from './lane-stride.js';

/**
 * Emits the values of DAG nodes as scalar or four-lane vector code. Nodes used by deeper loops
 * are computed once at the top of their own loop level (`materialize`) into locals; nodes used
 * more than once are kept in a local at first use. Each loop body opens a scope, so a local is
 * only reused where the code that set it dominates. Loads read buffer `ptr + at·size`: in
 * vector code as one v128 load where `at` steps by 1 along the vectorized dimension, as four
 * lane loads where it steps by another constant (only its lane-varying part need be affine),
 * and as a gather otherwise.
 */
export interface BufferRef {
  readonly ptr: Local;
  readonly dtype: DType;
}

interface Scope {
  readonly scalar: Map<DagNode, Local>;
  readonly vector: Map<DagNode, Local>;
}

/** `exp(x) - 1` (float32, the exp used only there): x, to compute expm1(x) without cancellation. */
function expm1Arg(n: DagNode): DagNode | null {
  if (n.op !== 'sub' || n.vt !== 'f32') return null;
  const [e, one] = n.args as [DagNode, DagNode];
  if (e.op !== 'exp' || e.uses !== 1 || one.k !== 'const' || one.value !== 1) return null;
  return e.args[0]!;
}

export const sizeShift = (dtype: DType) => (dtype === 'bool' ? 0 : 2);

export class ExprEmitter {
  private readonly scopes: Scope[] = [{ scalar: new Map(), vector: new Map() }];
  /** The accumulator, in a reduction's epilogue. */
  acc: { scalar: Local | null; vector: Local | null } = { scalar: null, vector: null };

  constructor(
    readonly f: FuncBuilder,
    readonly dag: Dag,
    readonly inputs: readonly BufferRef[],
    /** The local holding each domain dim's index (for the vectorized dim: lane 0's). */
    readonly dims: readonly (Local | null)[],
    readonly vecDim: number,
  ) {}

  pushScope(): void {
    this.scopes.push({ scalar: new Map(), vector: new Map() });
  }

  popScope(): void {
    this.scopes.pop();
  }

  private find(kind: keyof Scope, n: DagNode): Local | undefined {
    for (let i = this.scopes.length - 1; i >= 0; i--) {
      const l = this.scopes[i]![kind].get(n);
      if (l) return l;
    }
    return undefined;
  }

  private remember(kind: keyof Scope, n: DagNode, l: Local): void {
    this.scopes[this.scopes.length - 1]![kind].set(n, l);
  }

  /**
   * Computes the nodes of `level` that deeper loops use, at the top of that level's body. Level 0
   * also takes the kernel's invariants (level −1: loads at a constant index and what is computed
   * from them, like Adam's bias correction), which would otherwise be recomputed per element.
   */
  materialize(level: number, vectorMode: boolean): void {
    for (const n of this.dag.nodes) {
      if (Math.max(n.level, 0) !== level || !n.deeperUse || (n.k !== 'load' && n.k !== 'alu')) continue;
      if (vectorMode && n.vec) {
        if (this.find('vector', n)) continue;
        this.computeVector(n);
        const l = this.f.local('v128', `h${n.id}v`);
        this.f.set(l);
        this.remember('vector', n, l);
        continue;
      }
      if (!this.find('scalar', n)) {
        this.computeScalar(n);
        const l = this.f.local(n.vt, `h${n.id}`);
        this.f.set(l);
        this.remember('scalar', n, l);
      }
      if (vectorMode && n.vecUse && !this.find('vector', n)) {
        this.f.get(this.find('scalar', n)!).op(n.vt === 'f32' ? 'f32x4.splat' : 'i32x4.splat');
        const l = this.f.local('v128', `h${n.id}s`);
        this.f.set(l);
        this.remember('vector', n, l);
      }
    }
  }

  /** Pushes `n` converted to `want`. */
  scalarAs(n: DagNode, want: ScalarType): void {
    if (n.k === 'const') {
      if (want === 'f32') this.f.f32Const(n.value);
      else if (want === 'f64') this.f.f64Const(n.value);
      else if (n.dtype === 'float32') { this.f.f64Const(n.value); convert(this.f, 'f64', 'i32'); } else this.f.i32Const(n.value);
      return;
    }
    this.scalar(n);
    convert(this.f, n.vt, want);
  }

  scalar(n: DagNode): void {
    const hit = this.find('scalar', n);
    if (hit) { this.f.get(hit); return; }
    if (n.k === 'const') { this.scalarAs(n, n.vt); return; }
    if (n.k === 'index') { this.f.get(this.dims[n.value]!); return; }
    if (n.k === 'acc') { this.f.get(this.acc.scalar!); return; }
    this.computeScalar(n);
    if (n.uses > 1) this.keep('scalar', n, n.vt);
  }

  private keep(kind: keyof Scope, n: DagNode, type: ScalarType | 'v128'): void {
    const l = this.f.local(type, `v${n.id}`);
    this.f.tee(l);
    this.remember(kind, n, l);
  }

  private computeScalar(n: DagNode): void {
    const f = this.f;
    if (n.k === 'load') {
      const buf = this.inputs[n.value]!;
      f.get(buf.ptr);
      this.scalarAs(n.args[0]!, 'i32');
      if (sizeShift(buf.dtype)) f.i32Const(2).op('i32.shl');
      f.op('i32.add').mem(buf.dtype === 'float32' ? 'f32.load' : buf.dtype === 'int32' ? 'i32.load' : 'i32.load8_u');
      return;
    }
    const m1 = expm1Arg(n);
    if (m1) {
      this.scalarAs(m1, 'f32');
      f.op('f32x4.splat');
      new VectorMath(f).expm1();
      f.lane('f32x4.extract_lane', 0);
      return;
    }
    emitScalarOp(f, n, n.args.map((a, i) => () => this.scalarAs(a, operandType(n, i))));
  }

  vector(n: DagNode): void {
    const f = this.f;
    const hit = this.find('vector', n);
    if (hit) { f.get(hit); return; }
    if (!n.vec) {
      if (n.k === 'const') {
        if (n.vt === 'f32') f.f32x4Const([n.value]); else f.i32x4Const([n.value]);
        return;
      }
      this.scalar(n);
      f.op(n.vt === 'f32' ? 'f32x4.splat' : 'i32x4.splat');
      return;
    }
    if (n.k === 'acc') { f.get(this.acc.vector!); return; }
    this.computeVector(n);
    if (n.uses > 1) this.keep('vector', n, 'v128');
  }

  private computeVector(n: DagNode): void {
    const f = this.f;
    if (n.k === 'index') {
      f.get(this.dims[n.value]!).op('i32x4.splat').i32x4Const([0, 1, 2, 3]).op('i32x4.add');
      return;
    }
    if (n.k === 'load') { this.vectorLoad(n); return; }
    if (n.k === 'acc') { f.get(this.acc.vector!); return; }
    const m1 = expm1Arg(n);
    if (m1) { this.vector(m1); new VectorMath(f).expm1(); return; }
    if (n.op === 'where' && emitVectorWhere(f, n, (m) => this.vector(m))) return;
    if (!emitVectorOp(f, n, n.args.map((a) => () => this.vector(a)))) this.laneWise(n);
  }

  /** Four lanes of scalar code for an op without a vector rule. */
  private laneWise(n: DagNode): void {
    const f = this.f;
    const args = n.args.map((a) => {
      const l = f.local('v128', 'lw');
      this.vector(a);
      f.set(l);
      return l;
    });
    const res = f.local('v128', 'lwr');
    f.i32x4Const([0]).set(res);
    for (let lane = 0; lane < 4; lane++) {
      f.get(res);
      emitScalarOp(f, n, n.args.map((a, i) => () => {
        f.get(args[i]!).lane(a.vt === 'f32' ? 'f32x4.extract_lane' : 'i32x4.extract_lane', lane);
        convert(f, a.vt, operandType(n, i));
      }));
      f.lane(n.vt === 'f32' ? 'f32x4.replace_lane' : 'i32x4.replace_lane', lane).set(res);
    }
    f.get(res);
  }

  private vectorLoad(n: DagNode): void {
    const f = this.f;
    const buf = this.inputs[n.value]!;
    const at = n.args[0]!;
    const shift = sizeShift(buf.dtype);
    const step = at.affine ? at.affine.coef[this.vecDim]! : laneStride(at);
    const scalarLoad = buf.dtype === 'float32' ? 'f32.load' : buf.dtype === 'int32' ? 'i32.load' : 'i32.load8_u';
    const replace = buf.dtype === 'float32' ? 'f32x4.replace_lane' : 'i32x4.replace_lane';
    const address = () => {
      f.get(buf.ptr);
      this.scalarAs(at, 'i32');
      if (shift) f.i32Const(shift).op('i32.shl');
      f.op('i32.add');
    };
    if (step === 1) {
      address();
      if (buf.dtype === 'bool') f.mem('v128.load32_zero').op('i16x8.extend_low_i8x16_u').op('i32x4.extend_low_i16x8_u');
      else f.mem('v128.load');
      return;
    }
    const res = f.local('v128', 'ld');
    if (step !== null) {
      // Affine along the lanes: four loads at a constant stride from lane 0's address.
      const a = f.local('i32', 'la');
      address();
      f.set(a);
      f.i32x4Const([0]).set(res);
      for (let lane = 0; lane < 4; lane++) {
        const off = (lane * step) << shift;
        f.get(res).get(a);
        if (off < 0) f.i32Const(off).op('i32.add');
        f.mem(scalarLoad, Math.max(off, 0)).lane(replace, lane).set(res);
      }
      f.get(res);
      return;
    }
    const idx = f.local('v128', 'gi');
    this.vector(at);
    f.set(idx).i32x4Const([0]).set(res);
    for (let lane = 0; lane < 4; lane++) {
      f.get(res).get(buf.ptr).get(idx).lane('i32x4.extract_lane', lane);
      if (shift) f.i32Const(shift).op('i32.shl');
      f.op('i32.add').mem(scalarLoad).lane(replace, lane).set(res);
    }
    f.get(res);
  }
}
