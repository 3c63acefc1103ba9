import { getOp, Graph, type Node, type Value } from '../ir/index.js';
import type { Partition } from './partition.js';

/** A named rewrite of the graph: pure, `Graph -> Graph`, with counters of what it did. */
export interface Pass {
  readonly name: string;
  run(graph: Graph): PassResult;
}

export interface PassResult {
  readonly graph: Graph;
  /** Set by the fusion pass: the kernel groups of the graph. */
  readonly partition?: readonly Partition[];
  /** What the pass did, e.g. `{ removed: 3 }`. */
  readonly stats: Readonly<Record<string, number>>;
}

/**
 * Copies `graph` node by node into a new graph. `rewrite` may return a replacement value for a
 * node (built in the new graph), `null` to drop it, or `undefined` to copy it as it is.
 */
export function rebuild(
  graph: Graph,
  rewrite: (node: Node, inputs: readonly Value[], out: Graph) => Value | null | undefined = () => undefined,
): { graph: Graph; map: Map<Value, Value> } {
  const out = new Graph(graph.name);
  const map = new Map<Value, Value>();
  for (const node of graph.nodes) {
    // A node that reads a dropped value is dead too (unused ops on constants), unless it has an effect.
    const inputs = node.inputs.map((v) => map.get(v));
    if (!inputs.every((v) => v !== undefined)) {
      if (getOp(node.op).stateful) fail(node.inputs[inputs.indexOf(undefined)]!);
      continue;
    }
    const replaced = rewrite(node, inputs, out);
    if (replaced === null) continue;
    map.set(node.output, replaced ?? out.copyNode(node, inputs));
  }
  out.outputs = graph.outputs.map((v) => map.get(v) ?? fail(v));
  return { graph: out, map };
}

function fail(v: Value): never {
  throw new Error(`kiln: pass dropped %${v.id}, which is still used`);
}
