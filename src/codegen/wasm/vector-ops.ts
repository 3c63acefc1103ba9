import type { FuncBuilder, Local } from './assembler.js';
import type { DagNode } from './dag.js';
import { VectorMath } from './math.js';
import { toInt32, type Push } from './scalar-ops.js';

/**
 * SIMD128 code for one ALU node over four lanes (f32x4 for floats, i32x4 with 0/1 lanes for
 * ints and bools), with the same semantics as scalar-ops.ts. Returns false where there is no
 * vector rule; the caller then computes the four lanes with scalar code.
 */
const CMP_F = { lt: 'f32x4.lt', le: 'f32x4.le', gt: 'f32x4.gt', ge: 'f32x4.ge', eq: 'f32x4.eq', ne: 'f32x4.ne' } as const;
const CMP_I = { lt: 'i32x4.lt_s', le: 'i32x4.le_s', gt: 'i32x4.gt_s', ge: 'i32x4.ge_s', eq: 'i32x4.eq', ne: 'i32x4.ne' } as const;

/**
 * where(cmp(x, y), a, b) using the comparison's lane mask directly; where(x > y, x, y) and
 * where(x < y, x, y) (relu, clamps) as one pmax/pmin, which are exactly those selects.
 */
export function emitVectorWhere(f: FuncBuilder, n: DagNode, vec: (m: DagNode) => void): boolean {
  const [c, a, b] = n.args as [DagNode, DagNode, DagNode];
  if (c.k !== 'alu' || !(c.op! in CMP_F) || c.uses !== 1 || !c.vec) return false;
  const [x, y] = c.args as [DagNode, DagNode];
  const float = x.vt === 'f32';
  if (x === a && y === b && (c.op === 'gt' || c.op === 'lt')) {
    vec(y); vec(x);
    f.op(float ? (c.op === 'gt' ? 'f32x4.pmax' : 'f32x4.pmin') : (c.op === 'gt' ? 'i32x4.max_s' : 'i32x4.min_s'));
    return true;
  }
  vec(a); vec(b); vec(x); vec(y);
  f.op(float ? CMP_F[c.op as 'lt'] : CMP_I[c.op as 'lt']).op('v128.bitselect');
  return true;
}

/** A constant divisor other than 0 and -1 (where float64 floor division is exact and cannot overflow). */
function safeDivisor(n: DagNode): number | null {
  const d = n.args[1]!;
  return d.k === 'const' && d.value !== 0 && d.value !== -1 ? d.value : null;
}

