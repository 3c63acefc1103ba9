import { getOp, sizeOf, type Graph, type Node, type Value } from '../ir/index.js';
import type { Pass } from './pass.js';
import { isComputed, type Partition } from './partition.js';

/** What the backend allows in one kernel. */
export interface FusionLimits {
  /** Input buffers one kernel may read (WebGPU: storage buffers per stage, less the output). */
  readonly maxInputs: number;
}

export const CPU_LIMITS: FusionLimits = { maxInputs: 64 };

/** Reductions whose inputs are each read many times: producers are stored, not recomputed per read. */
const CONTRACTIONS = new Set(['matMul', 'conv2d', 'conv2dBackpropInput', 'conv2dBackpropFilter']);
/** Ops whose recomputation costs about as much as a load: cheap to duplicate into several kernels. */
const CHEAP = new Set(['add', 'sub', 'mul', 'neg', 'abs', 'relu', 'where', 'greater', 'less', 'equal', 'greaterEqual', 'lessEqual',
  'notEqual', 'maximum', 'minimum', 'cast', 'reshape', 'transpose', 'broadcastTo', 'slice', 'identity', 'stopGradient', 'square']);
const RECOMPUTE_BUDGET = 3;

const isMap = (n: Node) => isComputed(n) && getOp(n.op).element !== undefined;
const isReduce = (n: Node) => getOp(n.op).reduce !== undefined;

/**
 * Fusion partitioning: decides which values are stored (materialized) and groups the rest into
 * the kernel of the value that reads them.
 * - Elementwise and movement chains with broadcasting fuse into one loop (kLoop).
 * - A reduction absorbs its elementwise producers (kInput) and a chain of same-shape elementwise
 *   consumers of its result (kOutput for matmul: bias add, activation, an optimizer update).
 * - A value read by several kernels is stored, unless it is cheap enough to recompute in each.
 * - Inputs of contractions (matmul, conv) are stored: a fused producer would run once per read.
 * - A group that would read more buffers than the backend allows is split.
 */
export function partitionForFusion(graph: Graph, limits: FusionLimits = CPU_LIMITS): Partition[] {
  const consumers = new Map<Value, Node[]>();
  for (const n of graph.nodes) for (const v of n.inputs) {
    const list = consumers.get(v) ?? [];
    if (!list.includes(n)) list.push(n);
    consumers.set(v, list);
  }
  const outputs = new Set(graph.outputs);
  const stored = new Set<Value>();
  const readers = (v: Value) => consumers.get(v) ?? [];

  for (const n of graph.nodes) {
    const v = n.output;
    if (!isComputed(n)) continue;
    const uses = readers(v);
    if (outputs.has(v) || uses.length === 0 || uses.some((u) => !isComputed(u))) { stored.add(v); continue; }
    if (uses.some((u) => CONTRACTIONS.has(u.op) && !isViewOfStored(n, stored))) { stored.add(v); continue; }
    if (isReduce(n)) continue; // decided below: absorbed into an epilogue, or stored
    if (uses.length > 1 && recomputeCost(n, stored) > RECOMPUTE_BUDGET) stored.add(v);
  }

  // A reduction is absorbed by its only consumer when that is elementwise over the same shape;
  // one reduction per kernel.
  const absorbedInto = new Map<Node, Node>();
  const groupHasReduce = new Set<Node>();
  for (const n of graph.nodes) {
    if (!isReduce(n) || stored.has(n.output)) continue;
    const uses = readers(n.output);
    const c = uses[0];
    const ok = uses.length === 1 && c !== undefined && getOp(c.op).kind === 'elementwise' && sameShape(c.output.type.shape, n.output.type.shape);
    const root = ok ? epilogueRoot(c!, stored, readers) : null;
    if (!root || groupHasReduce.has(root)) { stored.add(n.output); continue; }
    groupHasReduce.add(root);
    absorbedInto.set(n, root);
  }

  let groups = buildGroups(graph, stored);
  // Split groups over the input limit by storing their largest fused member, until all fit.
  for (let guard = 0; guard < graph.nodes.length; guard++) {
    const over = groups.find((g) => externalInputs(g).size > limits.maxInputs);
    if (!over) break;
    const candidates = [...over.members].filter((m) => m !== over.root && isMap(m));
    if (candidates.length === 0) break;
    const pick = candidates.reduce((a, b) => (externalInputsOf(a, over.members).size >= externalInputsOf(b, over.members).size ? a : b));
    stored.add(pick.output);
    groups = buildGroups(graph, stored);
  }
  return groups;
}

/** The node an epilogue chain ends at: follows single same-shape elementwise consumers to a stored value. */
function epilogueRoot(first: Node, stored: Set<Value>, readers: (v: Value) => Node[]): Node | null {
  let n = first;
  for (;;) {
    if (stored.has(n.output)) return n;
    const uses = readers(n.output);
    const next = uses[0];
    if (uses.length !== 1 || !next || getOp(next.op).kind !== 'elementwise' || !sameShape(next.output.type.shape, n.output.type.shape)) {
      stored.add(n.output);
      return n;
    }
    n = next;
  }
}

/** A movement chain over a stored value: free to fuse anywhere (it is index arithmetic). */
function isViewOfStored(n: Node, stored: Set<Value>): boolean {
  const kind = getOp(n.op).kind;
  if (kind !== 'movement' || n.op === 'gather' || n.op === 'pad' || n.op === 'concat') return false;
  const input = n.inputs[0]!;
  return stored.has(input) || !isComputed(input.node) || isViewOfStored(input.node, stored);
}

/** ALU work of recomputing a value through its unstored producers; Infinity when it involves costly ops. */
function recomputeCost(n: Node, stored: Set<Value>): number {
  if (!CHEAP.has(n.op)) return Infinity;
  let cost = 1;
  for (const v of n.inputs) {
    if (stored.has(v) || !isComputed(v.node) || sizeOf(v.type.shape) === 1) continue;
    cost += recomputeCost(v.node, stored);
  }
  return cost;
}

function buildGroups(graph: Graph, stored: Set<Value>): Partition[] {
  const groups: Partition[] = [];
  for (const n of graph.nodes) {
    if (!isComputed(n) || !stored.has(n.output)) continue;
    const members = new Set<Node>([n]);
    const stack = [...n.inputs];
    while (stack.length) {
      const v = stack.pop()!;
      const p = v.node;
      if (stored.has(v) || !isComputed(p) || members.has(p)) continue;
      members.add(p);
      stack.push(...p.inputs);
    }
    groups.push({ root: n, members });
  }
  return groups;
}

function externalInputsOf(node: Node, members: ReadonlySet<Node>): Set<Value> {
  const out = new Set<Value>();
  for (const v of node.inputs) if (!members.has(v.node) && !(v.node.op === 'constant' && sizeOf(v.type.shape) === 1)) out.add(v);
  return out;
}

function externalInputs(g: Partition): Set<Value> {
  const out = new Set<Value>();
  for (const m of g.members) for (const v of externalInputsOf(m, g.members)) out.add(v);
  return out;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** The fusion pass: the graph is unchanged; its result carries the kernel groups. */
export function fusionPass(limits: FusionLimits = CPU_LIMITS): Pass {
  return {
    name: 'fusion',
    run(graph) {
      const partition = partitionForFusion(graph, limits);
      const computed = graph.nodes.filter(isComputed).length;
      return { graph, partition, stats: { nodes: computed, kernels: partition.length, fused: computed - partition.length } };
    },
  };
}
