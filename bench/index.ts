// kiln's benchmarks in one process, so every ratio is measured side by side: `npm run bench`.
//
//   npm run bench -- [--only overhead,A,B,C,D,mnist] [--backend wasm|cpu|webgpu] [--quick] [--clock wall|cpu]
//
// --backend is kiln's (default wasm, kiln's default); jax-js runs on wasm with its Web Workers
// (bench/jax-threads.ts), tfjs on its cpu and wasm backends (or, with webgpu, the GPU peers).
// --clock cpu (or BENCH_CLOCK=cpu) times by the process's CPU time: steadier on a machine busy
// with other work, but it adds up every thread (V8's GC, kiln's wasm workers), so a threaded run
// reads as if on one core; the wall clock (the default) is the number to quote.
//
// First the per-call overhead table (bench/overhead.ts), then the workloads of the "passes and
// fusion" issue on kiln (fusion on and off), TensorFlow.js (cpu and wasm backends), jax-js (wasm,
// jit) and hand-written JavaScript:
//   A  MLP train step 784 → 512 relu → 10, softmax cross-entropy, Adam 1e-3, batch 128 (steps/s)
//   B  sum(sigmoid(relu(x·a + b)·c − d)) over 2^20 elements, scalars a–d (ms per run)
//   C  1024×1024 float32 matmul (GFLOP/s)
//   D  A at batch 32
// and last, mnist: kiln's keras fit beside TensorFlow.js's on MNIST, an MLP and a CNN (bench/mnist.ts,
// also `npm run bench:mnist` with options of its own).
// With --backend webgpu the peers are tfjs-backend-webgpu and jax-js's webgpu backend, on the
// same Dawn instance as kiln (bench/peers.ts); every train step then reads its loss back, so
// each step's time includes its GPU work, and the kernels column counts the dispatches each
// library recorded for one call.
// Each implementation is warmed up, then timed in fixed windows (2 s; --quick 0.3 s) interleaved
// across implementations; the median of 3 windows is reported.
import * as os from 'node:os';
import * as kiln from '../src/index.js';
import { maxRelativeError, measure, relativeError, type Impl, type Timing, type TimingOptions } from './harness.js';
import { B_SIZE, chainData, float32RunningSum, handChain, handMatmul, jaxChain, jaxMatmul, kilnChain, kilnMatmul, matmulData, MATMUL_FLOPS, N, tfChain, tfMatmul } from './kernels.js';
import { jaxMlp, kilnMlp, mlpData, tfMlp } from './mlp.js';
import { benchArgs, nameList } from './args.js';
import { dispatches, installWebGpu, startPeers, type Peers } from './peers.js';
import { parseMnistOptions, runMnist } from './mnist.js';

const WORKLOADS = ['overhead', 'A', 'B', 'C', 'D', 'mnist'] as const;
type Workload = (typeof WORKLOADS)[number];

interface Options {
  readonly only: ReadonlySet<Workload>;
  readonly backend: string;
  readonly quick: boolean;
  readonly clock: 'wall' | 'cpu';
}

function parseOptions(argv: readonly string[]): Options {
  const usage = `npm run bench -- [--only ${WORKLOADS.join(',')}] [--backend wasm|cpu|webgpu] [--quick] [--clock wall|cpu]`;
  const v = benchArgs(argv, usage);
  const clock = v.clock ?? (process.env.BENCH_CLOCK === 'cpu' ? 'cpu' : 'wall');
  if (clock !== 'wall' && clock !== 'cpu') throw new Error(`--clock: wall or cpu, got ${clock}`);
  return {
    only: new Set(v.only === undefined ? WORKLOADS : nameList('only', v.only, WORKLOADS)),
    // kiln's default backend; --backend cpu for the readable JavaScript one.
    backend: v.backend ?? 'wasm',
    quick: v.quick,
    clock,
  };
}

const log = (line: string) => console.log(line);
const load = () => os.loadavg().map((l) => l.toFixed(1)).join(' ');

