/**
 * The host functions wasm kernels import (the order and names of HOST_IMPORTS in
 * src/codegen/wasm/math.ts): Math functions for float64 code and for sin/cos beyond their exact
 * reduction, and the floor modulo and wrapping int32 power of src/ir/ops/binary.ts. Written
 * once as source text, so worker threads evaluate the very same functions as the main thread.
 */
export const HOST_SOURCE = `({
  sin: Math.sin, cos: Math.cos, exp: Math.exp, log: Math.log, log1p: Math.log1p, tanh: Math.tanh, pow: Math.pow,
  fmod: (a, b) => { const r = a % b; return r !== 0 && (r < 0) !== (b < 0) ? r + b : r; },
  ipow: (a, b) => {
    if (b < 0) return Math.trunc(a ** b) | 0;
    let result = 1;
    for (let base = a | 0, e = b; e > 0; e = Math.floor(e / 2), base = Math.imul(base, base)) {
      if (e % 2 === 1) result = Math.imul(result, base);
    }
    return result;
  },
})`;

export type HostFunctions = Record<string, (...args: number[]) => number>;

export function hostFunctions(): HostFunctions {
  return new Function(`return ${HOST_SOURCE}`)() as HostFunctions;
}
