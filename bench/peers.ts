// The peer libraries of bench/index.ts, loaded and started once: TensorFlow.js (cpu and wasm
// backends) and jax-js (wasm backend).
import { createRequire } from 'node:module';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import * as jax from '@jax-js/jax';

export { tf, jax };

export interface Peers {
  /** tfjs backends that started ('cpu', and 'wasm' unless it failed). */
  readonly tfBackends: readonly string[];
  /** What each peer runs on, for the table's header. */
  readonly notes: readonly string[];
  /** Whether jax-js's wasm backend started. */
  readonly jax: boolean;
}

/** tf.setBackend is global: every tfjs implementation switches to its own before each window. */
export async function useTf(name: string): Promise<void> {
  if (tf.getBackend() !== name) {
    await tf.setBackend(name);
    await tf.ready();
  }
}

export async function startPeers(log: (line: string) => void): Promise<Peers> {
  tf.enableProdMode();
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
    const devices = await jax.init('wasm');
    if (!devices.includes('wasm')) throw new Error(`init('wasm') gave ${devices.join(', ')}`);
    jax.defaultDevice('wasm');
    jaxOk = true;
    // jax-js spreads kernels over Web Workers only where a global Worker exists, which Node 20 lacks.
    const threaded = typeof (globalThis as { Worker?: unknown }).Worker !== 'undefined' && typeof SharedArrayBuffer !== 'undefined';
    notes.push(`jax-js: wasm backend, jit, ${threaded ? 'threaded' : 'single-threaded (no global Worker in Node)'}`);
  } catch (e) {
    log(`jax-js unavailable: ${String(e)}`);
  }
  return { tfBackends, notes, jax: jaxOk };
}
