// MNIST training, kiln's Keras beside TensorFlow.js's, on the same model and data:
//
//   npm run bench:mnist -- [--quick] [--models mlp,cnn] [--impls kiln-cpu,kiln-wasm,tfjs-cpu,tfjs-wasm]
//                          [--epochs N] [--batch 32] [--clock wall|cpu]
//   npm run bench -- --only mnist          (the same, from the main bench)
//
// The data: keras.datasets.mnist.loadData() (8,000 training and 2,000 test digits), loaded once.
// The models (Keras defaults: glorot-uniform kernels, zero biases; Adam 1e-3; sparse categorical
// cross-entropy on integer labels; shuffled batches):
//   mlp  Flatten → Dense(256, relu) → Dense(10, softmax)
//   cnn  Reshape [28, 28, 1] → Conv2D(32, 3, relu) → MaxPooling2D(2) → Flatten → Dense(10, softmax)
// Each implementation (kiln on its cpu and wasm backends, TensorFlow.js on its cpu and wasm
// backends) trains its own model with `model.fit(x, y, { epochs: 1 })` once per round, rounds
// interleaved across implementations, so a burst of load from elsewhere on the machine lands on
// all of them alike. The first epoch (compiling, warming up) is reported apart; the per-epoch time
// is the median of the others. Then the test accuracy of each, and the goals of the Keras issue:
// kiln on the default backend reaches ≥ 96% (MLP) and ≥ 97.5% (CNN); a kiln-cpu epoch ≥ 2× faster
// than a tfjs-cpu one, a kiln-wasm epoch ≥ 3× faster than a tfjs-wasm one.
import * as os from 'node:os';
import { pathToFileURL } from 'node:url';
import * as kiln from '../src/index.js';
import { keras } from '../src/index.js';
import { median } from './harness.js';
import { startPeers, tf, useTf } from './peers.js';

const MODELS = ['mlp', 'cnn'] as const;
type ModelName = (typeof MODELS)[number];
const IMPLS = ['kiln-cpu', 'kiln-wasm', 'tfjs-cpu', 'tfjs-wasm'] as const;
type ImplName = (typeof IMPLS)[number];

/** kiln's backend when this module loaded (before any bench switched it): the default. */
const DEFAULT_BACKEND = kiln.getBackend();

/** The accuracy each model must reach on the 2,000 test digits (kiln, default backend). */
export const ACCURACY_GOAL: Record<ModelName, number> = { mlp: 0.96, cnn: 0.975 };
/** Epochs per model when not given: enough for kiln to pass its accuracy goal. */
const DEFAULT_EPOCHS: Record<ModelName, number> = { mlp: 8, cnn: 6 };
/** kiln's epoch must be this many times faster than tfjs's on the matching backend. */
const SPEED_GOAL: Record<string, { against: ImplName; factor: number }> = {
  'kiln-cpu': { against: 'tfjs-cpu', factor: 2 },
  'kiln-wasm': { against: 'tfjs-wasm', factor: 3 },
};

export interface MnistOptions {
  readonly quick: boolean;
  readonly models: readonly ModelName[];
  readonly impls: readonly ImplName[];
  /** Epochs per model (undefined: DEFAULT_EPOCHS, or 2 with --quick). */
  readonly epochs?: number;
  readonly batch: number;
  readonly clock: 'wall' | 'cpu';
}

export function parseMnistOptions(argv: readonly string[]): MnistOptions {
  let quick = false, batch = 32, epochs: number | undefined;
  let models: ModelName[] = [...MODELS], impls: ImplName[] = [...IMPLS];
  let clock: 'wall' | 'cpu' = process.env.BENCH_CLOCK === 'cpu' ? 'cpu' : 'wall';
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = () => {
      const eq = arg.indexOf('=');
      if (eq >= 0) return arg.slice(eq + 1);
      const next = argv[++i];
      if (next === undefined) throw new Error(`${arg} needs a value`);
      return next;
    };
    const list = <T extends string>(all: readonly T[]): T[] => {
      const names = value().split(',').map((s) => s.trim()).filter(Boolean);
      const bad = names.filter((n) => !(all as readonly string[]).includes(n));
      if (bad.length) throw new Error(`${arg}: unknown ${bad.join(', ')}; choose from ${all.join(', ')}`);
      return names as T[];
    };
    if (arg === '--quick') quick = true;
    else if (arg.startsWith('--models')) models = list(MODELS);
    else if (arg.startsWith('--impls')) impls = list(IMPLS);
    else if (arg.startsWith('--epochs')) epochs = Number(value());
    else if (arg.startsWith('--batch')) batch = Number(value());
    else if (arg.startsWith('--clock')) clock = value() === 'cpu' ? 'cpu' : 'wall';
    else if (arg.startsWith('--only') || arg.startsWith('--backend')) value(); // the main bench's options
    else throw new Error(`unknown option ${arg}; usage: bench/mnist.ts [--quick] [--models mlp,cnn] [--impls ${IMPLS.join(',')}] [--epochs N] [--batch 32] [--clock wall|cpu]`);
  }
  if (epochs !== undefined && !(Number.isInteger(epochs) && epochs >= 1)) throw new Error(`--epochs must be a positive integer, got ${epochs}`);
  if (!(Number.isInteger(batch) && batch >= 1)) throw new Error(`--batch must be a positive integer, got ${batch}`);
  return { quick, models, impls, ...(epochs === undefined ? {} : { epochs }), batch, clock };
}

