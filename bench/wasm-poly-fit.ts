/**
 * Fits the polynomial coefficients of the wasm renderer's float32 transcendental functions
 * (src/codegen/wasm/math.ts) by Lawson's iteratively reweighted least squares, which converges
 * to the minimax (equal-ripple) fit of the relative error on a dense grid, and prints them
 * rounded to float32 together with the relative error of the rounded polynomial.
 *
 *   npx tsx bench/wasm-poly-fit.ts
 */

interface Fit {
  readonly name: string;
  /** The polynomial variable's range. */
  readonly lo: number;
  readonly hi: number;
  readonly degree: number;
  /** What the polynomial Q(t) approximates at t, and the weight turning Q's error into the relative error of the result. */
  readonly target: (t: number) => number;
  readonly weight: (t: number) => number;
}

/** Least squares of columns A (n×m) against b with Householder QR. */
function leastSquares(a: number[][], b: number[]): number[] {
  const n = a.length;
  const m = a[0]!.length;
  const r = a.map((row) => row.slice());
  const y = b.slice();
  for (let j = 0; j < m; j++) {
    let norm = 0;
    for (let i = j; i < n; i++) norm += r[i]![j]! ** 2;
    norm = Math.sqrt(norm);
    const alpha = r[j]![j]! > 0 ? -norm : norm;
    const v = new Array<number>(n).fill(0);
    for (let i = j; i < n; i++) v[i] = r[i]![j]!;
    v[j]! -= alpha;
    let vv = 0;
    for (let i = j; i < n; i++) vv += v[i]! ** 2;
    if (vv === 0) continue;
    for (let k = j; k < m; k++) {
      let s = 0;
      for (let i = j; i < n; i++) s += v[i]! * r[i]![k]!;
      s = (2 * s) / vv;
      for (let i = j; i < n; i++) r[i]![k]! -= s * v[i]!;
    }
    let s = 0;
    for (let i = j; i < n; i++) s += v[i]! * y[i]!;
    s = (2 * s) / vv;
    for (let i = j; i < n; i++) y[i]! -= s * v[i]!;
  }
  const x = new Array<number>(m).fill(0);
  for (let j = m - 1; j >= 0; j--) {
    let s = y[j]!;
    for (let k = j + 1; k < m; k++) s -= r[j]![k]! * x[k]!;
    x[j] = s / r[j]![j]!;
  }
  return x;
}

function horner(c: readonly number[], t: number): number {
  let p = 0;
  for (let i = c.length - 1; i >= 0; i--) p = p * t + c[i]!;
  return p;
}

function fit(f: Fit): { coef: number[]; maxRel: number } {
  const n = 4000;
  const ts = Array.from({ length: n }, (_, i) => f.lo + ((f.hi - f.lo) * (1 - Math.cos((Math.PI * (i + 0.5)) / n))) / 2);
  const omega = new Array<number>(n).fill(1);
  let coef: number[] = [];
  for (let iter = 0; iter < 300; iter++) {
    const a = ts.map((t, i) => Array.from({ length: f.degree + 1 }, (_, j) => Math.sqrt(omega[i]!) * f.weight(t) * t ** j));
    const b = ts.map((t, i) => Math.sqrt(omega[i]!) * f.weight(t) * f.target(t));
    coef = leastSquares(a, b);
    const err = ts.map((t) => Math.abs(f.weight(t) * (horner(coef, t) - f.target(t))));
    const total = err.reduce((s, e, i) => s + omega[i]! * e, 0);
    for (let i = 0; i < n; i++) omega[i] = (omega[i]! * err[i]!) / total;
  }
  const rounded = coef.map((c) => Math.fround(c));
  let maxRel = 0;
  for (let i = 0; i <= 20000; i++) {
    const t = f.lo + ((f.hi - f.lo) * i) / 20000;
    maxRel = Math.max(maxRel, Math.abs(f.weight(t) * (horner(rounded, t) - f.target(t))));
  }
  return { coef: rounded, maxRel };
}

const LN2 = Math.LN2;
const fits: Fit[] = [
  // e^r = 1 + r + r²·Q(r) on the reduced range |r| ≤ ln2/2.
  { name: 'exp', lo: -LN2 / 2 - 1e-3, hi: LN2 / 2 + 1e-3, degree: 4,
    target: (r) => (Math.abs(r) < 1e-4 ? 0.5 + r / 6 + (r * r) / 24 : (Math.exp(r) - 1 - r) / (r * r)), weight: (r) => (r * r) / Math.exp(r) },
  // log(1+f) = f - f²/2 + f³·Q(f) for 1+f in [√½, √2).
  { name: 'log', lo: Math.SQRT1_2 - 1, hi: Math.SQRT2 - 1, degree: 7,
    target: (f) => (Math.abs(f) < 1e-4 ? 1 / 3 - f / 4 + (f * f) / 5 : (Math.log1p(f) - f + (f * f) / 2) / f ** 3), weight: (f) => (f === 0 ? 0 : Math.abs(f ** 3 / Math.log1p(f))) },
  // sin r = r + r³·Q(r²), |r| ≤ π/4.
  { name: 'sin', lo: 0, hi: (Math.PI / 4) ** 2 * 1.001, degree: 3,
    target: (u) => (u < 1e-8 ? -1 / 6 : (Math.sin(Math.sqrt(u)) - Math.sqrt(u)) / u ** 1.5), weight: (u) => (u === 0 ? 0 : u ** 1.5 / Math.sin(Math.sqrt(u))) },
  // cos r = 1 - r²/2 + r⁴·Q(r²).
  { name: 'cos', lo: 0, hi: (Math.PI / 4) ** 2 * 1.001, degree: 3,
    target: (u) => (u < 1e-8 ? 1 / 24 : (Math.cos(Math.sqrt(u)) - 1 + u / 2) / (u * u)), weight: (u) => (u * u) / Math.cos(Math.sqrt(u)) },
  // tanh x = x + x³·Q(x²) for |x| < 0.625.
  { name: 'tanh', lo: 0, hi: 0.625 ** 2 * 1.001, degree: 5,
    target: (u) => (u < 1e-8 ? -1 / 3 : (Math.tanh(Math.sqrt(u)) - Math.sqrt(u)) / u ** 1.5), weight: (u) => (u === 0 ? 0 : u ** 1.5 / Math.tanh(Math.sqrt(u))) },
];

for (const f of fits) {
  const { coef, maxRel } = fit(f);
  console.log(`${f.name}: [${coef.map((c) => c.toPrecision(9)).join(', ')}]  max relative error of the polynomial ${maxRel.toExponential(2)}`);
}
