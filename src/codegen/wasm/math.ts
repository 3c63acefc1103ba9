import type { FuncBuilder, Local } from './assembler.js';

/**
 * Vectorized float32 transcendental functions for the wasm renderer: each takes an f32x4 on
 * the stack and leaves f32x4 of results (scalar code splats and takes lane 0). Polynomials are
 * minimax fits of the relative error on the reduced ranges (bench/wasm-poly-fit.ts), each
 * within 7e-9 before float32 rounding. Measured against Math.* over the float32 ranges in
 * test/wasm/math.test.ts, the maximum relative error is below 4e-7 (a few ulp) for exp, log,
 * log1p, sigmoid, tanh, sin and cos. sin and cos reduce in float64 (exact for |x| < 2^24) and
 * call the host's Math.sin/Math.cos beyond that.
 */

/** Indices of host functions every kernel module imports (see HOST_IMPORTS). */
export const HOST = { sin: 0, cos: 1, exp: 2, log: 3, log1p: 4, tanh: 5, pow: 6, fmod: 7, ipow: 8 } as const;
export type HostFn = keyof typeof HOST;

/** Their signatures, in index order. */
export const HOST_IMPORTS: readonly { name: HostFn; params: ('f64' | 'i32')[]; result: 'f64' | 'i32' }[] = [
  { name: 'sin', params: ['f64'], result: 'f64' },
  { name: 'cos', params: ['f64'], result: 'f64' },
  { name: 'exp', params: ['f64'], result: 'f64' },
  { name: 'log', params: ['f64'], result: 'f64' },
  { name: 'log1p', params: ['f64'], result: 'f64' },
  { name: 'tanh', params: ['f64'], result: 'f64' },
  { name: 'pow', params: ['f64', 'f64'], result: 'f64' },
  { name: 'fmod', params: ['f64', 'f64'], result: 'f64' },
  { name: 'ipow', params: ['i32', 'i32'], result: 'i32' },
];

const EXP_Q = [0.499999940, 0.166665196, 0.0416684076, 0.00836891402, 0.00138141913];
const LOG_Q = [0.333333313, -0.250008196, 0.200012267, -0.166233569, 0.142017573, -0.131601825, 0.127615765, -0.0763449669];
const SIN_Q = [-0.166666672, 0.00833332911, -0.000198393085, 0.00000271808403];
const COS_Q = [0.0416666679, -0.00138888834, 0.0000247994558, -2.72053995e-7];
const TANH_Q = [-0.333333313, 0.133332059, -0.0539466888, 0.0217002705, -0.00817629043, 0.00214191526];

/** ln 2 split so that n·LN2_HI is exact for |n| < 2^15. */
const LN2_HI = 0.693359375;
const LN2_LO = -2.12194440e-4;
/** 1.5·2^23: adding it rounds a float32 of magnitude below 2^22 to an integer, in the low bits. */
const ROUND_MAGIC = 12582912;
const ROUND_MAGIC_BITS = 0x4b400000;
/** π/2 split for float64 reduction: P1 has 29 significant bits, so j·P1 is exact for |j| < 2^24. */
const PIO2_HI = Math.round((Math.PI / 2) * 2 ** 28) / 2 ** 28;
const PIO2_LO = (Math.PI / 2 - PIO2_HI) + 6.123233995736766e-17;
/** |x| above which sin and cos ask the host (the float64 reduction stays exact below). */
const TRIG_LIMIT = 16777216;

export class VectorMath {
  constructor(private readonly f: FuncBuilder) {}

  private temp(name: string): Local {
    return this.f.local('v128', name);
  }

  /** Horner's rule: leaves Σ c[i]·t^i with t in a local. */
  private poly(t: Local, c: readonly number[]): void {
    const f = this.f;
    f.f32x4Const([c[c.length - 1]!]);
    for (let i = c.length - 2; i >= 0; i--) f.get(t).op('f32x4.mul').f32x4Const([c[i]!]).op('f32x4.add');
  }

  /** 2^n for int32 lanes n in [-126, 127], as float32 bits. */
  private pow2(n: () => void): void {
    this.f.comment('2^n from exponent bits');
    n();
    this.f.i32x4Const([127]).op('i32x4.add').i32Const(23).op('i32x4.shl');
  }

  exp(): void {
    this.expParts(false);
  }

  /** e^x - 1 without cancellation: r + r²·Q(r) itself where n = 0 (|x| < ln2/2). */
  expm1(): void {
    this.expParts(true);
  }

