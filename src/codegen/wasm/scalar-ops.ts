import type { FuncBuilder } from './assembler.js';
import type { DagNode, ScalarType } from './dag.js';
import { HOST, VectorMath } from './math.js';

/**
 * Scalar code for one ALU node, with the cpu backend's semantics: int32 arithmetic wraps,
 * division and modulo floor (and give 0 for a zero divisor, as `x | 0` of NaN or ±Infinity
 * does), float→int casts are ToInt32, →bool is x != 0 (NaN is true), round is half to even,
 * max/min propagate NaN. Operands arrive on the stack already in `operandType`.
 */
export type Push = () => void;

const COMPARE = new Set(['lt', 'le', 'gt', 'ge', 'eq', 'ne']);
const F32_MATH = new Set(['exp', 'log', 'log1p', 'sin', 'cos', 'tanh', 'sigmoid']);

/** The type operand i of `n` is pushed in. */
export function operandType(n: DagNode, i: number): ScalarType {
  const op = n.op!;
  const a = n.args[i]!;
  if (COMPARE.has(op)) {
    if (n.args.some((x) => x.vt === 'f64')) return 'f64';
    return n.args[0]!.dtype === 'float32' ? 'f32' : 'i32';
  }
  switch (op) {
    case 'and': case 'or': case 'not': case 'rand': return 'i32';
    case 'cast': return a.vt;
    case 'where': return i === 0 ? a.vt : n.vt;
    case 'idiv': case 'mod': case 'pow': return n.dtype === 'float32' ? 'f64' : 'i32';
    default: return n.vt;
  }
}

/** Converts the value on the stack between scalar types (float→int is ToInt32). */
export function convert(f: FuncBuilder, from: ScalarType, to: ScalarType): void {
  if (from === to) return;
  if (to === 'i32') { toInt32(f, from as 'f32' | 'f64'); return; }
  if (from === 'i32') { f.op(to === 'f32' ? 'f32.convert_i32_s' : 'f64.convert_i32_s'); return; }
  f.op(to === 'f64' ? 'f64.promote_f32' : 'f32.demote_f64');
}

/** ToInt32 of a float: truncation, wrapped modulo 2^32; NaN and ±Infinity give 0. */
export function toInt32(f: FuncBuilder, from: 'f32' | 'f64'): void {
  const x = f.local(from, 'cx');
  f.tee(x).op(from === 'f32' ? 'i64.trunc_sat_f32_s' : 'i64.trunc_sat_f64_s').op('i32.wrap_i64').i32Const(0);
  f.get(x).op(from === 'f32' ? 'f32.abs' : 'f64.abs');
  if (from === 'f32') f.f32Const(2 ** 63).op('f32.lt'); else f.f64Const(2 ** 63).op('f64.lt');
  f.op('select');
}

/** A power of two > 0 when `n` is that int32 constant. */
function powerOfTwo(n: DagNode): number {
  return n.k === 'const' && n.value > 0 && (n.value & (n.value - 1)) === 0 ? Math.log2(n.value) : -1;
}

