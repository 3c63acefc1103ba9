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
}

export interface TimingOptions {
  /** Milliseconds per timing window. */
  readonly windowMs: number;
  /** Windows per implementation; the median is reported. */
  readonly windows: number;
  /** Milliseconds of untimed warm-up, after at least `minWarmup` units. */
  readonly warmupMs: number;
  readonly minWarmup: number;
}

export interface Timing {
  /** Units per second of each window. */
  readonly rates: number[];
  readonly median: number;
  /** The last value `finish` read (a loss, a sum). */
  readonly last: number;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

async function once(impl: Impl): Promise<void> {
  const r = impl.run();
  if (r) await r;
}

/** Runs units until `ms` have passed (at least one), then reads back; returns units per second. */
async function window(impl: Impl, ms: number): Promise<{ rate: number; value: number }> {
  await impl.prepare?.();
  const start = performance.now();
  let n = 0;
  do {
    await once(impl);
    n++;
  } while (performance.now() - start < ms);
  const value = await impl.finish();
  return { rate: (n * 1000) / (performance.now() - start), value };
}

/**
 * Warms every implementation up, then times `windows` rounds in which each implementation
 * gets one window in turn, so a burst of load from elsewhere on the machine lands on all of
 * them alike rather than on one.
 */
export async function measure(impls: readonly Impl[], options: TimingOptions, log: (line: string) => void): Promise<Map<Impl, Timing>> {
  for (const impl of impls) {
    await impl.prepare?.();
    const start = performance.now();
    for (let i = 0; i < options.minWarmup || performance.now() - start < options.warmupMs; i++) await once(impl);
    await impl.finish();
  }
  const rates = new Map<Impl, number[]>(impls.map((i) => [i, []]));
  const last = new Map<Impl, number>();
  for (let w = 0; w < options.windows; w++) {
    for (const impl of impls) {
      const { rate, value } = await window(impl, options.windowMs);
      rates.get(impl)!.push(rate);
      last.set(impl, value);
    }
    log(`  round ${w + 1}/${options.windows} done`);
  }
  return new Map(impls.map((i) => [i, { rates: rates.get(i)!, median: median(rates.get(i)!), last: last.get(i)! }]));
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