/** What a workload measured: its implementations' timings, in the unit of its table. */
interface Result {
  readonly workload: string;
  readonly title: string;
  readonly unit: string;
  /** The number shown for a rate (units per second). */
  readonly show: (rate: number) => number;
  readonly rows: { readonly impl: Impl; readonly timing: Timing }[];
  readonly notes: string[];
}

/** Builds each implementation, dropping (and reporting) any that fails to build. */
function build(makers: readonly (() => Impl)[], notes: string[]): Impl[] {
  const impls: Impl[] = [];
  for (const make of makers) {
    try { impls.push(make()); } catch (e) { notes.push(`skipped an implementation: ${String(e)}`); }
  }
  return impls;
}

/** Milliseconds of each implementation's last checking call: measure() skips warming up what is slower than the warm-up. */
const checkMs = new Map<Impl, number>();

/** Dispatches one call (run and finish) recorded on the shared Dawn instance, by implementation (webgpu only). */
const dispatchesPerCall = new Map<Impl, number>();

/** Counts each implementation's dispatches over one more call, when the peers run on WebGPU. */
async function countDispatches(impls: readonly Impl[], peers: Peers): Promise<void> {
  if (!peers.gpu) return;
  for (const impl of impls) {
    const before = dispatches();
    await runOnce(impl);
    dispatchesPerCall.set(impl, dispatches() - before);
  }
}

/** Runs `check` on each implementation, dropping (and reporting) any that throws. */
async function checked(impls: Impl[], notes: string[], check: (impl: Impl) => Promise<void>): Promise<Impl[]> {
  const kept: Impl[] = [];
  for (const impl of impls) {
    try { await check(impl); kept.push(impl); } catch (e) { notes.push(`${impl.name} dropped: ${e instanceof Error ? e.message : String(e)}`); }
  }
  return kept;
}

async function runOnce(impl: Impl): Promise<number> {
  await impl.prepare?.();
  const start = performance.now();
  const r = impl.run();
  if (r) await r;
  const value = await impl.finish();
  checkMs.set(impl, performance.now() - start);
  return value;
}

function peerMakers<T>(peers: Peers, tfMake: (backend: string) => T, jaxMake: () => T): (() => T)[] {
  return [...peers.tfBackends.map((b) => () => tfMake(b)), ...(peers.jax ? [jaxMake] : [])];
}

async function mlpWorkload(name: string, batch: number, peers: Peers, timing: TimingOptions): Promise<Result> {
  log(`\n${name}: MLP train step, batch ${batch} ...`);
  const d = mlpData(batch);
  const notes: string[] = [];
  const sync = peers.gpu === true;
  let impls = build([() => kilnMlp(d, true, sync), () => kilnMlp(d, false, sync), ...peerMakers(peers, (b) => tfMlp(d, b, sync), () => jaxMlp(d, peers.jaxName, sync))], notes);
  // The same weights and data everywhere: the first losses must agree, and the loss must fall.
  const first = new Map<Impl, number[]>();
  impls = await checked(impls, notes, async (impl) => {
    const losses = [await runOnce(impl), await runOnce(impl), await runOnce(impl)];
    if (!losses.every(Number.isFinite)) throw new Error(`losses ${losses.join(', ')}`);
    first.set(impl, losses);
  });
  const ref = first.get(impls[0]!) ?? [];
  for (const impl of impls) {
    const l = first.get(impl)!;
    const [e0, e2] = [relativeError(l[0]!, ref[0]!), relativeError(l[2]!, ref[2]!)];
    if (e0 > 1e-3 || e2 > 1e-2) notes.push(`WARNING ${impl.name}: losses ${l.map((v) => v.toFixed(4)).join(', ')} differ from ${impls[0]!.name}'s ${ref.map((v) => v.toFixed(4)).join(', ')}`);
  }
  await countDispatches(impls, peers);
  const timings = await measure(impls, timing, log, checkMs);
  for (const impl of impls) {
    const l = first.get(impl)!;
    const end = timings.get(impl)!.last;
    const steps = 3 + (dispatchesPerCall.has(impl) ? 1 : 0) + timings.get(impl)!.units; // at least: warm-up steps are not counted
    notes.push(`${impl.name.padEnd(16)} loss ${l.map((v) => v.toFixed(4)).join(' → ')} … ${end.toFixed(4)} after ≥${steps} steps${end < l[0]! ? '' : '  WARNING: the loss did not fall'}`);
  }
  return { workload: name, title: `MLP 784→512→10 train step, Adam, batch ${batch}`, unit: 'steps/s', show: (r) => r, rows: impls.map((impl) => ({ impl, timing: timings.get(impl)! })), notes };
}