/** The digits as host arrays, shared by every implementation. */
interface HostData {
  readonly trainX: Float32Array; readonly trainY: Int32Array; readonly nTrain: number;
  readonly testX: Float32Array; readonly testY: Int32Array; readonly nTest: number;
}

async function loadHost(quick: boolean): Promise<HostData> {
  const [[x, y], [tx, ty]] = await keras.datasets.mnist.loadData();
  // --quick: a subset, for a smoke test of the whole path.
  const nTrain = quick ? 1024 : x.shape[0]!, nTest = quick ? 500 : tx.shape[0]!;
  const host: HostData = {
    trainX: (x.dataSync() as Float32Array).slice(0, nTrain * 784), trainY: (y.dataSync() as Int32Array).slice(0, nTrain), nTrain,
    testX: (tx.dataSync() as Float32Array).slice(0, nTest * 784), testY: (ty.dataSync() as Int32Array).slice(0, nTest), nTest,
  };
  kiln.dispose([x, y, tx, ty]);
  return host;
}

/** One library on one backend training one model: an epoch at a time, then its test accuracy. */
interface Trainer {
  readonly name: ImplName;
  /** Untimed, before each epoch: switch the library's global backend to this one. */
  readonly prepare: () => Promise<void>;
  /** One epoch of model.fit over the training digits; resolves when its work is done. */
  readonly epoch: () => Promise<void>;
  readonly accuracy: () => Promise<number>;
  readonly dispose: () => void;
}

async function kilnTrainer(name: ImplName, backend: 'cpu' | 'wasm', model: ModelName, d: HostData, batch: number): Promise<Trainer> {
  await kiln.setBackend(backend);
  const { layers } = keras;
  const net = model === 'mlp'
    ? new keras.Sequential([
      new layers.Flatten({ inputShape: [28, 28] }),
      new layers.Dense(256, { activation: 'relu' }),
      new layers.Dense(10, { activation: 'softmax' }),
    ])
    : new keras.Sequential([
      new layers.Reshape([28, 28, 1], { inputShape: [28, 28] }),
      new layers.Conv2D(32, 3, { activation: 'relu' }),
      new layers.MaxPooling2D(2),
      new layers.Flatten(),
      new layers.Dense(10, { activation: 'softmax' }),
    ]);
  net.compile({ optimizer: new keras.optimizers.Adam({ learningRate: 1e-3 }), loss: new keras.losses.SparseCategoricalCrossentropy(), metrics: ['accuracy'] });
  const x = kiln.tensor(d.trainX, [d.nTrain, 28, 28]), y = kiln.tensor(d.trainY, [d.nTrain], 'int32');
  const tx = kiln.tensor(d.testX, [d.nTest, 28, 28]), ty = kiln.tensor(d.testY, [d.nTest], 'int32');
  return {
    name,
    prepare: () => kiln.setBackend(backend),
    // fit reads the epoch's logs back at its end, so the epoch's work is done when it resolves.
    epoch: async () => { await net.fit(x, y, { epochs: 1, batchSize: batch, verbose: 0 }); },
    accuracy: async () => (await net.evaluate(tx, ty, { batchSize: 500 })).accuracy!,
    dispose: () => kiln.dispose([x, y, tx, ty, ...net.weights]),
  };
}

