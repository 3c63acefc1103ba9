import { describe, expect, it } from 'vitest';
import { vectorMath, type MathFn } from './math-harness.js';

/**
 * The wasm renderer's vectorized float32 transcendental functions against Math.* (float64,
 * rounded to float32) over their float32 ranges. The bound documented in
 * src/codegen/wasm/math.ts is a maximum relative error below 4e-7 (a few ulp); the issue asks
 * for about 1e-6.
 */
const BOUND = 4e-7;

const sigmoid = (x: number) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));
const REF: Record<MathFn, (x: number) => number> = {
  exp: Math.exp, log: Math.log, log1p: Math.log1p, sigmoid, tanh: Math.tanh, sin: Math.sin, cos: Math.cos,
};

/** Ranges where results are normal float32s (denormal results are checked separately), spaced linearly or by magnitude. */
const RANGES: Record<MathFn, { lo: number; hi: number; log?: boolean }[]> = {
  exp: [{ lo: -87, hi: 88.7 }, { lo: -1e-3, hi: 1e-3 }],
  log: [{ lo: 1e-37, hi: 3e38, log: true }, { lo: 0.5, hi: 2 }],
  log1p: [{ lo: -0.999, hi: 10 }, { lo: 1e-30, hi: 1e30, log: true }, { lo: -1e-3, hi: 1e-3 }],
  sigmoid: [{ lo: -80, hi: 80 }, { lo: -1, hi: 1 }],
  tanh: [{ lo: -20, hi: 20 }, { lo: -1, hi: 1 }, { lo: 1e-30, hi: 1, log: true }],
  sin: [{ lo: -100, hi: 100 }, { lo: -1e5, hi: 1e5 }, { lo: 1e-30, hi: 1, log: true }],
  cos: [{ lo: -100, hi: 100 }, { lo: -1e5, hi: 1e5 }],
};

function grid(lo: number, hi: number, log: boolean, n: number): Float32Array {
  const xs = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const t = i / (n - 1);
    xs[i] = log ? Math.exp(Math.log(lo) + t * (Math.log(hi) - Math.log(lo))) : lo + t * (hi - lo);
  }
  return xs;
}

function worst(fn: MathFn, xs: Float32Array): { rel: number; x: number } {
  const ys = vectorMath(fn)(xs);
  let rel = 0;
  let at = 0;
  for (let i = 0; i < xs.length; i++) {
    const expected = Math.fround(REF[fn](xs[i]!));
    const err = Math.abs(ys[i]! - expected) / Math.abs(expected);
    if (!(err <= rel)) { rel = err; at = xs[i]!; }
  }
  return { rel, x: at };
}

describe('vectorized float32 transcendentals (wasm)', () => {
  for (const fn of Object.keys(REF) as MathFn[]) {
    it(`${fn}: relative error below ${BOUND} over its range`, () => {
      for (const { lo, hi, log } of RANGES[fn]) {
        const { rel, x } = worst(fn, grid(lo, hi, log ?? false, 1 << 18));
        expect(rel, `${fn} on [${lo}, ${hi}]: worst at x = ${x}`).toBeLessThan(BOUND);
      }
    });
  }

  it('sin and cos are exact to float32 near multiples of π/2 (float64 reduction)', () => {
    const xs = new Float32Array(4096);
    for (let i = 0; i < xs.length; i++) xs[i] = Math.fround((Math.PI / 2) * (i - 2048));
    for (const fn of ['sin', 'cos'] as const) {
      const ys = vectorMath(fn)(xs);
      for (let i = 0; i < xs.length; i++) {
        const e = Math.fround(REF[fn](xs[i]!));
        expect(Math.abs(ys[i]! - e), `${fn}(${xs[i]})`).toBeLessThanOrEqual(Math.max(BOUND * Math.abs(e), 1e-45));
      }
    }
  });

  it('special values: ±0, ±Infinity, NaN, denormals and huge arguments', () => {
    const specials = [0, -0, Infinity, -Infinity, NaN, 1, -1, 1e-40, -1e-40, 1e30, -1e30, 100, -100, 1e8, -1e8, -103, -95, 89, -0.5];
    const xs = new Float32Array(Math.ceil(specials.length / 4) * 4);
    xs.set(specials);
    for (const fn of Object.keys(REF) as MathFn[]) {
      const ys = vectorMath(fn)(xs);
      specials.forEach((x, i) => {
        const e = Math.fround(REF[fn](Math.fround(x)));
        const y = ys[i]!;
        const ok = Object.is(y, e) || (Number.isNaN(e) && Number.isNaN(y)) || Math.abs(y - e) <= BOUND * Math.abs(e) || Math.abs(y - e) <= 1.5e-45;
        expect(ok, `${fn}(${x}) = ${y}, expected ${e}`).toBe(true);
      });
    }
  });
});
