import { readFileSync } from 'node:fs';
import { Command } from 'commander';

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

  // A placeholder so `kiln inspect` answers clearly until the inspection tool lands.
  program
    .command('inspect')
    .description('run a script and show its compiled functions, IR after each pass and kernels (coming with the inspection tool)')
    .argument('[script]', 'the script to run')
    .allowUnknownOption()
    .allowExcessArguments()
    .action(() => {
      process.stderr.write('kiln inspect is not available yet: it comes with the inspection tool.\n');
      process.exitCode = 2;
    });

  return program;
}