async function chainWorkload(peers: Peers, timing: TimingOptions): Promise<Result> {
  log('\nB: sum(sigmoid(relu(x·a+b)·c−d)) over 2^20 ...');
  const x = chainData();
  const notes: string[] = [];
  let impls = build([() => handChain(x), () => kilnChain(x, true), () => kilnChain(x, false), ...peerMakers(peers, (b) => tfChain(x, b), () => jaxChain(x, peers.jaxName))], notes);
  const hand = impls[0]!;
  let want = NaN;
  const running = float32RunningSum(x);
  impls = await checked(impls, notes, async (impl) => {
    const got = await runOnce(impl);
    if (impl === hand) want = got;
    const err = relativeError(got, want);
    let line = `${impl.name.padEnd(16)} sum ${got.toFixed(3)}: relative difference from the hand loop's ${err.toExponential(1)}`;
    // A sum accumulated sequentially in float32 drifts past 1e-3 over 2^20 terms; that is
    // rounding in the library's reduction, not a wrong elementwise value, so it is timed still.
    if (err > 1e-3 && relativeError(got, running) <= 1e-5) line += ` (WARNING: over 1e-3; it equals a sequential float32 accumulation, ${running.toFixed(3)})`;
    else if (!(err <= 1e-3)) throw new Error(`sum ${got} differs from the hand loop's ${want} by more than 1e-3 relative`);
    notes.push(line);
  });
  await countDispatches(impls.filter((i) => i !== hand), peers);
  const timings = await measure(impls, timing, log, checkMs);
  return { workload: 'B', title: `fused elementwise chain summed, ${B_SIZE} elements`, unit: 'ms/run', show: (r) => 1000 / r, rows: impls.map((impl) => ({ impl, timing: timings.get(impl)! })), notes };
}

async function matmulWorkload(peers: Peers, timing: TimingOptions): Promise<Result> {
  log(`\nC: ${N}×${N} matmul ...`);
  const { a, b } = matmulData();
  const notes: string[] = [];
  const want = new Float32Array(N * N);
  let got: ArrayLike<number> = want;
  const sink = (v: ArrayLike<number>) => { got = v; };
  let impls = build([() => handMatmul(a, b, want), () => kilnMatmul(a, b, true, sink), () => kilnMatmul(a, b, false, sink), ...peerMakers(peers, (be) => tfMatmul(a, b, be, sink), () => jaxMatmul(a, b, sink, peers.jaxName))], notes);
  const hand = impls[0]!;
  impls = await checked(impls, notes, async (impl) => {
    await runOnce(impl);
    if (impl === hand) return;
    const err = maxRelativeError(got, want);
    if (!(err <= 1e-3)) throw new Error(`the product differs from the i-k-j loop's by ${err} (relative, elementwise)`);
  });
  await countDispatches(impls.filter((i) => i !== hand), peers);
  const timings = await measure(impls, timing, log, checkMs);
  return { workload: 'C', title: `${N}×${N} float32 matmul`, unit: 'GFLOP/s', show: (r) => (r * MATMUL_FLOPS) / 1e9, rows: impls.map((impl) => ({ impl, timing: timings.get(impl)! })), notes };
}

