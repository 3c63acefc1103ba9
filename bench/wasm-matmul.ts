/**
 * The wasm backend against the cpu backend:
 *  C. float32 matmul 1024×1024·1024×1024 in GFLOP/s (compiled, output left in memory);
 *  B. elementwise `sum(sigmoid(relu(x·a + b)·c - d))` over 2^20 elements in ms, compiled (one
 *     fused kernel) and eagerly (one kernel per op), with a..d scalars and with a..d arrays.
 *
 *   npx tsx bench/wasm-matmul.ts            (KILN_THREADS=1 for one thread)
 */
import * as kiln from '../src/index.js';

function time(fn: () => void, minMs = 1500, minRuns = 5): number {
  fn();
  fn();
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

async function matmul(backend: 'cpu' | 'wasm', n: number): Promise<number> {
  await kiln.setBackend(backend);
  const a = kiln.randomNormal([n, n], { seed: 1 });
  const b = kiln.randomNormal([n, n], { seed: 2 });
  const f = kiln.compile((x: kiln.Tensor, y: kiln.Tensor) => kiln.matMul(x, y));
  const ms = time(() => f(a, b).dispose(), backend === 'cpu' ? 3000 : 1500, backend === 'cpu' ? 2 : 5);
  a.dispose();
  b.dispose();
  return (2 * n ** 3) / (ms * 1e6);
}

async function elementwise(backend: 'cpu' | 'wasm', arrays: boolean): Promise<{ compiled: number; eager: number }> {
  await kiln.setBackend(backend);
  const n = 1 << 20;
  const x = kiln.randomNormal([n], { seed: 3 });
  const [a, b, c, d] = [1.5, 0.25, -0.75, 0.1].map((v, i) => (arrays ? kiln.randomUniform([n], { seed: 10 + i }).add(v) : kiln.scalar(v)));
  const body = (x: kiln.Tensor, a: kiln.Tensor, b: kiln.Tensor, c: kiln.Tensor, d: kiln.Tensor) => kiln.sum(kiln.sigmoid(kiln.relu(x.mul(a).add(b)).mul(c).sub(d)));
  const f = kiln.compile(body);
  const compiled = time(() => f(x, a!, b!, c!, d!).dispose());
  const eager = time(() => kiln.tidy(() => body(x, a!, b!, c!, d!)).dispose());
  return { compiled, eager };
}

const n = 1024;
const wasm = await matmul('wasm', n);
const cpu = await matmul('cpu', n);
console.log(`C  matmul ${n}×${n}: wasm ${wasm.toFixed(1)} GFLOP/s, cpu ${cpu.toFixed(2)} GFLOP/s (${(wasm / cpu).toFixed(0)}×)`);
for (const arrays of [false, true]) {
  const w = await elementwise('wasm', arrays);
  const c = await elementwise('cpu', arrays);
  const what = arrays ? 'a..d arrays' : 'a..d scalars';
  console.log(`B  sum(sigmoid(relu(x*a+b)*c-d)) over 2^20, ${what}: wasm compiled ${w.compiled.toFixed(2)} ms, eager ${w.eager.toFixed(2)} ms; cpu compiled ${c.compiled.toFixed(2)} ms, eager ${c.eager.toFixed(2)} ms`);
}
