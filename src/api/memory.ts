import { KilnError } from '../ir/index.js';
import { liveStorage } from '../runtime/index.js';
import { endScope, keep as keepTensor, liveTensors, startScope, Tensor, type Disposable } from '../trace/index.js';

export interface MemoryInfo {
  /** Live tensors (variables included). */
  readonly numTensors: number;
  /** Bytes of live storage on the current backends. */
  readonly numBytes: number;
  /** Live storage buffers (tensors and reshapes may share one). */
  readonly numBuffers: number;
}

export function memory(): MemoryInfo {
  return { numTensors: liveTensors.count, numBytes: liveStorage.bytes, numBuffers: liveStorage.count };
}

function collect(value: unknown, out: Set<Disposable>): void {
  if (value instanceof Tensor) out.add(value);
  else if (Array.isArray(value)) for (const v of value) collect(v, out);
  else if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) collect(v, out);
  }
}

/** Runs `fn` and disposes every tensor it made except those in its result (as tf.tidy). */
export function tidy<T>(fn: () => T): T {
  if (typeof fn !== 'function') throw new KilnError(`expects a function, got ${typeof fn}`, { op: 'tidy' });
  startScope();
  let result: T;
  try {
    result = fn();
  } catch (e) {
    endScope(new Set());
    throw e;
  }
  const kept = new Set<Disposable>();
  collect(result, kept);
  endScope(kept);
  return result;
}

/** Disposes a tensor or every tensor in an array or object. */
export function dispose(value: unknown): void {
  const all = new Set<Disposable>();
  collect(value, all);
  for (const t of all) t.dispose();
}

export function keep<T extends Tensor>(t: T): T {
  return keepTensor(t);
}

let compositeDepth = 0;

/**
 * Wraps a composite op so its eager intermediates are freed (its result is kept). An error from
 * an op inside it names the op the user called too: `softmax: exp: expects float32 ...`.
 */
export function composite<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R {
  return (...args: A) => {
    compositeDepth++;
    try {
      return tidy(() => fn(...args));
    } catch (e) {
      throw compositeDepth === 1 && e instanceof KilnError && fn.name ? e.within(fn.name) : e;
    } finally {
      compositeDepth--;
    }
  };
}