function rateOf(result: Result | undefined, name: string): number | undefined {
  return result?.rows.find((r) => r.impl.name === name)?.timing.median;
}

function printTable(results: readonly Result[]): void {
  const num = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
  console.log(`\n${'workload'.padEnd(9)} ${'implementation'.padEnd(16)} ${'median'.padStart(9)} ${'unit'.padEnd(8)} ${'spread'.padStart(7)} ${'kiln is'.padStart(10)} ${'kernels'.padStart(8)} ${'peak MB'.padStart(8)}`);
  console.log('-'.repeat(84));
  for (const r of results) {
    const kiln = rateOf(r, 'kiln');
    console.log(`${r.workload}: ${r.title}`);
    for (const { impl, timing } of r.rows) {
      const spread = (Math.max(...timing.rates) - Math.min(...timing.rates)) / timing.median;
      const vs = kiln === undefined || impl.name === 'kiln' ? '' : `${num(kiln / timing.median)}x ${kiln >= timing.median ? 'faster' : 'slower'}`;
      const stats = impl.stats?.();
      const dispatched = dispatchesPerCall.get(impl);
      // kiln's own count, and what it dispatched where that differs (a split reduction dispatches twice).
      const kernels = stats ? `${stats.kernels}${dispatched !== undefined && dispatched !== stats.kernels ? `/${dispatched}*` : ''}` : dispatched !== undefined ? `${dispatched}*` : '';
      console.log(`${''.padEnd(9)} ${impl.name.padEnd(16)} ${num(r.show(timing.median)).padStart(9)} ${r.unit.padEnd(8)} ${`±${(spread * 50).toFixed(0)}%`.padStart(7)} ${vs.padStart(10)} ${kernels.padStart(8)} ${(stats ? (stats.bytes / 2 ** 20).toFixed(2) : '').padStart(8)}`);
    }
  }
  console.log('\n"kiln is": kiln (fusion on) beside that row, by median rate; "spread": half the range of the 3 windows around the median;');
  console.log('"kernels": kernels launched per call; "peak MB": peak bytes of one call (cf.stats).');
  if (dispatchesPerCall.size) console.log('"kernels" with *: compute dispatches one call recorded on the shared Dawn instance (GPUComputePassEncoder.dispatchWorkgroups, counted); kiln\'s "k/d*": k kernels, d dispatches.');
}

