import { KilnError } from '../ir/index.js';
import { CpuBackend, type Backend, type BackendName } from '../runtime/index.js';
import { createWasmBackend, createWasmBackendNow, WasmBackend, wasmSupported } from '../runtime/wasm/index.js';

type BackendFactory = () => Promise<Backend>;

const factories = new Map<BackendName, BackendFactory>([
  ['cpu', async () => new CpuBackend()],
  // Loaded on first use: the module (and, in Node, Dawn) only when someone asks for WebGPU.
  ['webgpu', async () => (await import('../runtime/webgpu/index.js')).createWebGpuBackend()],
  // WebAssembly SIMD kernels over a shared memory, with worker threads.
  ['wasm', async () => createWasmBackend()],
]);
const made = new Map<BackendName, Backend>();
const fromEnvironment = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.KILN_BACKEND;
let current: Backend = initialBackend();
made.set(current.name, current);

/** Makes a backend available by name (the wasm and webgpu backends register here). */
export function registerBackend(name: BackendName, factory: BackendFactory): void {
  factories.set(name, factory);
}

export function currentBackend(): Backend {
  if (startupError) throw startupError;
  return current;
}

export async function setBackend(name: BackendName): Promise<void> {
  let backend = made.get(name);
  if (!backend) {
    const factory = factories.get(name);
    if (!factory) throw new KilnError(`unknown or unavailable backend '${name}'; available: ${[...factories.keys()].join(', ')}`, { op: 'setBackend' });
    backend = await factory();
    made.set(name, backend);
  }
  current = backend;
  startupError = null;
}

export function getBackend(): BackendName {
  return current.name;
}

/**
 * The default backend is `wasm`, made at once on the calling thread (its worker threads join
 * when they are up); where WebAssembly SIMD is missing, `cpu`. `KILN_BACKEND=cpu` keeps to cpu;
 * another name (webgpu) is made asynchronously, and ops run on cpu until it is ready.
 */
function initialBackend(): Backend {
  if (fromEnvironment && fromEnvironment !== 'wasm') return new CpuBackend();
  if (!wasmSupported()) return new CpuBackend();
  return createWasmBackendNow();
}

/**
 * `KILN_BACKEND=webgpu` (or another name) selects the backend when kiln loads. Making it is
 * asynchronous, so a program awaits `kiln.ready()` before its first op (it also waits for the
 * wasm backend's worker threads). If the requested backend cannot be made, every later op
 * throws that error instead of quietly running elsewhere.
 */
let startupError: KilnError | null = null;
let startup: Promise<void> = current instanceof WasmBackend ? current.threadsReady : Promise.resolve();
if (fromEnvironment && fromEnvironment !== 'cpu' && fromEnvironment !== current.name) {
  startup = setBackend(fromEnvironment as BackendName).catch((e: unknown) => {
    startupError = e instanceof KilnError ? e : new KilnError(String(e), { op: 'setBackend' });
    throw startupError;
  });
  startup.catch(() => undefined);
}

/** Resolves once the backend named by KILN_BACKEND is ready (at once without one); rejects if it cannot be made. */
export function ready(): Promise<void> {
  return startup;
}
