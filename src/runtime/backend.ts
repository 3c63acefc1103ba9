import type { Kernel } from '../codegen/index.js';
import type { DType, TypedArray } from '../ir/index.js';
import type { FusionLimits } from '../passes/index.js';

export type BackendName = 'cpu' | 'wasm' | 'webgpu';

/** A buffer on a backend; opaque outside it. */
export interface DeviceBuffer {
  readonly dtype: DType;
  readonly size: number;
}

/** A kernel compiled for a backend, with its generated source. */
export interface CompiledKernel {
  readonly name: string;
  readonly language: 'js' | 'wasm' | 'wgsl';
  readonly source: string;
}

export interface Launch {
  readonly kernel: CompiledKernel;
  readonly inputs: readonly DeviceBuffer[];
  readonly outputs: readonly DeviceBuffer[];
}

/**
 * What a continuation (see `Backend.defer`) uses to keep its device work in order: work it
 * issues inside `run` goes ahead of everything issued after the continuation was deferred.
 */
export interface ContinuationScope {
  /** Runs `fn` (synchronous backend calls) as part of this continuation; what it records is submitted at its end. */
  run<T>(fn: () => T): T;
  /** Waits for the continuations deferred inside this one (nested control flow); rejects with their error. */
  settle(): Promise<void>;
}

/** What every backend provides: buffers, kernels, and running a list of launches. */
export interface Backend {
  readonly name: BackendName;
  /** What one kernel may read (WebGPU: storage buffers per shader stage); the CPU limits when absent. */
  readonly limits?: FusionLimits;
  allocate(dtype: DType, size: number): DeviceBuffer;
  release(buffer: DeviceBuffer): void;
  /** A typed view of the first `size` elements of an arena buffer (no copy). */
  view(buffer: DeviceBuffer, dtype: DType, size: number): DeviceBuffer;
  upload(dtype: DType, data: ArrayLike<number>): DeviceBuffer;
  read(buffer: DeviceBuffer): Promise<TypedArray>;
  /** Synchronous read-back; backends that cannot (webgpu) throw a KilnError. */
  readSync(buffer: DeviceBuffer): TypedArray;
  compile(kernel: Kernel): CompiledKernel;
  run(launch: Launch): void;
  /** Ends a run: submits what `run` recorded since the last flush (WebGPU: one command buffer per run). */
  flush?(): void;
  /**
   * Backends without synchronous reads (webgpu) take a data-dependent decision later: the
   * continuation runs once everything issued before it is done, and every queue operation
   * issued after it (submissions, uploads, releases, reads) waits for it. If it fails, the
   * error is thrown by the next call, and reading a buffer of `writes` throws it.
   */
  defer?(continuation: (scope: ContinuationScope) => Promise<void>, writes: readonly DeviceBuffer[]): void;
  /** Records a copy of `from` into `to` (as many elements as the smaller holds) in the current run. */
  copy?(from: DeviceBuffer, to: DeviceBuffer): void;
}
