// Shared by the inspect tests: run the CLI from the sources (through tsx, as a user would run
// a TypeScript script) and make a dump of the train-step fixture once per test file.
import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const fixture = join(root, 'test/cli/fixtures/train-step.ts');
const tsx = pathToFileURL(createRequire(join(root, 'package.json')).resolve('tsx')).href;

export interface CliResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly code: number;
}

/** `kiln ARGS` from src/cli/main.ts; never throws on a non-zero exit. */
export async function kiln(args: readonly string[], env: Readonly<Record<string, string>> = {}): Promise<CliResult> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', tsx, join(root, 'src/cli/main.ts'), ...args], {
      cwd: root, env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024,
    });
    return { stdout, stderr, code: 0 };
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; code?: number };
    return { stdout: e.stdout ?? '', stderr: e.stderr ?? '', code: typeof e.code === 'number' ? e.code : 1 };
  }
}

/** Runs a script through tsx with KILN_DUMP set to a new temp folder; returns the folder. */
export async function dumpOf(script: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'kiln-dump-test-'));
  await run(process.execPath, ['--import', tsx, script], { cwd: root, env: { ...process.env, KILN_DUMP: dir } });
  return dir;
}