export function emitScalarOp(f: FuncBuilder, n: DagNode, push: readonly Push[]): void {
  const op = n.op!;
  const [x, y, z] = push as [Push, Push, Push];
  const t = n.vt;
  if (COMPARE.has(op)) {
    const ot = operandType(n, 0);
    const name = ot === 'i32' ? { lt: 'lt_s', le: 'le_s', gt: 'gt_s', ge: 'ge_s', eq: 'eq', ne: 'ne' }[op as 'lt'] : op;
    x(); y(); f.op(`${ot}.${name}` as 'i32.eq');
    return;
  }
  if (F32_MATH.has(op) && t === 'f32') {
    x(); f.op('f32x4.splat');
    new VectorMath(f)[op as 'exp']();
    f.lane('f32x4.extract_lane', 0);
    return;
  }
  switch (op) {
    case 'add': case 'sub': case 'mul':
      x(); y(); f.op(`${t}.${op}` as 'i32.add'); return;
    case 'div':
      if (t !== 'i32') { x(); y(); f.op(`${t}.div` as 'f32.div'); return; }
      floorDivInt(f, n, x, y); return;
    case 'idiv':
      if (t === 'i32') { floorDivInt(f, n, x, y); return; }
      x(); y(); f.op('f64.div').op('f64.floor'); if (t === 'f32') f.op('f32.demote_f64'); return;
    case 'mod':
      if (t === 'i32') { floorModInt(f, n, x, y); return; }
      x(); y(); f.call(HOST.fmod, 'fmod'); if (t === 'f32') f.op('f32.demote_f64'); return;
    case 'pow':
      x(); y();
      if (t === 'i32') { f.call(HOST.ipow, 'ipow'); return; }
      f.call(HOST.pow, 'pow'); if (t === 'f32') f.op('f32.demote_f64'); return;
    case 'max': case 'min':
      if (t !== 'i32') { x(); y(); f.op(`${t}.${op}` as 'f32.max'); return; }
      {
        const a = f.local('i32', 'ma'), b = f.local('i32', 'mb');
        x(); f.tee(a); y(); f.tee(b); f.get(a).get(b).op(op === 'max' ? 'i32.gt_s' : 'i32.lt_s').op('select');
      }
      return;
    case 'neg':
      if (t === 'i32') { f.i32Const(0); x(); f.op('i32.sub'); } else { x(); f.op(`${t}.neg` as 'f32.neg'); }
      return;
    case 'abs':
      if (t !== 'i32') { x(); f.op(`${t}.abs` as 'f32.abs'); return; }
      {
        const a = f.local('i32', 'aa'), s = f.local('i32', 'as');
        x(); f.tee(a).i32Const(31).op('i32.shr_s').set(s);
        f.get(a).get(s).op('i32.xor').get(s).op('i32.sub');
      }
      return;
    case 'sign': {
      const a = f.local(t, 'sg');
      x(); f.set(a);
      if (t === 'i32') { f.get(a).i32Const(0).op('i32.gt_s').get(a).i32Const(0).op('i32.lt_s').op('i32.sub'); return; }
      const c = (v: number) => (t === 'f32' ? f.f32Const(v) : f.f64Const(v));
      // x > 0 ? 1 : x < 0 ? -1 : x (keeps ±0 and NaN)
      c(1); c(-1); f.get(a); f.get(a); c(0); f.op(`${t}.lt` as 'f32.lt').op('select');
      f.get(a); c(0); f.op(`${t}.gt` as 'f32.gt').op('select');
      return;
    }
    case 'floor': case 'ceil': case 'sqrt':
      x(); f.op(`${t}.${op}` as 'f32.floor'); return;
    case 'round':
      x(); f.op(`${t}.nearest` as 'f32.nearest'); return;
    case 'rsqrt':
      if (t === 'f32') f.f32Const(1); else f.f64Const(1);
      x(); f.op(`${t}.sqrt` as 'f32.sqrt').op(`${t}.div` as 'f32.div'); return;
    case 'exp': case 'log': case 'log1p': case 'sin': case 'cos': case 'tanh':
      x(); f.call(HOST[op], op); return;
    case 'sigmoid':
      f.f64Const(1).f64Const(1); x(); f.op('f64.neg').call(HOST.exp, 'exp').op('f64.add').op('f64.div'); return;
    case 'not':
      f.i32Const(1); x(); f.op('i32.sub'); return;
    case 'and': case 'or':
      x(); y(); f.op(`i32.${op}`); return;
    case 'where':
      y(); z(); x();
      truthy(f, operandType(n, 0));
      f.op('select');
      return;
    case 'rand':
      x(); y(); randomBits(f);
      f.i32Const(8).op('i32.shr_u').op('f64.convert_i32_s').f64Const(2 ** -24).op('f64.mul');
      return;
    case 'cast':
      x(); castScalar(f, n.args[0]!.vt, n.dtype, t); return;
  }
  throw new Error(`kiln wasm: no scalar rule for '${op}'`);
}

/** Turns a condition of type `vt` into an i32 for `select`/`if` (JS truthiness: 0 and NaN are false). */
function truthy(f: FuncBuilder, vt: ScalarType): void {
  if (vt === 'i32') return;
  if (vt === 'f32') f.op('f32.abs').f32Const(0).op('f32.gt');
  else f.op('f64.abs').f64Const(0).op('f64.gt');
}

