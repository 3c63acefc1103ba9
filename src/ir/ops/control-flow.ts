import { KilnError, shapeString } from '../error.js';
import { getOp } from '../registry.js';
import type { Graph } from '../graph.js';
import type { Attrs, HostTensor, OpDef } from '../op-def.js';
import { sameType, typeString, type TensorType } from '../tensor-type.js';

/**
 * Control flow whose branches and bodies are subgraphs held in attributes.
 * - `cond(pred, ...operands) {thenBranch, elseBranch}`: runs one branch on the operands; both
 *   branches take the operands as parameters and return values of the same types.
 * - `while(...loopVars, ...captured) {condGraph, bodyGraph, loopVarCount, maximumIterations}`:
 *   both subgraphs take (loopVars, captured); the condition returns a bool scalar, the body the
 *   next loop variables, of the same types.
 */

const graphAttr = (attrs: Attrs, name: string) => attrs[name] as Graph;

/** Whether a graph (or any subgraph in it) has a stateful node. */
export function hasEffects(graph: Graph): boolean {
  return graph.nodes.some((n) => getOp(n.op).stateful === true || getOp(n.op).isStateful?.(n.attrs) === true);
}

function checkParams(op: string, what: string, graph: Graph, types: readonly TensorType[]): void {
  if (graph.params.length !== types.length || graph.params.some((p, i) => !sameType(p.type, types[i]!))) {
    throw new KilnError(`${what} takes (${graph.params.map((p) => typeString(p.type)).join(', ')}), given (${types.map(typeString).join(', ')})`, { op });
  }
}

function checkScalarBool(op: string, what: string, t: TensorType): void {
  if (t.dtype !== 'bool' || t.shape.reduce((a, b) => a * b, 1) !== 1) {
    throw new KilnError(`${what} must be a bool scalar, got ${t.dtype}${shapeString(t.shape)}`, { op });
  }
}

const truthy = (t: HostTensor) => t.data[0] !== 0;

export const condOp: OpDef = {
  name: 'cond', kind: 'state', arity: -1,
  isStateful: (attrs) => hasEffects(graphAttr(attrs, 'thenBranch')) || hasEffects(graphAttr(attrs, 'elseBranch')),
  infer(ins, attrs) {
    return condOp.inferOutputs!(ins, attrs)[0] ?? { shape: [], dtype: 'bool' };
  },
  inferOutputs([pred, ...operands], attrs) {
    checkScalarBool('cond', 'the predicate', pred!);
    const t = graphAttr(attrs, 'thenBranch');
    const e = graphAttr(attrs, 'elseBranch');
    checkParams('cond', 'the true branch', t, operands);
    checkParams('cond', 'the false branch', e, operands);
    if (t.outputs.length !== e.outputs.length) {
      throw new KilnError(`the true branch returns ${t.outputs.length} value(s), the false branch ${e.outputs.length}`, { op: 'cond' });
    }
    t.outputs.forEach((v, i) => {
      const w = e.outputs[i]!;
      if (!sameType(v.type, w.type)) {
        throw new KilnError(`output ${i} is ${typeString(v.type)} in the true branch but ${typeString(w.type)} in the false branch`, { op: 'cond' });
      }
    });
    return t.outputs.map((v) => v.type);
  },
  evaluate() { throw new Error('kiln: cond is evaluated by evaluateOutputs'); },
  evaluateOutputs([pred, ...operands], attrs, run) {
    return run(graphAttr(attrs, truthy(pred!) ? 'thenBranch' : 'elseBranch'), operands);
  },
};

export const whileOp: OpDef = {
  name: 'while', kind: 'state', arity: -1,
  isStateful: (attrs) => hasEffects(graphAttr(attrs, 'condGraph')) || hasEffects(graphAttr(attrs, 'bodyGraph')),
  infer(ins, attrs) {
    return whileOp.inferOutputs!(ins, attrs)[0] ?? { shape: [], dtype: 'bool' };
  },
  inferOutputs(ins, attrs) {
    const n = attrs.loopVarCount as number;
    const loopVars = ins.slice(0, n);
    const c = graphAttr(attrs, 'condGraph');
    const b = graphAttr(attrs, 'bodyGraph');
    checkParams('whileLoop', 'the condition', c, ins);
    checkParams('whileLoop', 'the body', b, ins);
    if (c.outputs.length !== 1) throw new KilnError(`the condition must return one bool scalar, it returns ${c.outputs.length} values`, { op: 'whileLoop' });
    checkScalarBool('whileLoop', 'the condition', c.outputs[0]!.type);
    if (b.outputs.length !== n) throw new KilnError(`the body returns ${b.outputs.length} value(s) for ${n} loop variable(s)`, { op: 'whileLoop' });
    b.outputs.forEach((v, i) => {
      if (!sameType(v.type, loopVars[i]!)) {
        throw new KilnError(`loop variable ${i} enters as ${typeString(loopVars[i]!)} but the body returns ${typeString(v.type)}; loop variables keep their dtype and shape`, { op: 'whileLoop' });
      }
    });
    return [...loopVars];
  },
  evaluate() { throw new Error('kiln: while is evaluated by evaluateOutputs'); },
  evaluateOutputs(ins, attrs, run) {
    const n = attrs.loopVarCount as number;
    const max = attrs.maximumIterations as number | null | undefined;
    let vars = ins.slice(0, n);
    const captured = ins.slice(n);
    for (let i = 0; max === null || max === undefined || i < max; i++) {
      if (!truthy(run(graphAttr(attrs, 'condGraph'), [...vars, ...captured])[0]!)) break;
      vars = run(graphAttr(attrs, 'bodyGraph'), [...vars, ...captured]);
    }
    return vars;
  },
};

export const controlFlowOps: OpDef[] = [condOp, whileOp];
