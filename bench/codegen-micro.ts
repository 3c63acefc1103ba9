// Generated-kernel speed on the cpu backend beside hand-written JavaScript, in one process:
// `npx tsx bench/codegen-micro.ts` (BENCH_ROUNDS, BENCH_ONLY=<substring of a case name>,
// BENCH_CLOCK=cpu to time by CPU time on a busy machine).
// Goals (the passes-and-fusion issue): a 1024×1024 float32 matmul at least 2× a plain i-k-j
// triple loop, and a fused elementwise-then-sum kernel within 1.2× of the same loop by hand.
import * as kiln from '../src/index.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const ONLY = process.env.BENCH_ONLY ?? '';
/** `cpu` times by the process's CPU time: steadier than the wall clock on a loaded machine. */
const CLOCK = process.env.BENCH_CLOCK === 'cpu' ? 'cpu' : 'wall';
const now = CLOCK === 'cpu'
  ? () => { const t = process.cpuUsage(); return (t.user + t.system) / 1000; }
  : () => performance.now();

/**
 * The fastest of ROUNDS timed calls of each, after two warm-up calls, alternating between the
 * two so that both see the same machine load (the least disturbed call is the steadiest number).
 */
function measurePair(first: () => void, second: () => void): [number, number] {
  for (let i = 0; i < 2; i++) { first(); second(); }
  let a = Infinity, b = Infinity;
  for (let r = 0; r < ROUNDS; r++) {
    let start = now();
    first();
    a = Math.min(a, now() - start);
    start = now();
    second();
    b = Math.min(b, now() - start);
  }
  return [a, b];
}

function filled(n: number, seed: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = Math.sin(seed * 7.1 + i * 1.37);
  return a;
}

/** The largest |x - y| relative to max(1, |y|): both ways must agree before their speed means anything. */
function check(name: string, got: ArrayLike<number>, want: ArrayLike<number>, rtol: number): void {
  if (got.length !== want.length) throw new Error(`${name}: ${got.length} values, expected ${want.length}`);
  for (let i = 0; i < want.length; i++) {
    const err = Math.abs(got[i]! - want[i]!) / Math.max(1, Math.abs(want[i]!));
    if (!(err <= rtol)) throw new Error(`${name}: element ${i} is ${got[i]}, the hand-written loop gives ${want[i]}`);
  }
}

interface Row {
  readonly name: string;
  readonly kilnMs: number;
  readonly refMs: number;
  readonly against: string;
  /** Floating-point operations of one call, for GFLOP/s. */
  readonly flops?: number;
}

// ---- the hand-written references: each returns a new array, as a kiln call returns a new tensor

function matMulIkj(a: Float32Array, b: Float32Array, m: number, k: number, n: number, c = new Float32Array(m * n)): Float32Array {
  for (let i = 0; i < m; i++) {
    for (let p = 0; p < k; p++) {
      const aip = a[i * k + p]!;
      const bRow = p * n;
      const cRow = i * n;
      for (let j = 0; j < n; j++) c[cRow + j] += aip * b[bRow + j]!;
    }
  }
  return c;
}

const SA = 1.5, SB = 0.25, SC = 0.75, SD = 0.5;

function fusedSigmoidSum(x: Float32Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) {
    const r = x[i]! * SA + SB;
    s += 1 / (1 + Math.exp(-((r > 0 ? r : 0) * SC - SD)));
  }
  return s;
}

function rowSums(x: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows);
  for (let i = 0; i < rows; i++) {
    let s = 0;
    const base = i * cols;
    for (let j = 0; j < cols; j++) s += x[base + j]!;
    out[i] = s;
  }
  return out;
}

function columnSums(x: Float32Array, rows: number, cols: number): Float32Array {
  const acc = new Float64Array(cols);
  for (let i = 0; i < rows; i++) {
    const base = i * cols;
    for (let j = 0; j < cols; j++) acc[j] += x[base + j]!;
  }
  const out = new Float32Array(cols);
  for (let j = 0; j < cols; j++) out[j] = acc[j]!;
  return out;
}

function mulAdd(x: Float32Array, y: Float32Array): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i]! * y[i]! + 1;
  return out;
}

// ---- the cases ---------------------------------------------------------------------------------

type Fn = (...xs: kiln.Tensor[]) => kiln.Tensor;

/** Times a compiled kiln function against `ref`, after checking that both give the same values. */
function compare(name: string, fn: Fn, inputs: kiln.Tensor[], ref: () => ArrayLike<number>, against: string, rtol: number, flops?: number): Row | null {
  if (!name.includes(ONLY)) return null;
  const compiled = kiln.compile(fn);
  const first = compiled(...inputs);
  check(name, first.dataSync(), ref(), rtol);
  first.dispose();
  const [kilnMs, refMs] = measurePair(() => compiled(...inputs).dispose(), () => { ref(); });
  return { name, kilnMs, refMs, against, ...(flops !== undefined ? { flops } : {}) };
}

