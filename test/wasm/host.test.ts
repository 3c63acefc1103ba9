import { describe, expect, it } from 'vitest';
import { floorMod, intPow } from '../../src/ir/ops/binary.js';
import { hostFunctions } from '../../src/runtime/wasm/host.js';

/** The host helpers wasm kernels import (also evaluated inside worker threads) are the reference's functions. */
describe('wasm host helpers', () => {
  const host = hostFunctions();
  it('fmod is floorMod and ipow is intPow', () => {
    const values = [0, 1, -1, 2, -2, 3, 7, -7, 0.5, -2.5, 1e9, -1e9, 2147483647, -2147483648, 46341, 65536, Infinity, NaN];
    for (const a of values) {
      for (const b of values) {
        expect(Object.is(host.fmod!(a, b), floorMod(a, b)), `fmod(${a}, ${b})`).toBe(true);
        if (Number.isInteger(a) && Number.isInteger(b) && Math.abs(b) < 64) expect(host.ipow!(a, b), `ipow(${a}, ${b})`).toBe(intPow(a, b));
      }
    }
  });
});
