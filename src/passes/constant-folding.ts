import { allocArray, bytesPerElement, getOp, sizeOf, type Graph, type HostTensor, type Node, type Value } from '../ir/index.js';
import { inlineGraph, rebuild, type Pass } from './pass.js';

/** Grappler's `kMaxConstantSize`: results above 100 KiB stay computed at run time. */
export const MAX_FOLDED_BYTES = 100 * 1024;

/**
 * Constant folding: a pure node whose inputs are all constants becomes a constant, computed by
 * its reference evaluator. Never folded: stateful and random ops, results over the size cap,
 * results larger than their inputs (broadcastTo, tile, pad of a constant are cheaper fused as a
 * read of a small constant than stored), and inputs the op is undefined on (gather out of
 * range) — compiled graphs do not check values, so folding must not turn them into errors.
 */
export const constantFolding: Pass = {
  name: 'fold',
  run(graph) {
    let folded = 0;
    let tooLarge = 0;
    let wouldGrow = 0;
    let branchesInlined = 0;
    const { graph: out } = rebuild(graph, (node, inputs, g) => {
      // A cond on a constant predicate is the taken branch, inlined.
      if (node.op === 'cond' && inputs[0]!.node.op === 'constant') {
        branchesInlined++;
        const taken = (inputs[0]!.node.attrs.value as HostTensor).data[0] !== 0 ? 'thenBranch' : 'elseBranch';
        return inlineGraph(g, node.attrs[taken] as Graph, inputs.slice(1));
      }
      if (!foldable(node, inputs)) return undefined;
      const type = node.output.type;
      const size = sizeOf(type.shape);
      if (size * bytesPerElement(type.dtype) > MAX_FOLDED_BYTES) { tooLarge++; return undefined; }
      const inputSize = inputs.reduce((n, v) => n + sizeOf(v.type.shape), 0);
      if (size > 1 && size > inputSize) { wouldGrow++; return undefined; }
      const value = evaluate(node, inputs.map((v) => v.node.attrs.value as HostTensor));
      if (!value) return undefined;
      folded++;
      // The constant takes the folded node's id, so the printed graph still lines up with the trace.
      return g.add('constant', [], { value }, node.location, node.id);
    });
    return { graph: folded || branchesInlined ? out : graph, stats: { folded, tooLarge, wouldGrow, branchesInlined } };
  },
};

function foldable(node: Node, inputs: readonly Value[]): boolean {
  const def = getOp(node.op);
  if (def.stateful || def.random || def.kind === 'source' || def.evaluateOutputs) return false;
  return inputs.every((v) => v.node.op === 'constant');
}

/** The node's value on constant inputs, stored as the kernels store it; null when undefined. */
function evaluate(node: Node, ins: readonly HostTensor[]): HostTensor | null {
  const def = getOp(node.op);
  const type = node.output.type;
  try {
    def.checkValues?.((i) => ins[i]!.data, ins.map((t) => t.type), node.attrs);
    const result = def.evaluate(ins, node.attrs, type);
    // The reference may compute in float64; a stored float32 is rounded once, like a kernel's output.
    const data = allocArray(type.dtype, sizeOf(type.shape));
    data.set(result);
    return { type, data };
  } catch {
    return null;
  }
}
