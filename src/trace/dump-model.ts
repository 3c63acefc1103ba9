import { lowerGroup, type Kernel, type KernelBuffer, type Program } from '../codegen/index.js';
import { bytesPerElement, getOp, Graph, printNode, sizeOf, typeString, type Expr, type Node } from '../ir/index.js';
import type { Partition, PassRecord } from '../passes/index.js';
import type { CompiledKernel } from '../runtime/index.js';
import type { RetraceExplanation, SignatureNode } from './dump-signature.js';

/**
 * The dump's data model: plain JSON, written by `KILN_DUMP` and read back by `kiln inspect`
 * (which runs in another process), so everything a rendering needs is in here.
 */
export const DUMP_FORMAT = 1;

export interface DumpNode {
  readonly id: number;
  readonly op: string;
  readonly inputs: readonly number[];
  readonly shape: readonly number[];
  readonly dtype: string;
  /** `f32[8,3]`. */
  readonly type: string;
  /** The printer's line without the location: `%5:f32[8,3] = add %3, %4`. */
  readonly line: string;
  /** Readers of the value (graph outputs count). */
  readonly uses: number;
  /** The previous stateful node (an ordering edge). */
  readonly after?: number;
  /** The user's file:line:col. */
  readonly location?: string;
  /** Value ids and types of a node with several outputs (control flow); the first is the node's id. */
  readonly outputs?: readonly number[];
  readonly outputTypes?: readonly string[];
  /** Subgraphs held in attributes (`cond` branches, `while` condition and body). */
  readonly subgraphs?: readonly { readonly attr: string; readonly graph: DumpGraph }[];
}

export interface DumpGraph {
  readonly name: string;
  readonly params: readonly number[];
  readonly outputs: readonly number[];
  readonly nodes: readonly DumpNode[];
}

export type FusionKind = 'loop' | 'reduce' | 'contraction';

/** A kernel group of the fusion partition: its root (the stored value) and every member, in graph order. */
export interface DumpGroup {
  readonly index: number;
  readonly kind: FusionKind;
  readonly root: number;
  readonly members: readonly number[];
  /** The generated kernel's name; absent for a lone reshape (a view, no kernel). */
  readonly kernel?: string;
}

/** The graph at one stage: `traced`, or after a pass. */
export interface DumpStage {
  readonly name: string;
  readonly graph: DumpGraph;
  /** What the pass reported (`{ removed: 3 }`), and its time. */
  readonly stats: Readonly<Record<string, number>>;
  readonly ms: number;
  /** Whether the graph (or its grouping) differs from the previous stage's. */
  readonly changed: boolean;
  /** One line: `cse: -2 nodes (merged 2, constants 2)`. */
  readonly summary: string;
  /** Node ids new in this stage, rewritten (their line differs), and gone since the previous one. */
  readonly diff: { readonly added: readonly number[]; readonly changed: readonly number[]; readonly removed: readonly number[] };
  /** The fusion pass's kernel groups. */
  readonly groups?: readonly DumpGroup[];
}

export interface DumpBuffer {
  /** The graph value the kernel reads or writes, when known. */
  readonly value?: number;
  readonly dtype: string;
  readonly size: number;
  readonly bytes: number;
}

export interface DumpKernel {
  readonly name: string;
  readonly language: string;
  /** Kernel IR form: one loop (`map`) or a loop with an inner fold (`reduce`). */
  readonly form: 'map' | 'reduce';
  readonly fusion?: FusionKind;
  /** The group's root node and how many graph nodes it fused. */
  readonly root?: number;
  readonly members: number;
  readonly inputs: readonly DumpBuffer[];
  readonly outputs: readonly DumpBuffer[];
  readonly domain: readonly number[];
  readonly inner?: readonly number[];
  /** ALU operations per run: per-element ops × domain (× inner extent for the folded body). */
  readonly flops: number;
  /** WGSL's `@workgroup_size`, when the source has one. */
  readonly workgroupSize?: readonly number[];
  /** The variable this kernel updates in place. */
  readonly inPlace?: string;
  /** The source file, relative to the trace's folder. */
  readonly file: string;
}

