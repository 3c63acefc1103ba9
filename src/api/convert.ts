import { allocArray, castScalar, isDType, KilnError, sizeOf, type DType, type HostTensor, type TypedArray } from '../ir/index.js';
import { Storage } from '../runtime/index.js';
import { intListArg } from './args.js';
import { currentBackend, currentTrace, Tensor } from '../trace/index.js';

/** Anything accepted where a tensor is expected. */
export type NestedArray = number | boolean | readonly NestedArray[];
export type TensorLike = Tensor | number | boolean | TypedArray | readonly NestedArray[];

/** A tensor made from host values: a constant node while tracing, uploaded storage otherwise. */
export function fromHost(host: HostTensor): Tensor {
  const trace = currentTrace();
  if (trace) {
    const v = trace.graph.constant(host);
    return new Tensor(host.type, null, v, trace);
  }
  const backend = currentBackend();
  return new Tensor(host.type, { storage: new Storage(backend, backend.upload(host.type.dtype, host.data)) });
}

function inferShape(op: string, values: unknown): number[] {
  const shape: number[] = [];
  let v = values;
  while (Array.isArray(v)) { shape.push(v.length); v = v[0]; }
  // `path` is where x sits, e.g. [1][0], so the message points at the offending entry.
  const check = (x: unknown, dim: number, path: string): void => {
    const ragged = (found: string) => new KilnError(`nested array is ragged: the first entries give shape [${shape.join(',')}], but values${path} ${found}`, { op });
    if (dim === shape.length) {
      if (Array.isArray(x)) throw ragged(`is an array of length ${x.length}, not a number`);
      if (typeof x !== 'number' && typeof x !== 'boolean') throw new KilnError(`expects numbers or booleans, found ${x === null ? 'null' : typeof x} at values${path}`, { op });
      return;
    }
    if (!Array.isArray(x)) throw ragged(`is ${typeof x}, not an array of length ${shape[dim]}`);
    if (x.length !== shape[dim]) throw ragged(`has length ${x.length}, not ${shape[dim]}`);
    x.forEach((y, i) => check(y, dim + 1, `${path}[${i}]`));
  };
  check(values, 0, '');
  return shape;
}

function flatten(values: unknown, out: number[]): void {
  if (Array.isArray(values)) for (const v of values) flatten(v, out);
  else out.push(typeof values === 'boolean' ? (values ? 1 : 0) : (values as number));
}

function firstLeaf(values: unknown): unknown {
  let v = values;
  while (Array.isArray(v)) v = v[0];
  return v;
}

function dtypeOfTyped(a: TypedArray): DType {
  return a instanceof Float32Array ? 'float32' : 'int32';
}

/** Host data for nested arrays, a typed array or a scalar, with an optional shape and dtype. */
export function hostTensor(op: string, values: unknown, shape?: readonly number[], dtype?: DType): HostTensor {
  if (dtype !== undefined && !isDType(dtype)) throw new KilnError(`unknown dtype '${String(dtype)}'; use 'float32', 'int32' or 'bool'`, { op });
  let flat: ArrayLike<number>;
  let inferred: number[];
  let dt: DType;
  if (ArrayBuffer.isView(values) && !(values instanceof DataView)) {
    const typed = values as unknown as TypedArray;
    flat = typed;
    inferred = [typed.length];
    dt = dtype ?? dtypeOfTyped(typed);
  } else if (typeof values === 'number' || typeof values === 'boolean' || Array.isArray(values)) {
    inferred = inferShape(op, values);
    const list: number[] = [];
    flatten(values, list);
    flat = list;
    dt = dtype ?? (typeof firstLeaf(values) === 'boolean' ? 'bool' : 'float32');
  } else {
    throw new KilnError(`expects a tensor, number, boolean, typed array or nested array, got ${values === null ? 'null' : typeof values}`, { op });
  }
  const finalShape = shape === undefined || shape === null ? inferred : intListArg(op, 'shape', shape);
  if (sizeOf(finalShape) !== flat.length) {
    throw new KilnError(`${flat.length} values do not fill shape [${finalShape.join(',')}] (${sizeOf(finalShape)} elements)`, { op });
  }
  const data = allocArray(dt, flat.length);
  for (let i = 0; i < flat.length; i++) data[i] = castScalar(flat[i]!, dt);
  return { type: { shape: finalShape, dtype: dt }, data };
}

/**
 * A tensor for an argument: tensors pass through; numbers and arrays become constants, of
 * `dtype` when given (so `add(intTensor, 1)` stays int32).
 */
export function toTensor(x: unknown, name: string, op: string, dtype?: DType): Tensor {
  if (x instanceof Tensor) return x;
  if (x === undefined) throw new KilnError(`missing argument '${name}' (a tensor, number or nested array)`, { op });
  if (x === null || typeof x === 'string' || typeof x === 'object' && !Array.isArray(x) && !ArrayBuffer.isView(x)) {
    throw new KilnError(`argument '${name}' must be a tensor, number or nested array, got ${x === null ? 'null' : Array.isArray(x) ? 'array' : typeof x}`, { op });
  }
  return fromHost(hostTensor(op, x, undefined, dtype));
}

/** Converts two operands; a non-tensor takes the tensor operand's dtype. */
export function toTensorPair(a: unknown, b: unknown, op: string): [Tensor, Tensor] {
  const ta = a instanceof Tensor ? a : null;
  const tb = b instanceof Tensor ? b : null;
  const first = toTensor(a, 'a', op, ta ? undefined : tb?.dtype);
  try {
    return [first, toTensor(b, 'b', op, tb ? undefined : ta?.dtype)];
  } catch (e) {
    if (first !== a) first.dispose(); // a bad `b` leaves nothing allocated
    throw e;
  }
}
