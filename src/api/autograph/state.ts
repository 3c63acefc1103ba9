import { KilnError, shapeString, type DType } from '../../ir/index.js';
import { isPlainObject, Tensor } from '../../trace/index.js';
import { describeValue } from './values.js';

/**
 * The variables a converted statement reads and writes (its "state"), as the generated code
 * passes them: `getVars()` returns their values in order, `setVars(values)` assigns them.
 */
export type GetVars = () => unknown[];
export type SetVars = (values: unknown[]) => void;

/**
 * A non-tensor value in a branch result. Instances are interned per statement, so the same
 * value in both branches compares equal and passes through without becoming a tensor.
 */
export class HostLeaf {
  constructor(readonly value: unknown) {}
}

export class HostLeaves {
  private readonly leaves = new Map<unknown, HostLeaf>();
  of(x: unknown): HostLeaf {
    let h = this.leaves.get(x);
    if (!h) { h = new HostLeaf(x); this.leaves.set(x, h); }
    return h;
  }
}

/**
 * Thrown while tracing when a JS number met a tensor of another dtype (a number becomes
 * float32 unless told otherwise): the statement is traced again with `dtype` for `key`.
 */
export class DTypeRetry extends Error {
  constructor(readonly key: string, readonly dtype: DType) {
    super(`retry ${key} as ${dtype}`);
  }
}

/**
 * While the body of a loop is traced once to find the types of variables undefined before it,
 * a variable (the return value) defined in one branch only is filled with zeros in the other.
 */
export const firstIteration = { depth: 0 };

/** Thrown while tracing the first iteration: trace the statement again, filling `key` with zeros of `type`. */
export class FillRetry extends Error {
  constructor(readonly key: string, readonly shape: readonly number[], readonly dtype: DType) {
    super(`retry filling ${key}`);
  }
}

/**
 * A leaf of a variable's value: `key` identifies it (`1[0].w` is variable 1, element 0, field w)
 * and `label` names it for messages (`state[0].w`).
 */
export interface LeafPath {
  readonly key: string;
  readonly label: string;
}

/** Maps the leaves of arrays and plain objects (tensors, JS values), keeping the structure. */
export function mapLeaves(x: unknown, path: LeafPath, fn: (leaf: unknown, path: LeafPath) => unknown): unknown {
  if (Array.isArray(x)) return x.map((v, i) => mapLeaves(v, { key: `${path.key}[${i}]`, label: `${path.label}[${i}]` }, fn));
  if (isPlainObject(x)) {
    return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, mapLeaves(v, { key: `${path.key}.${k}`, label: `${path.label}.${k}` }, fn)]));
  }
  return fn(x, path);
}

export function varPath(index: number, names: readonly string[]): LeafPath {
  return { key: String(index), label: names[index] ?? `#${index}` };
}

/** A description of how a value nests (arrays and object keys), for comparing structures. */
export function nesting(x: unknown): string {
  if (Array.isArray(x)) return `[${x.map(nesting).join(',')}]`;
  if (isPlainObject(x)) return `{${Object.keys(x).sort().map((k) => `${k}:${nesting(x[k])}`).join(',')}}`;
  return '*';
}

/** The name the transform gives a function's return value (emit.ts). */
export const RETURN_VALUE = 'retval__';

export function autographError(message: string): KilnError {
  return new KilnError(message, { op: 'autograph' });
}

/** Checks that a value after one iteration (or in the else branch) has the type it had before. */
export function sameTensorType(label: string, before: Tensor, after: Tensor, where: { before: string; after: string; hint: string }): void {
  if (before.dtype !== after.dtype) {
    throw autographError(`'${label}' has dtype ${before.dtype} ${where.before}, but dtype ${after.dtype} ${where.after}`);
  }
  if (before.shape.join() !== after.shape.join()) {
    throw autographError(`'${label}' has shape ${shapeString(before.shape)} ${where.before}, but shape ${shapeString(after.shape)} ${where.after}; ${where.hint}`);
  }
}

export function mismatch(label: string, a: unknown, b: unknown, where: { before: string; after: string }): KilnError {
  return autographError(`'${label}' is ${describeValue(a)} ${where.before} but ${describeValue(b)} ${where.after}; ` +
    'only tensors, numbers and booleans can change in tensor control flow');
}
