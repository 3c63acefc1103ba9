// Small graphs for the pass tests: typed constants and parameters, evaluation on fixed inputs.
import { allocArray, evaluateGraph, Graph, sizeOf, type DType, type HostTensor, type Value } from '../../src/ir/index.js';

export function host(values: readonly number[], shape: readonly number[] = [], dtype: DType = 'float32'): HostTensor {
  const data = allocArray(dtype, sizeOf(shape));
  for (let i = 0; i < data.length; i++) data[i] = values[i % values.length]!;
  return { type: { shape, dtype }, data };
}

export function constant(g: Graph, values: number | readonly number[], shape: readonly number[] = [], dtype: DType = 'float32'): Value {
  return g.constant(host(typeof values === 'number' ? [values] : values, shape, dtype));
}

export function param(g: Graph, shape: readonly number[] = [], dtype: DType = 'float32'): Value {
  return g.parameter({ shape, dtype });
}

/** Inputs with the values rewrites most often get wrong: signed zeros, infinities, NaN, extremes. */
export const SPECIAL = [0, -0, 1, -2.5, 3, Infinity, -Infinity, NaN, 1e-30, 3e38, -7];

/** Evaluates `g` on its parameters filled (cyclically) with `values`. */
export function run(g: Graph, values: readonly number[] = SPECIAL): number[][] {
  const params = g.params.map((p) => host(values, p.type.shape, p.type.dtype));
  return evaluateGraph(g, params).map((t) => Array.from(t.data));
}

/** Element-wise identical, telling -0 from 0 and matching NaN with NaN. */
export function identical(a: readonly number[][], b: readonly number[][]): boolean {
  return a.length === b.length && a.every((x, i) => x.length === b[i]!.length && x.every((v, j) => Object.is(v, b[i]![j])));
}
