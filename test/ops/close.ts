import { expect } from 'vitest';

/** Values compared element by element; bool and int32 arrays are integers, floats may be float64. */
export type Numbers = ArrayLike<number>;

/**
 * Asserts |actual - expected| <= atol + rtol · |expected| for every element (NaN matches NaN,
 * infinities match exactly) and reports the worst element, so a failure says where and by how much.
 * rtol 0 (with atol 0, the default) is an exact comparison.
 */
export function expectClose(actual: Numbers, expected: Numbers, rtol: number, what = 'values', atol = 0): void {
  expect(actual.length, `${what}: element count`).toBe(expected.length);
  let worst = -1;
  let worstExcess = 0;
  let bad = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    let excess: number;
    if (Number.isNaN(e) || Number.isNaN(a)) excess = Number.isNaN(e) && Number.isNaN(a) ? 0 : Infinity;
    else if (!Number.isFinite(e) || !Number.isFinite(a)) excess = a === e ? 0 : Infinity;
    else excess = Math.abs(a - e) - (atol + rtol * Math.abs(e));
    if (excess > 0) {
      bad++;
      if (worst < 0 || excess > worstExcess) { worst = i; worstExcess = excess; }
    }
  }
  if (bad > 0) {
    const a = actual[worst]!;
    const e = expected[worst]!;
    expect.fail(`${what}: ${bad} of ${expected.length} elements differ (rtol ${rtol}, atol ${atol}); worst at flat index ${worst}: got ${a}, expected ${e} (|diff| ${Math.abs(a - e)})`);
  }
}
