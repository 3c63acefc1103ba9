// Imported before @jax-js/jax (which decides at load whether its wasm memory is shared): gives
// it Web Workers in Node unless BENCH_JAX_THREADS=0, so it runs with its threads on.
import { installWebWorkerShim } from './web-worker-shim.js';

if (process.env.BENCH_JAX_THREADS !== '0') installWebWorkerShim();
