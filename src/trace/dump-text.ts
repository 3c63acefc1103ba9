import type { DumpGraph, DumpGroup, DumpKernel, DumpNode, DumpPlan, DumpStage, DumpTrace } from './dump-model.js';
import type { RetraceExplanation } from './dump-signature.js';

/**
 * Text renderings of the dump model: the files `KILN_DUMP` writes and what `kiln inspect`
 * prints. Node lines are the IR printer's (`[uses] %5:f32[8,3] = add %3, %4  # file:line`).
 */

/** `file.ts:12:5` from a full path, as the printer shortens it (the last two path parts). */
export function shortLocation(location: string): string {
  return location.split('/').slice(-2).join('/');
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** 1234567 → `1.23M`: FLOP counts at a glance. */
export function formatCount(n: number): string {
  if (n < 1e4) return String(n);
  if (n < 1e6) return `${(n / 1e3).toFixed(1)}k`;
  if (n < 1e9) return `${(n / 1e6).toFixed(2)}M`;
  return `${(n / 1e9).toFixed(2)}G`;
}

export function nodeLine(node: DumpNode, locations = true): string {
  const loc = locations && node.location ? `  # ${shortLocation(node.location)}` : '';
  return `[${node.uses}] ${node.line}${loc}`;
}

function header(graph: DumpGraph): string {
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  return `graph ${graph.name}(${graph.params.map((p) => `%${p}:${byId.get(p)?.type ?? '?'}`).join(', ')}) {`;
}

/** A node's subgraphs (control flow), indented under it as the IR printer nests them. */
function subgraphLines(node: DumpNode, indent: string, locations: boolean): string[] {
  return (node.subgraphs ?? []).flatMap((s) => renderGraph(s.graph, { locations }).split('\n').map((l) => `${indent}  ${l}`));
}

/** The graph, one node per line with use counts and source lines. */
export function renderGraph(graph: DumpGraph, options: { locations?: boolean } = {}): string {
  const locations = options.locations !== false;
  const lines = [header(graph)];
  for (const n of graph.nodes) lines.push(`  ${nodeLine(n, locations)}`, ...subgraphLines(n, '  ', locations));
  lines.push(`  return ${graph.outputs.map((v) => `%${v}`).join(', ')}`, '}');
  return lines.join('\n');
}

/**
 * The graph with its kernel groups as nested blocks, each at its root's position:
 * `fusion[kind=loop, kernel=f_2_mul] {` and its members indented. Nodes that no kernel
 * computes (parameters, constants, variable reads and writes) stay on lines of their own.
 */
export function renderFused(graph: DumpGraph, groups: readonly DumpGroup[], options: { locations?: boolean } = {}): string {
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const groupOfRoot = new Map(groups.map((g) => [g.root, g]));
  const member = new Set(groups.flatMap((g) => g.members));
  const locations = options.locations !== false;
  const lines = [header(graph)];
  for (const n of graph.nodes) {
    const g = groupOfRoot.get(n.id);
    if (g) {
      const what = [`kind=${g.kind}`, g.kernel ? `kernel=${g.kernel}` : 'view'].join(', ');
      lines.push(`  %k${g.index} = fusion[${what}] {  # ${g.members.length} node${g.members.length === 1 ? '' : 's'}`);
      for (const id of g.members) {
        const m = byId.get(id);
        if (m) lines.push(`    ${nodeLine(m, locations)}`);
      }
      lines.push(`  } -> %${g.root}`);
    } else if (!member.has(n.id)) {
      lines.push(`  ${nodeLine(n, locations)}`, ...subgraphLines(n, '  ', locations));
    }
  }
  lines.push(`  return ${graph.outputs.map((v) => `%${v}`).join(', ')}`, '}');
  return lines.join('\n');
}

/** MLIR-style stage header: `// ----- IR after cse: -2 nodes (merged 2) [0.2 ms]`. */
export function stageHeader(stage: DumpStage): string {
  const time = stage.name === 'traced' ? '' : `  [${stage.ms.toFixed(2)} ms]`;
  return `// ----- IR ${stage.name === 'traced' ? 'as traced' : `after ${stage.name}`}: ${stage.summary.slice(stage.summary.indexOf(':') + 2)}${time}`;
}

export function renderStage(stage: DumpStage, options: { locations?: boolean } = {}): string {
  const body = stage.groups ? renderFused(stage.graph, stage.groups, options) : renderGraph(stage.graph, options);
  return `${stageHeader(stage)}\n${body}`;
}

/** Pads columns to their widest cell. */
export function table(rows: readonly (readonly string[])[], indent = '  '): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => { widths[i] = Math.max(widths[i] ?? 0, c.length); });
  return rows.map((r) => indent + r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n');
}

