import { renderWasm, type WasmKernel } from '../../codegen/wasm/render.js';
import type { Kernel } from '../../codegen/index.js';
import { bytesPerElement, type DType, type TypedArray } from '../../ir/index.js';
import type { Backend, CompiledKernel, DeviceBuffer, Launch } from '../backend.js';
import { WasmHeap, type HeapStats } from './heap.js';
import { hostFunctions } from './host.js';
import type { Slice, ThreadPool } from './threads.js';

/**
 * The `wasm` backend: every buffer lives in one WebAssembly.Memory (a byte offset and a size),
 * kernels are WebAssembly modules with SIMD generated from the Kernel IR, and big launches
 * split their rows (or columns) across worker threads that share the memory. Launches below
 * `threshold` operations (about 0.1-0.2 ms of one thread's work: waking a worker costs tens of
 * microseconds) run on the calling thread alone.
 */
interface WasmBuffer extends DeviceBuffer {
  readonly ptr: number;
  /** The allocated block's size; 0 for a view, which owns nothing. */
  readonly bytes: number;
}

type RunFn = (...args: number[]) => void;

interface WasmCompiled extends CompiledKernel {
  readonly id: number;
  readonly plan: WasmKernel;
  readonly run: RunFn;
  readonly partial: RunFn | null;
  readonly finish: RunFn | null;
}

export interface WasmBackendOptions {
  /** Threads including the calling one (1: no workers). */
  readonly threads: number;
  /** Launches with less work than this (element operations) run on one thread. */
  readonly threshold?: number;
}

export class WasmBackend implements Backend {
  readonly name = 'wasm' as const;
  private readonly cache = new Map<string, WasmCompiled>();
  private readonly host = hostFunctions();
  /** Every compiled module by kernel id, for workers that join later. */
  private readonly modules: { module: WebAssembly.Module; bytes: Uint8Array }[] = [];
  private scratch = { ptr: 0, bytes: 0 };
  threshold: number;
  /** Resolves when the worker threads have joined (at once when there are none). */
  threadsReady: Promise<void> = Promise.resolve();

  constructor(readonly heap: WasmHeap, private pool: ThreadPool | null, options: Partial<WasmBackendOptions> = {}) {
    this.threshold = options.threshold ?? 1 << 18;
  }

  /** Workers started after the backend was made: they get every kernel compiled so far, then take launches. */
  attachPool(pool: ThreadPool | null): void {
    if (!pool) return;
    if (this.pool) throw new Error('kiln: the wasm backend already has worker threads');
    this.modules.forEach((m, id) => pool.register(id, m.module, m.bytes));
    this.pool = pool;
  }

  /** Threads a big launch uses (1 without workers). */
  get threads(): number {
    return this.pool?.threads ?? 1;
  }

  /** Whether launches may use the worker threads (tests compare both). */
  useThreads = true;
  /** Launches so far: all, those split across threads, and those split along a reduced dim. */
  readonly launches = { total: 0, threaded: 0, splitReductions: 0 };

  memoryStats(): HeapStats {
    return this.heap.stats();
  }

  allocate(dtype: DType, size: number): DeviceBuffer {
    const { ptr, bytes } = this.heap.alloc(size * bytesPerElement(dtype));
    return { dtype, size, ptr, bytes } as WasmBuffer;
  }

  release(buffer: DeviceBuffer): void {
    const b = buffer as WasmBuffer;
    if (b.bytes > 0) this.heap.free(b.ptr, b.bytes);
  }

  view(buffer: DeviceBuffer, dtype: DType, size: number): DeviceBuffer {
    return { dtype, size, ptr: (buffer as WasmBuffer).ptr, bytes: 0 } as WasmBuffer;
  }

  upload(dtype: DType, data: ArrayLike<number>): DeviceBuffer {
    const buffer = this.allocate(dtype, data.length) as WasmBuffer;
    this.heap.view(dtype, buffer.ptr, data.length).set(data);
    return buffer;
  }

  /** A live view, as the cpu backend's (callers copy it): valid until the memory next grows. */
  readSync(buffer: DeviceBuffer): TypedArray {
    const b = buffer as WasmBuffer;
    return this.heap.view(b.dtype, b.ptr, b.size);
  }

  /** A copy: the buffer may be reused before the promise's reader runs. */
  read(buffer: DeviceBuffer): Promise<TypedArray> {
    return Promise.resolve(this.readSync(buffer).slice());
  }

