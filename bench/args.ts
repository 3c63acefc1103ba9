// Command-line options of the benchmarks, parsed with node:util's parseArgs.
import { parseArgs } from 'node:util';

/** `--only` and `--backend` belong to bench/index.ts, `--clock` to both: each script accepts the others' options. */
export const BENCH_OPTIONS = {
  quick: { type: 'boolean', default: false },
  only: { type: 'string' },
  backend: { type: 'string' },
  clock: { type: 'string' },
  plain: { type: 'boolean', default: false },
  'no-subset': { type: 'boolean', default: false },
  models: { type: 'string' },
  impls: { type: 'string' },
  epochs: { type: 'string' },
  'peer-epochs': { type: 'string' },
  batch: { type: 'string' },
} as const;

/** The benchmarks' options (every script's; unknown ones are an error naming `usage`). */
export function benchArgs(argv: readonly string[], usage: string) {
  try {
    return parseArgs({ args: [...argv], options: BENCH_OPTIONS, strict: true, allowPositionals: false }).values;
  } catch (e) {
    throw new Error(`${(e as Error).message}; usage: ${usage}`);
  }
}

/** A comma-separated list of names, each one of `all`. */
export function nameList<T extends string>(option: string, value: string, all: readonly T[]): T[] {
  const names = value.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = names.filter((n) => !(all as readonly string[]).includes(n));
  if (bad.length) throw new Error(`--${option}: unknown ${bad.join(', ')}; choose from ${all.join(', ')}`);
  return names as T[];
}

/** A whole number of at least 1. */
export function positive(option: string, value: string): number {
  const n = Number(value);
  if (!(Number.isInteger(n) && n >= 1)) throw new Error(`--${option} must be a positive integer, got ${value}`);
  return n;
}