  private expParts(minusOne: boolean): void {
    const f = this.f;
    const x = this.temp('ex'), n = this.temp('en'), r = this.temp('er'), ni = this.temp('eni'), p = this.temp('ep');
    f.comment(`${minusOne ? 'expm1' : 'exp'}: x = n·ln2 + r, e^r by polynomial, scaled by 2^n in two steps (down to denormals)`);
    // pmin/pmax keep NaN (x is their first operand) and are single instructions.
    f.f32x4Const([89]).op('f32x4.pmin').f32x4Const([-104]).op('f32x4.pmax').tee(x);
    // n = round(x·log2 e) by adding 1.5·2^23: the sum's low mantissa bits are n as an integer.
    f.f32x4Const([Math.LOG2E]).op('f32x4.mul').f32x4Const([ROUND_MAGIC]).op('f32x4.add').tee(ni);
    f.f32x4Const([ROUND_MAGIC]).op('f32x4.sub').tee(n);
    f.f32x4Const([LN2_HI]).op('f32x4.mul').set(r);
    f.get(ni).i32x4Const([ROUND_MAGIC_BITS]).op('i32x4.sub').set(ni);
    f.get(x).get(r).op('f32x4.sub').get(n).f32x4Const([LN2_LO]).op('f32x4.mul').op('f32x4.sub').set(r);
    this.poly(r, EXP_Q);
    f.get(r).get(r).op('f32x4.mul').op('f32x4.mul').get(r).op('f32x4.add').set(p);
    if (minusOne) f.get(p);
    f.get(p).f32x4Const([1]).op('f32x4.add');
    this.pow2(() => f.get(ni).i32Const(1).op('i32x4.shr_s'));
    f.op('f32x4.mul');
    this.pow2(() => f.get(ni).get(ni).i32Const(1).op('i32x4.shr_s').op('i32x4.sub'));
    f.op('f32x4.mul');
    if (minusOne) f.f32x4Const([1]).op('f32x4.sub').get(ni).i32x4Const([0]).op('i32x4.eq').op('v128.bitselect');
  }

  log(): void {
    const f = this.f;
    const x = this.temp('lx'), xs = this.temp('lxs'), ix = this.temp('lix'), m = this.temp('lf'), res = this.temp('lr'), e = this.temp('le');
    f.comment('log: x = m·2^e with m in [√½, √2), log(m) = f - f²/2 + f³·Q(f)');
    f.set(x);
    // Denormals are scaled into the normal range first.
    f.get(x).f32x4Const([2 ** 23]).op('f32x4.mul').get(x).get(x).f32x4Const([1.17549435e-38]).op('f32x4.lt').tee(res).op('v128.bitselect').set(xs);
    f.get(res).i32x4Const([-23]).op('v128.and').set(e);
    f.get(xs).i32x4Const([0x3f3504f3]).op('i32x4.sub').tee(ix).i32Const(23).op('i32x4.shr_s').get(e).op('i32x4.add').op('f32x4.convert_i32x4_s').set(e);
    f.get(ix).i32x4Const([0x007fffff]).op('v128.and').i32x4Const([0x3f3504f3]).op('i32x4.add').f32x4Const([1]).op('f32x4.sub').set(m);
    // y = f + f²·(f·Q(f) - 1/2)
    this.poly(m, LOG_Q);
    f.get(m).op('f32x4.mul').f32x4Const([0.5]).op('f32x4.sub').get(m).get(m).op('f32x4.mul').op('f32x4.mul').get(m).op('f32x4.add');
    f.get(e).f32x4Const([LN2_LO]).op('f32x4.mul').op('f32x4.add').get(e).f32x4Const([LN2_HI]).op('f32x4.mul').op('f32x4.add').set(res);
    f.comment('log: +inf, zero, negative and NaN inputs');
    f.f32x4Const([Infinity]).get(res).get(x).f32x4Const([Infinity]).op('f32x4.eq').op('v128.bitselect').set(res);
    f.f32x4Const([-Infinity]).get(res).get(x).f32x4Const([0]).op('f32x4.eq').op('v128.bitselect').set(res);
    f.f32x4Const([NaN]).get(res).get(x).f32x4Const([0]).op('f32x4.lt').get(x).get(x).op('f32x4.ne').op('v128.or').op('v128.bitselect');
  }

  /** log1p(x) = log(u)·x/(u-1) with u = 1+x (exact where u-1 is, Goldberg's method). */
  log1p(): void {
    const f = this.f;
    const x = this.temp('px'), u = this.temp('pu'), d = this.temp('pd');
    f.comment('log1p: log(1+x)·x/((1+x)-1)');
    f.tee(x).f32x4Const([1]).op('f32x4.add').tee(u).f32x4Const([1]).op('f32x4.sub').set(d);
    f.get(u);
    this.log();
    f.get(x).get(d).op('f32x4.div').op('f32x4.mul');
    f.set(u);
    f.get(x).get(u).get(d).f32x4Const([0]).op('f32x4.eq').get(x).f32x4Const([Infinity]).op('f32x4.eq').op('v128.or').op('v128.bitselect');
  }

