// Per-call overhead of kiln beside TensorFlow.js (cpu backend), in one process: `npm run bench`.
// The tensors are tiny ([4]) so the numbers are the cost of dispatch, not of arithmetic.
// Goals (the core issue): an eager kiln op is no slower than a tfjs op, and a cached compiled
// call of a 10-op function costs less than 10 eager ops.
import * as tf from '@tensorflow/tfjs';
import * as kiln from '../src/index.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const SCALE = Number(process.env.BENCH_SCALE ?? 1);

interface Case {
  readonly name: string;
  readonly iterations: number;
  readonly body: () => void;
}

/** Median µs per call over ROUNDS rounds of `iterations` calls, after a warm-up. */
function measure({ iterations, body }: Case): number {
  const n = Math.max(1, Math.round(iterations * SCALE));
  for (let i = 0; i < Math.min(n, 2000); i++) body();
  const perCall: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const start = performance.now();
    for (let i = 0; i < n; i++) body();
    perCall.push(((performance.now() - start) * 1000) / n);
  }
  perCall.sort((a, b) => a - b);
  return perCall[Math.floor(perCall.length / 2)]!;
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
    kilnAdd: { name: 'kiln add', iterations: 20_000, body: () => { kiln.add(ka, kb).dispose(); } },
    tfAdd: { name: 'tfjs add', iterations: 20_000, body: () => { tf.add(ta, tb).dispose(); } },
    kilnChain: { name: 'kiln 10 eager ops', iterations: 4_000, body: () => { kiln.tidy(() => chainKiln(ka, kb)).dispose(); } },
    tfChain: { name: 'tfjs 10 eager ops', iterations: 4_000, body: () => { tf.tidy(() => chainTf(ta, tb)).dispose(); } },
    kilnCompiled: { name: 'kiln compiled 10-op fn', iterations: 10_000, body: () => { compiledChain(ka, kb).dispose(); } },
  } satisfies Record<string, Case>;

  const us: Record<keyof typeof cases, number> = { kilnAdd: 0, tfAdd: 0, kilnChain: 0, tfChain: 0, kilnCompiled: 0 };
  for (const key of Object.keys(cases) as (keyof typeof cases)[]) us[key] = measure(cases[key]);

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
  console.log(`kiln vs TensorFlow.js ${tf.version.tfjs} (cpu backend), Node ${process.version}; median of ${ROUNDS} rounds, µs per call\n`);
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