export interface DumpPlan {
  readonly peakBytes: number;
  /** Bytes of each arena buffer. */
  readonly arena: readonly number[];
  readonly arenaBytes: number;
  /** Intermediates placed in a buffer that an earlier, dead one used. */
  readonly reused: number;
  readonly slots: { readonly pinned: number; readonly escape: number; readonly temp: number };
  readonly steps: { readonly launches: number; readonly aliases: number; readonly reads: number; readonly assigns: number };
  readonly inPlace: readonly { readonly kernel: string; readonly variable: string }[];
  /** Each cond and while step (nested ones indented), and what it reads back to decide. */
  readonly controlFlow?: readonly string[];
}

export interface DumpTrace {
  readonly format: number;
  readonly function: string;
  /** The function's folder in the dump (its name, made unique). */
  readonly functionDir: string;
  readonly trace: number;
  readonly backend: string;
  /** The trace-cache key, and the structure it was made from. */
  readonly signature: string;
  readonly args: SignatureNode;
  readonly argsText: string;
  readonly retrace?: RetraceExplanation;
  readonly stages: readonly DumpStage[];
  readonly kernels: readonly DumpKernel[];
  readonly plan: DumpPlan;
}

export function dumpGraph(graph: Graph): DumpGraph {
  const uses = graph.useCounts();
  return {
    name: graph.name,
    params: graph.params.map((v) => v.id),
    outputs: graph.outputs.map((v) => v.id),
    nodes: graph.nodes.map((n) => {
      const subgraphs = Object.entries(n.attrs).filter((e): e is [string, Graph] => e[1] instanceof Graph).map(([attr, g]) => ({ attr, graph: dumpGraph(g) }));
      return {
        id: n.id, op: n.op, inputs: n.inputs.map((v) => v.id), shape: [...n.output.type.shape], dtype: n.output.type.dtype,
        type: typeString(n.output.type), line: printNode(n, { locations: false }),
        uses: n.outputs.reduce((a, v) => a + (uses.get(v) ?? 0), 0),
        ...(n.after ? { after: n.after.id } : {}), ...(n.location ? { location: n.location } : {}),
        ...(n.outputs.length > 1 ? { outputs: n.outputs.map((v) => v.id), outputTypes: n.outputs.map((v) => typeString(v.type)) } : {}),
        ...(subgraphs.length ? { subgraphs } : {}),
      };
    }),
  };
}

const CONTRACTIONS = new Set(['matMul', 'conv2d', 'conv2dBackpropInput', 'conv2dBackpropFilter']);

export function fusionKind(members: Iterable<Node>): FusionKind {
  let kind: FusionKind = 'loop';
  for (const m of members) {
    if (CONTRACTIONS.has(m.op)) return 'contraction';
    if (getOp(m.op).reduce) kind = 'reduce';
  }
  return kind;
}

/** Nodes that are not kernels: buffers already, variable writes, and control flow (steps with subprograms). */
const NO_LAUNCH = new Set(['parameter', 'constant', 'readVariable', 'assignVariable', 'cond', 'while']);

/** The graph's nodes that become launches, in program order, as `buildProgram` walks them. */
function launchRoots(graph: Graph, partition: readonly Partition[]): { root: Node; members: ReadonlySet<Node> }[] {
  const groupOf = new Map<Node, Partition>(partition.map((g) => [g.root, g]));
  const fused = new Set<Node>();
  for (const g of partition) for (const m of g.members) if (m !== g.root) fused.add(m);
  const roots: { root: Node; members: ReadonlySet<Node> }[] = [];
  for (const n of graph.nodes) {
    if (NO_LAUNCH.has(n.op) || fused.has(n)) continue;
    const g = groupOf.get(n);
    if (n.op === 'reshape' && (!g || g.members.size === 1)) continue;
    roots.push({ root: n, members: g?.members ?? new Set([n]) });
  }
  return roots;
}

function countAlu(e: Expr, seen: Set<Expr>): number {
  // Index arithmetic (a load's address) is not counted: it is addressing, not the kernel's math.
  if (seen.has(e)) return 0;
  seen.add(e);
  if (e.k === 'alu') return 1 + e.args.reduce((a, x) => a + countAlu(x, seen), 0);
  return 0;
}

export function kernelFlops(k: Kernel): number {
  const points = sizeOf(k.domain);
  if (k.kind === 'map') {
    const seen = new Set<Expr>();
    return points * k.stores.reduce((a, s) => a + countAlu(s, seen), 0);
  }
  // The fold itself is one op per inner element (the accumulate), besides the body's.
  const perInner = countAlu(k.body, new Set()) + 1;
  return points * (sizeOf(k.inner) * perInner + countAlu(k.epilogue, new Set()));
}

