/// <reference types="@webgpu/types" />
import type { Kernel } from '../../codegen/index.js';
import { renderWgsl, type WgslOptions, type WgslShader } from '../../codegen/wgsl.js';
import { allocArray, KilnError, type DType, type TypedArray } from '../../ir/index.js';
import type { FusionLimits } from '../../passes/index.js';
import type { Backend, CompiledKernel, ContinuationScope, DeviceBuffer, Launch } from '../backend.js';
import { BufferPool } from './buffer-pool.js';
import { requestGpu, type GpuContext } from './device.js';
import { compileError, describeLoss, PendingChecks } from './gpu-errors.js';
import { OrderedQueue } from './ordered-queue.js';

// The WebGPU flag values (GPUBufferUsage, GPUMapMode, GPUShaderStage), so nothing global is needed.
const MAP_READ = 0x1, COPY_SRC = 0x4, COPY_DST = 0x8, STORAGE = 0x80, COMPUTE = 0x4;

/** Every element is 4 bytes on the device: f32, i32, and u32 for bool. */
const ELEMENT = 4;
/** Bind groups kept per pipeline (a program binds each kernel to a few buffer sets). */
const GROUPS_KEPT = 16;

interface GpuBuffer extends DeviceBuffer {
  readonly gpu: GPUBuffer;
  /** false for views of another buffer (released with it). */
  readonly owned: boolean;
  /** Buffers made for views that did not fit (bool views of a byte-sized arena), released with this one. */
  extra?: GpuBuffer[];
  /** The error of the continuation that was to write this buffer: reading it throws. */
  poison?: KilnError;
  /** When it was allocated (`WebGpuBackend.allocations`), to order its release. */
  readonly madeAt?: number;
}

/** A compiled shader, shared by every kernel whose WGSL has the same text. */
interface Pipeline {
  readonly shader: WgslShader;
  /** Null until the asynchronous pipeline creation finishes (`ready`). */
  pipeline: GPUComputePipeline | null;
  /** Pending while the driver compiles the pipelines; null once they are made. */
  ready: Promise<void> | null;
  readonly layout: GPUBindGroupLayout;
  /** Variants reading some inputs through an output's binding (in-place updates), by alias key. */
  readonly variants: Map<string, GpuKernel>;
  /** The `combine` entry point, dispatched after `main` (a split reduction). */
  combine?: GPUComputePipeline;
  /** The shader's scratch binding: launches of one pipeline run in order, so they share it. */
  readonly scratch?: GPUBuffer;
  /** Bind groups by the buffers bound (see bindGroup). */
  readonly groups: Map<string, GPUBindGroup>;
  /** Set once the shader compiler reported an error. */
  error?: KilnError;
}

interface GpuKernel extends CompiledKernel {
  readonly kernel: Kernel;
  readonly compiled: Pipeline;
}

/** Counters for tests and benchmarks. */
export interface WebGpuStats {
  submits: number;
  launches: number;
  pipelines: number;
  buffersCreated: number;
  /** Buffers read back to the host (a control-flow decision reads one per decision). */
  reads: number;
}

/**
 * The `webgpu` backend: kernels are WGSL compute shaders, buffers are GPU storage buffers from
 * a size-bucketed pool. Launches are recorded into one command encoder (one compute pass) and
 * submitted once, when the Executable ends a run (`flush`) or a read needs the results. Reads
 * are asynchronous only; errors the device reports later (a shader that does not compile, a
 * lost device, memory exhausted) surface as a KilnError on the next call.
 */
export class WebGpuBackend implements Backend {
  readonly name = 'webgpu' as const;
  readonly limits: FusionLimits;
  readonly stats: WebGpuStats = { submits: 0, launches: 0, pipelines: 0, buffersCreated: 0, reads: 0 };
  readonly device: GPUDevice;
  readonly adapter: GPUAdapter;
  private readonly pool: BufferPool;
  private readonly staging: BufferPool;
  private readonly pipelines = new Map<string, Pipeline>();
  private readonly bufferIds = new WeakMap<GPUBuffer, number>();
  private nextBufferId = 0;
  private readonly checks = new PendingChecks();
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private lost: KilnError | null = null;
  private readonly lostSignal: Promise<never>;
  /** Queue operations in issue order, held behind pending control-flow continuations. */
  private readonly order = new OrderedQueue(() => this.flush(), (e) => this.checks.fail(asKilnError(e)), () => this.allocations);
  private allocations = 0;

