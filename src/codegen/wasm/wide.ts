import type { Local } from './assembler.js';
import type { DagNode } from './dag.js';
import type { ExprEmitter } from './emit.js';

/**
 * A float sum's body in float64, as the cpu backend's JavaScript computes it: products of
 * float32 values are exact in float64 (quotients nearly so), and `where(c, a·b, 0)` (windowed
 * ops' padding) keeps them, so sums of products lose nothing to float32 rounding before they
 * accumulate.
 * Other subexpressions are computed in float32 and widened.
 */
const wideForm = (n: DagNode): boolean => n.k === 'const' || ((n.op === 'mul' || n.op === 'div') && n.vt === 'f32' && n.args.every((a) => a.vt === 'f32'))
  || (n.op === 'where' && n.vt === 'f32' && n.args[0]!.dtype === 'bool') || (n.op === 'neg' && n.vt === 'f32');

/** Whether emitting `n` wide differs from widening its float32 value. */
export function hasWideForm(n: DagNode): boolean {
  return n.vt === 'f32' && n.k === 'alu' && wideForm(n) && n.op !== 'neg';
}

/** Pushes `n` as an f64. */
export function wideScalar(e: ExprEmitter, n: DagNode): void {
  const f = e.f;
  if (n.k === 'const') { f.f64Const(n.value); return; }
  if ((n.op === 'mul' || n.op === 'div') && wideForm(n)) { e.scalarAs(n.args[0]!, 'f64'); e.scalarAs(n.args[1]!, 'f64'); f.op(n.op === 'mul' ? 'f64.mul' : 'f64.div'); return; }
  if (n.op === 'neg' && wideForm(n)) { wideScalar(e, n.args[0]!); f.op('f64.neg'); return; }
  if (n.op === 'where' && wideForm(n)) {
    wideScalar(e, n.args[1]!);
    wideScalar(e, n.args[2]!);
    e.scalarAs(n.args[0]!, 'i32');
    f.op('select');
    return;
  }
  e.scalarAs(n, 'f64');
}

/** Computes `n`'s four lanes as two f64x2 halves, in locals. */
export function wideVector(e: ExprEmitter, n: DagNode): [Local, Local] {
  const f = e.f;
  const lo = f.local('v128', 'wlo'), hi = f.local('v128', 'whi');
  const halves = (push: () => void) => {
    const v = f.local('v128', 'wv');
    push();
    f.tee(v).op('f64x2.promote_low_f32x4').set(lo);
    f.get(v).get(v).shuffle32([2, 3, 2, 3]).op('f64x2.promote_low_f32x4').set(hi);
  };
  if (n.k === 'const') {
    f.f64Const(n.value).op('f64x2.splat').tee(lo).set(hi);
  } else if ((n.op === 'mul' || n.op === 'div') && wideForm(n)) {
    const [alo, ahi] = wideVector(e, n.args[0]!);
    const [blo, bhi] = wideVector(e, n.args[1]!);
    const op = n.op === 'mul' ? 'f64x2.mul' : 'f64x2.div';
    f.get(alo).get(blo).op(op).set(lo);
    f.get(ahi).get(bhi).op(op).set(hi);
  } else if (n.op === 'neg' && wideForm(n)) {
    const [alo, ahi] = wideVector(e, n.args[0]!);
    f.get(alo).op('f64x2.neg').set(lo);
    f.get(ahi).op('f64x2.neg').set(hi);
  } else if (n.op === 'where' && wideForm(n)) {
    const [xlo, xhi] = wideVector(e, n.args[1]!);
    const [ylo, yhi] = wideVector(e, n.args[2]!);
    const mask = f.local('v128', 'wm');
    e.vector(n.args[0]!);
    f.op('i32x4.neg').set(mask);
    f.get(xlo).get(ylo).get(mask).op('i64x2.extend_low_i32x4_s').op('v128.bitselect').set(lo);
    f.get(xhi).get(yhi).get(mask).op('i64x2.extend_high_i32x4_s').op('v128.bitselect').set(hi);
  } else {
    halves(() => e.vector(n));
  }
  return [lo, hi];
}
