import { KilnError, sizeOf, type DType, type TensorType, type TypedArray, type Value } from '../ir/index.js';
import type { Backend, Storage } from '../runtime/index.js';
import { formatTensor, toNested } from './format.js';
import { rehome } from './rehome.js';
import { track, untrack } from './scope.js';
import type { TraceState } from './trace-state.js';

/** Where a concrete tensor's storage is: its own, or a variable's (replaced on assign). */
export interface StorageSlot {
  storage: Storage;
}

let nextTensorId = 0;

/**
 * A tensor handle: concrete (storage on a backend) or symbolic (a Value in the graph being
 * traced). Op methods (`a.add(b)`) are attached by src/api.
 */
export class Tensor {
  readonly id = nextTensorId++;
  readonly shape: readonly number[];
  readonly dtype: DType;
  /** @internal Set for concrete tensors. */
  slot: StorageSlot | null;
  /** @internal Set for symbolic tensors: the value and the trace it belongs to. */
  readonly value: Value | null;
  /** @internal */
  readonly trace: TraceState | null;
  private disposed = false;

  /** @internal Use the creation functions (kiln.tensor, kiln.zeros, ...). */
  constructor(type: TensorType, slot: StorageSlot | null, value: Value | null = null, trace: TraceState | null = null) {
    this.shape = type.shape;
    this.dtype = type.dtype;
    this.slot = slot;
    this.value = value;
    this.trace = trace;
    if (slot && !value) track(this);
  }

  get rank(): number {
    return this.shape.length;
  }

  get size(): number {
    return sizeOf(this.shape);
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  get isSymbolic(): boolean {
    return this.value !== null;
  }

  /** @internal The live storage; throws a KilnError for disposed or symbolic tensors. */
  storage(op: string): Storage {
    if (this.disposed) throw new KilnError(`tensor ${this.describe()} was disposed and cannot be used`, { op });
    if (!this.slot) {
      const fn = this.trace ? `compiled function '${this.trace.functionName}'` : 'a compiled function';
      throw new KilnError(`tensor ${this.describe()} is symbolic (made while tracing ${fn}) and has no value outside it; return it from the function instead`, { op });
    }
    return this.slot.storage;
  }

  /** @internal The live storage on `backend`, moved there first if the tensor was made on another one. */
  storageOn(backend: Backend, op: string): Storage {
    const s = this.storage(op);
    return s.backend === backend ? s : rehome(this.slot!, backend, this.describe(), op);
  }

  describe(): string {
    return `${this.dtype}[${this.shape.join(',')}]`;
  }

  /** The values, copied, as a typed array (Float32Array, Int32Array, or Uint8Array for bool). */
  async data(): Promise<TypedArray> {
    const s = this.storage('data');
    return (await s.backend.read(s.buffer)).slice();
  }

  dataSync(): TypedArray {
    const s = this.storage('dataSync');
    return s.backend.readSync(s.buffer).slice();
  }

  async array(): Promise<unknown> {
    return toNested(await this.data(), this.shape, this.dtype);
  }

  arraySync(): unknown {
    return toNested(this.dataSync(), this.shape, this.dtype);
  }

  toString(): string {
    if (this.value) return `Tensor(symbolic %${this.value.id}, shape=[${this.shape.join(', ')}], dtype=${this.dtype})`;
    if (this.disposed) return `Tensor(disposed, shape=[${this.shape.join(', ')}], dtype=${this.dtype})`;
    const storage = this.storage('toString');
    // Backends without synchronous reads (webgpu) print the type; `await t.text()` prints values.
    if (storage.backend.name === 'webgpu') return `Tensor(on webgpu, shape=[${this.shape.join(', ')}], dtype=${this.dtype}; await tensor.text() for its values)`;
    return formatTensor(this.dataSync(), this.shape, this.dtype);
  }

  /** The printed form with values, on every backend (reads back asynchronously). */
  async text(): Promise<string> {
    if (this.value || this.disposed) return this.toString();
    return formatTensor(await this.data(), this.shape, this.dtype);
  }

  print(): void {
    console.log(this.toString());
  }

  /** Frees the tensor's storage now. Disposing twice is harmless. */
  dispose(): void {
    if (this.disposed || !this.slot) return;
    this.disposed = true;
    this.slot.storage.release();
    this.slot = null;
    untrack(this);
  }
}
