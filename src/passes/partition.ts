import { getOp, type Graph, type Node, type Value } from '../ir/index.js';

/** A group of nodes that becomes one kernel: its root (whose value is stored) and the nodes fused into it. */
export interface Partition {
  readonly root: Node;
  readonly members: ReadonlySet<Node>;
}

// Control flow runs subprograms around kernels: it is never part of a kernel itself.
const NOT_COMPUTED = new Set(['parameter', 'constant', 'readVariable', 'assignVariable', 'cond', 'while']);

/** Whether a node is computed by a kernel (not a buffer already: parameters, constants, variables). */
export function isComputed(node: Node): boolean {
  return !NOT_COMPUTED.has(node.op);
}

/** One kernel per compute node: the partition used when fusion is off. */
export function singletonPartition(graph: Graph): Partition[] {
  return graph.nodes.filter(isComputed).map((n) => ({ root: n, members: new Set([n]) }));
}
