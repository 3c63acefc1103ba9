/**
 * The wasm backend against the cpu backend, with the wasm worker threads on and off:
 *  C. float32 matmul 1024×1024·1024×1024 in GFLOP/s (compiled; the product stays in memory);
 *  B. `sum(sigmoid(relu(x·a + b)·c - d))` over 2^20 elements in ms, compiled (one fused kernel)
 *     and eagerly (one kernel per op), with a..d scalars as in bench/kernels.ts.
 * Medians of timed runs after warm-up. bench/index.ts (`npm run bench -- --backend wasm`)
 * compares the same workloads with TensorFlow.js and jax-js side by side.
 *
 *   npx tsx bench/wasm-matmul.ts            (KILN_THREADS=n sets the thread count)
 */
import * as os from 'node:os';
import * as kiln from '../src/index.js';
import type { WasmBackend } from '../src/runtime/wasm/index.js';
import { currentBackend } from '../src/trace/index.js';

function median(fn: () => void, minMs: number, minRuns: number): number {
  for (let i = 0; i < 3; i++) fn();
  const times: number[] = [];
  const start = performance.now();
  while (times.length < minRuns || performance.now() - start < minMs) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

function matmulMs(n: number, slow: boolean): number {
  const a = kiln.randomNormal([n, n], { seed: 1 });
  const b = kiln.randomNormal([n, n], { seed: 2 });
  const f = kiln.compile((x: kiln.Tensor, y: kiln.Tensor) => kiln.matMul(x, y));
  const ms = median(() => f(a, b).dispose(), slow ? 4000 : 2000, slow ? 2 : 10);
  kiln.dispose([a, b]);
  return ms;
}

function chainMs(): { compiled: number; eager: number } {
  const x = kiln.randomUniform([1 << 20], { seed: 3, minval: -2, maxval: 2 });
  const body = (t: kiln.Tensor) => kiln.sum(kiln.sigmoid(kiln.relu(t.mul(1.5).add(0.25)).mul(0.75).sub(0.5)));
  const f = kiln.compile(body);
  const compiled = median(() => { const s = f(x); s.dataSync(); s.dispose(); }, 2000, 10);
  const eager = median(() => { const s = kiln.tidy(() => body(x)); s.dataSync(); s.dispose(); }, 2000, 10);
  x.dispose();
  return { compiled, eager };
}

const N = 1024;
const flops = 2 * N ** 3;
const rows: string[] = [];
await kiln.setBackend('wasm');
const wasm = currentBackend() as WasmBackend;
for (const threads of [true, false]) {
  wasm.useThreads = threads;
  const label = threads ? `wasm, ${wasm.threads} threads` : 'wasm, 1 thread';
  const mm = matmulMs(N, false);
  const b = chainMs();
  rows.push(`${label.padEnd(20)} C ${(flops / mm / 1e6).toFixed(1).padStart(6)} GFLOP/s   B compiled ${b.compiled.toFixed(2).padStart(6)} ms, eager ${b.eager.toFixed(2).padStart(6)} ms`);
}
wasm.useThreads = true;
await kiln.setBackend('cpu');
const mm = matmulMs(N, true);
const b = chainMs();
rows.push(`${'cpu'.padEnd(20)} C ${(flops / mm / 1e6).toFixed(2).padStart(6)} GFLOP/s   B compiled ${b.compiled.toFixed(2).padStart(6)} ms, eager ${b.eager.toFixed(2).padStart(6)} ms`);
console.log(`load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} on ${os.availableParallelism()} CPUs`);
for (const r of rows) console.log(r);