function printGoals(results: readonly Result[], backend: string): void {
  const by = (w: string) => results.find((r) => r.workload === w);
  const lines: string[] = [];
  // speedup = kiln's rate / the other's rate.
  const goal = (label: string, w: string, against: string, test: (speedup: number) => boolean, target: string) => {
    const r = by(w);
    const k = rateOf(r, 'kiln'), o = rateOf(r, against);
    if (k === undefined || o === undefined) return;
    const s = k / o;
    const how = s >= 1 ? `${s.toFixed(2)}x faster` : `${(1 / s).toFixed(2)}x slower`;
    // Fusion on and off can generate the same kernels (a lone matmul): then the goal is moot.
    const same = (impl: Impl | undefined) => impl?.kernelSources?.().map((k) => k.replace(/Unfused/g, '')).join('\n');
    const k0 = r!.rows.find((x) => x.impl.name === 'kiln')?.impl, o0 = r!.rows.find((x) => x.impl.name === against)?.impl;
    const moot = against === 'kiln (fuse off)' && same(k0) !== undefined && same(k0) === same(o0);
    lines.push(`  ${label.padEnd(40)} ${target.padEnd(22)} ${moot ? 'n/a    ' : test(s) ? 'met    ' : 'NOT met'}  kiln is ${how}${moot ? ' (the same kernels either way: noise)' : ''}`);
  };
  goal('B: kiln vs the hand-written loop', 'B', 'hand loop', (s) => 1 / s <= 1.2, 'within 1.2x');
  goal('B: kiln vs tfjs-cpu', 'B', 'tfjs-cpu', (s) => s >= 5, '>= 5x faster');
  goal('C: kiln vs plain i-k-j', 'C', 'hand i-k-j', (s) => s >= 2, '>= 2x faster');
  goal('A: kiln vs tfjs-cpu', 'A', 'tfjs-cpu', (s) => s >= 2, '>= 2x faster');
  goal('D: kiln vs tfjs-cpu', 'D', 'tfjs-cpu', (s) => s >= 2, '>= 2x faster');
  for (const w of ['A', 'B', 'C', 'D']) goal(`${w}: fusion on vs off`, w, 'kiln (fuse off)', (s) => s > 1, 'on faster');
  // The WebGPU issue: against the better of tfjs-webgpu and jax-js-webgpu.
  const better = (w: string) => {
    const rows = by(w)?.rows.filter((x) => x.impl.name === 'tfjs-webgpu' || x.impl.name === 'jax-js-webgpu') ?? [];
    return rows.sort((p, q) => q.timing.median - p.timing.median)[0]?.impl.name;
  };
  for (const [w, test, target] of [['A', (s: number) => s >= 2, '>= 2x the better peer'], ['D', (s: number) => s >= 2, '>= 2x the better peer'], ['B', (s: number) => s > 1, 'ahead of both peers'], ['C', (s: number) => s > 1, 'ahead of both peers']] as const) {
    const peer = better(w);
    if (peer) goal(`${w}: kiln-webgpu vs ${peer}`, w, peer, test, target);
  }
  // The wasm issue: kiln on wasm against jax-js (wasm, its threads on) and tfjs-wasm.
  if (backend === 'wasm') {
    goal('A: kiln-wasm vs jax-js', 'A', 'jax-js', (s) => s >= 1.2, '>= 1.2x faster');
    goal('D: kiln-wasm vs jax-js', 'D', 'jax-js', (s) => s >= 1.2, '>= 1.2x faster');
    goal('C: kiln-wasm vs jax-js', 'C', 'jax-js', (s) => s >= 1, 'at least as fast');
    goal('B: kiln-wasm vs jax-js', 'B', 'jax-js', (s) => s >= 3, '>= 3x faster');
    goal('B: kiln-wasm vs tfjs-wasm', 'B', 'tfjs-wasm', (s) => s > 1, 'faster');
  }
  for (const w of ['A', 'D']) {
    const rows = by(w)?.rows ?? [];
    const k = rows.find((x) => x.impl.name === 'kiln')?.impl, t = rows.find((x) => x.impl.name === 'tfjs-webgpu')?.impl;
    if (!k || !t || !dispatchesPerCall.has(t)) continue;
    const kk = k.stats?.().kernels ?? dispatchesPerCall.get(k)!, tk = dispatchesPerCall.get(t)!;
    lines.push(`  ${`${w}: kernels per step, kiln vs tfjs-webgpu`.padEnd(40)} ${'<= 1/3'.padEnd(22)} ${kk * 3 <= tk ? 'met    ' : 'NOT met'}  kiln ${kk} (dispatched ${dispatchesPerCall.get(k) ?? '?'}), tfjs-webgpu ${tk}${rows.some((x) => x.impl.name === 'jax-js-webgpu') ? `, jax-js-webgpu ${dispatchesPerCall.get(rows.find((x) => x.impl.name === 'jax-js-webgpu')!.impl) ?? '?'}` : ''}`);
  }
  console.log(`\nGoals (the passes-and-fusion issue${backend === 'cpu' ? '' : `, and the ${backend} issue`}):`);
  for (const l of lines) console.log(l);
}

