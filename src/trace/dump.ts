import { singletonPartition } from '../passes/index.js';
import { DUMP_FORMAT, dumpKernels, dumpPlan, dumpStages, kernelFile, type DumpTrace } from './dump-model.js';
import { describeSignature, explainRetrace, formatArguments, type RetraceExplanation, type SignatureNode } from './dump-signature.js';
import { renderFused, renderGraph, renderKernelReport, renderPassSummaries, renderPlan, renderRetrace, renderStage, traceTitle } from './dump-text.js';
import type { CompiledGraph } from './pipeline.js';

/**
 * `KILN_DUMP=dir`: every trace of every compiled function writes its graph at each stage
 * (traced, after each pass, fused groups, kernels) as text and JSON into
 * `dir/<function>/trace-<n>/`, and `dir/index.json` lists them all. `kiln inspect` reads it.
 */

/** One trace in `index.json`. */
export interface DumpIndexTrace {
  readonly trace: number;
  readonly dir: string;
  readonly file: string;
  readonly signature: string;
  readonly args: string;
  readonly backend: string;
  readonly retrace?: RetraceExplanation;
  readonly nodes: { readonly traced: number; readonly optimized: number };
  readonly kernels: number;
}

export interface DumpIndexFunction {
  readonly name: string;
  readonly dir: string;
  readonly traces: DumpIndexTrace[];
}

export interface DumpIndex {
  readonly format: number;
  readonly pid: number;
  readonly started: string;
  readonly functions: DumpIndexFunction[];
}

type Fs = typeof import('node:fs');
type Path = typeof import('node:path');

/** The dump folder, or undefined when `KILN_DUMP` is unset (then tracing does nothing more). */
export function dumpDirectory(): string | undefined {
  const dir = typeof process !== 'undefined' ? process.env?.KILN_DUMP : undefined;
  return dir ? dir : undefined;
}

interface FunctionState {
  /** The dump folder this state belongs to (KILN_DUMP may change while a program runs). */
  readonly root: string;
  readonly entry: DumpIndexFunction;
  readonly signatures: SignatureNode[];
}

const owners = new WeakMap<object, FunctionState>();
let session: { root: string; index: DumpIndex; dirs: Set<string> } | null = null;
let warned = false;

function builtins(): { fs: Fs; path: Path } | undefined {
  const get = (process as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule;
  if (typeof get !== 'function') return undefined;
  return { fs: get('node:fs') as Fs, path: get('node:path') as Path };
}

function safeName(name: string): string {
  return name.replace(/[^\w.-]+/g, '_').slice(0, 80) || 'fn';
}

function start(root: string, fs: Fs, path: Path): NonNullable<typeof session> {
  if (session && session.root === root) return session;
  fs.mkdirSync(root, { recursive: true });
  // Folders a previous run listed are ours to replace; anything else in `root` is left alone.
  try {
    const old = JSON.parse(fs.readFileSync(path.join(root, 'index.json'), 'utf8')) as Partial<DumpIndex>;
    for (const f of old.functions ?? []) if (typeof f.dir === 'string' && !f.dir.includes('..')) fs.rmSync(path.join(root, f.dir), { recursive: true, force: true });
  } catch { /* no previous index */ }
  session = { root, index: { format: DUMP_FORMAT, pid: process.pid, started: new Date().toISOString(), functions: [] }, dirs: new Set() };
  return session;
}

/**
 * Writes one trace. `owner` identifies the compiled function (its trace cache), so its traces
 * share a folder and each retrace is explained against the signatures traced before it.
 * A failure to write warns once and never breaks the program being dumped.
 */
export function dumpTrace(root: string, owner: object, name: string, args: readonly unknown[], signature: string, compiled: CompiledGraph): void {
  const node = builtins();
  if (!node) {
    if (!warned) console.warn('kiln: KILN_DUMP needs Node 20.16 or newer (process.getBuiltinModule); nothing is dumped');
    warned = true;
    return;
  }
  try {
    writeTrace(root, owner, name, args, signature, compiled, node.fs, node.path);
  } catch (error) {
    if (!warned) console.warn(`kiln: KILN_DUMP could not write to ${root}: ${(error as Error).message}`);
    warned = true;
  }
}

function writeTrace(root: string, owner: object, name: string, args: readonly unknown[], signature: string, compiled: CompiledGraph, fs: Fs, path: Path): void {
  const s = start(root, fs, path);
  let state = owners.get(owner);
  if (!state || state.root !== root) {
    let dir = safeName(name);
    for (let i = 2; s.dirs.has(dir); i++) dir = `${safeName(name)}-${i}`;
    s.dirs.add(dir);
    state = { root, entry: { name, dir, traces: [] }, signatures: [] };
    owners.set(owner, state);
    s.index.functions.push(state.entry);
  }
  const traceIndex = state.signatures.length;
  const described = describeSignature(args);
  const retrace = traceIndex > 0 ? explainRetrace(state.signatures, described) : undefined;
  state.signatures.push(described);

  const { program, executable, optimized } = compiled;
  const partition = compiled.passes.find((r) => r.partition)?.partition ?? singletonPartition(optimized);
  const kernels = dumpKernels(optimized, partition, program, executable.kernels);
  const stages = dumpStages(compiled.traced, compiled.passes, kernels);
  const trace: DumpTrace = {
    format: DUMP_FORMAT, function: name, functionDir: state.entry.dir, trace: traceIndex, backend: executable.backend.name,
    signature, args: described, argsText: formatArguments(described), ...(retrace ? { retrace } : {}),
    stages, kernels, plan: dumpPlan(program, kernels),
  };

  const rel = `${state.entry.dir}/trace-${traceIndex}`;
  const dir = path.join(root, rel);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(path.join(dir, 'kernels'), { recursive: true });
  const write = (file: string, text: string) => fs.writeFileSync(path.join(dir, file), text.endsWith('\n') ? text : `${text}\n`);
  const json = (value: unknown) => JSON.stringify(value, null, 1);

  stages.forEach((stage, i) => {
    const base = `${String(i).padStart(2, '0')}-${safeName(stage.name)}`;
    write(`${base}.txt`, renderStage(stage));
    write(`${base}.json`, json(stage));
  });
  const last = stages[stages.length - 1]!;
  const groups = stages.find((st) => st.groups)?.groups ?? [];
  write('fused.txt', renderFused(last.graph, groups));
  write('fused.json', json({ graph: last.graph, groups }));
  for (const k of executable.kernels) write(kernelFile(k), k.source);
  write('kernels.json', json(kernels));
  write('kernels.txt', renderKernelReport(kernels, last.graph));
  write('plan.json', json(trace.plan));
  write('report.txt', [
    traceTitle(trace), renderRetrace(retrace), '', 'passes:', renderPassSummaries(stages), '',
    renderKernelReport(kernels, last.graph), '', renderPlan(trace.plan), '', renderGraph(last.graph),
  ].join('\n'));
  write('trace.json', json(trace));

  state.entry.traces.push({
    trace: traceIndex, dir: rel, file: `${rel}/trace.json`, signature, args: trace.argsText, backend: trace.backend,
    ...(retrace ? { retrace } : {}),
    nodes: { traced: compiled.traced.nodes.length, optimized: optimized.nodes.length }, kernels: kernels.length,
  });
  // Rewritten after every trace, so a program that stops (or crashes) midway leaves a usable dump.
  fs.writeFileSync(path.join(root, 'index.json'), `${json(s.index)}\n`);
}
