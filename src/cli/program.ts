import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { inspectCommand } from './inspect.js';

/** The package's own version, read from package.json (two levels up from src/cli and dist/cli). */
export function packageVersion(): string {
  const url = new URL('../../package.json', import.meta.url);
  const pkg = JSON.parse(readFileSync(url, 'utf8')) as { version?: string };
  return pkg.version ?? '0.0.0';
}

/** The `kiln` command's parser. Subcommands register here; `main.ts` only runs it. */
export function createProgram(): Command {
  const program = new Command('kiln')
    .description('kiln, a define-then-run tensor compiler for TypeScript')
    .version(packageVersion(), '-v, --version', 'print the version')
    .helpOption('-h, --help', 'show this help')
    .showHelpAfterError();

  program.addCommand(inspectCommand());

  return program;
}
