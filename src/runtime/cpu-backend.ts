import { renderJs, type Kernel } from '../codegen/index.js';
import { allocArray, randomUniform01, type DType, type TypedArray } from '../ir/index.js';
import { roundHalfEven } from '../ir/ops/unary.js';
import { floorMod, intPow } from '../ir/ops/binary.js';
import type { Backend, CompiledKernel, DeviceBuffer, Launch } from './backend.js';

type KernelFn = (ins: TypedArray[], outs: TypedArray[], helpers: typeof HELPERS) => void;

/** Helpers generated kernels call; the same functions the reference evaluator uses. */
const HELPERS = { round: roundHalfEven, mod: floorMod, ipow: intPow, rand: randomUniform01 };

interface CpuBuffer extends DeviceBuffer {
  readonly data: TypedArray;
}

interface CpuKernel extends CompiledKernel {
  readonly fn: KernelFn;
}

/** The `cpu` backend: buffers are typed arrays and kernels are generated JavaScript. */
export class CpuBackend implements Backend {
  readonly name = 'cpu' as const;
  private readonly cache = new Map<string, CpuKernel>();

  allocate(dtype: DType, size: number): DeviceBuffer {
    return { dtype, size, data: allocArray(dtype, size) } as CpuBuffer;
  }

  view(buffer: DeviceBuffer, dtype: DType, size: number): DeviceBuffer {
    const base = (buffer as CpuBuffer).data;
    const data = dtype === 'float32' ? new Float32Array(base.buffer, base.byteOffset, size)
      : dtype === 'int32' ? new Int32Array(base.buffer, base.byteOffset, size) : new Uint8Array(base.buffer, base.byteOffset, size);
    return { dtype, size, data } as CpuBuffer;
  }

  release(): void {
    // Typed arrays are reclaimed by the garbage collector.
  }

  upload(dtype: DType, data: ArrayLike<number>): DeviceBuffer {
    const buffer = this.allocate(dtype, data.length) as CpuBuffer;
    buffer.data.set(data);
    return buffer;
  }

  readSync(buffer: DeviceBuffer): TypedArray {
    return (buffer as CpuBuffer).data;
  }

  read(buffer: DeviceBuffer): Promise<TypedArray> {
    return Promise.resolve((buffer as CpuBuffer).data);
  }

  compile(kernel: Kernel): CompiledKernel {
    const source = renderJs(kernel);
    const key = source.slice(source.indexOf('\n')); // the text without its name comment
    const hit = this.cache.get(key);
    if (hit) return hit.name === kernel.name ? hit : { ...hit, name: kernel.name, source };
    const fn = new Function('ins', 'outs', 'H', source) as KernelFn;
    const compiled: CpuKernel = { name: kernel.name, language: 'js', source, fn };
    this.cache.set(key, compiled);
    return compiled;
  }

  run(launch: Launch): void {
    const k = launch.kernel as CpuKernel;
    k.fn(launch.inputs.map((b) => (b as CpuBuffer).data), launch.outputs.map((b) => (b as CpuBuffer).data), HELPERS);
  }
}
