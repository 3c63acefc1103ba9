/**
 * The machine's achieved WebAssembly SIMD128 float32 peak, and kiln's wasm kernels as a fraction
 * of it:
 *  - peak: a generated module (kiln's own assembler) running many independent f32x4 chains in
 *    registers (f32x4.mul and f32x4.add; see peakModule), on one thread and on every hardware
 *    thread at once (worker threads, each its own instance); the best of a few chain counts and of
 *    many ~3 ms runs (on a shared machine, the uninterrupted ones);
 *  - workload C: kiln's 1024×1024 float32 matmul on the wasm backend, threads off and on;
 *  - convolutions: the MNIST CNN's conv2d and filter gradient (batch 128) and a 3×3, 32→64
 *    channel layer, with the window-product template (src/codegen/wasm/conv.ts) and without it
 *    (the generic reduction).
 * GFLOP/s count 2 flops per multiply-add of the nominal product (padding taps included). On a busy
 * machine the wall clock of long calls mostly measures the others' load: one-thread figures are
 * also given by this process's CPU time, and those are the ones compared with the peak.
 *
 *   npx tsx bench/wasm-peak.ts            (KILN_THREADS=n sets kiln's thread count; --quick: shorter)
 */
import * as os from 'node:os';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import * as kiln from '../src/index.js';
import { FuncBuilder, ModuleBuilder } from '../src/codegen/wasm/assembler.js';
import { windowProductTemplate } from '../src/codegen/wasm/conv.js';
import type { WasmBackend } from '../src/runtime/wasm/index.js';
import { applyOp, currentBackend } from '../src/trace/index.js';

const quick = process.argv.includes('--quick');

/**
 * `peak(iters) -> f32`: `chains` independent f32x4 chains in registers, unrolled 4 times per
 * iteration: 'mul+add' chains `acc = acc·m + a` (one f32x4.mul and one f32x4.add, 8 flops), or
 * 'split' chains that alternate between `acc = acc·1` and `acc = acc + a` (4 flops each), whose
 * multiplies and adds do not wait for each other.
 */
export function peakModule(chains: number, kind: PeakKind = 'mul+add', unroll = 4): Uint8Array<ArrayBuffer> {
  const f = new FuncBuilder('peak', [{ name: 'iters', type: 'i32' }], ['f32']);
  const iters = f.params[0]!;
  const acc = Array.from({ length: chains }, (_, c) => f.local('v128', `acc${c}`));
  const m = f.local('v128', 'm'), a = f.local('v128', 'a');
  f.f32x4Const([kind === 'split' ? 1 : 0.999]).set(m).f32x4Const([0.001]).set(a);
  acc.forEach((l, c) => f.f32x4Const([0.5 + c * 0.01]).set(l));
  const top = f.loop('l');
  for (let u = 0; u < unroll; u++) {
    acc.forEach((l, c) => {
      if (kind === 'mul+add') f.get(l).get(m).op('f32x4.mul').get(a).op('f32x4.add').set(l);
      else if (c % 2 === 0) f.get(l).get(m).op('f32x4.mul').set(l);
      else f.get(l).get(a).op('f32x4.add').set(l);
    });
  }
  f.get(iters).i32Const(1).op('i32.sub').tee(iters).brIf(top);
  f.end();
  f.get(acc[0]!).lane('f32x4.extract_lane', 0);
  for (const l of acc.slice(1)) f.get(l).lane('f32x4.extract_lane', 0).op('f32.add');
  const mb = new ModuleBuilder();
  mb.addFunc(f, 'peak');
  return mb.encode();
}

export type PeakKind = 'mul+add' | 'split';

const flopsPerIter = (chains: number, kind: PeakKind, unroll = 4) => chains * unroll * (kind === 'mul+add' ? 8 : 4);

/** Iterations of about 3 ms at `gflops`: short runs, so that on a shared machine many run uninterrupted. */
const shortRun = (gflops: number, chains: number, kind: PeakKind) => Math.max(1000, Math.round((gflops * 1e9 * 0.003) / flopsPerIter(chains, kind)));

/** Each worker: warm up until tiered up, then one timed run per round, rounds started together. */
const RUNNER = `
const { parentPort, workerData } = require('node:worker_threads');
const { bytes, iters, rounds, flag } = workerData;
const peak = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports.peak;
const t0 = performance.now();
while (performance.now() - t0 < 300) peak(2000);
const f = new Int32Array(flag);
const times = [];
Atomics.add(f, 1, 1);
for (let r = 0; r < rounds; r++) {
  Atomics.wait(f, 0, r);
  const s = performance.timeOrigin + performance.now();
  peak(iters);
  times.push({ s, e: performance.timeOrigin + performance.now() });
  Atomics.add(f, 1, 1);
}
parentPort.postMessage(times);
`;