function castScalar(f: FuncBuilder, from: ScalarType, to: string, vt: ScalarType): void {
  if (to === 'bool') {
    if (from === 'i32') f.i32Const(0).op('i32.ne');
    else if (from === 'f32') f.f32Const(0).op('f32.ne');
    else f.f64Const(0).op('f64.ne');
    return;
  }
  convert(f, from, vt);
}

/** Floor division of int32s; a zero divisor gives 0 and INT_MIN / -1 wraps. */
function floorDivInt(f: FuncBuilder, n: DagNode, x: Push, y: Push): void {
  const shift = powerOfTwo(n.args[1]!);
  if (shift >= 0) { x(); f.i32Const(shift).op('i32.shr_s'); return; }
  const a = f.local('i32', 'da'), b = f.local('i32', 'db'), q = f.local('i32', 'dq');
  if (n.args[1]!.k === 'const' && n.args[1]!.value > 0) {
    const c = n.args[1]!.value;
    x(); f.tee(a).i32Const(c).op('i32.div_s');
    f.get(a).i32Const(c).op('i32.rem_s').i32Const(0).op('i32.lt_s').op('i32.sub');
    return;
  }
  const r = f.local('i32', 'dr');
  x(); f.set(a); y(); f.set(b);
  // A divisor of 0 or -1 divides by 1 instead (no trap); fixed up at the end.
  f.get(b).i32Const(1).get(b).i32Const(1).op('i32.add').i32Const(1).op('i32.gt_u').op('select').set(q);
  f.get(a).get(q).op('i32.div_s');
  // Truncation rounds toward zero: one less when the remainder's sign differs from the divisor's.
  f.get(a).get(q).op('i32.rem_s').tee(r).i32Const(0).op('i32.ne');
  f.get(r).get(q).op('i32.xor').i32Const(0).op('i32.lt_s').op('i32.and');
  f.op('i32.sub').set(q);
  // b == -1: -a (wrapping); b == 0: 0
  f.i32Const(0).get(a).op('i32.sub').get(q).get(b).i32Const(-1).op('i32.eq').op('select');
  f.i32Const(0).get(b).op('select');
}

/** Floor modulo of int32s (the result takes the divisor's sign); a zero divisor gives 0. */
function floorModInt(f: FuncBuilder, n: DagNode, x: Push, y: Push): void {
  const shift = powerOfTwo(n.args[1]!);
  if (shift >= 0) { x(); f.i32Const(n.args[1]!.value - 1).op('i32.and'); return; }
  const r = f.local('i32', 'mr'), b = f.local('i32', 'mb');
  x(); y(); f.tee(b);
  // A zero divisor becomes 1, so the remainder is 0.
  f.i32Const(1).get(b).op('select').set(b);
  f.get(b).op('i32.rem_s').tee(r);
  f.get(b).i32Const(0).get(r).i32Const(0).op('i32.ne').get(r).get(b).op('i32.xor').i32Const(0).op('i32.lt_s').op('i32.and').op('select');
  f.op('i32.add');
}

/** randomBits(seed, counter) of src/ir/random-bits.ts on two i32s. */
export function randomBits(f: FuncBuilder): void {
  const s = f.local('i32', 'rs'), h = f.local('i32', 'rh');
  const shiftXor = (k: number) => f.get(h).get(h).i32Const(k).op('i32.shr_u').op('i32.xor').set(h);
  f.i32Const(0x85ebca6b).op('i32.mul').set(h);
  f.tee(s).i32Const(0x9e3779b9).op('i32.mul').get(h).op('i32.add').i32Const(0x632be5ab).op('i32.add').set(h);
  shiftXor(16);
  f.get(h).i32Const(0x85ebca6b).op('i32.mul').set(h);
  shiftXor(13);
  f.get(h).i32Const(0xc2b2ae35).op('i32.mul').set(h);
  shiftXor(16);
  f.get(h).get(s).op('i32.xor').i32Const(0x27d4eb2f).op('i32.mul').set(h);
  shiftXor(15);
  f.get(h);
}
