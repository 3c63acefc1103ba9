import {
  extendOp, Graph, KilnError, type Attrs, type GraphBuilder, type HostTensor, type TensorType, type Value, type VjpContext, type Grad,
} from '../ir/index.js';
import { deriveGradients } from './gradients.js';
import { inlineGraph } from './pass.js';

/**
 * Gradients through control flow. The rules build new subgraphs, so they live here (they need
 * the gradient pass) and attach to the `cond` and `while` registry entries.
 * - cond: a `cond` on the same predicate whose branches are the branches' own gradients.
 * - while (with maximumIterations, as TensorFlow requires): the loop runs again, keeping each
 *   iteration's loop variables in a [maximumIterations, ...] history; a second loop walks the
 *   history backwards applying the body's gradient.
 */

const isFloat = (t: TensorType) => t.dtype === 'float32';

function scalarHost(value: number, dtype: TensorType['dtype']): HostTensor {
  const data = dtype === 'float32' ? new Float32Array([value]) : dtype === 'int32' ? new Int32Array([value]) : new Uint8Array([value]);
  return { type: { shape: [], dtype }, data };
}

function graphBuilder(g: Graph): GraphBuilder<Value> {
  return {
    op: (name, inputs, attrs = {}) => g.add(name, inputs, attrs),
    opOutputs: (name, inputs, attrs = {}) => [...g.addNode(name, inputs, attrs).outputs],
    constant: (v, dtype = 'float32') => g.constant(scalarHost(v, dtype)),
    typeOf: (v) => v.type,
  };
}

const inline = inlineGraph;

const zeros = (b: GraphBuilder<Value>, t: TensorType): Value =>
  t.shape.length === 0 ? b.constant(0) : b.op('broadcastTo', [b.constant(0)], { shape: [...t.shape] });

/**
 * The gradient of a subgraph: parameters (its own, then one cotangent per float output),
 * outputs the cotangent of each of its float parameters (zeros where none flows).
 */
function subgraphGradient(source: Graph, name: string): { graph: Graph; floatParams: number[]; floatOutputs: number[] } {
  const g = new Graph(name);
  const params = source.params.map((p) => g.parameter(p.type));
  const floatOutputs = source.outputs.map((v, i) => (isFloat(v.type) ? i : -1)).filter((i) => i >= 0);
  const seeds = floatOutputs.map((i) => g.parameter(source.outputs[i]!.type, 'cotangent'));
  const start = g.nodes.length;
  const outs = inline(g, source, params);
  const b = graphBuilder(g);
  const floatParams = params.map((p, i) => (isFloat(p.type) ? i : -1)).filter((i) => i >= 0);
  const grads = deriveGradients({
    nodes: g.nodes.slice(start), target: floatOutputs.map((i) => outs[i]!), seed: seeds,
    sources: floatParams.map((i) => [params[i]!]), builder: b, forward: (v) => v,
  });
  g.outputs = grads.map((gv, k) => gv ?? zeros(b, params[floatParams[k]!]!.type));
  return { graph: g, floatParams, floatOutputs };
}

function multi<V>(g: Grad<V>, name: string, inputs: readonly V[], attrs: Attrs): V[] {
  if (!g.b.opOutputs) throw new KilnError(`gradients through '${name}' need a graph (use them inside kiln.compile, or eagerly outside control flow)`, { op: 'gradient' });
  return g.b.opOutputs(name, inputs, attrs);
}

function condVjp<V>(g: Grad<V>, c: VjpContext<V>): (V | null)[] {
  const t = subgraphGradient(c.attrs.thenBranch as Graph, 'true_branch_grad');
  const e = subgraphGradient(c.attrs.elseBranch as Graph, 'false_branch_grad');
  const operands = c.inTypes.slice(1).map((_, i) => c.x(1 + i));
  const seeds = t.floatOutputs.map((i) => c.dys[i] ?? g.zeros(c.outType.shape));
  const grads = multi(g, 'cond', [c.x(0), ...operands, ...seeds], { thenBranch: t.graph, elseBranch: e.graph });
  const result: (V | null)[] = c.inTypes.map(() => null);
  t.floatParams.forEach((p, k) => { result[1 + p] = grads[k]!; });
  return result;
}

extendOp('cond', { vjp: condVjp });
extendOp('while', { vjp: whileVjp });

/** Builds a loop subgraph with parameters of `types` from a function over them. */
function loopGraph(name: string, types: readonly TensorType[], build: (g: Graph, params: Value[]) => Value[]): Graph {
  const g = new Graph(name);
  const params = types.map((t) => g.parameter(t));
  g.outputs = build(g, params);
  return g;
}