  constructor(private readonly context: GpuContext) {
    this.device = context.device;
    this.adapter = context.adapter;
    const storageBuffers = this.device.limits.maxStorageBuffersPerShaderStage;
    this.limits = { maxInputs: Math.max(1, storageBuffers - 1) };
    this.pool = new BufferPool((bytes) => this.createBuffer(bytes, STORAGE | COPY_SRC | COPY_DST), 256 * 2 ** 20, this.maxBytes);
    this.staging = new BufferPool((bytes) => this.createBuffer(bytes, MAP_READ | COPY_DST), 64 * 2 ** 20, this.maxBytes);
    this.lostSignal = this.device.lost.then((info) => {
      this.lost = new KilnError(describeLoss(info), { op: 'webgpu' });
      throw this.lost;
    });
    this.lostSignal.catch(() => undefined);
    // Errors nobody scoped: kept for the next call rather than printed.
    this.device.onuncapturederror = (ev: GPUUncapturedErrorEvent) => this.checks.fail(new KilnError(`the GPU reported: ${ev.error.message}`, { op: 'webgpu' }));
  }

  // ---------------------------------------------------------------- buffers

  /** The largest buffer a kernel can bind. */
  private get maxBytes(): number {
    return Math.min(this.device.limits.maxBufferSize, this.device.limits.maxStorageBufferBindingSize);
  }

  private createBuffer(bytes: number, usage: number): GPUBuffer {
    const attempt = () => {
      this.device.pushErrorScope('out-of-memory');
      const buffer = this.device.createBuffer({ size: bytes, usage });
      this.checks.track(this.device.popErrorScope().then((err) => {
        if (!err) return;
        this.pool.clear();
        this.staging.clear();
        throw new KilnError(`out of GPU memory allocating ${bytes} bytes (${err.message}); the buffer pool was emptied — dispose tensors you no longer need`, { op: 'webgpu' });
      }));
      this.stats.buffersCreated++;
      return buffer;
    };
    try {
      return attempt();
    } catch {
      // A synchronous failure: free what the pools hold and try once more.
      this.pool.clear();
      this.staging.clear();
      try {
        return attempt();
      } catch (e) {
        throw new KilnError(`out of GPU memory allocating ${bytes} bytes: ${(e as Error).message}`, { op: 'webgpu' });
      }
    }
  }

  allocate(dtype: DType, size: number): DeviceBuffer {
    this.check();
    const bytes = Math.max(ELEMENT, size * ELEMENT);
    if (bytes > this.maxBytes) {
      throw new KilnError(`a ${dtype} tensor of ${size} elements (${bytes} bytes) exceeds this device's largest storage buffer (maxStorageBufferBindingSize ${this.maxBytes} bytes)`, { op: 'webgpu' });
    }
    const gpu = this.pool.acquire(bytes);
    return { dtype, size, gpu, owned: true, madeAt: ++this.allocations } as GpuBuffer;
  }

  view(buffer: DeviceBuffer, dtype: DType, size: number): DeviceBuffer {
    const base = buffer as GpuBuffer;
    if (size * ELEMENT <= base.gpu.size) return { dtype, size, gpu: base.gpu, owned: false } as GpuBuffer;
    // The arena is sized in host bytes (bool is one byte there, four here): a buffer of its own.
    const own = this.allocate(dtype, size) as GpuBuffer;
    (base.extra ??= []).push(own);
    return own;
  }

  release(buffer: DeviceBuffer): void {
    const b = buffer as GpuBuffer;
    if (!b.owned || this.lost) return;
    for (const e of b.extra ?? []) this.release(e);
    b.extra = undefined;
    // Work issued before may still use the buffer: it goes back to the pool in order.
    this.order.release(b.madeAt ?? 0, () => this.pool.release(b.gpu));
  }

