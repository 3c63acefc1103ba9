import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DumpIndex } from '../trace/dump.js';
import type { DumpKernel, DumpStage, DumpTrace } from '../trace/dump-model.js';

/** A usage error of the command: printed without a stack, exit code 2. */
export class InspectError extends Error {}

/** A dump folder as `KILN_DUMP` wrote it: the index and every trace. */
export interface LoadedDump {
  readonly dir: string;
  readonly index: DumpIndex;
  readonly traces: readonly DumpTrace[];
  /** How the overview names the folder (a temporary one says so). */
  readonly label?: string;
}

export function isDump(dir: string): boolean {
  return existsSync(join(dir, 'index.json'));
}

export function loadDump(dir: string): LoadedDump {
  if (!isDump(dir)) throw new InspectError(`no kiln dump in ${dir} (index.json is missing): the script compiled no function`);
  const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as DumpIndex;
  const traces = index.functions.flatMap((f) => f.traces.map((t) => JSON.parse(readFileSync(join(dir, t.file), 'utf8')) as DumpTrace));
  return { dir, index, traces };
}

export interface Selection {
  /** A function's name or its folder in the dump. */
  readonly fn?: string;
  readonly trace?: number;
}

export function selectTraces(dump: LoadedDump, selection: Selection): DumpTrace[] {
  let traces = [...dump.traces];
  if (selection.fn !== undefined) {
    traces = traces.filter((t) => t.function === selection.fn || t.functionDir === selection.fn);
    if (traces.length === 0) {
      const names = dump.index.functions.map((f) => (f.dir === f.name ? f.name : `${f.name} (${f.dir})`));
      throw new InspectError(`no compiled function '${selection.fn}'; the script compiled: ${names.join(', ') || 'none'}`);
    }
  }
  if (selection.trace !== undefined) {
    const all = traces;
    traces = traces.filter((t) => t.trace === selection.trace);
    if (traces.length === 0) throw new InspectError(`no trace ${selection.trace}; traces: ${all.map((t) => `${t.functionDir}#${t.trace}`).join(', ')}`);
  }
  return traces;
}

/**
 * The stages `--after` and `--after-change` select: `all` (or only `--after-change`) is every
 * stage; otherwise a comma-separated list of pass names (and `traced`). Undefined: none asked.
 */
export function selectStages(trace: DumpTrace, after: string | undefined, afterChange: boolean): DumpStage[] | undefined {
  if (after === undefined && !afterChange) return undefined;
  let stages: DumpStage[];
  if (after === undefined || after === 'all') stages = [...trace.stages];
  else {
    const names = after.split(',').map((s) => s.trim()).filter(Boolean);
    for (const name of names) {
      if (!trace.stages.some((s) => s.name === name)) {
        throw new InspectError(`no pass '${name}'; the stages are: ${trace.stages.map((s) => s.name).join(', ')} (or 'all')`);
      }
    }
    stages = trace.stages.filter((s) => names.includes(s.name));
  }
  return afterChange ? stages.filter((s) => s.changed && s.name !== 'traced') : stages;
}

export function kernelSource(dump: LoadedDump, trace: DumpTrace, kernel: DumpKernel): string {
  const file = join(dump.dir, trace.functionDir, `trace-${trace.trace}`, kernel.file);
  return existsSync(file) ? readFileSync(file, 'utf8') : `(source not found: ${file})`;
}

/** The stage a picture shows: the one named by `--after` (the last, if several), else the final (fused) one. */
export function pictureStages(trace: DumpTrace, after: string | undefined, afterChange: boolean): DumpStage[] {
  return selectStages(trace, after, afterChange) ?? [trace.stages[trace.stages.length - 1]!];
}
