import { Graph, KilnError, sameType, typeString, userLocation, type TensorType, type Value } from '../ir/index.js';
import { OutputSlot } from './concrete-function.js';
import { valueOf } from './apply.js';
import { isPlainObject } from './signature.js';
import { Tensor } from './tensor.js';
import { currentTrace, TraceState, withTrace } from './trace-state.js';

/** A function traced into a subgraph of the current trace. */
interface Subgraph {
  readonly state: TraceState;
  /** The result structure with OutputSlot where tensors were. */
  readonly template: unknown;
}

/** Traces `fn` on symbolic parameters of `types` into a new subgraph of `parent`. */
function traceSubgraph(
  parent: TraceState, name: string, types: readonly TensorType[], fn: (...args: Tensor[]) => unknown, toTensor: (x: unknown) => Tensor,
  readInside: ReadonlySet<Tensor> = new Set(),
): Subgraph {
  const first = traceSubgraphOnce(parent, name, types, fn, toTensor, readInside);
  // Variables the subgraph assigns must be read inside it (each iteration sees the last write):
  // trace again with those reads inside. Others are read before and passed in.
  const assigned = new Set([...readInside, ...assignedVariables(first.state.graph)]);
  const captured = [...assigned].some((v) => first.state.variableParams.has(v));
  return captured ? traceSubgraphOnce(parent, name, types, fn, toTensor, assigned) : first;
}

/** Variables a graph (or any subgraph inside it) assigns. */
export function assignedVariables(graph: Graph): Set<Tensor> {
  const out = new Set<Tensor>();
  for (const n of graph.nodes) {
    const v = n.attrs.variable;
    if (n.op === 'assignVariable' && v instanceof Tensor) out.add(v);
    for (const a of Object.values(n.attrs)) if (a instanceof Graph) for (const w of assignedVariables(a)) out.add(w);
  }
  return out;
}

function traceSubgraphOnce(
  parent: TraceState, name: string, types: readonly TensorType[], fn: (...args: Tensor[]) => unknown, toTensor: (x: unknown) => Tensor, inner: ReadonlySet<Tensor>,
): Subgraph {
  const state = new TraceState(new Graph(name), parent.functionName, false, false, parent);
  state.innerVariables = inner;
  const template = withTrace(state, () => {
    const args = types.map((t) => new Tensor(t, null, state.graph.parameter(t), state));
    const outputs: Tensor[] = [];
    const template = templateOf(fn(...args), outputs, toTensor);
    state.graph.outputs = outputs.map((t) => valueOf(state, t, name));
    return template;
  });
  return { state, template };
}

/** The result structure with tensors (and JS numbers/booleans, made tensors) replaced by slots. */
function templateOf(x: unknown, outputs: Tensor[], toTensor: (x: unknown) => Tensor): unknown {
  if (x instanceof Tensor || typeof x === 'number' || typeof x === 'boolean') {
    outputs.push(x instanceof Tensor ? x : toTensor(x));
    return new OutputSlot(outputs.length - 1);
  }
  if (Array.isArray(x)) return x.map((v) => templateOf(v, outputs, toTensor));
  if (isPlainObject(x)) return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, templateOf(v, outputs, toTensor)]));
  return x;
}

function sameStructure(a: unknown, b: unknown): boolean {
  if (a instanceof OutputSlot || b instanceof OutputSlot) return a instanceof OutputSlot && b instanceof OutputSlot && a.index === b.index;
  if (Array.isArray(a) || Array.isArray(b)) return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((v, i) => sameStructure(v, b[i]));
  if (isPlainObject(a) || isPlainObject(b)) {
    if (!isPlainObject(a) || !isPlainObject(b)) return false;
    const ka = Object.keys(a).sort();
    const kb = Object.keys(b).sort();
    return ka.join() === kb.join() && ka.every((k) => sameStructure(a[k], b[k]));
  }
  return a === b;
}

function fill(template: unknown, values: readonly Tensor[]): unknown {
  if (template instanceof OutputSlot) return values[template.index];
  if (Array.isArray(template)) return template.map((t) => fill(t, values));
  if (isPlainObject(template)) return Object.fromEntries(Object.entries(template).map(([k, v]) => [k, fill(v, values)]));
  return template;
}

/**
 * Rebuilds a subgraph so its parameters are its first `leading` ones followed by one per value
 * of `outer` (the captures of all sibling subgraphs, in one order), so siblings agree.
 */
