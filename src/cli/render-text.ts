import type { DumpTrace } from '../trace/dump-model.js';
import {
  renderFused, renderKernelReport, renderPassSummaries, renderPlan, renderRetrace, renderStage, traceTitle,
} from '../trace/dump-text.js';
import { kernelSource, selectStages, type LoadedDump } from './dump-reader.js';

export interface TextOptions {
  /** `--fn` given: show each selected trace in full (fused graph, kernel report, buffer plan). */
  readonly detail: boolean;
  readonly after?: string;
  readonly afterChange: boolean;
  /** `--kernels`: the generated source of every kernel. */
  readonly kernels: boolean;
}

/** The overview: every compiled function, every signature it was traced for, and why it retraced. */
export function renderOverview(dump: LoadedDump): string {
  const fns = dump.index.functions;
  const traces = fns.reduce((a, f) => a + f.traces.length, 0);
  const lines = [`kiln inspect: ${fns.length} compiled function${fns.length === 1 ? '' : 's'}, ${traces} trace${traces === 1 ? '' : 's'}  (dump: ${dump.label ?? dump.dir})`];
  for (const f of fns) {
    lines.push('', `${f.name}${f.dir !== f.name ? ` [${f.dir}]` : ''}: traced ${f.traces.length} time${f.traces.length === 1 ? '' : 's'}`);
    for (const t of f.traces) {
      lines.push(`  trace ${t.trace} ${t.args} on ${t.backend}: ${t.nodes.traced} -> ${t.nodes.optimized} nodes, ${t.kernels} kernel${t.kernels === 1 ? '' : 's'}`);
      lines.push(`    ${renderRetrace(t.retrace)}`);
    }
  }
  return lines.join('\n');
}

function renderTrace(dump: LoadedDump, trace: DumpTrace, options: TextOptions): string {
  const parts = [`=== ${traceTitle(trace)}`, renderRetrace(trace.retrace), '', 'passes:', renderPassSummaries(trace.stages)];
  const stages = selectStages(trace, options.after, options.afterChange);
  if (stages) {
    if (stages.length === 0) parts.push('', '(no pass changed the graph)');
    for (const stage of stages) parts.push('', renderStage(stage));
  }
  const last = trace.stages[trace.stages.length - 1]!;
  if (options.detail && !stages) {
    parts.push('', 'fused graph (kernel groups as blocks):', renderFused(last.graph, last.groups ?? []));
  }
  if (options.detail || options.kernels) parts.push('', renderKernelReport(trace.kernels, last.graph));
  if (options.detail) parts.push('', renderPlan(trace.plan));
  if (options.kernels) {
    for (const k of trace.kernels) {
      parts.push('', `// ----- kernel ${k.name} (${k.language}, ${k.fusion ?? k.form}${k.workgroupSize ? `, workgroup ${k.workgroupSize.join('x')}` : ''})`, kernelSource(dump, trace, k).trimEnd());
    }
  }
  return parts.join('\n');
}

/** The whole text output: the overview, then each selected trace when anything more was asked. */
export function renderText(dump: LoadedDump, traces: readonly DumpTrace[], options: TextOptions): string {
  const out = [renderOverview(dump)];
  const more = options.detail || options.kernels || options.after !== undefined || options.afterChange;
  if (!more) {
    if (traces.length) out.push('', 'show a function in full with --fn NAME; passes with --after all; generated code with --kernels');
    return out.join('\n');
  }
  for (const t of traces) out.push('', renderTrace(dump, t, options));
  return out.join('\n');
}
