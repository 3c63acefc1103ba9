import { getOp, isEffectful, type Graph, type Node } from '../ir/index.js';
import { rebuild, type Pass } from './pass.js';

/** Removes nodes no output needs. Keeps parameters (the signature) and every stateful node. */
export const deadCodeElimination: Pass = {
  name: 'dce',
  run(graph: Graph) {
    const live = new Set<Node>();
    const stack: Node[] = graph.outputs.map((v) => v.node);
    for (const n of graph.nodes) if (n.op === 'parameter' || isEffectful(n)) stack.push(n);
    while (stack.length) {
      const n = stack.pop()!;
      if (live.has(n)) continue;
      live.add(n);
      for (const v of n.inputs) stack.push(v.node);
    }
    const removed = graph.nodes.length - live.size;
    if (removed === 0) return { graph, stats: { removed: 0 } };
    return { graph: rebuild(graph, (n) => (live.has(n) ? undefined : null)).graph, stats: { removed } };
  },
};
