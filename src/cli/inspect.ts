import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import type { DumpTrace } from '../trace/dump-model.js';
import { InspectError, isDump, loadDump, selectStages, selectTraces, type LoadedDump } from './dump-reader.js';
import { dotToSvg, graphPictures } from './render-graph.js';
import { DEFAULT_CAP, renderHtml } from './render-html.js';
import { renderText } from './render-text.js';
import { runScript } from './run-script.js';

export type InspectFormat = 'text' | 'dot' | 'svg' | 'html' | 'json';

export interface InspectOptions {
  readonly fn?: string;
  readonly trace?: number;
  readonly after?: string;
  readonly afterChange?: boolean;
  readonly kernels?: boolean;
  readonly format: InspectFormat;
  readonly out?: string;
  readonly backend?: string;
  /** Run the script with the AutoGraph module hook (as `node --import kiln/autograph`). */
  readonly autograph?: boolean;
  readonly quiet?: boolean;
  readonly cap?: number;
}

function integer(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expects a whole number');
  return n;
}

/** `kiln inspect SCRIPT [args...]`: run a script with the dump on, then render what it compiled. */
export function inspectCommand(): Command {
  return new Command('inspect')
    .description('run a script (or read a KILN_DUMP folder) and show its compiled functions: signatures and retraces, the IR after each pass, fusion groups, kernels and the buffer plan')
    .argument('<script>', 'the script to run (.ts through tsx, .js/.mjs with node), or a folder KILN_DUMP wrote')
    .argument('[args...]', "the script's own arguments (after --)")
    .option('--fn <name>', 'only this compiled function, shown in full (fused graph, kernel report, buffer plan)')
    .option('--trace <n>', 'only this trace of the function (0 is the first)', integer)
    .option('--after <pass>', "the IR after this pass: a pass name, several separated by commas, 'traced', or 'all'")
    .option('--after-change', 'with --after: only passes that changed the graph (alone: every such pass)')
    .option('--kernels', 'the generated kernel source, and the kernel report')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'dot', 'svg', 'html', 'json']).default('text'))
    .option('--out <dir>', 'keep the dump in this folder and write the rendering there too')
    .addOption(new Option('--backend <name>', 'the backend the script runs on (sets KILN_BACKEND)').choices(['cpu', 'wasm', 'webgpu']))
    .option('--autograph', 'convert if/while/for over tensors in compiled functions as modules load (the kiln/autograph module hook)')
    .option('-q, --quiet', "hide the script's own output (otherwise it goes to stderr)")
    .option('--cap <n>', `html: nodes drawn before source-line scopes collapse (default ${DEFAULT_CAP})`, integer)
    .addHelpText('after', [
      '',
      'Examples:',
      '  kiln inspect train.ts                                 every compiled function, trace and retrace reason',
      '  kiln inspect train.ts --fn trainStep --after all      the IR after each pass, with a summary per pass',
      '  kiln inspect train.ts --fn trainStep --after-change   only the passes that changed something',
      '  kiln inspect train.ts --kernels --backend webgpu      generated WGSL with workgroup sizes',
      '  kiln inspect train.ts --format html --out report/     a page with the graph and a pass stepper',
      '  kiln inspect loop.ts --autograph --fn step            with plain if/while over tensors converted',
      '  KILN_DUMP=dump node app.js && kiln inspect dump/      render a dump written by any program',
    ].join('\n'))
    .action(async (script: string, args: string[], options: InspectOptions) => {
      try {
        const { code, output } = await inspect(script, args, options);
        process.stdout.write(output);
        process.exitCode = code;
      } catch (error) {
        if (!(error instanceof InspectError)) throw error;
        process.stderr.write(`kiln inspect: ${error.message}\n`);
        process.exitCode = 2;
      }
    });
}

function isDirectory(path: string): boolean {
  try { return statSync(path).isDirectory(); } catch { return false; }
}

