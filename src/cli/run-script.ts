import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { extname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { InspectError } from './dump-reader.js';

export interface ScriptRun {
  readonly script: string;
  readonly args: readonly string[];
  /** KILN_DUMP for the script. */
  readonly dumpDir: string;
  /** KILN_BACKEND for the script. */
  readonly backend?: string;
  /** Load the AutoGraph module hook first. */
  readonly autograph?: boolean;
  /** Where the script's own output goes: 'inherit' passes it to stderr, so stdout is the rendering. */
  readonly quiet: boolean;
}

const TYPESCRIPT = new Set(['.ts', '.mts', '.cts', '.tsx']);

/** tsx's ESM loader, from the user's project first, then from kiln's own dependencies. */
function tsxLoader(cwd: string): string | undefined {
  for (const base of [join(cwd, 'package.json'), import.meta.url]) {
    try {
      return pathToFileURL(createRequire(base).resolve('tsx')).href;
    } catch { /* not installed there */ }
  }
  return undefined;
}

/** kiln's AutoGraph hook module beside this one: dist/autograph.js, or src/autograph.ts when run from the sources. */
function autographHook(): string {
  const js = new URL('../autograph.js', import.meta.url);
  return existsSync(js) ? js.href : new URL('../autograph.ts', import.meta.url).href;
}

/**
 * The node arguments that run a script: TypeScript through tsx (`node --import tsx`), JavaScript
 * as it is; with `autograph`, kiln's module hook is imported first (after tsx).
 */
export function nodeArguments(script: string, cwd = process.cwd(), autograph = false): string[] {
  const path = resolve(cwd, script);
  if (!existsSync(path)) throw new InspectError(`no such script: ${script}`);
  const hook = autograph ? ['--import', autographHook()] : [];
  if (!TYPESCRIPT.has(extname(path))) return [...hook, path];
  const tsx = tsxLoader(cwd);
  if (!tsx) throw new InspectError(`${script} is TypeScript, which kiln inspect runs with tsx: install it (npm install -D tsx) or pass a .js/.mjs script`);
  return ['--import', tsx, ...hook, path];
}

/** Runs the script with the dump on; resolves to its exit code. */
export function runScript(run: ScriptRun): Promise<number> {
  const argv = [...nodeArguments(run.script, process.cwd(), run.autograph === true), ...run.args];
  const env = { ...process.env, KILN_DUMP: run.dumpDir, ...(run.backend ? { KILN_BACKEND: run.backend } : {}) };
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, argv, { env, stdio: ['inherit', 'pipe', 'pipe'] });
    // Quiet hides the script's output, except its stderr when it fails.
    const held: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => { if (!run.quiet) process.stderr.write(chunk); });
    child.stderr.on('data', (chunk: Buffer) => { if (run.quiet) held.push(chunk); else process.stderr.write(chunk); });
    child.on('error', fail);
    child.on('close', (code, signal) => {
      const status = code ?? (signal ? 128 : 1);
      if (status !== 0) for (const chunk of held) process.stderr.write(chunk);
      done(status);
    });
  });
}
