import type { Expr } from '../ir/index.js';
import { toAffine } from './affine.js';
import type { Kernel } from './kernel.js';

/**
 * Whether every load of `input` reads the element the kernel writes at the same point: then
 * the output may overwrite that input's buffer (an in-place variable update). In a reduction
 * only its epilogue may read the input.
 */
export function readsOnlyAligned(kernel: Kernel, input: number): boolean {
  const rank = kernel.domain.length;
  const strides: number[] = [];
  let s = 1;
  for (let d = rank - 1; d >= 0; d--) { strides[d] = kernel.domain[d] === 1 ? 0 : s; s *= kernel.domain[d]!; }
  const aligned = (e: Expr): boolean => {
    switch (e.k) {
      case 'load': {
        if (e.input !== input) return aligned(e.at);
        const a = toAffine(e.at, rank);
        return a !== null && a.base === 0 && a.coef.every((c, d) => c === strides[d] || kernel.domain[d] === 1);
      }
      case 'alu': return e.args.every(aligned);
      default: return true;
    }
  };
  const readsInput = (e: Expr): boolean => (e.k === 'load' ? e.input === input || readsInput(e.at) : e.k === 'alu' ? e.args.some(readsInput) : false);
  if (kernel.kind === 'map') return kernel.stores.every(aligned);
  return !readsInput(kernel.body) && aligned(kernel.epilogue);
}
