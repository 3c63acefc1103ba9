import type { Graph, Value } from './graph.js';
import { getOp } from './registry.js';
import { sameType, typeString } from './tensor-type.js';

/**
 * Checks a graph's invariants: SSA (each value defined once, before its uses), types that
 * agree with the registry's inference, parameters and outputs that belong to the graph, and
 * stateful nodes chained in program order. Throws an Error listing what is wrong.
 */
export function verifyGraph(graph: Graph): void {
  const problems: string[] = [];
  const defined = new Set<Value>();
  const nodes = new Set(graph.nodes);
  for (const node of graph.nodes) {
    for (const v of node.inputs) {
      if (!defined.has(v)) problems.push(`%${node.id} (${node.op}) uses %${v.id} before it is defined`);
    }
    if (defined.has(node.output)) problems.push(`%${node.id} is defined twice`);
    defined.add(node.output);
    const def = getOp(node.op);
    try {
      const t = def.infer(node.inputs.map((v) => v.type), node.attrs);
      if (!sameType(t, node.output.type)) problems.push(`%${node.id} (${node.op}) has type ${typeString(node.output.type)}, inference gives ${typeString(t)}`);
    } catch (e) {
      problems.push(`%${node.id} (${node.op}) fails type inference: ${(e as Error).message}`);
    }
    if (def.stateful) {
      if (node.after && !nodes.has(node.after)) problems.push(`%${node.id} is ordered after a node not in the graph`);
      if (node.after && !defined.has(node.after.output)) problems.push(`%${node.id} is ordered after %${node.after.id}, which comes later`);
    }
  }
  for (const p of graph.params) if (!nodes.has(p.node)) problems.push(`parameter %${p.id} is not in the graph`);
  for (const o of graph.outputs) if (!defined.has(o)) problems.push(`output %${o.id} is not defined in the graph`);
  if (problems.length) throw new Error(`kiln: invalid graph '${graph.name}':\n  ${problems.join('\n  ')}`);
}
