import { shapeKey } from './eager-cache.js';
import { Tensor } from './tensor.js';
import { Variable } from './variable.js';

const objectIds = new WeakMap<object, number>();
let nextObjectId = 0;

function identity(o: object): number {
  let id = objectIds.get(o);
  if (id === undefined) { id = nextObjectId++; objectIds.set(o, id); }
  return id;
}

/**
 * The method by which an object supplies its own trace-cache key, like TF's `__tf_tracing_type__`:
 * `[kiln.tracingKey]() { return ['Fruit', this.kind]; }`. Objects whose keys are equal (as
 * arguments would be) share one trace, so they must be interchangeable for the function.
 */
export const tracingKey: unique symbol = Symbol.for('kiln.tracingKey');

export interface TracingKeyed {
  [tracingKey](): unknown;
}

/**
 * The trace-cache key of a call's arguments: tensors by dtype and shape, variables by identity,
 * JS primitives by value, arrays element by element, plain objects by sorted keys, objects
 * with a `tracingKey` method by its result, and any other object by identity (as tf.function does).
 */
export function signatureKey(value: unknown): string {
  if (value instanceof Variable) return `V${value.id}`;
  if (value instanceof Tensor) return `T${value.dtype}[${shapeKey(value.shape)}]`;
  switch (typeof value) {
    case 'number': return `n${Object.is(value, -0) ? '-0' : value}`;
    case 'string': return `s${JSON.stringify(value)}`;
    case 'boolean': return value ? 'true' : 'false';
    case 'undefined': return 'u';
    case 'bigint': return `b${value}`;
    case 'symbol': case 'function': return `o${identity(value as object)}`;
  }
  if (value === null) return 'null';
  const own = (value as Partial<TracingKeyed>)[tracingKey];
  if (typeof own === 'function') return `K${signatureKey(own.call(value))}`;
  if (Array.isArray(value)) return `[${value.map(signatureKey).join(',')}]`;
  const proto = Object.getPrototypeOf(value);
  if (proto === Object.prototype || proto === null) {
    const keys = Object.keys(value as object).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${signatureKey((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return `o${identity(value as object)}`;
}

/** The tensors (not variables) among nested arrays and plain objects, in a fixed order. */
export function tensorLeaves(value: unknown, out: Tensor[] = []): Tensor[] {
  if (value instanceof Variable) return out;
  if (value instanceof Tensor) { out.push(value); return out; }
  if (Array.isArray(value)) { for (const v of value) tensorLeaves(v, out); return out; }
  if (isPlainObject(value)) { for (const k of Object.keys(value).sort()) tensorLeaves(value[k], out); }
  return out;
}

/** Rebuilds a structure, replacing tensor leaves (not variables) in `tensorLeaves` order. */
export function replaceTensors(value: unknown, next: (t: Tensor) => unknown): unknown {
  if (value instanceof Variable) return value;
  if (value instanceof Tensor) return next(value);
  if (Array.isArray(value)) return value.map((v) => replaceTensors(v, next));
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) out[k] = replaceTensors(value[k], next);
    // Keep the caller's key order in the result.
    return Object.fromEntries(Object.keys(value).map((k) => [k, out[k]]));
  }
  return value;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}
