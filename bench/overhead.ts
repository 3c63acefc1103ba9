// Per-call overhead of kiln beside TensorFlow.js (cpu backend), in one process: `npm run bench`.
// The tensors are tiny ([4]) so the numbers are the cost of dispatch, not of arithmetic.
// Goals (the core issue): an eager kiln op is no slower than a tfjs op, and a cached compiled
// call of a 10-op function costs less than 10 eager ops.
import * as tf from '@tensorflow/tfjs';
import * as kiln from '../src/index.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const SCALE = Number(process.env.BENCH_SCALE ?? 1);
// BENCH_CLOCK=cpu times with the process's CPU time instead of the wall clock: steadier on a
// machine busy with other work, though it also counts V8's GC threads.
const CPU_CLOCK = process.env.BENCH_CLOCK === 'cpu';
function now(): number {
  if (!CPU_CLOCK) return performance.now();
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

interface Case {
  readonly iterations: number;
  readonly body: () => void;
}

/**
 * Median µs per call of each case. Rounds are interleaved (every case once per round), so a
 * burst of load from elsewhere on the machine hits all cases alike rather than one of them.
 */
function measureAll<K extends string>(cases: Record<K, Case>): Record<K, number> {
  const keys = Object.keys(cases) as K[];
  const samples = new Map<K, number[]>(keys.map((k) => [k, []]));
  const calls = (c: Case) => Math.max(1, Math.round(c.iterations * SCALE));
  for (const k of keys) for (let i = 0, n = Math.min(calls(cases[k]), 2000); i < n; i++) cases[k].body();
  for (let r = 0; r < ROUNDS; r++) {
    for (const k of keys) {
      const { body } = cases[k];
      const n = calls(cases[k]);
      const start = now();
      for (let i = 0; i < n; i++) body();
      samples.get(k)!.push(((now() - start) * 1000) / n);
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  return Object.fromEntries(keys.map((k) => [k, median(samples.get(k)!)])) as Record<K, number>;
}

// The same 10 elementwise ops in both libraries, tensor operands only (no scalar conversions).
function chainKiln(x: kiln.Tensor, b: kiln.Tensor): kiln.Tensor {
  return x.add(b).mul(b).sub(x).maximum(b).neg().abs().sqrt().add(x).mul(b).relu();
}
function chainTf(x: tf.Tensor, b: tf.Tensor): tf.Tensor {
  return x.add(b).mul(b).sub(x).maximum(b).neg().abs().sqrt().add(x).mul(b).relu();
}

async function main(): Promise<void> {
  tf.enableProdMode(); // production settings; also silences the "install tfjs-node" notice
  await tf.setBackend('cpu');
  await tf.ready();
  kiln.setBackend('cpu');

  const values = [1, 2, 3, 4];
  const other = [0.5, -1, 2, 0.25];
  const ka = kiln.tensor(values);
  const kb = kiln.tensor(other);
  const ta = tf.tensor(values);
  const tb = tf.tensor(other);
  const compiledChain = kiln.compile(chainKiln);

  // The three ways must agree before their speed means anything.
  const expected = Array.from(tf.tidy(() => chainTf(ta, tb)).dataSync());
  const eager = kiln.tidy(() => chainKiln(ka, kb));
  const compiled = compiledChain(ka, kb);
  for (const [name, got] of [['kiln eager', eager], ['kiln compiled', compiled]] as const) {
    const d = Array.from(got.dataSync());
    if (d.some((v, i) => Math.abs(v - expected[i]!) > 1e-5)) throw new Error(`${name} chain gives ${d}, tfjs gives ${expected}`);
    got.dispose();
  }

  const kilnBefore = kiln.memory().numTensors;
  const tfBefore = tf.memory().numTensors;

  const cases = {
    kilnAdd: { iterations: 20_000, body: () => { kiln.add(ka, kb).dispose(); } },
    tfAdd: { iterations: 20_000, body: () => { tf.add(ta, tb).dispose(); } },
    kilnChain: { iterations: 4_000, body: () => { kiln.tidy(() => chainKiln(ka, kb)).dispose(); } },
    tfChain: { iterations: 4_000, body: () => { tf.tidy(() => chainTf(ta, tb)).dispose(); } },
    kilnCompiled: { iterations: 10_000, body: () => { compiledChain(ka, kb).dispose(); } },
  } satisfies Record<string, Case>;

  const us = measureAll(cases);

  const leakedKiln = kiln.memory().numTensors - kilnBefore;
  const leakedTf = tf.memory().numTensors - tfBefore;
  if (leakedKiln !== 0 || leakedTf !== 0) throw new Error(`the loops leaked tensors: kiln ${leakedKiln}, tfjs ${leakedTf}`);
  if (compiledChain.traceCount !== 1) throw new Error(`the compiled function traced ${compiledChain.traceCount} times`);

  const f = (x: number) => x.toFixed(2).padStart(8);
  const ratio = (x: number) => `${x.toFixed(2)}x`.padStart(7);
  const rows: [string, number, number, string][] = [
    ['eager add of two [4] tensors', us.kilnAdd, us.tfAdd, 'tfjs add'],
    ['10 eager ops on [4] (tidy)', us.kilnChain, us.tfChain, 'tfjs 10 eager ops'],
    ['compiled 10-op fn, cached call', us.kilnCompiled, us.tfChain, 'tfjs 10 eager ops'],
    ['compiled 10-op fn, cached call', us.kilnCompiled, us.kilnChain, 'kiln 10 eager ops'],
  ];
  console.log(`kiln vs TensorFlow.js ${tf.version.tfjs} (cpu backend), Node ${process.version}; median of ${ROUNDS} interleaved rounds, ${CPU_CLOCK ? 'CPU' : 'wall-clock'} µs per call\n`);
  console.log(`${'case'.padEnd(32)} ${'kiln µs'.padStart(8)} ${'vs µs'.padStart(8)} ${'ratio'.padStart(7)}  vs`);
  console.log('-'.repeat(80));
  for (const [name, kilnUs, otherUs, against] of rows) {
    console.log(`${name.padEnd(32)} ${f(kilnUs)} ${f(otherUs)} ${ratio(kilnUs / otherUs)}  ${against}`);
  }
  console.log('\nGoals:');
  console.log(`  eager op no slower than tfjs:               ${us.kilnAdd <= us.tfAdd ? 'met' : 'NOT met'} (${ratio(us.kilnAdd / us.tfAdd).trim()})`);
  console.log(`  compiled 10-op call cheaper than 10 eager ops: ${us.kilnCompiled < us.kilnChain ? 'met' : 'NOT met'} (${ratio(us.kilnCompiled / us.kilnChain).trim()})`);
}

await main();
