import type { DType, ReduceOp } from '../../ir/index.js';
import type { FuncBuilder, Local } from './assembler.js';

/**
 * A reduction's running value in scalar and four-lane code. Float sums and products accumulate
 * in float64 (two f64x2 halves in vector code), as the cpu backend's JavaScript does, so long
 * sums keep their precision; max/min and int32 ops stay in their own type (int32 wraps).
 * argmax/argmin keep the value, its flat inner index and a counter, scalar only: the first
 * maximum wins, and the first NaN wins over everything.
 */
export class Accumulator {
  private readonly float: boolean;
  private readonly wide: boolean;
  private s: Local | null = null;
  private arg: Local | null = null;
  private counter: Local | null = null;
  private v: Local[] = [];

  constructor(private readonly f: FuncBuilder, readonly op: ReduceOp, readonly dtype: DType, private readonly emptyInner: boolean) {
    this.float = dtype === 'float32';
    this.wide = this.float && (op === 'sum' || op === 'prod');
  }

  get isArg(): boolean {
    return this.op === 'argmax' || this.op === 'argmin';
  }

  /** The scalar type updates take the body value in. */
  get valueType(): 'f32' | 'f64' | 'i32' {
    return this.wide ? 'f64' : this.float ? 'f32' : 'i32';
  }

  private init(): number {
    switch (this.op) {
      case 'sum': return 0;
      case 'prod': return 1;
      // An empty int32 max is -Infinity in JavaScript, stored as 0 (ToInt32).
      case 'max': case 'argmax': return this.float ? -Infinity : this.emptyInner ? 0 : -2147483648;
      case 'min': case 'argmin': return this.float ? Infinity : this.emptyInner ? 0 : 2147483647;
    }
  }

  private pushInit(): void {
    const v = this.init();
    if (this.valueType === 'f64') this.f.f64Const(v); else if (this.valueType === 'f32') this.f.f32Const(v); else this.f.i32Const(v);
  }

  startScalar(counterStart: (() => void) | null = null): void {
    const f = this.f;
    this.s ??= f.local(this.valueType, 'acc');
    this.pushInit();
    f.set(this.s);
    if (this.isArg) {
      this.arg ??= f.local('i32', 'arg');
      this.counter ??= f.local('i32', 'k');
      f.i32Const(0).set(this.arg);
      if (counterStart) counterStart(); else f.i32Const(0);
      f.set(this.counter);
    }
  }

  startVector(): void {
    const f = this.f;
    if (!this.v.length) this.v = this.wide ? [f.local('v128', 'vaccLo'), f.local('v128', 'vaccHi')] : [f.local('v128', 'vacc')];
    for (const l of this.v) {
      if (this.wide) f.f64Const(this.init()).op('f64x2.splat');
      else if (this.float) f.f32x4Const([this.init()]);
      else f.i32x4Const([this.init()]);
      f.set(l);
    }
  }

  /** Folds the scalar value `push` leaves (in `valueType`) into the accumulator. */
  updateScalar(push: () => void): void {
    const f = this.f;
    const s = this.s!;
    const t = this.valueType;
    if (this.isArg) {
      const x = f.local(t, 'ax');
      const cmp = this.op === 'argmax' ? 'gt' : 'lt';
      push();
      f.set(x);
      // taken = x beats acc, or (floats) x is the first NaN
      f.get(x).get(s).op(t === 'i32' ? `i32.${cmp}_s` as 'i32.gt_s' : `${t}.${cmp}` as 'f32.gt');
      if (t !== 'i32') f.get(x).get(x).op(`${t}.ne` as 'f32.ne').get(s).get(s).op(`${t}.eq` as 'f32.eq').op('i32.and').op('i32.or');
      const taken = f.local('i32', 'taken');
      f.set(taken);
      f.get(x).get(s).get(taken).op('select').set(s);
      f.get(this.counter!).get(this.arg!).get(taken).op('select').set(this.arg!);
      f.get(this.counter!).i32Const(1).op('i32.add').set(this.counter!);
      return;
    }
    f.get(s);
    push();
    if (this.op === 'sum') f.op(`${t}.add` as 'f64.add');
    else if (this.op === 'prod') f.op(`${t}.mul` as 'f64.mul');
    else if (t !== 'i32') f.op(`${t}.${this.op}` as 'f32.max');
    else {
      const a = f.local('i32', 'ma'), b = f.local('i32', 'mb');
      f.set(b).tee(a).get(b).get(a).get(b).op(this.op === 'max' ? 'i32.gt_s' : 'i32.lt_s').op('select');
    }
    f.set(s);
  }