  upload(dtype: DType, data: ArrayLike<number>): DeviceBuffer {
    const buffer = this.allocate(dtype, data.length) as GpuBuffer;
    if (data.length === 0) return buffer;
    const words = dtype === 'float32' ? (data instanceof Float32Array ? data : Float32Array.from(data))
      : dtype === 'int32' ? (data instanceof Int32Array ? data : Int32Array.from(data))
        : Uint32Array.from(data, (x) => (x !== 0 ? 1 : 0));
    // writeBuffer runs before work still being recorded: submit that first to keep the order.
    this.flush();
    // Held behind a continuation, the write keeps a copy (the caller may change its array).
    const bytes = this.order.holding && words === data ? words.slice() : words;
    this.order.issue(() => this.device.queue.writeBuffer(buffer.gpu, 0, bytes.buffer, bytes.byteOffset, bytes.byteLength));
    return buffer;
  }

  readSync(): TypedArray {
    throw new KilnError('dataSync() is not available on the webgpu backend; use await tensor.data()', { op: 'dataSync' });
  }

  async read(buffer: DeviceBuffer): Promise<TypedArray> {
    this.check();
    const b = buffer as GpuBuffer;
    if (b.size === 0) return allocArray(b.dtype, 0);
    const bytes = b.size * ELEMENT;
    const staging = this.staging.acquire(bytes);
    this.flush();
    this.stats.reads++;
    // The copy is issued in order: after the continuations pending now, which may write `b`.
    const copied = this.order.issued(() => {
      const encoder = this.device.createCommandEncoder();
      encoder.copyBufferToBuffer(b.gpu, 0, staging, 0, bytes);
      this.device.queue.submit([encoder.finish()]);
      this.stats.submits++;
    });
    try {
      await this.whileAlive(copied);
      await this.whileAlive(staging.mapAsync(MAP_READ, 0, bytes));
    } catch (e) {
      if (this.lost) throw this.lost;
      throw new KilnError(`reading a ${b.dtype}[${b.size}] buffer back failed: ${(e as Error).message}`, { op: 'data' });
    }
    const words = staging.getMappedRange(0, bytes).slice(0);
    staging.unmap();
    this.staging.release(staging);
    await this.checks.settle();
    this.check();
    if (b.poison) throw b.poison;
    if (b.dtype === 'float32') return new Float32Array(words);
    if (b.dtype === 'int32') return new Int32Array(words);
    return Uint8Array.from(new Uint32Array(words));
  }

  /** Waits for all submitted work and reports any error the device raised meanwhile. */
  async synchronize(): Promise<void> {
    this.check();
    this.flush();
    await this.whileAlive(this.order.idle());
    await this.whileAlive(this.device.queue.onSubmittedWorkDone());
    await this.checks.settle();
    this.check();
  }

  // ---------------------------------------------------------------- kernels

  compile(kernel: Kernel): CompiledKernel {
    this.check();
    const shader = renderWgsl(kernel, this.wgslOptions());
    return this.compileShader(kernel, shader);
  }

  /** What the WGSL renderer needs to know of this device. */
  private wgslOptions(aliases?: ReadonlyMap<number, number>): WgslOptions {
    const subgroups = this.device.features.has('subgroups') ? (this.adapter.info as { subgroupMinSize?: number }).subgroupMinSize ?? 0 : 0;
    const limits = this.device.limits;
    return {
      maxWorkgroups: limits.maxComputeWorkgroupsPerDimension, maxStorageBuffers: limits.maxStorageBuffersPerShaderStage,
      subgroupMinSize: subgroups, ...(aliases ? { aliases } : {}),
    };
  }

