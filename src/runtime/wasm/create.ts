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
    const os = await import('node:os');
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

/**
 * Makes the wasm backend: a shared memory and worker threads where SharedArrayBuffer is
 * available (cross-origin isolated pages in browsers), else one unshared memory and no workers.
 * KILN_WASM_MAX_MB caps the memory (default 4096, the wasm32 limit).
 */
export async function createWasmBackend(options: CreateWasmOptions = {}): Promise<WasmBackend> {
  const e = env();
  const fromEnv = Number.parseInt(e.KILN_THREADS ?? '', 10);
  const threads = Math.max(1, options.threads ?? (Number.isFinite(fromEnv) && fromEnv > 0 ? fromEnv : await hardwareThreads()));
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated;
  const shared = typeof SharedArrayBuffer !== 'undefined' && isolated !== false;
  const maxMb = Number.parseInt(e.KILN_WASM_MAX_MB ?? '', 10);
  const maxPages = Math.min(65536, Math.max(64, Math.floor(((Number.isFinite(maxMb) ? maxMb : 4096) * 1024 * 1024) / PAGE)));
  const heap = new WasmHeap(shared, maxPages);
  const pool = threads > 1 ? await ThreadPool.create(heap, threads - 1, options.delivery) : null;
  return new WasmBackend(heap, pool, { threshold: options.threshold });
}