async function tfTrainer(name: ImplName, backend: 'cpu' | 'wasm', model: ModelName, d: HostData, batch: number): Promise<Trainer> {
  await useTf(backend);
  // Made under its own backend, so its weights and data live there and never move.
  const net = tf.sequential({
    layers: model === 'mlp'
      ? [
        tf.layers.flatten({ inputShape: [28, 28] }),
        tf.layers.dense({ units: 256, activation: 'relu' }),
        tf.layers.dense({ units: 10, activation: 'softmax' }),
      ]
      : [
        tf.layers.reshape({ targetShape: [28, 28, 1], inputShape: [28, 28] }),
        tf.layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu' }),
        tf.layers.maxPooling2d({ poolSize: 2 }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 10, activation: 'softmax' }),
      ],
  });
  net.compile({ optimizer: tf.train.adam(1e-3), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  // tfjs-layers wants sparse targets as [n, 1].
  const x = tf.tensor3d(d.trainX, [d.nTrain, 28, 28]), y = tf.tensor2d(Float32Array.from(d.trainY), [d.nTrain, 1]);
  const tx = tf.tensor3d(d.testX, [d.nTest, 28, 28]);
  return {
    name,
    prepare: () => useTf(backend),
    // yieldEvery 'never': no yields to the event loop between batches (the fastest setting in Node).
    epoch: async () => { await net.fit(x, y, { epochs: 1, batchSize: batch, shuffle: true, verbose: 0, yieldEvery: 'never' }); },
    accuracy: async () => {
      const predicted = tf.tidy(() => (net.predict(tx, { batchSize: 500 }) as tf.Tensor).argMax(-1));
      const labels = await predicted.data();
      predicted.dispose();
      let right = 0;
      for (let i = 0; i < d.nTest; i++) if (labels[i] === d.testY[i]) right++;
      return right / d.nTest;
    },
    dispose: () => { tf.dispose([x, y, tx]); net.dispose(); },
  };
}

interface Row {
  readonly name: ImplName;
  /** Seconds of each epoch, the first included. */
  readonly epochs: number[];
  readonly accuracy: number;
}

interface ModelResult {
  readonly model: ModelName;
  readonly rows: Row[];
  readonly notes: string[];
}

const seconds = (s: number) => (s >= 10 ? s.toFixed(1) : s.toFixed(2));

function clockOf(kind: 'wall' | 'cpu'): () => number {
  if (kind === 'wall') return () => performance.now() / 1000;
  return () => { const t = process.cpuUsage(); return (t.user + t.system) / 1e6; };
}

async function runModel(model: ModelName, d: HostData, options: MnistOptions, tfBackends: readonly string[], log: (line: string) => void): Promise<ModelResult> {
  const epochs = options.epochs ?? (options.quick ? 2 : DEFAULT_EPOCHS[model]);
  log(`\n${model}: ${model === 'mlp' ? 'Flatten → Dense(256, relu) → Dense(10, softmax)' : 'Reshape → Conv2D(32, 3, relu) → MaxPooling2D(2) → Flatten → Dense(10, softmax)'}; Adam 1e-3, batch ${options.batch}, ${d.nTrain} training digits, ${epochs} epochs`);
  const notes: string[] = [];
  const trainers: Trainer[] = [];
  for (const name of options.impls) {
    const [lib, backend] = name.split('-') as ['kiln' | 'tfjs', 'cpu' | 'wasm'];
    if (lib === 'tfjs' && !tfBackends.includes(backend)) { notes.push(`${name}: unavailable`); continue; }
    try {
      trainers.push(await (lib === 'kiln' ? kilnTrainer : tfTrainer)(name, backend, model, d, options.batch));
    } catch (e) {
      notes.push(`${name}: unavailable (${e instanceof Error ? e.message.split("\n")[0] : String(e)})`);
      if (process.env.BENCH_DEBUG) console.error(e);
    }
  }
  for (const n of notes) log(`  ${n}`);
  const now = clockOf(options.clock);
  const times = new Map<Trainer, number[]>(trainers.map((t) => [t, []]));
  let live = [...trainers];
  for (let e = 0; e < epochs; e++) {
    const line: string[] = [];
    for (const t of live) {
      try {
        await t.prepare();
        const start = now();
        await t.epoch();
        const s = now() - start;
        times.get(t)!.push(s);
        line.push(`${t.name} ${seconds(s)} s`);
      } catch (e) {
        const msg = `${t.name}: failed in epoch ${times.get(t)!.length + 1} (${e instanceof Error ? e.message.split('\n')[0] : String(e)})`;
        notes.push(msg);
        line.push(msg);
        live = live.filter((x) => x !== t);
      }
    }
    log(`  epoch ${e + 1}/${epochs}: ${line.join(', ')}`);
  }
  const rows: Row[] = [];
  for (const t of live) {
    await t.prepare();
    rows.push({ name: t.name, epochs: times.get(t)!, accuracy: await t.accuracy() });
    t.dispose();
  }
  return { model, rows, notes };
}

/** The median of the epochs after the first (the first alone when there is one). */
function perEpoch(row: Row): number {
  return row.epochs.length > 1 ? median(row.epochs.slice(1)) : row.epochs[0]!;
}

function printResults(results: readonly ModelResult[], options: MnistOptions, defaultBackend: string): string[] {
  const goals: string[] = [];
  console.log(`\n${'model'.padEnd(6)} ${'implementation'.padEnd(15)} ${'epoch 1 s'.padStart(10)} ${'epoch s'.padStart(9)} ${'spread'.padStart(7)} ${'test acc'.padStart(9)}  kiln / tfjs (per-epoch time; < 1: kiln faster)`);
  console.log('-'.repeat(110));
  for (const r of results) {
    for (const row of r.rows) {
      const later = row.epochs.slice(1);
      const spread = later.length > 1 ? `±${((50 * (Math.max(...later) - Math.min(...later))) / perEpoch(row)).toFixed(0)}%` : '';
      const ratios = row.name.startsWith('kiln') ? r.rows.filter((o) => o.name.startsWith('tfjs')).map((o) => `${(perEpoch(row) / perEpoch(o)).toFixed(2)} vs ${o.name} (${(perEpoch(o) / perEpoch(row)).toFixed(2)}x ${perEpoch(o) >= perEpoch(row) ? 'faster' : 'slower'})`).join(', ') : '';
      console.log(`${r.model.padEnd(6)} ${row.name.padEnd(15)} ${seconds(row.epochs[0]!).padStart(10)} ${seconds(perEpoch(row)).padStart(9)} ${spread.padStart(7)} ${`${(100 * row.accuracy).toFixed(2)}%`.padStart(9)}  ${ratios}`);
    }
    for (const n of r.notes) console.log(`${''.padEnd(6)} ${n}`);
  }
  console.log(`\n"epoch 1": the first epoch (tracing, compiling, warming up); "epoch s": the median of the later ones (${options.clock} clock); "spread": half their range.`);
  const mark = (ok: boolean) => (ok ? 'PASS' : 'FAIL');
  for (const r of results) {
    const kilnDefault = r.rows.find((row) => row.name === `kiln-${defaultBackend}`);
    if (kilnDefault) {
      const goal = ACCURACY_GOAL[r.model];
      const partial = options.quick ? ' (--quick: a subset and fewer epochs, not the goal\'s setting)' : '';
      goals.push(`  ${`${r.model}: kiln (${defaultBackend}, the default) test accuracy`.padEnd(48)} ≥ ${(100 * goal).toFixed(1)}%   ${mark(kilnDefault.accuracy >= goal)}  ${(100 * kilnDefault.accuracy).toFixed(2)}% after ${kilnDefault.epochs.length} epochs${partial}`);
    }
    for (const [kilnName, { against, factor }] of Object.entries(SPEED_GOAL)) {
      const k = r.rows.find((row) => row.name === kilnName), o = r.rows.find((row) => row.name === against);
      if (!k || !o) continue;
      const speedup = perEpoch(o) / perEpoch(k);
      goals.push(`  ${`${r.model}: ${kilnName} epoch vs ${against}`.padEnd(48)} ≥ ${factor}x faster  ${mark(speedup >= factor)}  ${speedup >= 1 ? `${speedup.toFixed(2)}x faster` : `${(1 / speedup).toFixed(2)}x slower`}`);
    }
  }
  console.log('\nGoals (the Keras issue):');
  for (const g of goals) console.log(g);
  return goals;
}

/** Runs the MNIST workloads and prints their table and goals. */
export async function runMnist(options: MnistOptions, log: (line: string) => void = (l) => console.log(l)): Promise<void> {
  await kiln.ready();
  const defaultBackend = DEFAULT_BACKEND;
  const d = await loadHost(options.quick);
  const wantTf = options.impls.some((n) => n.startsWith('tfjs'));
  const peers = wantTf ? await startPeers(log) : { tfBackends: [] as string[], notes: [] as string[] };
  for (const n of peers.notes) if (n.startsWith('tfjs')) log(n);
  log(`kiln: default backend ${defaultBackend}`);
  const results: ModelResult[] = [];
  for (const model of options.models) results.push(await runModel(model, d, options, peers.tfBackends, log));
  await kiln.setBackend(defaultBackend);
  printResults(results, options, defaultBackend);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const options = parseMnistOptions(process.argv.slice(2));
  const load = () => os.loadavg().map((l) => l.toFixed(1)).join(' ');
  const started = performance.now();
  console.log(`kiln MNIST benchmark: Node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}), load average ${load()}${options.quick ? ', --quick' : ''}, ${options.clock} clock`);
  await runMnist(options);
  console.log(`\nload average now ${load()}; ${((performance.now() - started) / 1000).toFixed(0)} s in all`);
  process.exit(0);
}