  compile(kernel: Kernel): CompiledKernel {
    const plan = renderWasm(kernel, { shared: this.heap.shared });
    const key = plan.listing.slice(plan.listing.indexOf('\n'));
    const hit = this.cache.get(key);
    if (hit) return hit.name === kernel.name ? hit : { ...hit, name: kernel.name, source: plan.listing };
    const module = new WebAssembly.Module(plan.bytes);
    const instance = new WebAssembly.Instance(module, { env: { memory: this.heap.memory }, host: this.host });
    const id = this.modules.length;
    this.modules.push({ module, bytes: plan.bytes });
    this.pool?.register(id, module, plan.bytes);
    const exports = instance.exports as Record<string, RunFn | undefined>;
    const compiled: WasmCompiled = {
      name: kernel.name, language: 'wasm', source: plan.listing, id, plan, run: exports.run!, partial: exports.partial ?? null, finish: exports.finish ?? null,
    };
    this.cache.set(key, compiled);
    return compiled;
  }

  run(launch: Launch): void {
    const k = launch.kernel as WasmCompiled;
    const plan = k.plan;
    if (plan.empty) return;
    const args = [...launch.inputs, ...launch.outputs].map((b) => (b as WasmBuffer).ptr);
    const threads = this.pool && this.useThreads && plan.work >= this.threshold ? this.pool.threads : 1;
    this.launches.total++;
    if (plan.split && threads > 1 && (plan.rows * plan.cols < threads || plan.split.preferred)) {
      this.launches.threaded++;
      this.launches.splitReductions++;
      this.runSplit(k, args, threads);
      return;
    }
    const slices = this.slices(plan, threads);
    if (slices.length > 1) this.launches.threaded++;
    if (slices.length === 1) {
      const s = slices[0]!;
      k.run(...args, s.rs, s.re, s.cs, s.ce, s.scratch);
      return;
    }
    this.pool!.launch(k.id, 'run', args, slices, (s) => k.run(...args, s.rs, s.re, s.cs, s.ce, s.scratch));
  }

  /** A reduction with few outputs: each thread folds a slice of the reduced dim, then one combines. */
  private runSplit(k: WasmCompiled, args: readonly number[], threads: number): void {
    const { extent, slotBytes } = k.plan.split!;
    const parts = Math.min(threads, extent);
    const scratch = this.scratchFor(slotBytes);
    const slices: Slice[] = Array.from({ length: threads }, (_, t) => ({
      rs: Math.floor((extent * t) / parts), re: t < parts ? Math.floor((extent * (t + 1)) / parts) : 0, cs: 0, ce: t < parts ? 1 : 0,
      scratch: scratch.ptr + t * scratch.perThread,
    }));
    this.pool!.launch(k.id, 'partial', args, slices, (s) => k.partial!(...args, s.rs, s.re, s.cs, s.ce, s.scratch));
    k.finish!(...args, parts, scratch.perThread, 0, 0, scratch.ptr);
  }

  /** One slice per thread: rows when there are enough of them, else columns in aligned blocks. */
  private slices(plan: WasmKernel, threads: number): Slice[] {
    const scratch = this.scratchFor(plan.scratchBytes);
    const at = (t: number) => scratch.ptr + t * scratch.perThread;
    const { rows, cols, colAlign } = plan;
    const units = Math.ceil(cols / colAlign);
    if (threads === 1 || (rows < threads && units < threads && rows < 2)) return [{ rs: 0, re: rows, cs: 0, ce: cols, scratch: at(0) }];
    const out: Slice[] = [];
    if ((rows >= threads && !(plan.preferCols && units >= threads)) || units < threads) {
      for (let t = 0; t < threads; t++) out.push({ rs: Math.floor((rows * t) / threads), re: Math.floor((rows * (t + 1)) / threads), cs: 0, ce: cols, scratch: at(t) });
    } else {
      for (let t = 0; t < threads; t++) {
        const cs = Math.min(cols, Math.floor((units * t) / threads) * colAlign);
        const ce = Math.min(cols, Math.floor((units * (t + 1)) / threads) * colAlign);
        out.push({ rs: 0, re: rows, cs, ce, scratch: at(t) });
      }
    }
    return out;
  }

  /** A scratch area of `bytes` per thread, kept (and grown) across launches. */
  private scratchFor(bytes: number): { ptr: number; perThread: number } {
    if (bytes === 0) return { ptr: 0, perThread: 0 };
    const perThread = Math.ceil(bytes / 64) * 64;
    const need = perThread * this.threads;
    if (need > this.scratch.bytes) {
      if (this.scratch.bytes) this.heap.free(this.scratch.ptr, this.scratch.bytes);
      const { ptr, bytes: got } = this.heap.alloc(need);
      this.scratch = { ptr, bytes: got };
    }
    return { ptr: this.scratch.ptr, perThread };
  }

  dispose(): void {
    this.pool?.dispose();
  }
}
