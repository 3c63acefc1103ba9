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
    for (const out of node.outputs) {
      if (defined.has(out)) problems.push(`%${out.id} is defined twice`);
      defined.add(out);
    }
    const def = getOp(node.op);
    try {
      const ins = node.inputs.map((v) => v.type);
      const types = def.inferOutputs ? def.inferOutputs(ins, node.attrs) : [def.infer(ins, node.attrs)];
      if (types.length !== node.outputs.length) problems.push(`%${node.id} (${node.op}) has ${node.outputs.length} outputs, inference gives ${types.length}`);
      node.outputs.forEach((out, i) => {
        const t = types[i];
        if (t && !sameType(t, out.type)) problems.push(`%${out.id} (${node.op}) has type ${typeString(out.type)}, inference gives ${typeString(t)}`);
      });
    } catch (e) {
      problems.push(`%${node.id} (${node.op}) fails type inference: ${(e as Error).message}`);
    }
    if (node.after) {
      if (node.after && !nodes.has(node.after)) problems.push(`%${node.id} is ordered after a node not in the graph`);
      if (node.after && !defined.has(node.after.output)) problems.push(`%${node.id} is ordered after %${node.after.id}, which comes later`);
    }
  }
  for (const p of graph.params) if (!nodes.has(p.node)) problems.push(`parameter %${p.id} is not in the graph`);
  for (const n of graph.nodes) {
    for (const a of Object.values(n.attrs)) {
      if (a && typeof a === 'object' && 'nodes' in a && 'params' in a) {
        try { verifyGraph(a as Graph); } catch (e) { problems.push(`in a subgraph of %${n.id} (${n.op}): ${(e as Error).message}`); }
      }
    }
  }
  for (const o of graph.outputs) if (!defined.has(o)) problems.push(`output %${o.id} is not defined in the graph`);
  if (problems.length) throw new Error(`kiln: invalid graph '${graph.name}':\n  ${problems.join('\n  ')}`);
}