/** On wasm: the machine's SIMD128 float32 peak (bench/wasm-peak.ts) and kiln's matmul (C) as a fraction of it. */
async function peakFraction(results: readonly Result[]): Promise<void> {
  const c = results.find((r) => r.workload === 'C')!;
  const rate = rateOf(c, 'kiln');
  if (rate === undefined) return;
  const { simdPeak } = await import('./wasm-peak.js');
  const peak = await simdPeak();
  const gflops = c.show(rate);
  console.log(`\nwasm SIMD128 peak (f32x4 mul+add chains): 1 thread ${peak.single.toFixed(1)} GFLOP/s, ${peak.threads} threads ${peak.all.toFixed(1)} GFLOP/s;`);
  console.log(`C: kiln's matmul ${gflops.toFixed(1)} GFLOP/s = ${((100 * gflops) / peak.all).toFixed(0)}% of the ${peak.threads}-thread peak (npx tsx bench/wasm-peak.ts: 1-thread and conv figures)`);
}

/** MNIST training (bench/mnist.ts): kiln's keras fit beside TensorFlow.js's, an MLP and a CNN. */
async function mnistWorkload(options: Options, peers: Peers | null): Promise<void> {
  if (!options.only.has('mnist')) return;
  console.log('\n== MNIST training, kiln vs TensorFlow.js (bench/mnist.ts) ==');
  await runMnist({ ...parseMnistOptions([]), quick: options.quick }, log, peers ?? undefined);
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const started = performance.now();
  console.log(`kiln benchmarks: Node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}), load average ${load()}${options.quick ? ', --quick' : ''}, ${options.clock} clock`);

  if (options.only.has('overhead')) {
    if (options.quick) process.env.BENCH_SCALE ??= '0.1';
    if (options.clock === 'cpu') process.env.BENCH_CLOCK = 'cpu';
    console.log('\n== Per-call overhead (bench/overhead.ts) ==\n');
    await import('./overhead.js');
  }
  const workloads = (['A', 'B', 'C', 'D'] as const).filter((w) => options.only.has(w));
  if (workloads.length === 0) return mnistWorkload(options, null);

  const timing: TimingOptions = options.quick
    ? { windowMs: 300, windows: 3, warmupMs: 0, minWarmup: 1, clock: options.clock }
    : { windowMs: 2000, windows: 3, warmupMs: 500, minWarmup: 1, clock: options.clock };
  console.log('\n== Workloads of the passes-and-fusion issue ==');
  await kiln.setBackend('cpu');
  // Dawn as navigator.gpu before kiln's device is made, so kiln and both peers share its instance.
  if (options.backend === 'webgpu') await installWebGpu();
  if (options.backend !== 'cpu') {
    try {
      await kiln.setBackend(options.backend as Parameters<typeof kiln.setBackend>[0]);
    } catch (e) {
      log(`kiln backend '${options.backend}' is unavailable (${e instanceof Error ? e.message : String(e)}); continuing on cpu`);
    }
  }
  const peers = await startPeers(log, kiln.getBackend() === 'webgpu' ? 'webgpu' : 'cpu');
  log(`kiln: ${kiln.getBackend()} backend`);
  for (const n of peers.notes) log(n);

  const results: Result[] = [];
  for (const w of workloads) {
    if (w === 'A') results.push(await mlpWorkload('A', 128, peers, timing));
    if (w === 'B') results.push(await chainWorkload(peers, timing));
    if (w === 'C') results.push(await matmulWorkload(peers, timing));
    if (w === 'D') results.push(await mlpWorkload('D', 32, peers, timing));
  }
  for (const r of results) {
    if (r.notes.length === 0) continue;
    console.log(`\n${r.workload} checks:`);
    for (const n of r.notes) console.log(`  ${n}`);
  }
  printTable(results);
  printGoals(results, kiln.getBackend());
  if (kiln.getBackend() === 'wasm' && results.some((r) => r.workload === 'C')) await peakFraction(results);
  await mnistWorkload(options, peers);
  const cpu = process.cpuUsage();
  console.log(`\nload average now ${load()}; ${((performance.now() - started) / 1000).toFixed(0)} s in all, ${((cpu.user + cpu.system) / 1e6).toFixed(0)} s of CPU time`);
}

await main();
process.exit(0);