export function emitVectorOp(f: FuncBuilder, n: DagNode, push: readonly Push[]): boolean {
  const op = n.op!;
  const [x, y, z] = push as [Push, Push, Push];
  const float = n.vt === 'f32';
  const T = float ? 'f32x4' : 'i32x4';
  if (op in CMP_F) {
    const argFloat = n.args[0]!.vt === 'f32';
    x(); y(); f.op(argFloat ? CMP_F[op as 'lt'] : CMP_I[op as 'lt']).op('i32x4.neg');
    return true;
  }
  switch (op) {
    case 'add': case 'sub': case 'mul':
      x(); y(); f.op(`${T}.${op}`); return true;
    case 'div':
      if (!float) return false;
      x(); y(); f.op('f32x4.div'); return true;
    case 'max': case 'min':
      x(); y(); f.op(float ? `f32x4.${op}` : `i32x4.${op}_s`); return true;
    case 'neg': case 'abs':
      x(); f.op(`${T}.${op}`); return true;
    case 'floor': case 'ceil': case 'sqrt':
      x(); f.op(`f32x4.${op}`); return true;
    case 'round':
      x(); f.op('f32x4.nearest'); return true;
    case 'rsqrt':
      f.f32x4Const([1]); x(); f.op('f32x4.sqrt').op('f32x4.div'); return true;
    case 'exp': case 'log': case 'log1p': case 'sin': case 'cos': case 'tanh': case 'sigmoid':
      x(); new VectorMath(f)[op](); return true;
    case 'not':
      x(); f.i32x4Const([1]).op('v128.xor'); return true;
    case 'and': case 'or':
      x(); y(); f.op(`v128.${op}`); return true;
    case 'sign': {
      const a = f.local('v128', 'sg');
      x(); f.set(a);
      if (!float) {
        f.get(a).i32x4Const([0]).op('i32x4.lt_s').get(a).i32x4Const([0]).op('i32x4.gt_s').op('i32x4.sub');
        return true;
      }
      f.f32x4Const([1]).f32x4Const([-1]).get(a).get(a).f32x4Const([0]).op('f32x4.lt').op('v128.bitselect');
      f.get(a).f32x4Const([0]).op('f32x4.gt').op('v128.bitselect');
      return true;
    }
    case 'where':
      y(); z(); x();
      if (n.args[0]!.vt === 'f32') f.op('f32x4.abs').f32x4Const([0]).op('f32x4.gt');
      else if (n.args[0]!.dtype === 'bool') f.op('i32x4.neg');
      else f.i32x4Const([0]).op('i32x4.ne');
      f.op('v128.bitselect');
      return true;
    case 'idiv': case 'div': case 'mod': {
      if (float) return false;
      const c = safeDivisor(n);
      if (c === null) return false;
      const shift = c > 0 && (c & (c - 1)) === 0 ? Math.log2(c) : -1;
      if (shift >= 0) {
        x();
        if (op === 'mod') f.i32x4Const([c - 1]).op('v128.and'); else f.i32Const(shift).op('i32x4.shr_s');
        return true;
      }
      const xs = f.local('v128', 'dx');
      x(); f.set(xs);
      if (op === 'mod') f.get(xs);
      floorDivConst(f, xs, c);
      if (op === 'mod') f.i32x4Const([c]).op('i32x4.mul').op('i32x4.sub');
      return true;
    }
    case 'cast':
      return castVector(f, n, x);
  }
  return false;
}

/** floor(x / c) of int32 lanes through float64, exact for int32 x and c not in {0, -1}. */
function floorDivConst(f: FuncBuilder, xs: Local, c: number): void {
  const lo = f.local('v128', 'dlo');
  for (const hi of [false, true]) {
    f.get(xs);
    if (hi) f.get(xs).shuffle32([2, 3, 2, 3]);
    f.op('f64x2.convert_low_i32x4_s').f64Const(c).op('f64x2.splat').op('f64x2.div').op('f64x2.floor').op('i32x4.trunc_sat_f64x2_s_zero');
    if (!hi) f.set(lo);
  }
  f.set(xs);
  f.get(lo).get(xs).shuffle32([0, 1, 4, 5]);
}

function castVector(f: FuncBuilder, n: DagNode, x: Push): boolean {
  const from = n.args[0]!.vt;
  if (n.dtype === 'bool') {
    x();
    if (from === 'f32') f.f32x4Const([0]).op('f32x4.ne'); else f.i32x4Const([0]).op('i32x4.ne');
    f.op('i32x4.neg');
    return true;
  }
  if (n.dtype === 'float32') {
    x();
    if (from === 'i32') f.op('f32x4.convert_i32x4_s');
    return true;
  }
  if (from === 'i32') { x(); return true; }
  // float → int32: saturating truncation, then ToInt32 lane by lane when some |x| >= 2^31.
  const v = f.local('v128', 'cv'), r = f.local('v128', 'cr');
  x(); f.tee(v).op('i32x4.trunc_sat_f32x4_s').set(r);
  f.get(v).op('f32x4.abs').f32x4Const([2 ** 31]).op('f32x4.ge').op('v128.any_true');
  f.if();
  for (let lane = 0; lane < 4; lane++) {
    f.get(r).get(v).lane('f32x4.extract_lane', lane);
    toInt32(f, 'f32');
    f.lane('i32x4.replace_lane', lane).set(r);
  }
  f.end();
  f.get(r);
  return true;
}
