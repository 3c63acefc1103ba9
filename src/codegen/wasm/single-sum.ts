import type { Expr } from '../../ir/index.js';
import type { Kernel, MapKernel } from '../kernel.js';

/**
 * A sum over one element (inner dims all of size 1 once normalized, as maxPoolGrad's over
 * windows that do not overlap) as a map storing `epilogue(0 + body)`: the same bits as folding
 * it (a float32 product or quotient widened to float64 and back rounds as float32 does, and
 * `0 + x` keeps −0 → +0), without an accumulator, so it vectorizes like an elementwise op.
 * Expects a normalized kernel; null for anything else.
 */
export function singleSumAsMap(kernel: Kernel): MapKernel | null {
  if (kernel.kind !== 'reduce' || kernel.op !== 'sum' || kernel.inner.length !== 0) return null;
  const { body, epilogue } = kernel;
  // Downstream of `rand` a map would also run the epilogue in float64, where the fold rounds the sum to float32 first.
  if ((body.dtype !== 'float32' && body.dtype !== 'int32') || usesRand(body)) return null;
  const folded: Expr = { k: 'alu', op: 'add', args: [{ k: 'const', value: 0, dtype: body.dtype }, body], dtype: body.dtype };
  const withAcc = (e: Expr): Expr => {
    if (e.k === 'acc') return folded;
    if (e.k === 'load') return { ...e, at: withAcc(e.at) };
    if (e.k === 'alu') return { ...e, args: e.args.map(withAcc) };
    return e;
  };
  return { kind: 'map', name: kernel.name, inputs: kernel.inputs, outputs: kernel.outputs, domain: kernel.domain, stores: [withAcc(epilogue)] };
}

const usesRand = (e: Expr): boolean => (e.k === 'alu' ? e.op === 'rand' || e.args.some(usesRand) : e.k === 'load' && usesRand(e.at));
