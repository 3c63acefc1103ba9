import { importNodeModule } from '../../ir/index.js';
import { PAGE, WasmHeap } from './heap.js';
import { ThreadPool } from './threads.js';
import type { Delivery } from './worker-source.js';
import { WasmBackend } from './wasm-backend.js';

type Env = Record<string, string | undefined>;
const env = (): Env => (globalThis as { process?: { env?: Env } }).process?.env ?? {};

/** Hardware threads: os.availableParallelism() in Node, navigator.hardwareConcurrency in a browser. */
async function hardwareThreads(): Promise<number> {
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  const isNode = typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === 'string';
  if (isNode) {
    const os = await importNodeModule<typeof import('node:os')>('node:os');
    return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  }
  return nav?.hardwareConcurrency ?? 1;
}

export interface CreateWasmOptions {
  /** Threads including the calling one; default KILN_THREADS, else the hardware's. */
  readonly threads?: number;
  /** How workers get kernels: 'memory' makes Node workers compile them from shared memory, as browser ones do (tests). */
  readonly delivery?: Delivery;
  /** Launches with less work than this (element operations) run on one thread. */
  readonly threshold?: number;
}

// The smallest module using SIMD128 (a function returning an f32x4 constant): validates only where SIMD is supported.
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 22, 1, 20, 0, 253, 12,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 11,
]);

/** Whether this engine runs the wasm backend's kernels (WebAssembly with SIMD128). */
export function wasmSupported(): boolean {
  try {
    return typeof WebAssembly === 'object' && WebAssembly.validate(SIMD_PROBE);
  } catch {
    return false;
  }
}

/**
 * Makes the wasm backend at once, usable on the calling thread; its worker threads start in the
 * background and join when they are up (`backend.threadsReady`). Threads need a shared memory:
 * SharedArrayBuffer, in browsers only on cross-origin isolated pages; without it there is one
 * unshared memory and no workers. KILN_WASM_MAX_MB caps the memory (default 4096, the wasm32 limit).
 */
export function createWasmBackendNow(options: CreateWasmOptions = {}): WasmBackend {
  const e = env();
  const fromEnv = Number.parseInt(e.KILN_THREADS ?? '', 10);
  const requested = options.threads ?? (Number.isFinite(fromEnv) && fromEnv > 0 ? fromEnv : null);
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated;
  const shared = typeof SharedArrayBuffer !== 'undefined' && isolated !== false;
  const maxMb = Number.parseInt(e.KILN_WASM_MAX_MB ?? '', 10);
  const maxPages = Math.min(65536, Math.max(64, Math.floor(((Number.isFinite(maxMb) ? maxMb : 4096) * 1024 * 1024) / PAGE)));
  const heap = new WasmHeap(shared, maxPages);
  const backend = new WasmBackend(heap, null, { threshold: options.threshold });
  backend.threadsReady = (async () => {
    const threads = Math.max(1, requested ?? (await hardwareThreads()));
    if (threads > 1) backend.attachPool(await ThreadPool.create(heap, threads - 1, options.delivery));
  })();
  // A failure to start workers leaves the backend single-threaded; `threadsReady` still reports it.
  backend.threadsReady.catch(() => undefined);
  return backend;
}

/** The wasm backend with its worker threads already running. */
export async function createWasmBackend(options: CreateWasmOptions = {}): Promise<WasmBackend> {
  const backend = createWasmBackendNow(options);
  await backend.threadsReady;
  return backend;
}