function whileVjp<V>(g: Grad<V>, c: VjpContext<V>): (V | null)[] {
  const n = c.attrs.loopVarCount as number;
  const max = c.attrs.maximumIterations as number | null;
  if (max === null || max === undefined) {
    throw new KilnError('gradients through whileLoop need { maximumIterations } (as in TensorFlow): the backward pass stores each iteration', { op: 'whileLoop' });
  }
  const cond = c.attrs.condGraph as Graph;
  const body = c.attrs.bodyGraph as Graph;
  const ins = c.inTypes;
  const varTypes = ins.slice(0, n);
  const capTypes = ins.slice(n);
  const floatVars = varTypes.map((t, i) => (isFloat(t) ? i : -1)).filter((i) => i >= 0);
  const histType = (t: TensorType): TensorType => ({ shape: [Math.max(max, 1), ...t.shape], dtype: t.dtype });
  const int = (g2: Graph, v: number) => g2.constant(scalarHost(v, 'int32'));

  // 1. The forward loop again, with a counter and the history of every loop variable.
  const fwdTypes = [...varTypes, { shape: [], dtype: 'int32' } as TensorType, ...varTypes.map(histType), ...capTypes];
  const fwdCond = loopGraph('grad_forward_condition', fwdTypes, (g2, p) => inline(g2, cond, [...p.slice(0, n), ...p.slice(2 * n + 1)]));
  const fwdBody = loopGraph('grad_forward_body', fwdTypes, (g2, p) => {
    const vars = p.slice(0, n);
    const k = p[n]!;
    const caps = p.slice(2 * n + 1);
    const hist = vars.map((v, i) => writeRow(g2, p[n + 1 + i]!, k, v));
    const next = inline(g2, body, [...vars, ...caps]);
    return [...next, g2.add('add', [k, int(g2, 1)]), ...hist];
  });
  const x = (i: number) => c.x(i);
  const emptyHistory = varTypes.map((t) => {
    const h = histType(t);
    const zero = g.b.constant(0, t.dtype);
    return h.shape.length === 0 ? zero : g.op('broadcastTo', [zero], { shape: [...h.shape] });
  });
  const counter0 = g.b.constant(0, 'int32');
  const fwd = multi(g, 'while', [...varTypes.map((_, i) => x(i)), counter0, ...emptyHistory, ...capTypes.map((_, i) => x(n + i))], {
    condGraph: fwdCond, bodyGraph: fwdBody, loopVarCount: 2 * n + 1, maximumIterations: max,
  });
  const count = fwd[n]!;
  const histories = fwd.slice(n + 1, 2 * n + 1);

  // 2. The body's gradient: (vars, captured, d next vars) -> (d vars, d captured).
  const bodyGrad = subgraphGradient(body, 'loop_body_grad');
  const floatCaps = bodyGrad.floatParams.filter((p) => p >= n).map((p) => p - n);
  const floatVarParams = bodyGrad.floatParams.filter((p) => p < n);

  // 3. The backward loop: j from count-1 down to 0, carrying d vars and summed d captured.
  const capFloatTypes = floatCaps.map((i) => capTypes[i]!);
  const bwdTypes: TensorType[] = [
    { shape: [], dtype: 'int32' }, ...floatVars.map((i) => varTypes[i]!), ...capFloatTypes, ...varTypes.map(histType), ...capTypes,
  ];
  const nv = floatVars.length;
  const nc = floatCaps.length;
  const bwdCond = loopGraph('grad_backward_condition', bwdTypes, (g2, p) => [g2.add('greaterEqual', [p[0]!, int(g2, 0)])]);
  const bwdBody = loopGraph('grad_backward_body', bwdTypes, (g2, p) => {
    const j = p[0]!;
    const dvars = p.slice(1, 1 + nv);
    const dcaps = p.slice(1 + nv, 1 + nv + nc);
    const hist = p.slice(1 + nv + nc, 1 + nv + nc + n);
    const caps = p.slice(1 + nv + nc + n);
    const varsAtJ = hist.map((h) => g2.add('gather', [h, j], { axis: 0 }));
    const seeds = bodyGrad.floatOutputs.map((o) => dvars[floatVars.indexOf(o)]!);
    const grads = inline(g2, bodyGrad.graph, [...varsAtJ, ...caps, ...seeds]);
    const nextDVars = floatVars.map((i) => grads[floatVarParams.indexOf(i)] ?? zeros(graphBuilder(g2), varTypes[i]!));
    const nextDCaps = floatCaps.map((_ci, k) => g2.add('add', [dcaps[k]!, grads[floatVarParams.length + k]!]));
    return [g2.add('sub', [j, int(g2, 1)]), ...nextDVars, ...nextDCaps, ...hist];
  });
  const start = g.sub(count, g.b.constant(1, 'int32'));
  const dvars0 = floatVars.map((i) => c.dys[i] ?? g.zeros(varTypes[i]!.shape));
  const dcaps0 = capFloatTypes.map((t) => g.zeros(t.shape));
  const bwd = multi(g, 'while', [start, ...dvars0, ...dcaps0, ...histories, ...capTypes.map((_, i) => x(n + i))], {
    condGraph: bwdCond, bodyGraph: bwdBody, loopVarCount: 1 + nv + nc + n, maximumIterations: max,
  });
  const result: (V | null)[] = ins.map(() => null);
  floatVars.forEach((i, k) => { result[i] = bwd[1 + k]!; });
  floatCaps.forEach((ci, k) => { result[n + ci] = bwd[1 + nv + k]!; });
  return result;
}

/** `history` with row `k` replaced by `value` (a where over a row mask: no dynamic update primitive needed). */
function writeRow(g: Graph, history: Value, k: Value, value: Value): Value {
  const shape = history.type.shape;
  const iota = g.constant({ type: { shape: [shape[0]!], dtype: 'int32' }, data: Int32Array.from({ length: shape[0]! }, (_, i) => i) });
  const mask = g.add('reshape', [g.add('equal', [iota, k])], { shape: [shape[0]!, ...shape.slice(1).map(() => 1)] });
  const row = g.add('reshape', [value], { shape: [1, ...value.type.shape] });
  return g.add('where', [mask, row, history]);
}
