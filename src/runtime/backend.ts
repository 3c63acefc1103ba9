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
}