/** The best of many short runs. */
function singleThreadGflops(chains: number, kind: PeakKind, seconds: number): number {
  const peak = new WebAssembly.Instance(new WebAssembly.Module(peakModule(chains, kind))).exports.peak as (n: number) => number;
  const w0 = performance.now();
  while (performance.now() - w0 < 300) peak(2000);
  const t1 = performance.now();
  peak(100000);
  const iters = shortRun((100000 * flopsPerIter(chains, kind)) / ((performance.now() - t1) / 1000) / 1e9, chains, kind);
  let best = 0;
  const start = performance.now();
  for (let r = 0; r < 10 || performance.now() - start < seconds * 1000; r++) {
    const t = performance.now();
    peak(iters);
    best = Math.max(best, (iters * flopsPerIter(chains, kind)) / ((performance.now() - t) / 1000) / 1e9);
  }
  return best;
}

/** Every thread runs the chains at once (one worker per hardware thread), `rounds` short rounds; the best round. */
async function allThreadsGflops(chains: number, kind: PeakKind, threads: number, singleGflops: number, rounds: number): Promise<number> {
  const bytes = peakModule(chains, kind);
  const iters = shortRun(singleGflops, chains, kind);
  const flag = new SharedArrayBuffer(8);
  const f = new Int32Array(flag);
  const workers = Array.from({ length: threads }, () => new Worker(RUNNER, { eval: true, workerData: { bytes, iters, rounds, flag } }));
  const done = workers.map((w) => new Promise<{ s: number; e: number }[]>((resolve, reject) => { w.once('message', resolve); w.once('error', reject); }));
  const waitFor = async (count: number) => { while (Atomics.load(f, 1) < count) await new Promise((r) => setTimeout(r, 1)); };
  await waitFor(threads);
  for (let r = 0; r < rounds; r++) {
    Atomics.store(f, 1, 0);
    Atomics.store(f, 0, r + 1);
    Atomics.notify(f, 0);
    await waitFor(threads);
  }
  const times = await Promise.all(done);
  await Promise.all(workers.map((w) => w.terminate()));
  let best = 0;
  for (let r = 0; r < rounds; r++) {
    const wall = (Math.max(...times.map((t) => t[r]!.e)) - Math.min(...times.map((t) => t[r]!.s))) / 1000;
    best = Math.max(best, (threads * iters * flopsPerIter(chains, kind)) / wall / 1e9);
  }
  return best;
}

/**
 * Times of `fn` in ms: the median and best wall clock, and the median of this process's CPU time
 * per call. On a shared machine a long call is rarely uninterrupted; on one thread (the workers
 * asleep) its CPU time still counts only its own work.
 */
interface Times { readonly median: number; readonly best: number; readonly cpu: number }

function timeMs(fn: () => void, minMs: number, minRuns: number, warm = 6): Times {
  // V8 runs a new module in its baseline tier until the optimizing one is ready: a few calls
  const w = performance.now();
  for (let i = 0; i < warm || performance.now() - w < 500; i++) fn();
  const wall: number[] = [], cpu: number[] = [];
  const cpuNow = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
  const start = performance.now();
  while (wall.length < minRuns || performance.now() - start < minMs) {
    const t0 = performance.now(), c0 = cpuNow();
    fn();
    cpu.push(cpuNow() - c0);
    wall.push(performance.now() - t0);
  }
  const mid = (a: number[]) => a.sort((x, y) => x - y)[Math.floor(a.length / 2)]!;
  return { median: mid(wall), best: Math.min(...wall), cpu: mid(cpu) };
}

const gflops = (flops: number, ms: number) => flops / (ms / 1000) / 1e9;

function matmulMs(n: number): Times {
  const a = kiln.randomNormal([n, n], { seed: 1 }), b = kiln.randomNormal([n, n], { seed: 2 });
  const f = kiln.compile((x: kiln.Tensor, y: kiln.Tensor) => kiln.matMul(x, y));
  const t = timeMs(() => f(a, b).dispose(), quick ? 1000 : 3000, 3);
  kiln.dispose([a, b]);
  return t;
}

interface Conv { name: string; x: number[]; f: number[]; pad: 'same' | 'valid' }

const CONVS: Conv[] = [
  { name: 'MNIST CNN conv, batch 128: [128,28,28,1] * [3,3,1,32] valid', x: [128, 28, 28, 1], f: [3, 3, 1, 32], pad: 'valid' },
  { name: '3x3 conv 32->64, [8,16,16,32] * [3,3,32,64] same', x: [8, 16, 16, 32], f: [3, 3, 32, 64], pad: 'same' },
];