/** One row per kernel: fusion kind, inputs and outputs with their bytes, FLOPs, workgroup size. */
export function renderKernelReport(kernels: readonly DumpKernel[], graph?: DumpGraph): string {
  const typeOf = new Map(graph?.nodes.map((n) => [n.id, n.type]) ?? []);
  const buf = (b: DumpKernel['inputs'][number]) =>
    b.value !== undefined ? `%${b.value}:${typeOf.get(b.value) ?? `${b.dtype}[${b.size}]`}` : `${b.dtype}[${b.size}]`;
  const sum = (bs: DumpKernel['inputs']) => bs.reduce((a, b) => a + b.bytes, 0);
  const hasWorkgroups = kernels.some((k) => k.workgroupSize);
  const rows = [['#', 'kernel', 'fusion', 'nodes', 'inputs', 'outputs', 'bytes in/out', 'FLOPs', ...(hasWorkgroups ? ['workgroup'] : [])]];
  kernels.forEach((k, i) => rows.push([
    String(i), k.name, k.fusion ?? k.form, String(k.members), k.inputs.map(buf).join(', ') || '-',
    k.outputs.map(buf).join(', ') + (k.inPlace ? ` (in place: @${k.inPlace})` : ''),
    `${formatBytes(sum(k.inputs))} / ${formatBytes(sum(k.outputs))}`, formatCount(k.flops),
    ...(hasWorkgroups ? [k.workgroupSize ? k.workgroupSize.join('x') : '-'] : []),
  ]));
  const flops = kernels.reduce((a, k) => a + k.flops, 0);
  return `kernels: ${kernels.length}, ${formatCount(flops)} FLOPs per call\n${table(rows)}`;
}

export function renderPlan(plan: DumpPlan): string {
  const inPlace = plan.inPlace.map((p) => `${p.kernel} -> @${p.variable}`).join(', ');
  return [
    `buffer plan: peak ${formatBytes(plan.peakBytes)} per call`,
    `  arena: ${plan.arena.length} buffer${plan.arena.length === 1 ? '' : 's'} (${formatBytes(plan.arenaBytes)})${plan.arena.length ? `: ${plan.arena.map(formatBytes).join(', ')}` : ''}; ${plan.reused} intermediate${plan.reused === 1 ? '' : 's'} reused a freed buffer`,
    `  values: ${plan.slots.temp} in the arena, ${plan.slots.escape} outliving the call, ${plan.slots.pinned} with storage already (parameters, constants, variables)`,
    `  steps: ${plan.steps.launches} launches, ${plan.steps.aliases} views, ${plan.steps.reads} variable reads, ${plan.steps.assigns} variable writes`,
    `  in-place updates: ${plan.inPlace.length}${inPlace ? ` (${inPlace})` : ''}`,
    ...(plan.controlFlow?.length ? ['  control flow:', ...plan.controlFlow.map((line) => `    ${line}`)] : []),
  ].join('\n');
}

export function renderRetrace(retrace: RetraceExplanation | undefined): string {
  if (!retrace) return 'first trace';
  if (retrace.changes.length === 0) return `retraced with the same signature as trace ${retrace.comparedTo} (a new instance or a fresh compile)`;
  return `retraced: vs trace ${retrace.comparedTo}, ${retrace.changes.map((c) => `${c.path}: ${c.from} -> ${c.to}`).join('; ')}`;
}

/** `trace 1 of scale (f32[2,5], 2) on cpu`. */
export function traceTitle(trace: DumpTrace): string {
  return `trace ${trace.trace} of ${trace.function}${trace.argsText} on ${trace.backend}`;
}

/** The pass pipeline in one line per pass. */
export function renderPassSummaries(stages: readonly DumpStage[]): string {
  return stages.map((s) => `  ${s.summary}${s.changed || s.name === 'traced' ? '' : '  (unchanged)'}`).join('\n');
}
