import type { DType, Expr, ReduceOp } from '../ir/index.js';

/**
 * The Kernel IR: an iteration domain and scalar expressions that load from input buffers
 * through index expressions (broadcast, transpose, slice and pad are index arithmetic, never
 * copies). Domain dimension d is `index(d)`; a reduction's inner dimensions follow the outer
 * ones. Every buffer is a flat array; each output is written contiguously over the domain.
 */
export interface KernelBuffer {
  readonly dtype: DType;
  readonly size: number;
}

interface KernelBase {
  readonly name: string;
  readonly inputs: readonly KernelBuffer[];
  readonly outputs: readonly KernelBuffer[];
  /** The outer iteration shape: one point per output element. */
  readonly domain: readonly number[];
}

/** One loop over the domain; store i writes output i. */
export interface MapKernel extends KernelBase {
  readonly kind: 'map';
  readonly stores: readonly Expr[];
}

/** For each domain point, folds `body` over the inner shape, then writes `epilogue(acc)`. */
export interface ReduceKernel extends KernelBase {
  readonly kind: 'reduce';
  readonly op: ReduceOp;
  readonly inner: readonly number[];
  readonly body: Expr;
  readonly epilogue: Expr;
}

export type Kernel = MapKernel | ReduceKernel;

/** The identity element a reduction starts from. */
export function reduceInit(op: ReduceOp): number {
  switch (op) {
    case 'sum': return 0;
    case 'prod': return 1;
    case 'max': case 'argmax': return -Infinity;
    case 'min': case 'argmin': return Infinity;
  }
}