/** ms of conv2d, conv2dBackpropFilter and conv2dBackpropInput (each alone, compiled), stride 1. */
function convMs(c: Conv, generic = false): { op: string; ms: Times; flops: number }[] {
  const [, H, W, ci] = c.x as [number, number, number, number];
  const [kh, kw, , co] = c.f as [number, number, number, number];
  const same = c.pad === 'same';
  const oh = same ? H : H - kh + 1, ow = same ? W : W - kw + 1;
  const pads = same ? [(kh - 1) >> 1, kh - 1 - ((kh - 1) >> 1), (kw - 1) >> 1, kw - 1 - ((kw - 1) >> 1)] : [0, 0, 0, 0];
  const geometry = { strides: [1, 1], pads, dilations: [1, 1] };
  const flops = 2 * c.x[0]! * oh * ow * co * kh * kw * ci;
  const x = kiln.randomNormal(c.x, { seed: 3 }), f = kiln.randomNormal(c.f, { seed: 4 }), dy = kiln.randomNormal([c.x[0]!, oh, ow, co], { seed: 5 });
  const budget = quick ? 600 : 2000;
  const time = (op: string, ins: kiln.Tensor[], attrs: Record<string, unknown>) => {
    const fn = kiln.compile((...t: kiln.Tensor[]) => applyOp(op, t, attrs as never));
    return { op, ms: generic ? timeMs(() => fn(...ins).dispose(), 0, 3, 2) : timeMs(() => fn(...ins).dispose(), budget, 3), flops };
  };
  const out = [
    time('conv2d', [x, f], geometry),
    time('conv2dBackpropFilter', [x, dy], { ...geometry, filterShape: c.f }),
    ...(ci >= 4 ? [time('conv2dBackpropInput', [dy, f], { ...geometry, inputShape: c.x })] : []),
  ];
  kiln.dispose([x, f, dy]);
  return out;
}

export interface SimdPeak { readonly single: number; readonly all: number; readonly threads: number; readonly how: string }

/** The achieved f32x4 mul+add peak in GFLOP/s, on one thread and on every hardware thread: the best chain count and kind. */
export async function simdPeak(log: (line: string) => void = () => undefined, seconds = quick ? 0.3 : 1): Promise<SimdPeak> {
  const threads = os.availableParallelism();
  let single = 0, chains = 0, kind: PeakKind = 'mul+add';
  for (const k of ['mul+add', 'split'] as const) {
    for (const c of [8, 10, 12, 14]) {
      const g = singleThreadGflops(c, k, seconds);
      log(`  1 thread, ${String(c).padStart(2)} ${k} chains: ${g.toFixed(1)} GFLOP/s`);
      if (g > single) { single = g; chains = c; kind = k; }
    }
  }
  const all = await allThreadsGflops(chains, kind, threads, single, quick ? 100 : 300);
  const how = `${chains} ${kind} chains`;
  log(`peak: 1 thread ${single.toFixed(1)} GFLOP/s, ${threads} threads ${all.toFixed(1)} GFLOP/s (${how})`);
  return { single, all, threads, how };
}

async function main(): Promise<void> {
  const threads = os.availableParallelism();
  console.log(`wasm SIMD128 peak: Node ${process.version}, ${threads} hardware threads (${os.cpus()[0]?.model ?? '?'}), load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const { single, all } = await simdPeak(console.log);

  await kiln.setBackend('wasm');
  const backend = currentBackend() as WasmBackend;
  await backend.threadsReady;
  const n = 1024;
  const pct = (g: number, peak: number) => `${((100 * g) / peak).toFixed(0)}%`;
  // GFLOP/s as "wall median (wall best; by CPU time on one thread)", and the first as a share of the peak
  const show = (flops: number, t: Times, one: boolean, peak: number) =>
    `${gflops(flops, t.median).toFixed(1).padStart(5)} (${gflops(flops, t.best).toFixed(1)}${one ? `; ${gflops(flops, t.cpu).toFixed(1)} by CPU` : ''}) GFLOP/s = ${pct(gflops(flops, one ? t.cpu : t.median), peak)} of peak`;
  backend.useThreads = false;
  const mm1 = matmulMs(n);
  backend.useThreads = true;
  const mmAll = matmulMs(n);
  const mmFlops = 2 * n ** 3;
  console.log(`\nC: kiln ${n}x${n} matmul (wasm), GFLOP/s wall median (wall best; by CPU time on 1 thread), and % of the peak (1 thread: by CPU time):`);
  console.log(`  1 thread  ${show(mmFlops, mm1, true, single)}`);
  console.log(`  ${backend.threads} threads ${show(mmFlops, mmAll, false, all)}`);

  for (const one of [true, false]) {
    backend.useThreads = !one;
    const peak = one ? single : all;
    console.log(`\nconvolutions (wasm, ${one ? 1 : backend.threads} thread${one ? '' : 's'}): the window-product template, then the generic reduction (wall median)`);
    for (const c of CONVS) {
      console.log(`  ${c.name}`);
      windowProductTemplate.enabled = true;
      const on = convMs(c);
      windowProductTemplate.enabled = false;
      const off = convMs(c, true);
      windowProductTemplate.enabled = true;
      on.forEach((r, i) => {
        const o = off[i]!;
        console.log(`    ${r.op.padEnd(22)} ${r.ms.median.toFixed(2).padStart(7)} ms ${show(r.flops, r.ms, one, peak)}   generic ${o.ms.median.toFixed(1).padStart(6)} ms ${gflops(o.flops, o.ms.median).toFixed(2).padStart(5)} GFLOP/s   ${(o.ms.median / r.ms.median).toFixed(1)}x`);
      });
    }
  }
  backend.useThreads = true;
  backend.dispose();
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
  process.exit(0);
}
