import { div, expandDims, KilnError, mul, squeeze, sum, type Tensor, type TensorLike } from '../../api/index.js';
import { asTensor } from './inputs.js';

/** How a loss reduces its per-sample values (Keras's `reduction`). */
export type Reduction = 'sum_over_batch_size' | 'sum' | 'none' | 'mean' | 'mean_with_sample_weight';

const REDUCTIONS: readonly Reduction[] = ['sum_over_batch_size', 'sum', 'none', 'mean', 'mean_with_sample_weight'];

export function checkReduction(reduction: string, op: string): Reduction {
  if (!(REDUCTIONS as readonly string[]).includes(reduction)) {
    throw new KilnError(`unknown reduction '${reduction}'; use one of ${REDUCTIONS.map((r) => `'${r}'`).join(', ')}`, { op });
  }
  return reduction as Reduction;
}

/**
 * Keras's squeeze_or_expand_to_same_rank: when the ranks differ by one and the longer one
 * ends in 1, squeeze it (or expand the shorter one when that one has rank 1).
 */
export function squeezeOrExpandToSameRank(a: Tensor, b: Tensor, expandRank1 = true): [Tensor, Tensor] {
  if (a.rank === b.rank + 1 && a.shape[a.rank - 1] === 1) {
    return b.rank === 1 && expandRank1 ? [a, expandDims(b, -1)] : [squeeze(a, [-1]), b];
  }
  if (b.rank === a.rank + 1 && b.shape[b.rank - 1] === 1) {
    return a.rank === 1 && expandRank1 ? [expandDims(a, -1), b] : [a, squeeze(b, [-1])];
  }
  return [a, b];
}

/** Keras's reduce_weighted_values: weight the per-sample values, then reduce them. */
export function reduceWeighted(values: Tensor, sampleWeight: TensorLike | undefined, reduction: Reduction): Tensor {
  let weighted = values;
  let weight: Tensor | null = null;
  if (sampleWeight !== undefined && sampleWeight !== null) {
    weight = asTensor(sampleWeight, 'sampleWeight', 'Loss');
    [weighted, weight] = squeezeOrExpandToSameRank(values, weight);
    weighted = mul(weighted, weight);
  }
  if (reduction === 'none' || weighted.rank === 0 || (weighted.rank === 1 && weighted.shape[0] === 0)) return weighted;
  const total = sum(weighted);
  if (reduction === 'sum') return total;
  if (reduction === 'mean_with_sample_weight' && weight) return divNoNan(total, sum(weight));
  return weighted.size === 0 ? mul(total, 0) : div(total, weighted.size);
}

/** a / b, and 0 where b is 0 (Keras's divide_no_nan). */
export function divNoNan(a: Tensor, b: Tensor): Tensor {
  const safe = b.add(b.equal(0).cast('float32'));
  return div(a, safe).mul(b.notEqual(0).cast('float32'));
}
