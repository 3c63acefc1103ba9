/**
 * WGSL helper functions that generated shaders call, each matching what the `js` renderer (and
 * so the reference evaluator) computes: JavaScript's NaN rules, floor division and modulo,
 * wrapping int32 arithmetic, ToInt32 casts and the counter-based random generator. WGSL leaves
 * NaN and infinity behaviour of builtins to the implementation, so NaN tests read the bits.
 * A shader includes only the helpers it uses (with their dependencies).
 */
interface Helper {
  readonly uses: readonly string[];
  readonly code: string;
}

const HELPERS: Readonly<Record<string, Helper>> = {
  // A call of a user function is never a const-expression, so NaN and infinity constants built
  // here are not rejected by the shader compiler's constant evaluation.
  k_bits: { uses: [], code: 'fn k_bits(b: u32) -> f32 { return bitcast<f32>(b); }' },
  k_isnan: { uses: [], code: 'fn k_isnan(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }' },
  k_isinf: { uses: [], code: 'fn k_isinf(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) == 0x7f800000u; }' },
  k_fmax: {
    uses: ['k_isnan', 'k_bits'],
    code: 'fn k_fmax(a: f32, b: f32) -> f32 { return select(max(a, b), k_bits(0x7fc00000u), k_isnan(a) || k_isnan(b)); }',
  },
  k_fmin: {
    uses: ['k_isnan', 'k_bits'],
    code: 'fn k_fmin(a: f32, b: f32) -> f32 { return select(min(a, b), k_bits(0x7fc00000u), k_isnan(a) || k_isnan(b)); }',
  },
  k_fsign: {
    uses: [],
    code: 'fn k_fsign(x: f32) -> f32 { if (x > 0.0) { return 1.0; } if (x < 0.0) { return -1.0; } return x; }',
  },
  k_isign: { uses: [], code: 'fn k_isign(x: i32) -> i32 { return select(select(0i, 1i, x > 0i), -1i, x < 0i); }' },
  // log1p and expm1 near 0 by series in +, ×, ÷ only: WGSL bounds log's error absolutely
  // (2^-21 on [0.5, 2]), which is no relative accuracy for log(1 + x) with x small.
  k_log1p: {
    uses: ['k_bits'],
    code: `fn k_log1p(x: f32) -> f32 {
  if (x < -1.0) { return k_bits(0x7fc00000u); }
  if (abs(x) > 0.5) { return log(1.0 + x); }
  let s = x / (2.0 + x);
  let s2 = s * s;
  return 2.0 * s * (1.0 + s2 * (1.0 / 3.0 + s2 * (0.2 + s2 * (1.0 / 7.0 + s2 * (1.0 / 9.0 + s2 * (1.0 / 11.0 + s2 / 13.0))))));
}`,
  },
  k_expm1: {
    uses: [],
    code: `fn k_expm1(x: f32) -> f32 {
  if (!(abs(x) < 0.5)) { return exp(x) - 1.0; }
  return x * (1.0 + x * (0.5 + x * (1.0 / 6.0 + x * (1.0 / 24.0 + x * (1.0 / 120.0 + x * (1.0 / 720.0 + x * (1.0 / 5040.0 + x * (1.0 / 40320.0 + x / 362880.0))))))));
}`,
  },
  // tanh as musl computes it: from expm1, accurate near 0 and exactly ±1 far out.
  k_tanh: {
    uses: ['k_expm1', 'k_isnan'],
    code: `fn k_tanh(x: f32) -> f32 {
  if (k_isnan(x)) { return x; }
  let a = abs(x);
  var y: f32;
  if (a > 9.0) { y = 1.0; }
  else if (a > 0.5493061) { let t = k_expm1(2.0 * a); y = 1.0 - 2.0 / (t + 2.0); }
  else { let t = k_expm1(-2.0 * a); y = -t / (t + 2.0); }
  return select(y, -y, x < 0.0);
}`,
  },
  k_sigmoid: { uses: [], code: 'fn k_sigmoid(x: f32) -> f32 { return 1.0 / (1.0 + exp(-x)); }' },
  // JavaScript's x % y on float32 values, exactly: long division by shifted copies of |y|.
  k_fmod: {
    uses: ['k_isnan', 'k_isinf', 'k_bits'],
    code: `fn k_fmod(x: f32, y: f32) -> f32 {
  let ax = abs(x);
  let ay = abs(y);
  if (k_isnan(x) || k_isnan(y) || k_isinf(x) || ay == 0.0) { return k_bits(0x7fc00000u); }
  if (k_isinf(y) || ax < ay) { return x; }
  var r = ax;
  let ey = frexp(ay).exp;
  for (var n = 0; n < 300 && r >= ay; n++) {
    let k = frexp(r).exp - ey;
    var d = ldexp(ay, k);
    if (d > r) { d = ldexp(ay, k - 1); }
    r = r - d;
  }
  return select(r, -r, x < 0.0);
}`,
  },
  k_fmodf: {
    uses: ['k_fmod'],
    code: `fn k_fmodf(x: f32, y: f32) -> f32 {
  let r = k_fmod(x, y);
  return select(r, r + y, r != 0.0 && ((r < 0.0) != (y < 0.0)));
}`,
  },
  // Math.pow's special cases (which differ from C's: pow(1, NaN) is NaN), then |x|^y.
  k_fpow: {
    uses: ['k_isnan', 'k_isinf', 'k_bits'],
    code: `fn k_fpow(x: f32, y: f32) -> f32 {
  if (k_isnan(y)) { return y; }
  if (y == 0.0) { return 1.0; }
  if (k_isnan(x)) { return x; }
  let ax = abs(x);
  let inf = k_bits(0x7f800000u);
  if (k_isinf(y)) {
    if (ax == 1.0) { return k_bits(0x7fc00000u); }
    return select(0.0, inf, (ax > 1.0) == (y > 0.0));
  }
  let integral = y == floor(y);
  let odd = integral && abs(y) < 16777216.0 && (y - 2.0 * floor(y * 0.5)) != 0.0;
  let negative = (bitcast<u32>(x) >> 31u) != 0u;
  if (ax == 0.0 || k_isinf(ax)) {
    let big = (ax == 0.0) == (y < 0.0);
    let r = select(0.0, inf, big);
    return select(r, -r, negative && odd);
  }
  if (negative && !integral) { return k_bits(0x7fc00000u); }
  var r: f32;
  if (integral && abs(y) <= 64.0) {
    r = 1.0;
    var b = ax;
    var e = u32(abs(y));
    while (e > 0u) { if ((e & 1u) != 0u) { r = r * b; } b = b * b; e = e >> 1u; }
    if (y < 0.0) { r = 1.0 / r; }
  } else {
    r = exp2(y * log2(ax));
  }
  return select(r, -r, negative && odd);
}`,
  },
  // JavaScript's x | 0 (ToInt32): truncation modulo 2^32; NaN and infinities give 0.
  k_toi32: {
    uses: [],
    code: `fn k_toi32(x: f32) -> i32 {
  if (abs(x) < 2147483648.0) { return i32(x); }
  let b = bitcast<u32>(x);
  let e = (b >> 23u) & 0xffu;
  if (e == 0xffu || e - 150u >= 32u) { return 0i; }
  let v = ((b & 0x7fffffu) | 0x800000u) << (e - 150u);
  return bitcast<i32>(select(v, 0u - v, (b >> 31u) != 0u));
}`,
  },
  k_idiv: {
    uses: [],
    code: `fn k_idiv(a: i32, b: i32) -> i32 {
  if (b == 0i) { return 0i; }
  if (b == -1i) { return -a; }
  let q = a / b;
  return select(q, q - 1i, q * b != a && ((a < 0i) != (b < 0i)));
}`,
  },
  /** Floor division by a positive constant (index arithmetic). */
  k_idivp: { uses: [], code: 'fn k_idivp(a: i32, b: i32) -> i32 { let q = a / b; return select(q, q - 1i, q * b != a && a < 0i); }' },
  k_imod: {
    uses: [],
    code: `fn k_imod(a: i32, b: i32) -> i32 {
  if (b == 0i || b == -1i) { return 0i; }
  let r = a % b;
  return select(r, r + b, r != 0i && ((r < 0i) != (b < 0i)));
}`,
  },
  k_imodp: { uses: [], code: 'fn k_imodp(a: i32, b: i32) -> i32 { let r = a % b; return select(r, r + b, r < 0i); }' },
  k_ipow: {
    uses: [],
    code: `fn k_ipow(a: i32, b: i32) -> i32 {
  if (b < 0i) {
    if (a == 1i) { return 1i; }
    if (a == -1i) { return select(1i, -1i, (b & 1i) != 0i); }
    return 0i;
  }
  var r = 1i;
  var base = a;
  var e = b;
  while (e > 0i) { if ((e & 1i) != 0i) { r = r * base; } base = base * base; e = e >> 1u; }
  return r;
}`,
  },
  // src/ir/random-bits.ts, in u32 arithmetic: the same bits as the JavaScript generator.
  k_rand: {
    uses: [],
    code: `fn k_rand(seed: i32, counter: i32) -> f32 {
  let s = bitcast<u32>(seed);
  var h = s * 0x9e3779b9u + bitcast<u32>(counter) * 0x85ebca6bu + 0x632be5abu;
  h = h ^ (h >> 16u);
  h = h * 0x85ebca6bu;
  h = h ^ (h >> 13u);
  h = h * 0xc2b2ae35u;
  h = h ^ (h >> 16u);
  h = (h ^ s) * 0x27d4eb2fu;
  h = h ^ (h >> 15u);
  return f32(h >> 8u) / 16777216.0;
}`,
  },
};

/** The source of the named helpers and everything they call, dependencies first. */
export function helperSource(names: Iterable<string>): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const visit = (name: string) => {
    if (seen.has(name)) return;
    seen.add(name);
    const h = HELPERS[name];
    if (!h) throw new Error(`kiln: no WGSL helper '${name}'`);
    for (const u of h.uses) visit(u);
    out.push(h.code);
  };
  for (const n of [...names].sort()) visit(n);
  return out;
}
