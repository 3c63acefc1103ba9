// The peer libraries of bench/index.ts, loaded and started once: TensorFlow.js (cpu and wasm
// backends) and jax-js (wasm backend), or with --backend webgpu, tfjs-backend-webgpu and jax-js's
// webgpu backend on the same Dawn instance as kiln.
import { createRequire } from 'node:module';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import './jax-threads.js';
import * as jax from '@jax-js/jax';

export { tf, jax };

export interface Peers {
  /** tfjs backends that started ('cpu', and 'wasm' unless it failed; or 'webgpu'). */
  readonly tfBackends: readonly string[];
  /** What each peer runs on, for the table's header. */
  readonly notes: readonly string[];
  /** Whether jax-js's backend started. */
  readonly jax: boolean;
  /** jax-js's row name: 'jax-js' (wasm) or 'jax-js-webgpu'. */
  readonly jaxName?: string;
  /** Whether the peers run on WebGPU (then every step waits for the GPU). */
  readonly gpu?: boolean;
}

/** tf.setBackend is global: every tfjs implementation switches to its own before each window. */
export async function useTf(name: string): Promise<void> {
  if (tf.getBackend() !== name) {
    await tf.setBackend(name);
    await tf.ready();
  }
}

// ---- WebGPU in Node: one Dawn instance for kiln, tfjs and jax-js ---------------------------------

let dispatchCount = 0;
let gpuInstalled = false;

/**
 * Makes Dawn's entry point the global `navigator.gpu` (with the WebGPU enum globals tfjs and
 * jax-js read), before kiln's webgpu backend starts or either peer loads: kiln's device.ts takes
 * `navigator.gpu` when it exists, so all three request their adapters from one Dawn instance.
 * Every dispatch on it is counted, whichever library recorded it.
 */
export async function installWebGpu(): Promise<void> {
  if (gpuInstalled) return;
  const specifier = 'webgpu';
  const dawn = (await import(/* @vite-ignore */ specifier)) as { create(options: string[]): GPU; globals: Record<string, unknown> };
  for (const [k, v] of Object.entries(dawn.globals)) (globalThis as Record<string, unknown>)[k] ??= v;
  const gpu = dawn.create([]);
  Object.defineProperty(globalThis, 'navigator', { value: { gpu, userAgent: `Node.js/${process.version} (Dawn)` }, configurable: true, writable: true });
  const pass = (dawn.globals.GPUComputePassEncoder as { prototype: GPUComputePassEncoder }).prototype;
  const dispatch = pass.dispatchWorkgroups;
  pass.dispatchWorkgroups = function (this: GPUComputePassEncoder, ...args: Parameters<GPUComputePassEncoder['dispatchWorkgroups']>) {
    dispatchCount++;
    return dispatch.apply(this, args);
  };
  gpuInstalled = true;
}

/** Compute dispatches recorded on the shared Dawn instance so far (0 unless installWebGpu ran). */
export function dispatches(): number {
  return dispatchCount;
}

async function startGpuPeers(log: (line: string) => void): Promise<Peers> {
  await installWebGpu();
  const notes: string[] = [];
  const tfBackends: string[] = [];
  try {
    // Loaded only now: it registers its backend only where navigator.gpu exists at import.
    await import('@tensorflow/tfjs-backend-webgpu');
    if (!(await tf.setBackend('webgpu'))) throw new Error('setBackend returned false');
    await tf.ready();
    tfBackends.push('webgpu');
    notes.push(`tfjs ${tf.version.tfjs}: webgpu backend (Dawn, ${adapterName()})`);
  } catch (e) {
    log(`tfjs-webgpu unavailable: ${String(e)}`);
  }
  let jaxOk = false;
  try {
    const devices = await jax.init('webgpu');
    if (!devices.includes('webgpu')) throw new Error(`init('webgpu') gave ${devices.join(', ')}`);
    jax.defaultDevice('webgpu');
    jaxOk = true;
    notes.push('jax-js: webgpu backend, jit');
  } catch (e) {
    log(`jax-js-webgpu unavailable: ${String(e)}`);
  }
  notes.push('every step waits for its GPU work: the train steps read their loss back each step, B and C their result');
  return { tfBackends, notes, jax: jaxOk, jaxName: 'jax-js-webgpu', gpu: true };
}

function adapterName(): string {
  const b = tf.backend() as unknown as { adapterInfo?: { vendor?: string; architecture?: string; description?: string } };
  const info = b.adapterInfo;
  return [info?.vendor, info?.architecture, info?.description].filter(Boolean).join(' ') || 'adapter';
}

export async function startPeers(log: (line: string) => void, backend = 'cpu'): Promise<Peers> {
  tf.enableProdMode();
  if (backend === 'webgpu') return startGpuPeers(log);
  const notes: string[] = [];
  const tfBackends = ['cpu'];
  // In Node, tfjs-backend-wasm fetches its .wasm files from a path prefix rather than a URL.
  const require = createRequire(import.meta.url);
  setWasmPaths(`${path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'))}/dist/`);
  try {
    if (!(await tf.setBackend('wasm'))) throw new Error('setBackend returned false');
    await tf.ready();
    const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
    // tfjs turns threads off in Node (tensorflow/tfjs#3830): its threaded build needs Web Workers.
    const threads = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
    tfBackends.push('wasm');
    notes.push(`tfjs ${tf.version.tfjs}: cpu backend, and wasm backend with${simd ? '' : 'out'} SIMD, ${threads ? 'threaded' : 'single-threaded (tfjs disables wasm threads in Node)'}`);
  } catch (e) {
    log(`tfjs-wasm unavailable: ${String(e)}`);
    notes.push(`tfjs ${tf.version.tfjs}: cpu backend only`);
  }
  await tf.setBackend('cpu');
  let jaxOk = false;
  try {
    // jax-js spreads kernels over Web Workers where a global Worker exists, which Node 20 lacks:
    // bench/jax-threads.ts gives it one over worker_threads, as the issue's peer numbers had.
    const devices = await jax.init('wasm');
    if (!devices.includes('wasm')) throw new Error(`init('wasm') gave ${devices.join(', ')}`);
    jax.defaultDevice('wasm');
    jaxOk = true;
    const threaded = typeof (globalThis as { Worker?: unknown }).Worker !== 'undefined' && typeof SharedArrayBuffer !== 'undefined';
    const workers = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 4;
    notes.push(`jax-js: wasm backend, jit, ${threaded ? `${workers} Web Workers (bench/web-worker-shim.ts; BENCH_JAX_THREADS=0 turns them off)` : 'single-threaded (no global Worker in Node)'}`);
  } catch (e) {
    log(`jax-js unavailable: ${String(e)}`);
  }
  return { tfBackends, notes, jax: jaxOk, jaxName: 'jax-js' };
}