function matMulCases(): (Row | null)[] {
  const rows: (Row | null)[] = [];
  const sizes: [number, number, number][] = [[1024, 1024, 1024], [256, 256, 256], [65, 129, 33]];
  for (const [m, k, n] of sizes) {
    const a = filled(m * k, 1), b = filled(k * n, 2);
    const ta = kiln.tensor(a, [m, k]), tb = kiln.tensor(b, [k, n]);
    const ref = () => matMulIkj(a, b, m, k, n);
    rows.push(compare(`matMul ${m}×${k}×${n}`, (x, y) => kiln.matMul(x!, y!), [ta, tb], ref, 'plain i-k-j', 1e-4, 2 * m * k * n));
  }
  const n = 512;
  const a = filled(n * n, 3), b = filled(n * n, 4), bias = filled(n, 5);
  const ta = kiln.tensor(a, [n, n]), tb = kiln.tensor(b, [n, n]), tbias = kiln.tensor(bias, [n]);
  const at = new Float32Array(n * n), bt = new Float32Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) { at[j * n + i] = a[i * n + j]!; bt[j * n + i] = b[i * n + j]!; }
  // The references multiply the untransposed copies: what a user would write by hand.
  const plain = () => matMulIkj(at, b, n, n, n);
  rows.push(compare(`matMul ${n}³ transposeA`, (x, y) => kiln.matMul(x!, y!, true, false), [ta, tb], plain, 'plain i-k-j of Aᵀ', 1e-4, 2 * n ** 3));
  const plainB = () => matMulIkj(a, bt, n, n, n);
  rows.push(compare(`matMul ${n}³ transposeB`, (x, y) => kiln.matMul(x!, y!, false, true), [ta, tb], plainB, 'plain i-k-j of Bᵀ', 1e-4, 2 * n ** 3));
  const dense = () => {
    const c = matMulIkj(a, b, n, n, n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) { const v = c[i * n + j]! + bias[j]!; c[i * n + j] = v > 0 ? v : 0; }
    return c;
  };
  rows.push(compare(`relu(matMul ${n}³ + bias)`, (x, y, z) => kiln.relu(kiln.matMul(x!, y!).add(z!)), [ta, tb, tbias], dense, 'plain i-k-j, then bias+relu', 1e-4, 2 * n ** 3));
  const batch = 8, bm = 128;
  const ba = filled(batch * bm * bm, 6), bb = filled(bm * bm, 7);
  const batched = () => {
    const bc = new Float32Array(batch * bm * bm);
    for (let s = 0; s < batch; s++) matMulIkj(ba.subarray(s * bm * bm, (s + 1) * bm * bm), bb, bm, bm, bm, bc.subarray(s * bm * bm, (s + 1) * bm * bm));
    return bc;
  };
  rows.push(compare(`matMul [${batch},${bm},${bm}]×[${bm},${bm}]`, (x, y) => kiln.matMul(x!, y!), [kiln.tensor(ba, [batch, bm, bm]), kiln.tensor(bb, [bm, bm])], batched, 'plain i-k-j per batch', 1e-4, 2 * batch * bm ** 3));
  return rows;
}

function reductionCases(): (Row | null)[] {
  const side = 1024;
  const x = filled(side * side, 8), y = filled(side * side, 9);
  const tx = kiln.tensor(x, [side, side]), ty = kiln.tensor(y, [side, side]);
  const fused = (t: kiln.Tensor) => kiln.sum(kiln.sigmoid(kiln.relu(t.mul(SA).add(SB)).mul(SC).sub(SD)));
  return [
    compare(`sum(sigmoid(relu(x·a+b)·c-d)) over 2^20`, (t) => fused(t!), [tx], () => Float32Array.of(fusedSigmoidSum(x)), 'the same loop by hand', 1e-5),
    compare(`sum over the last axis [${side},${side}]`, (t) => kiln.sum(t!, -1), [tx], () => rowSums(x, side, side), 'a row loop by hand', 1e-5),
    compare(`sum over the first axis [${side},${side}]`, (t) => kiln.sum(t!, 0), [tx], () => columnSums(x, side, side), 'a column loop by hand', 1e-5),
    compare(`x·y + 1 over [${side},${side}]`, (a, b) => a!.mul(b!).add(1), [tx, ty], () => mulAdd(x, y), 'one loop by hand', 1e-6),
  ];
}

function main(): void {
  kiln.setBackend('cpu');
  const rows = [...matMulCases(), ...reductionCases()].filter((r): r is Row => r !== null);
  const f = (x: number) => x.toFixed(2).padStart(9);
  console.log(`kiln cpu kernels vs hand-written JavaScript, Node ${process.version}; best of ${ROUNDS} calls, ms per call (${CLOCK} clock)\n`);
  console.log(`${'case'.padEnd(40)} ${'kiln ms'.padStart(9)} ${'hand ms'.padStart(9)} ${'ratio'.padStart(7)} ${'GFLOP/s'.padStart(14)}  hand-written`);
  console.log('-'.repeat(110));
  for (const r of rows) {
    const gflops = r.flops ? `${(r.flops / r.kilnMs / 1e6).toFixed(2)} / ${(r.flops / r.refMs / 1e6).toFixed(2)}` : '';
    console.log(`${r.name.padEnd(40)} ${f(r.kilnMs)} ${f(r.refMs)} ${`${(r.kilnMs / r.refMs).toFixed(2)}x`.padStart(7)} ${gflops.padStart(14)}  ${r.against}`);
  }
  const big = rows.find((r) => r.name === 'matMul 1024×1024×1024');
  const fusedRow = rows.find((r) => r.name.startsWith('sum(sigmoid'));
  console.log('\nGoals:');
  if (big) console.log(`  1024² matmul at least 2x plain i-k-j:       ${big.refMs / big.kilnMs >= 2 ? 'met' : 'NOT met'} (${(big.refMs / big.kilnMs).toFixed(2)}x faster, ${(big.flops! / big.kilnMs / 1e6).toFixed(2)} GFLOP/s)`);
  if (fusedRow) console.log(`  fused sigmoid sum within 1.2x of by hand:   ${fusedRow.kilnMs / fusedRow.refMs <= 1.2 ? 'met' : 'NOT met'} (${(fusedRow.kilnMs / fusedRow.refMs).toFixed(2)}x)`);
}

main();