  /** @internal Compiles a shader (tests pass hand-written ones to see how errors read). */
  compileShader(kernel: Kernel, shader: WgslShader): GpuKernel {
    // The grid too: a shader whose grid covers its domain exactly does not spell out its size.
    const key = `${JSON.stringify([shader.dispatch, shader.combine?.dispatch, shader.scratch])}${shader.source.slice(shader.source.indexOf('\n'))}`;
    const hit = this.pipelines.get(key);
    if (hit) return { name: kernel.name, language: 'wgsl', source: shader.source, kernel, compiled: hit };
    const layout = this.device.createBindGroupLayout({
      entries: shader.bindings.map((b, binding) => ({
        binding, visibility: COMPUTE, buffer: { type: b.kind === 'input' ? 'read-only-storage' as const : 'storage' as const },
      })),
    });
    this.device.pushErrorScope('validation');
    const module = this.device.createShaderModule({ code: shader.source, label: kernel.name });
    const pipelineLayout = this.device.createPipelineLayout({ bindGroupLayouts: [layout] });
    // Pipelines are made asynchronously: the driver compiles a program's kernels side by side,
    // off this thread, and a launch that comes before its pipeline waits in order (see run).
    const entry = (entryPoint: string) => this.device.createComputePipelineAsync({ label: kernel.name, layout: pipelineLayout, compute: { module, entryPoint } });
    const compiled: Pipeline = {
      shader, pipeline: null, ready: null, layout, variants: new Map(), groups: new Map(),
      ...(shader.scratch ? { scratch: this.createBuffer(Math.max(ELEMENT, shader.scratch * ELEMENT), STORAGE) } : {}),
    };
    const failed = async (message: string): Promise<never> => {
      compiled.error ??= compileError(kernel.name, shader.source, message, (await module.getCompilationInfo()).messages);
      throw compiled.error;
    };
    compiled.ready = Promise.all([entry('main'), shader.combine ? entry('combine') : null]).then(([main, combine]) => {
      compiled.pipeline = main;
      if (combine) compiled.combine = combine;
      compiled.ready = null;
    }, (e: unknown) => failed(e instanceof Error ? e.message : String(e)));
    this.checks.track(compiled.ready);
    this.checks.track(this.device.popErrorScope().then(async (err) => {
      if (err) await failed(err.message);
    }));
    this.pipelines.set(key, compiled);
    this.stats.pipelines++;
    return { name: kernel.name, language: 'wgsl', source: shader.source, kernel, compiled };
  }

  run(launch: Launch): void {
    this.check();
    const kernel = launch.kernel as GpuKernel;
    let k = kernel.compiled;
    if (k.error) throw k.error;
    const dispatch = k.shader.dispatch;
    if (!dispatch) return;
    const inputs = launch.inputs as readonly GpuBuffer[];
    const outputs = launch.outputs as readonly GpuBuffer[];
    let aliases: Map<number, number> | null = null;
    inputs.forEach((b, i) => {
      const o = outputs.findIndex((x) => x.gpu === b.gpu);
      if (o >= 0) (aliases ??= new Map()).set(i, o);
    });
    if (aliases) {
      k = this.variant(kernel, aliases).compiled;
      if (k.error) throw k.error;
    }
    const group = this.bindGroup(k, inputs, outputs);
    this.stats.launches++;
    const pipeline = k;
    if (pipeline.ready) {
      // Its pipeline is still being compiled: what was recorded goes first, then this launch once
      // the pipeline is made, and everything issued after it waits in order behind it.
      this.flush();
      const ready = pipeline.ready;
      this.order.defer(async (scope) => {
        await ready;
        scope.run(() => this.dispatch(pipeline, group));
      }, (e) => {
        const error = asKilnError(e);
        for (const o of outputs) o.poison = error;
      });
      return;
    }
    this.dispatch(pipeline, group);
  }

  /** Records a launch (and its combine pass) into the current compute pass. */
  private dispatch(k: Pipeline, group: GPUBindGroup): void {
    const dispatch = k.shader.dispatch!;
    const pass = this.computePass();
    pass.setPipeline(k.pipeline!);
    pass.setBindGroup(0, group);
    pass.dispatchWorkgroups(dispatch[0], dispatch[1], dispatch[2]);
    const combine = k.shader.combine;
    if (combine && k.combine) {
      pass.setPipeline(k.combine);
      pass.dispatchWorkgroups(combine.dispatch[0], combine.dispatch[1], combine.dispatch[2]);
    }
  }

  /**
   * The bind group of a launch, made once per (pipeline, buffers, sizes): a program binds the
   * same pooled buffers on every run. A destroyed buffer's id is never reused, so a stale group
   * is never found again; each pipeline keeps its latest GROUPS_KEPT.
   */
  private bindGroup(k: Pipeline, inputs: readonly GpuBuffer[], outputs: readonly GpuBuffer[]): GPUBindGroup {
    const bound = k.shader.bindings.map((bd) => (bd.kind === 'scratch' ? null : (bd.kind === 'input' ? inputs : outputs)[bd.index]!));
    const key = bound.map((b) => (b ? `${this.bufferId(b.gpu)}:${b.size}` : 's')).join(',');
    const hit = k.groups.get(key);
    if (hit) return hit;
    const entries = bound.map((b, binding) => ({
      binding, resource: b ? { buffer: b.gpu, offset: 0, size: Math.max(ELEMENT, b.size * ELEMENT) } : { buffer: k.scratch! },
    }));
    const group = this.device.createBindGroup({ layout: k.layout, entries });
    if (k.groups.size >= GROUPS_KEPT) k.groups.delete(k.groups.keys().next().value!);
    k.groups.set(key, group);
    return group;
  }

