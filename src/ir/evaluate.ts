import type { Graph, Value } from './graph.js';
import type { HostTensor, VariableRef } from './op-def.js';
import { getOp } from './registry.js';

/**
 * Runs a graph with each primitive's reference evaluator: the oracle tests compare the
 * compiled backends against. `variables` holds variable values by id and receives assignments.
 */
export function evaluateGraph(graph: Graph, params: readonly HostTensor[], variables: Map<number, HostTensor> = new Map()): HostTensor[] {
  const env = new Map<Value, HostTensor>();
  for (const node of graph.nodes) {
    const v = node.output;
    if (node.op === 'parameter') {
      env.set(v, params[node.attrs.index as number]!);
      continue;
    }
    if (node.op === 'readVariable') {
      const ref = node.attrs.variable as VariableRef;
      const value = variables.get(ref.id);
      if (!value) throw new Error(`kiln: no value for variable '${ref.name}'`);
      env.set(v, value);
      continue;
    }
    const ins = node.inputs.map((i) => env.get(i)!);
    const def = getOp(node.op);
    if (def.evaluateOutputs) {
      const outs = def.evaluateOutputs(ins, node.attrs, (g, params) => evaluateGraph(g, params, variables));
      node.outputs.forEach((o, i) => env.set(o, outs[i]!));
      continue;
    }
    const data = def.evaluate(ins, node.attrs, v.type);
    const out = { type: v.type, data };
    env.set(v, out);
    if (node.op === 'assignVariable') variables.set((node.attrs.variable as VariableRef).id, out);
  }
  return graph.outputs.map((o) => env.get(o)!);
}