  /** Whether the body is added in float64 (a float sum, see wide.ts). */
  get takesWide(): boolean {
    return this.wide && this.op === 'sum';
  }

  /** Adds four lanes given as two f64x2 halves. */
  updateVectorWide(lo: Local, hi: Local): void {
    const f = this.f;
    f.get(this.v[0]!).get(lo).op('f64x2.add').set(this.v[0]!);
    f.get(this.v[1]!).get(hi).op('f64x2.add').set(this.v[1]!);
  }

  /** Folds the f32x4/i32x4 value `push` leaves into the vector accumulator. */
  updateVector(push: () => void): void {
    const f = this.f;
    if (this.wide) {
      const x = f.local('v128', 'ux');
      push();
      f.set(x);
      const op = this.op === 'sum' ? 'f64x2.add' : 'f64x2.mul';
      f.get(this.v[0]!).get(x).op('f64x2.promote_low_f32x4').op(op).set(this.v[0]!);
      f.get(this.v[1]!).get(x).get(x).shuffle32([2, 3, 2, 3]).op('f64x2.promote_low_f32x4').op(op).set(this.v[1]!);
      return;
    }
    f.get(this.v[0]!);
    push();
    const T = this.float ? 'f32x4' : 'i32x4';
    const name = this.op === 'sum' ? 'add' : this.op === 'prod' ? 'mul' : this.float ? this.op : `${this.op}_s`;
    f.op(`${T}.${name}` as 'f32x4.add').set(this.v[0]!);
  }

  /** Folds the vector accumulator's lanes into the scalar one. */
  foldVectorIntoScalar(): void {
    const f = this.f;
    if (this.wide) {
      const h = f.local('v128', 'fold');
      f.get(this.v[0]!).get(this.v[1]!).op(this.op === 'sum' ? 'f64x2.add' : 'f64x2.mul').set(h);
      for (const lane of [0, 1]) this.updateScalar(() => f.get(h).lane('f64x2.extract_lane', lane));
      return;
    }
    for (let lane = 0; lane < 4; lane++) this.updateScalar(() => f.get(this.v[0]!).lane(this.float ? 'f32x4.extract_lane' : 'i32x4.extract_lane', lane));
  }

  /** Stores the scalar accumulator (value at +0, argmax index at +8) where `addr` points: a thread's partial result. */
  storePartial(addr: () => void): void {
    const f = this.f;
    addr();
    f.get(this.s!).mem(this.valueType === 'f64' ? 'f64.store' : this.valueType === 'f32' ? 'f32.store' : 'i32.store');
    if (this.isArg) { addr(); f.get(this.arg!).mem('i32.store', 8); }
  }

  private loadValue(addr: () => void): void {
    addr();
    this.f.mem(this.valueType === 'f64' ? 'f64.load' : this.valueType === 'f32' ? 'f32.load' : 'i32.load');
  }

  /** Starts the scalar accumulator from a stored partial. */
  loadPartial(addr: () => void): void {
    const f = this.f;
    this.s ??= f.local(this.valueType, 'acc');
    this.loadValue(addr);
    f.set(this.s);
    if (this.isArg) {
      this.arg ??= f.local('i32', 'arg');
      this.counter ??= f.local('i32', 'k');
      addr();
      f.mem('i32.load', 8).set(this.arg);
    }
  }

  /** Folds in a later thread's partial (its elements come after the ones folded so far). */
  combinePartial(addr: () => void): void {
    if (!this.isArg) { this.updateScalar(() => this.loadValue(addr)); return; }
    const f = this.f;
    // The partial's own index replaces the counter: updateScalar takes `counter` as the new arg.
    addr();
    f.mem('i32.load', 8).set(this.counter!);
    this.updateScalar(() => this.loadValue(addr));
  }

  /** The finished scalar value for the epilogue: float32 (sums narrowed), int32, or the arg index. */
  scalarResult(): Local {
    if (this.isArg) return this.arg!;
    if (!this.wide) return this.s!;
    const out = this.f.local('f32', 'accf');
    this.f.get(this.s!).op('f32.demote_f64').set(out);
    return out;
  }

  /** The finished four lanes (one per output) for a vectorized epilogue. */
  vectorResult(): Local {
    if (!this.wide) return this.v[0]!;
    const f = this.f;
    const out = f.local('v128', 'vaccf');
    f.get(this.v[0]!).op('f32x4.demote_f64x2_zero').get(this.v[1]!).op('f32x4.demote_f64x2_zero').shuffle32([0, 1, 4, 5]).set(out);
    return out;
  }
}