function withCaptureParams(sub: Subgraph, leading: number, outer: readonly Value[]): Graph {
  const old = sub.state.graph;
  const g = new Graph(old.name);
  const map = new Map<Value, Value>();
  old.params.slice(0, leading).forEach((p) => map.set(p, g.parameter(p.type)));
  for (const o of outer) {
    const p = g.parameter(o.type, 'capture');
    const inner = sub.state.outerCaptures.get(o);
    if (inner) map.set(inner, p);
  }
  for (const node of old.nodes) {
    if (node.op === 'parameter') continue;
    const copy = g.addNode(node.op, node.inputs.map((v) => map.get(v)!), node.attrs, node.location);
    node.outputs.forEach((v, i) => map.set(v, copy.outputs[i]!));
  }
  g.outputs = old.outputs.map((v) => map.get(v)!);
  return g;
}

function unionOfCaptures(...subs: Subgraph[]): Value[] {
  const all: Value[] = [];
  for (const s of subs) for (const v of s.state.outerCaptures.keys()) if (!all.includes(v)) all.push(v);
  return all;
}

function describeOutputs(g: Graph): string {
  return `(${g.outputs.map((v) => typeString(v.type)).join(', ')})`;
}

/** `cond` inside a trace: both branches are traced into subgraphs of one `cond` node. */
export function traceCond(pred: Tensor, trueFn: () => unknown, falseFn: () => unknown, toTensor: (x: unknown) => Tensor): unknown {
  const parent = currentTrace()!;
  const location = userLocation();
  const predValue = valueOf(parent, pred, 'cond');
  const t = traceSubgraph(parent, 'true_branch', [], trueFn, toTensor);
  const f = traceSubgraph(parent, 'false_branch', [], falseFn, toTensor);
  if (!sameStructure(t.template, f.template)) {
    throw new KilnError(`the branches return different structures: ${describeOutputs(t.state.graph)} from the true branch, ${describeOutputs(f.state.graph)} from the false branch`, { op: 'cond', ...(location ? { location } : {}) });
  }
  const outer = unionOfCaptures(t, f);
  const node = parent.graph.addNode('cond', [predValue, ...outer], { thenBranch: withCaptureParams(t, 0, outer), elseBranch: withCaptureParams(f, 0, outer) }, location);
  return fill(t.template, node.outputs.map((v) => new Tensor(v.type, null, v, parent)));
}

export interface WhileOptions {
  readonly maximumIterations?: number;
  /** Shapes the loop variables may take; kiln's shapes are static, so each must equal the variable's shape. */
  readonly shapeInvariants?: readonly (readonly number[] | null)[];
}

/** `whileLoop` inside a trace: condition and body are traced once into one `while` node. */
export function traceWhile(cond: (...vars: Tensor[]) => unknown, body: (...vars: Tensor[]) => unknown, loopVars: readonly Tensor[], options: WhileOptions, toTensor: (x: unknown) => Tensor): Tensor[] {
  const parent = currentTrace()!;
  const location = userLocation();
  const at = location ? { location } : {};
  const types = loopVars.map((v) => ({ shape: v.shape, dtype: v.dtype }));
  const values = loopVars.map((v) => valueOf(parent, v, 'whileLoop'));
  const b = traceSubgraph(parent, 'loop_body', types, (...vars) => {
    const next = body(...vars);
    return Array.isArray(next) ? next : [next];
  }, toTensor);
  // The condition must see the body's writes: variables the body assigns are read inside it too.
  const c = traceSubgraph(parent, 'loop_condition', types, cond, toTensor, assignedVariables(b.state.graph));
  if (c.state.graph.outputs.length !== 1) throw new KilnError(`the condition must return one bool scalar tensor`, { op: 'whileLoop', ...at });
  const next = b.state.graph.outputs;
  if (next.length !== loopVars.length) throw new KilnError(`the body returns ${next.length} value(s) for ${loopVars.length} loop variable(s)`, { op: 'whileLoop', ...at });
  next.forEach((v, i) => {
    if (!sameType(v.type, types[i]!)) {
      throw new KilnError(`loop variable ${i} enters as ${typeString(types[i]!)} but the body returns ${typeString(v.type)}; loop variables keep their dtype and shape`, { op: 'whileLoop', ...at });
    }
  });
  const outer = unionOfCaptures(c, b);
  const node = parent.graph.addNode('while', [...values, ...outer], {
    condGraph: withCaptureParams(c, types.length, outer), bodyGraph: withCaptureParams(b, types.length, outer),
    loopVarCount: types.length, maximumIterations: options.maximumIterations ?? null,
  }, location);
  return node.outputs.map((v) => new Tensor(v.type, null, v, parent));
}