function workgroupSize(source: string): number[] | undefined {
  const m = /@workgroup_size\(([^)]*)\)/.exec(source);
  return m ? m[1]!.split(',').map((s) => Number(s.trim())).filter((x) => Number.isFinite(x)) : undefined;
}

const EXTENSION: Record<string, string> = { js: 'js', wasm: 'wat', wgsl: 'wgsl' };

export function kernelFile(k: { name: string; language: string }): string {
  return `kernels/${k.name.replace(/[^\w.-]/g, '_')}.${EXTENSION[k.language] ?? 'txt'}`;
}

type Launch = Extract<Program['steps'][number], { kind: 'launch' }>;

/** Launches of a program's subprograms (cond branches, while condition and body), depth first. */
function nestedLaunches(program: Program): Launch[] {
  return program.steps.flatMap((s): Launch[] => {
    if (s.kind === 'cond') return s.branches.flatMap((b) => [...b.steps.filter((t): t is Launch => t.kind === 'launch'), ...nestedLaunches(b)]);
    if (s.kind === 'while') return [s.condition, s.body].flatMap((b) => [...b.steps.filter((t): t is Launch => t.kind === 'launch'), ...nestedLaunches(b)]);
    return [];
  });
}

export function dumpKernels(graph: Graph, partition: readonly Partition[], program: Program, compiled: readonly CompiledKernel[]): DumpKernel[] {
  const roots = launchRoots(graph, partition);
  const launches = program.steps.filter((s): s is Launch => s.kind === 'launch');
  const variableOf = new Map<number, string>();
  for (const s of program.steps) if (s.kind === 'read') variableOf.set(s.to, s.variable.name);
  const byName = new Map(compiled.map((k) => [k.name, k]));
  const buffer = (b: KernelBuffer, value?: number): DumpBuffer => ({
    ...(value !== undefined ? { value } : {}), dtype: b.dtype, size: b.size, bytes: b.size * bytesPerElement(b.dtype),
  });
  const entry = (step: Launch, group: { root: Node; members: ReadonlySet<Node> } | undefined): DumpKernel => {
    const k = step.kernel;
    const source = byName.get(k.name) ?? { name: k.name, language: 'js', source: '' };
    // The same lowering the program ran, for the graph values behind the kernel's input buffers.
    const lowered = group ? lowerGroup(group.root, group.members, k.name) : undefined;
    const values = lowered && lowered.kernel.name === k.name && lowered.inputs.length === k.inputs.length ? lowered.inputs : undefined;
    const wg = source.language === 'wgsl' ? workgroupSize(source.source) : undefined;
    const inPlace = step.inPlace !== undefined ? variableOf.get(step.inPlace) : undefined;
    return {
      name: source.name, language: source.language, form: k.kind,
      ...(group ? { fusion: fusionKind(group.members), root: group.root.id } : {}),
      members: group?.members.size ?? 1,
      inputs: k.inputs.map((b, j) => buffer(b, values?.[j]?.id)),
      outputs: k.outputs.map((b) => buffer(b, group?.root.id)),
      domain: [...k.domain], ...(k.kind === 'reduce' ? { inner: [...k.inner] } : {}),
      flops: kernelFlops(k),
      ...(wg ? { workgroupSize: wg } : {}),
      ...(inPlace ? { inPlace } : {}),
      file: kernelFile(source),
    };
  };
  // Launch i of the top-level program is the i-th group root in graph order (as buildProgram walks them).
  return [...launches.map((step, i) => entry(step, roots[i]?.root.op === step.kernel.name.split('_').pop() ? roots[i] : undefined)),
    ...nestedLaunches(program).map((step) => entry(step, undefined))];
}

export function dumpGroups(graph: Graph, partition: readonly Partition[], kernels: readonly DumpKernel[]): DumpGroup[] {
  const order = new Map(graph.nodes.map((n, i) => [n, i]));
  const kernelOf = new Map(kernels.filter((k) => k.root !== undefined).map((k) => [k.root!, k.name]));
  return [...partition]
    .sort((a, b) => order.get(a.root)! - order.get(b.root)!)
    .map((g, index) => {
      const kernel = kernelOf.get(g.root.id);
      return {
        index, kind: fusionKind(g.members), root: g.root.id,
        members: [...g.members].sort((a, b) => order.get(a)! - order.get(b)!).map((m) => m.id),
        ...(kernel ? { kernel } : {}),
      };
    });
}

