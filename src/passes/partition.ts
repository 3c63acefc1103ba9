import type { Graph, Node } from '../ir/index.js';

/** A group of nodes that becomes one kernel: its root and the nodes fused into it. */
export interface Partition {
  readonly root: Node;
  readonly members: ReadonlySet<Node>;
}

const NOT_COMPUTED = new Set(['parameter', 'constant', 'readVariable', 'assignVariable']);

/** One kernel per compute node: the partition used when fusion is off. */
export function singletonPartition(graph: Graph): Partition[] {
  return graph.nodes.filter((n) => !NOT_COMPUTED.has(n.op)).map((n) => ({ root: n, members: new Set([n]) }));
}
