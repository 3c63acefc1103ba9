import { Graph, KilnError, shapeString } from '../ir/index.js';
import type { Storage } from '../runtime/index.js';
import {
  compileGraph, currentBackend, currentTrace, eagerTapesRecording, replaceTensors, Tensor, tensorLeaves, traceCond, TraceState, traceWhile, valueOf, variableSlot,
  withTrace, type WhileOptions,
} from '../trace/index.js';
import { toTensor } from './convert.js';

const asTensor = (x: unknown): Tensor => toTensor(x, 'value', 'cond');

function truthy(t: Tensor, op: string): boolean {
  if (t.size !== 1) throw new KilnError(`the predicate must be a scalar, got shape ${shapeString(t.shape)}`, { op });
  return t.dataSync()[0] !== 0;
}

/** Whether the current backend takes control-flow decisions later (webgpu): it cannot read a predicate back now. */
function decidesLater(): boolean {
  return currentBackend().defer !== undefined;
}

/**
 * Eager control flow on a backend that cannot read its predicate back now (webgpu): `build`
 * is traced into a one-node graph and run through the compiled path, which defers the
 * decision there; the results are returned at once.
 */
function runCompiledOnce<T>(op: string, build: () => T): T {
  if (eagerTapesRecording()) {
    throw new KilnError(`on the webgpu backend an eager ${op} with a tensor predicate runs compiled, which a GradientTape recording eagerly cannot see; ` +
      'compile the function that records the tape (kiln.compile), or use the cpu or wasm backend', { op });
  }
  const graph = new Graph(op);
  const state = new TraceState(graph, op, false);
  const result = withTrace(state, build);
  const leaves = tensorLeaves(result);
  graph.outputs = leaves.map((t) => valueOf(state, t, op));
  const backend = currentBackend();
  const { executable } = compileGraph(graph, backend);
  let outs: Storage[];
  try {
    outs = executable.run([...state.captures.keys()].map((t) => t.storageOn(backend, op)), variableSlot);
  } finally {
    // A pending continuation may still run its branches; what they hold goes back after it.
    executable.dispose();
  }
  const tensors = outs.map((s, i) => new Tensor({ shape: leaves[i]!.shape, dtype: leaves[i]!.dtype }, { storage: s }));
  return replaceTensors(result, (t) => tensors[leaves.indexOf(t)]) as T;
}

/**
 * `pred ? trueFn() : falseFn()` on a bool scalar tensor. Eagerly it runs one branch; inside
 * kiln.compile both branches are traced into one `cond` node, chosen at run time, and must
 * return the same structure of the same dtypes and shapes. On webgpu, which cannot read the
 * predicate back synchronously, an eager cond runs compiled (both branches are traced).
 */
export function cond<T>(pred: Tensor | boolean, trueFn: () => T, falseFn: () => T): T {
  if (typeof trueFn !== 'function' || typeof falseFn !== 'function') throw new KilnError('expects two branch functions', { op: 'cond' });
  const p = toTensor(pred, 'pred', 'cond', 'bool');
  if (p.dtype !== 'bool' || p.size !== 1) throw new KilnError(`the predicate must be a bool scalar, got ${p.dtype}${shapeString(p.shape)}`, { op: 'cond' });
  if (!currentTrace()) {
    if (typeof pred === 'boolean') return pred ? trueFn() : falseFn();
    if (decidesLater()) return runCompiledOnce('cond', () => traceCond(p, trueFn, falseFn, asTensor) as T);
    return truthy(p, 'cond') ? trueFn() : falseFn();
  }
  return traceCond(p, trueFn, falseFn, asTensor) as T;
}

/**
 * Repeats `body` while `condition` holds, on loop variables of fixed dtypes and shapes (as
 * tf.while_loop). Returns the final loop variables. Inside kiln.compile the condition and
 * body are traced once into a `while` node; `maximumIterations` bounds the loop (and is what
 * makes it differentiable, as in TensorFlow). On webgpu an eager loop whose condition is a
 * tensor runs compiled from there on (its condition cannot be read back synchronously).
 */
export function whileLoop(
  condition: (...vars: Tensor[]) => Tensor | boolean,
  body: (...vars: Tensor[]) => Tensor | readonly (Tensor | number)[],
  loopVars: readonly (Tensor | number)[],
  options: WhileOptions = {},
): Tensor[] {
  if (typeof condition !== 'function' || typeof body !== 'function') throw new KilnError('expects a condition and a body function', { op: 'whileLoop' });
  if (!Array.isArray(loopVars) || loopVars.length === 0) throw new KilnError('expects a non-empty array of loop variables', { op: 'whileLoop' });
  const vars = loopVars.map((v, i) => toTensor(v, `loopVars[${i}]`, 'whileLoop'));
  options.shapeInvariants?.forEach((s, i) => {
    if (s && s.join() !== vars[i]!.shape.join()) {
      throw new KilnError(`shape invariant ${shapeString(s)} of loop variable ${i} differs from its shape ${shapeString(vars[i]!.shape)}; kiln compiles for static shapes, so a loop variable keeps its shape`, { op: 'whileLoop' });
    }
  });
  const max = options.maximumIterations;
  if (max !== undefined && (!Number.isInteger(max) || max < 0)) throw new KilnError(`maximumIterations must be a non-negative integer, got ${max}`, { op: 'whileLoop' });
  if (currentTrace()) return traceWhile(condition, body, vars, options, (x) => toTensor(x, 'value', 'whileLoop'));
  let current = vars;
  for (let i = 0; max === undefined || i < max; i++) {
    const go = condition(...current);
    if (typeof go !== 'boolean' && decidesLater()) {
      const rest: WhileOptions = max === undefined ? options : { ...options, maximumIterations: max - i };
      return runCompiledOnce('whileLoop', () => traceWhile(condition, body, current, rest, (x) => toTensor(x, 'value', 'whileLoop')));
    }
    if (!(typeof go === 'boolean' ? go : truthy(toTensor(go, 'condition', 'whileLoop', 'bool'), 'whileLoop'))) break;
    const next = body(...current);
    const list = (Array.isArray(next) ? next : [next]).map((v, k) => toTensor(v, `body result ${k}`, 'whileLoop'));
    if (list.length !== current.length) throw new KilnError(`the body returns ${list.length} value(s) for ${current.length} loop variable(s)`, { op: 'whileLoop' });
    list.forEach((t, k) => {
      if (t.dtype !== current[k]!.dtype || t.shape.join() !== current[k]!.shape.join()) {
        throw new KilnError(`loop variable ${k} enters as ${current[k]!.dtype}${shapeString(current[k]!.shape)} but the body returns ${t.dtype}${shapeString(t.shape)}`, { op: 'whileLoop' });
      }
    });
    current = list;
  }
  return current;
}