export function dumpPlan(program: Program, kernels: readonly DumpKernel[]): DumpPlan {
  const count = (kind: string) => program.steps.filter((s) => s.kind === kind).length;
  const roles = { pinned: 0, escape: 0, temp: 0 };
  for (const s of program.slots) roles[s.role]++;
  return {
    peakBytes: program.plan.peakBytes,
    arena: [...program.plan.arena],
    arenaBytes: program.plan.arena.reduce((a, b) => a + b, 0),
    reused: program.plan.reused,
    slots: roles,
    steps: { launches: count('launch'), aliases: count('alias'), reads: count('read'), assigns: count('assign') },
    inPlace: kernels.filter((k) => k.inPlace).map((k) => ({ kernel: k.name, variable: k.inPlace! })),
    controlFlow: describeControlFlow(program, 0),
  };
}

/** Control-flow steps as `kiln inspect` lists them: what each reads back to the host to decide. */
function describeControlFlow(program: Program, depth: number): string[] {
  const indent = '  '.repeat(depth);
  return program.steps.flatMap((s): string[] => {
    if (s.kind === 'cond') {
      return [`${indent}cond: reads its predicate back once per decision`, ...s.branches.flatMap((b) => describeControlFlow(b, depth + 1))];
    }
    if (s.kind !== 'while') return [];
    const bound = s.maximumIterations === null ? '' : `, at most ${s.maximumIterations} iterations`;
    const head = s.tripCount !== undefined
      ? `${indent}while: trip count ${s.tripCount}, known when traced (nothing read back)`
      : `${indent}while: reads its condition back before each iteration${bound}`;
    return [head, ...describeControlFlow(s.condition, depth + 1), ...describeControlFlow(s.body, depth + 1)];
  });
}

function describeStats(stats: Readonly<Record<string, number>>, skip: readonly string[]): string {
  const parts = Object.entries(stats).filter(([k, v]) => v !== 0 && !skip.includes(k)).map(([k, v]) => `${k} ${v}`);
  return parts.length ? ` (${parts.join(', ')})` : '';
}

/** The graph after each stage, with what changed from the stage before. */
export function dumpStages(traced: Graph, records: readonly PassRecord[], kernels: readonly DumpKernel[]): DumpStage[] {
  const stages: DumpStage[] = [];
  let previous = dumpGraph(traced);
  stages.push({ name: 'traced', graph: previous, stats: {}, ms: 0, changed: true, summary: `traced: ${previous.nodes.length} nodes`, diff: { added: previous.nodes.map((n) => n.id), changed: [], removed: [] } });
  for (const r of records) {
    const graph = dumpGraph(r.graph);
    const before = new Map(previous.nodes.map((n) => [n.id, n.line]));
    const after = new Set(graph.nodes.map((n) => n.id));
    const added = graph.nodes.filter((n) => !before.has(n.id)).map((n) => n.id);
    const changed = graph.nodes.filter((n) => before.has(n.id) && before.get(n.id) !== n.line).map((n) => n.id);
    const removed = previous.nodes.filter((n) => !after.has(n.id)).map((n) => n.id);
    const sameOutputs = previous.outputs.join() === graph.outputs.join();
    const groups = r.partition ? dumpGroups(r.graph, r.partition, kernels) : undefined;
    const fusedGroups = groups?.filter((g) => g.members.length > 1) ?? [];
    const delta = graph.nodes.length - previous.nodes.length;
    const summary = groups
      ? `${r.name}: ${graph.nodes.length} nodes -> ${kernels.length} kernel${kernels.length === 1 ? "" : "s"} (${fusedGroups.length} fused group${fusedGroups.length === 1 ? '' : 's'})`
      : `${r.name}: ${delta > 0 ? '+' : delta < 0 ? '-' : '±'}${Math.abs(delta)} nodes${describeStats(r.stats, ['removed'])}`;
    stages.push({
      name: r.name, graph, stats: r.stats, ms: r.ms,
      changed: added.length + changed.length + removed.length > 0 || !sameOutputs || fusedGroups.length > 0,
      summary, diff: { added, changed: groups ? [...new Set([...changed, ...fusedGroups.flatMap((g) => g.members)])] : changed, removed },
      ...(groups ? { groups } : {}),
    });
    previous = graph;
  }
  return stages;
}