  private bufferId(b: GPUBuffer): number {
    let id = this.bufferIds.get(b);
    if (id === undefined) this.bufferIds.set(b, (id = ++this.nextBufferId));
    return id;
  }

  /** The kernel reading the aliased inputs through the output's binding (WebGPU forbids binding both). */
  private variant(k: GpuKernel, aliases: Map<number, number>): GpuKernel {
    const key = [...aliases].map(([i, o]) => `${i}>${o}`).join(',');
    let v = k.compiled.variants.get(key);
    if (!v) {
      const shader = renderWgsl(k.kernel, this.wgslOptions(aliases));
      v = this.compileShader(k.kernel, shader);
      k.compiled.variants.set(key, v);
    }
    return v;
  }

  /** Submits what this run recorded: one command buffer for all its launches. */
  flush(): void {
    const encoder = this.takeEncoder();
    if (encoder) this.submit(encoder);
  }

  private computePass(): GPUComputePassEncoder {
    if (!this.pass) {
      this.encoder ??= this.device.createCommandEncoder();
      this.pass = this.encoder.beginComputePass();
    }
    return this.pass;
  }

  private takeEncoder(): GPUCommandEncoder | null {
    this.pass?.end();
    this.pass = null;
    const e = this.encoder;
    this.encoder = null;
    return e;
  }

  private submit(encoder: GPUCommandEncoder): void {
    const commands = encoder.finish();
    this.order.issue(() => this.device.queue.submit([commands]));
    this.stats.submits++;
  }

  // ---------------------------------------------------------------- control flow

  /**
   * A data-dependent decision (cond, a while of unknown trip count) runs as a continuation:
   * it reads its predicate back asynchronously, once per decision, while everything issued
   * after it waits in order (see OrderedQueue), so later work sees its results.
   */
  defer(continuation: (scope: ContinuationScope) => Promise<void>, writes: readonly DeviceBuffer[]): void {
    this.check();
    this.order.defer(continuation, (e) => {
      const error = asKilnError(e);
      for (const w of writes) (w as GpuBuffer).poison = error;
    });
  }

  /** Records a buffer-to-buffer copy between launches of the current run (unchecked: a failed continuation's rollback uses it). */
  copy(from: DeviceBuffer, to: DeviceBuffer): void {
    const a = from as GpuBuffer;
    const b = to as GpuBuffer;
    const bytes = Math.min(a.size, b.size) * ELEMENT;
    if (bytes === 0 || a.gpu === b.gpu) return;
    const encoder = this.takeEncoder() ?? this.device.createCommandEncoder();
    encoder.copyBufferToBuffer(a.gpu, 0, b.gpu, 0, bytes);
    this.encoder = encoder;
  }

  // ---------------------------------------------------------------- errors

  /** Throws what went wrong since the last call: a lost device, or an error the GPU reported. */
  private check(): void {
    if (this.lost) throw this.lost;
    this.checks.rethrow();
  }

  /** `p`, or a KilnError as soon as the device is lost (a lost device never resolves some promises). */
  private whileAlive<T>(p: Promise<T>): Promise<T> {
    return Promise.race([p, this.lostSignal]);
  }

  /** Frees the device; tensors on it become unusable. */
  destroy(): void {
    this.pool.clear();
    this.staging.clear();
    this.context.device.destroy();
  }
}

function asKilnError(e: unknown): KilnError {
  return e instanceof KilnError ? e : new KilnError(`a control-flow continuation failed: ${e instanceof Error ? e.message : String(e)}`, { op: 'webgpu' });
}

export async function createWebGpuBackend(): Promise<WebGpuBackend> {
  return new WebGpuBackend(await requestGpu());
}