/**
 * Runs the script (or reads a dump folder) and renders it. `output` is what goes to stdout;
 * `code` is the script's exit code (a script that fails midway still shows what it compiled).
 */
export async function inspect(script: string, args: readonly string[], options: InspectOptions): Promise<{ code: number; output: string }> {
  let dumpDir: string;
  let temporary = false;
  let code = 0;
  if (isDirectory(script)) {
    if (!isDump(script)) throw new InspectError(`${script} is a folder without a kiln dump (index.json)`);
    dumpDir = resolve(script);
  } else {
    if (options.out) mkdirSync(options.out, { recursive: true });
    dumpDir = options.out ? resolve(options.out) : mkdtempSync(join(tmpdir(), 'kiln-inspect-'));
    temporary = !options.out;
    code = await runScript({
      script, args, dumpDir, ...(options.backend ? { backend: options.backend } : {}), autograph: options.autograph === true, quiet: options.quiet === true,
    });
    if (code !== 0) process.stderr.write(`kiln inspect: ${script} exited with code ${code}${isDump(dumpDir) ? '; showing what it compiled before that' : ''}\n`);
  }
  try {
    if (!isDump(dumpDir)) throw new InspectError(`${script} compiled no function (nothing was traced with kiln.compile)`);
    const dump = loadDump(dumpDir);
    return { code, output: await render(temporary ? { ...dump, label: `${dumpDir} (temporary; keep it with --out DIR)` } : dump, options) };
  } finally {
    if (temporary) rmSync(dumpDir, { recursive: true, force: true });
  }
}

/** Renders in the asked format; returns the stdout text (with --out: the files it wrote, one a line). */
async function render(dump: LoadedDump, options: InspectOptions): Promise<string> {
  const traces = selectTraces(dump, { ...(options.fn !== undefined ? { fn: options.fn } : {}), ...(options.trace !== undefined ? { trace: options.trace } : {}) });
  const afterChange = options.afterChange === true;
  const out = options.out;
  const written: string[] = [];
  let stdout = '';
  const emit = (file: string, text: string) => {
    if (!out) { stdout += text.endsWith('\n') ? text : `${text}\n`; return; }
    const path = join(out, file);
    writeFileSync(path, text);
    written.push(path);
  };

  switch (options.format) {
    case 'text': {
      const text = renderText(dump, traces, {
        detail: options.fn !== undefined, afterChange, kernels: options.kernels === true, ...(options.after !== undefined ? { after: options.after } : {}),
      });
      if (out) writeFileSync(join(out, 'inspect.txt'), `${text}\n`);
      return `${text}\n`;
    }
    case 'json': {
      const selected = traces.map((t): DumpTrace => ({ ...t, stages: selectStages(t, options.after, afterChange) ?? t.stages }));
      emit('inspect.json', `${JSON.stringify({ index: dump.index, traces: selected }, null, 1)}\n`);
      break;
    }
    case 'dot': {
      const pictures = graphPictures(traces, options.after, afterChange);
      if (out) for (const p of pictures) emit(`${p.file}.dot`, `${p.dot}\n`);
      else emit('', pictures.map((p) => p.dot).join('\n\n'));
      break;
    }
    case 'svg': {
      const pictures = graphPictures(traces, options.after, afterChange);
      if (!out && pictures.length !== 1) {
        throw new InspectError(`--format svg writes one picture to stdout, and ${pictures.length} were selected: pick one with --fn/--trace/--after, or write them all with --out DIR`);
      }
      const svgs = await dotToSvg(pictures.map((p) => p.dot));
      pictures.forEach((p, i) => emit(`${p.file}.svg`, svgs[i]!));
      break;
    }
    case 'html':
      emit('inspect.html', renderHtml(traces, options.cap !== undefined ? { cap: options.cap } : {}));
      break;
  }
  return written.length ? `${written.join('\n')}\n` : stdout;
}
