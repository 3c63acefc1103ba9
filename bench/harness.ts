// Timing and data shared by the workloads of bench/index.ts.

/** One library's way of doing a workload's unit of work (a train step, a run, a matmul). */
export interface Impl {
  /** The row's name: 'kiln', 'kiln (fuse off)', 'tfjs-cpu', 'tfjs-wasm', 'jax-js', 'hand loop'. */
  readonly name: string;
  /** Before every window, untimed (tfjs switches its global backend here). */
  readonly prepare?: () => Promise<void>;
  /** One unit of work. It may leave work pending (jax-js is lazy); `finish` waits for it. */
  readonly run: () => void | Promise<void>;
  /** At the end of every window, timed: read the result back (the loss, the sum) so pending work counts. */
  readonly finish: () => Promise<number>;
  /** Kernels launched per call and peak bytes of one call (kiln's cf.stats). */
  readonly stats?: () => { readonly kernels: number; readonly bytes: number };
  /** The generated kernels' sources (kiln's cf.kernels), to tell when fusion changed nothing. */
  readonly kernelSources?: () => string[];
}

export interface TimingOptions {
  /** Milliseconds per timing window. */
  readonly windowMs: number;
  /** Windows per implementation; the median is reported. */
  readonly windows: number;
  /** Milliseconds of untimed warm-up, after at least `minWarmup` units. */
  readonly warmupMs: number;
  readonly minWarmup: number;
  /** 'wall' (default) or 'cpu': the process's CPU time (all its threads together), steadier on a busy machine. */
  readonly clock: 'wall' | 'cpu';
}

export interface Timing {
  /** Units per second of each window. */
  readonly rates: number[];
  readonly median: number;
  /** Units run in all timed windows. */
  readonly units: number;
  /** The last value `finish` read (a loss, a sum). */
  readonly last: number;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

function clock(kind: 'wall' | 'cpu'): () => number {
  if (kind === 'wall') return () => performance.now();
  return () => { const t = process.cpuUsage(); return (t.user + t.system) / 1000; };
}

async function once(impl: Impl): Promise<void> {
  const r = impl.run();
  if (r) await r;
}

/** Runs units until `ms` have passed (at least one), then reads back; returns units per second. */
async function window(impl: Impl, ms: number, now: () => number): Promise<{ rate: number; units: number; value: number }> {
  await impl.prepare?.();
  const start = now();
  let n = 0;
  do {
    await once(impl);
    n++;
  } while (now() - start < ms);
  const value = await impl.finish();
  return { rate: (n * 1000) / (now() - start), units: n, value };
}

/**
 * Warms every implementation up (`unitMs`: how long one unit took when it was checked), then times `windows` rounds in which each implementation
 * gets one window in turn, so a burst of load from elsewhere on the machine lands on all of
 * them alike rather than on one.
 */
export async function measure(impls: readonly Impl[], options: TimingOptions, log: (line: string) => void, unitMs: ReadonlyMap<Impl, number> = new Map()): Promise<Map<Impl, Timing>> {
  const now = clock(options.clock);
  for (const impl of impls) {
    // A unit as long as the whole warm-up (a 1024³ triple loop) was warm after the check's call.
    if ((unitMs.get(impl) ?? 0) >= options.warmupMs) continue;
    await impl.prepare?.();
    const start = now();
    for (let i = 0; i < options.minWarmup || now() - start < options.warmupMs; i++) await once(impl);
    await impl.finish();
  }
  const rates = new Map<Impl, number[]>(impls.map((i) => [i, []]));
  const units = new Map<Impl, number>(impls.map((i) => [i, 0]));
  const last = new Map<Impl, number>();
  for (let w = 0; w < options.windows; w++) {
    for (const impl of impls) {
      const r = await window(impl, options.windowMs, now);
      rates.get(impl)!.push(r.rate);
      units.set(impl, units.get(impl)! + r.units);
      last.set(impl, r.value);
    }
    log(`  round ${w + 1}/${options.windows} done`);
  }
  return new Map(impls.map((i) => [i, { rates: rates.get(i)!, median: median(rates.get(i)!), units: units.get(i)!, last: last.get(i)! }]));
}

/** A small seeded generator (mulberry32), so every library gets the same weights and data. */
export function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function uniform(n: number, seed: number, lo = 0, hi = 1): Float32Array {
  const r = random(seed);
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = lo + (hi - lo) * r();
  return a;
}

/** |got − want| / max(|want|, tiny). */
export function relativeError(got: number, want: number): number {
  return Math.abs(got - want) / Math.max(Math.abs(want), 1e-30);
}

/** The largest elementwise |got − want| / max(1, |want|). */
export function maxRelativeError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  if (got.length !== want.length) return Infinity;
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    const e = Math.abs(got[i]! - want[i]!) / Math.max(1, Math.abs(want[i]!));
    if (!(e <= worst)) worst = Number.isNaN(e) ? Infinity : e;
  }
  return worst;
}
