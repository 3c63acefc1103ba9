// What every example shares: its command line (--quick, --backend, --out) and running `main`
// when the file is executed directly (`npx tsx examples/NAME.ts`) but not when a test imports it.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import * as kiln from '../../src/index.js';

export interface ExampleOptions {
  /** Shorter training, for CI. */
  readonly quick?: boolean;
  /** Where files go (examples that write any); each has its own default under out/. */
  readonly outDir?: string;
  /** Print what a learner reads (default true; tests turn it off). */
  readonly verbose?: boolean;
}

type BackendName = 'cpu' | 'wasm' | 'webgpu';
const BACKENDS: readonly BackendName[] = ['cpu', 'wasm', 'webgpu'];

/** `--quick`, `--out DIR`, and `--backend NAME` (made current before main runs). */
async function commandLine(argv: readonly string[]): Promise<ExampleOptions> {
  const { values } = parseArgs({
    args: [...argv],
    options: { quick: { type: 'boolean', default: false }, out: { type: 'string' }, backend: { type: 'string' } },
  });
  if (values.backend !== undefined) {
    const name = BACKENDS.find((b) => b === values.backend);
    if (!name) throw new Error(`--backend must be one of ${BACKENDS.join(', ')}; got '${values.backend}'`);
    await kiln.setBackend(name);
  }
  await kiln.ready();
  return { quick: values.quick, ...(values.out !== undefined ? { outDir: values.out } : {}) };
}

/** Runs `main` with the command line's options when `moduleUrl` is the script node was started with. */
export function runIfMain(moduleUrl: string, main: (options: ExampleOptions) => Promise<unknown>): void {
  const script = process.argv[1];
  if (!script || pathToFileURL(resolve(script)).href !== moduleUrl) return;
  commandLine(process.argv.slice(2))
    .then((options) => main(options))
    .catch((error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    });
}

/** console.log when `verbose` is not false. */
export function printer(options: ExampleOptions): (...parts: unknown[]) => void {
  return options.verbose === false ? () => {} : (...parts) => console.log(...parts);
}