  /** 1/(1+e^-|x|), and e^-|x|/(1+e^-|x|) for negative x (accurate in both tails). */
  sigmoid(): void {
    const f = this.f;
    const x = this.temp('sx'), e = this.temp('se'), r = this.temp('sr');
    f.comment('sigmoid');
    f.tee(x).op('f32x4.abs').op('f32x4.neg');
    this.exp();
    f.tee(e).f32x4Const([1]).op('f32x4.add').set(r);
    f.f32x4Const([1]).get(r).op('f32x4.div').tee(r);
    f.get(e).get(r).op('f32x4.mul').get(x).f32x4Const([0]).op('f32x4.ge').op('v128.bitselect');
  }

  /** x + x³·Q(x²) for |x| < 0.625, else ±(1 - 2/(e^2|x| + 1)). */
  tanh(): void {
    const f = this.f;
    const x = this.temp('tx'), u = this.temp('tu'), big = this.temp('tb');
    f.comment('tanh');
    f.tee(x).op('f32x4.abs').tee(u).f32x4Const([2]).op('f32x4.mul');
    this.exp();
    f.f32x4Const([1]).op('f32x4.add').set(big);
    f.f32x4Const([1]).f32x4Const([2]).get(big).op('f32x4.div').op('f32x4.sub');
    f.get(x).i32x4Const([-0x80000000]).op('v128.and').op('v128.or').set(big);
    f.get(x).get(x).op('f32x4.mul').set(u);
    // small = x + x·u·Q(u)
    this.poly(u, TANH_Q);
    f.get(u).op('f32x4.mul').get(x).op('f32x4.mul').get(x).op('f32x4.add');
    f.get(big).get(x).op('f32x4.abs').f32x4Const([0.625]).op('f32x4.lt').op('v128.bitselect');
  }

  sin(): void {
    this.trig(false);
  }

  cos(): void {
    this.trig(true);
  }

  /** Reduction x = j·π/2 + r in float64, polynomials for sin r and cos r, chosen and signed by j mod 4. */
  private trig(cosine: boolean): void {
    const f = this.f;
    const x = this.temp('gx'), r = this.temp('gr'), j = this.temp('gj'), r2 = this.temp('gr2'), s = this.temp('gs');
    const half = this.temp('gh'), jd = this.temp('gjd'), rLo = this.temp('grl');
    f.comment(`${cosine ? 'cos' : 'sin'}: float64 reduction by π/2`);
    f.set(x);
    for (const hi of [false, true]) {
      f.get(x);
      if (hi) f.get(x).shuffle32([2, 3, 2, 3]);
      f.op('f64x2.promote_low_f32x4').tee(half).f64Const(2 / Math.PI).op('f64x2.splat').op('f64x2.mul').op('f64x2.nearest').tee(jd);
      f.f64Const(PIO2_HI).op('f64x2.splat').op('f64x2.mul').set(r);
      f.get(half).get(r).op('f64x2.sub').get(jd).f64Const(PIO2_LO).op('f64x2.splat').op('f64x2.mul').op('f64x2.sub').op('f32x4.demote_f64x2_zero');
      f.get(jd).op('i32x4.trunc_sat_f64x2_s_zero');
      if (!hi) { f.set(j).set(rLo); continue; }
      f.set(s).set(r);
      f.get(rLo).get(r).shuffle32([0, 1, 4, 5]).set(r);
      f.get(j).get(s).shuffle32([0, 1, 4, 5]).set(j);
    }
    f.get(r).get(r).op('f32x4.mul').set(r2);
    // s = r + r·r2·S(r2); c = 1 + r2·(r2·C(r2) - 1/2)
    this.poly(r2, SIN_Q);
    f.get(r2).op('f32x4.mul').get(r).op('f32x4.mul').get(r).op('f32x4.add').set(s);
    this.poly(r2, COS_Q);
    f.get(r2).op('f32x4.mul').f32x4Const([0.5]).op('f32x4.sub').get(r2).op('f32x4.mul').f32x4Const([1]).op('f32x4.add').set(r2);
    // Odd quadrants swap sin and cos; the sign flips in quadrants 2,3 (sin) or 1,2 (cos).
    const [even, odd] = cosine ? [r2, s] : [s, r2];
    f.get(odd).get(even).get(j).i32Const(31).op('i32x4.shl').i32Const(31).op('i32x4.shr_s').op('v128.bitselect');
    f.get(j);
    if (cosine) f.i32x4Const([1]).op('i32x4.add');
    f.i32x4Const([2]).op('v128.and').i32Const(30).op('i32x4.shl').op('v128.xor').set(s);
    f.comment('beyond the exact reduction, the host computes every lane');
    f.get(x).op('f32x4.abs').f32x4Const([TRIG_LIMIT]).op('f32x4.gt').op('v128.any_true');
    f.if();
    for (let lane = 0; lane < 4; lane++) {
      f.get(s).get(x).lane('f32x4.extract_lane', lane).op('f64.promote_f32').call(cosine ? HOST.cos : HOST.sin, cosine ? 'cos' : 'sin');
      f.op('f32.demote_f64').lane('f32x4.replace_lane', lane).set(s);
    }
    f.end();
    f.get(s);
  }
}
