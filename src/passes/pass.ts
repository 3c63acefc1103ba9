import { Graph, isEffectful, type Attrs, type Node, type Value } from '../ir/index.js';
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
  rewrite: (node: Node, inputs: readonly Value[], out: Graph) => Value | readonly Value[] | null | undefined = () => undefined,
): { graph: Graph; map: Map<Value, Value> } {
  const out = new Graph(graph.name);
  const map = new Map<Value, Value>();
  for (const node of graph.nodes) {
    // A node that reads a dropped value is dead too (unused ops on constants), unless it has an effect.
    const inputs = node.inputs.map((v) => map.get(v));
    if (!inputs.every((v) => v !== undefined)) {
      if (isEffectful(node)) fail(node.inputs[inputs.indexOf(undefined)]!);
      continue;
    }
    const replaced = rewrite(node, inputs as Value[], out);
    if (replaced === null) continue;
    const values = replaced === undefined ? out.copyNodeWithOutputs(node, inputs as Value[]).outputs
      : Array.isArray(replaced) ? replaced : [replaced as Value];
    node.outputs.forEach((v, i) => map.set(v, values[i]!));
  }
  out.outputs = graph.outputs.map((v) => map.get(v) ?? fail(v));
  return { graph: out, map };
}

function fail(v: Value): never {
  throw new Error(`kiln: pass dropped %${v.id}, which is still used`);
}

/** The subgraphs (control flow branches and bodies) held in a node's attributes, by attribute name. */
export function subgraphsOf(node: Node): [string, Graph][] {
  return Object.entries(node.attrs).filter((e): e is [string, Graph] => e[1] instanceof Graph);
}

/** Rebuilds `graph` with each subgraph replaced by `fn(subgraph)`; the same graph when there are none. */
export function mapSubgraphs(graph: Graph, fn: (g: Graph) => Graph): Graph {
  if (!graph.nodes.some((n) => subgraphsOf(n).length)) return graph;
  return rebuild(graph, (node, inputs, out) => {
    const subs = subgraphsOf(node);
    if (!subs.length) return undefined;
    const attrs: Attrs = { ...node.attrs, ...Object.fromEntries(subs.map(([k, g]) => [k, fn(g)])) };
    return out.addNode(node.op, inputs, attrs, node.location, node.outputs.map((v) => v.id)).outputs;
  }).graph;
}

/** Copies `source`'s nodes into `out` with its parameters bound to `params`; returns its outputs there. */
export function inlineGraph(out: Graph, source: Graph, params: readonly Value[]): Value[] {
  const map = new Map<Value, Value>();
  source.params.forEach((p, i) => map.set(p, params[i]!));
  for (const node of source.nodes) {
    if (node.op === 'parameter') continue;
    const copy = out.addNode(node.op, node.inputs.map((v) => map.get(v)!), node.attrs, node.location);
    node.outputs.forEach((v, i) => map.set(v, copy.outputs[i]!));
  }
  return source.outputs.map((v) => map.get(v)!);
}
