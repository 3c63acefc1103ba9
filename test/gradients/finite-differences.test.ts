import { describe, expect, it } from 'vitest';
import * as kiln from '../../src/index.js';
import { allOps, evaluateGraph, Grad, Graph, type Attrs, type GraphBuilder, type HostTensor, type OpDef, type TensorType, type Value } from '../../src/ir/index.js';
import { deriveGradients } from '../../src/passes/index.js';
import { expectClose } from '../ops/close.js';

/**
 * Every differentiable primitive's VJP rule against central differences through the reference
 * evaluator, in float64: L = sum(out * w) for a random w, dL/dx from `deriveGradients` into
 * the same graph, and (L(x + h) - L(x - h)) / 2h per element. Then the same for the gradient's
 * own gradient (L2 = sum(dL/dx * u)), so every rule's backward nodes are differentiable too.
 */

const H = 1e-6;
const RTOL = 1e-5;

/** A small seeded generator (mulberry32), so failures reproduce. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** How an input's values are drawn: away from the points where an op is not differentiable. */
type Draw =
  | 'normal' // uniform in [-1.5, 1.5]
  | 'away' // |x| in [0.3, 1.5], either sign (relu, abs at 0)
  | 'positive' // [0.5, 2] (sqrt, log, pow's base)
  | 'distinct' // a shuffle of evenly spaced values 0.05 apart (no max/min ties)
  | readonly [number, number] // uniform in [lo, hi]
  | readonly number[]; // these exact values (indices, masks)

interface InputSpec {
  readonly shape: readonly number[];
  readonly dtype?: kiln.DType;
  readonly draw?: Draw;
}

interface Case {
  readonly name: string;
  /** The primitive under test (coverage is checked against the registry). */
  readonly op: string;
  readonly inputs: readonly InputSpec[];
  readonly attrs?: Attrs;
  /** Builds the output from the inputs; one `op` node by default. */
  readonly build?: (g: Graph, xs: readonly Value[]) => Value;
  /** Inputs the output is locally constant in: their gradient is null (checked against differences of 0). */
  readonly constantIn?: readonly number[];
}

const f = (shape: readonly number[], draw: Draw = 'normal'): InputSpec => ({ shape, draw });
const i32 = (shape: readonly number[], values: readonly number[]): InputSpec => ({ shape, dtype: 'int32', draw: values });
const bool = (shape: readonly number[], values: readonly number[]): InputSpec => ({ shape, dtype: 'bool', draw: values });

/** TF's 'same' padding as explicit [top, bottom, left, right]. */
function samePads(h: number, w: number, k: readonly [number, number], s: readonly [number, number]): number[] {
  const total = (n: number, i: 0 | 1) => Math.max((Math.ceil(n / s[i]) - 1) * s[i] + k[i] - n, 0);
  const th = total(h, 0);
  const tw = total(w, 1);
  return [Math.floor(th / 2), th - Math.floor(th / 2), Math.floor(tw / 2), tw - Math.floor(tw / 2)];
}

const conv = (strides: number, pads: readonly number[]): Attrs => ({ strides: [strides, strides], pads: [...pads], dilations: [1, 1] });
const poolAttrs = (k: number, strides: number, pads: readonly number[]): Attrs => ({ filterSize: [k, k], strides: [strides, strides], pads: [...pads] });

const unary = (op: string, draw: Draw = 'normal', attrs?: Attrs): Case => ({ name: op, op, inputs: [f([3, 4], draw)], ...(attrs ? { attrs } : {}) });
/** Two random shapes that broadcast together: ranks 0-3, each dim of each either the output's or 1. */
function broadcastPair(random: () => number): [number[], number[]] {
  const out = Array.from({ length: 1 + Math.floor(random() * 3) }, () => 2 + Math.floor(random() * 3));
  const operand = () => {
    const rank = Math.floor(random() * (out.length + 1));
    return out.slice(out.length - rank).map((d) => (random() < 0.35 ? 1 : d));
  };
  return [operand(), operand()];
}
const shapes = rng(7);

/** A binary op on equal shapes, on shapes that broadcast both ways, and on a random broadcasting pair. */
const binary = (op: string, a: Draw = 'normal', b: Draw = 'normal'): Case[] => {
  const [ra, rb] = broadcastPair(shapes);
  return [
    { name: `${op}/same`, op, inputs: [f([3, 4], a), f([3, 4], b)] },
    { name: `${op}/broadcast`, op, inputs: [f([2, 3, 1], a), f([4], b)] },
    { name: `${op}/broadcast-rank`, op, inputs: [f([3, 1], a), f([2, 1, 4], b)] },
    { name: `${op}/random [${ra}] [${rb}]`, op, inputs: [f(ra, a), f(rb, b)] },
  ];
};

const cases: Case[] = [
  unary('neg'), unary('abs', 'away'), unary('sqrt', 'positive'), unary('rsqrt', 'positive'), unary('exp'),
  unary('log', 'positive'), unary('log1p', 'positive'), unary('sin'), unary('cos'), unary('tanh'), unary('sigmoid'),
  unary('square'), unary('reciprocal', 'away'), unary('relu', 'away'), unary('elu', 'away'), unary('softplus'),
  unary('identity'), unary('leakyRelu', 'away', { alpha: 0.2 }), unary('cast', 'normal', { dtype: 'float32' }),
  ...binary('add'), ...binary('sub'), ...binary('mul'), ...binary('div', 'normal', 'away'),
  // a / b in [1.08, 1.9]: away from the jumps of floor(a / b).
  ...binary('mod', [1.3, 1.9], [1.0, 1.2]),
  ...binary('pow', 'positive', 'normal'),
  ...binary('maximum'), ...binary('minimum'),
  { name: 'where/same', op: 'where', inputs: [bool([3, 4], [1, 0, 0, 1, 1, 1, 0, 0, 1, 0, 1, 0]), f([3, 4]), f([3, 4])] },
  { name: 'where/broadcast', op: 'where', inputs: [bool([3, 1], [1, 0, 1]), f([2, 1, 4]), f([4])] },
  { name: 'sum/axis', op: 'sum', inputs: [f([2, 3, 4])], attrs: { axes: [1], keepDims: false } },
  { name: 'sum/all-keep', op: 'sum', inputs: [f([2, 3, 4])], attrs: { axes: [0, 2], keepDims: true } },
  { name: 'prod/axis', op: 'prod', inputs: [f([3, 4], 'away')], attrs: { axes: [1], keepDims: false } },
  { name: 'prod/all', op: 'prod', inputs: [f([2, 3], 'away')], attrs: { axes: [0, 1], keepDims: false } },
  // One zero in row 0 (the others' product flows to it), none in row 1.
  { name: 'prod/one-zero', op: 'prod', inputs: [f([2, 3], [0.7, 0, -1.2, 0.9, 1.3, -0.8])], attrs: { axes: [1], keepDims: true } },
  // Two zeros in row 0: every gradient in that row is 0.
  { name: 'prod/two-zeros', op: 'prod', inputs: [f([2, 3], [0, 1.1, 0, 0.9, 1.3, -0.8])], attrs: { axes: [1], keepDims: false } },
  { name: 'max/axes', op: 'max', inputs: [f([2, 3, 4], 'distinct')], attrs: { axes: [0, 2], keepDims: false } },
  { name: 'max/all', op: 'max', inputs: [f([3, 4], 'distinct')], attrs: { axes: [0, 1], keepDims: false } },
  { name: 'min/axis-keep', op: 'min', inputs: [f([3, 4], 'distinct')], attrs: { axes: [1], keepDims: true } },
  { name: 'matMul', op: 'matMul', inputs: [f([3, 4]), f([4, 2])] },
  { name: 'matMul/tA', op: 'matMul', inputs: [f([4, 3]), f([4, 2])], attrs: { transposeA: true } },
  { name: 'matMul/tB', op: 'matMul', inputs: [f([3, 4]), f([2, 4])], attrs: { transposeB: true } },
  { name: 'matMul/tA-tB', op: 'matMul', inputs: [f([4, 3]), f([2, 4])], attrs: { transposeA: true, transposeB: true } },
  { name: 'matMul/batch', op: 'matMul', inputs: [f([2, 3, 4]), f([2, 4, 2])] },
  { name: 'matMul/batch-broadcast', op: 'matMul', inputs: [f([2, 1, 3, 4]), f([3, 4, 2])] },
  { name: 'matMul/batch-broadcast-tB', op: 'matMul', inputs: [f([3, 4]), f([2, 2, 4])], attrs: { transposeB: true } },
  { name: 'matMul/batch-broadcast-tA', op: 'matMul', inputs: [f([2, 4, 3]), f([1, 4, 2])], attrs: { transposeA: true } },
  { name: 'conv2d/valid', op: 'conv2d', inputs: [f([2, 4, 4, 2]), f([3, 3, 2, 2])], attrs: conv(1, [0, 0, 0, 0]) },
  { name: 'conv2d/same', op: 'conv2d', inputs: [f([1, 5, 4, 2]), f([3, 2, 2, 2])], attrs: conv(1, samePads(5, 4, [3, 2], [1, 1])) },
  { name: 'conv2d/valid-stride2', op: 'conv2d', inputs: [f([1, 6, 5, 2]), f([2, 3, 2, 2])], attrs: conv(2, [0, 0, 0, 0]) },
  { name: 'conv2d/same-stride2', op: 'conv2d', inputs: [f([2, 5, 6, 1]), f([3, 3, 1, 2])], attrs: conv(2, samePads(5, 6, [3, 3], [2, 2])) },
  { name: 'conv2d/dilated', op: 'conv2d', inputs: [f([1, 6, 6, 1]), f([2, 2, 1, 2])], attrs: { strides: [1, 1], pads: [1, 0, 0, 1], dilations: [2, 2] } },
  { name: 'maxPool/valid', op: 'maxPool', inputs: [f([2, 4, 6, 2], 'distinct')], attrs: poolAttrs(2, 2, [0, 0, 0, 0]) },
  { name: 'maxPool/same-stride2', op: 'maxPool', inputs: [f([1, 5, 5, 2], 'distinct')], attrs: poolAttrs(3, 2, samePads(5, 5, [3, 3], [2, 2])) },
  { name: 'maxPool/overlapping', op: 'maxPool', inputs: [f([1, 4, 4, 1], 'distinct')], attrs: poolAttrs(2, 1, [0, 0, 0, 0]) },
  { name: 'avgPool/valid', op: 'avgPool', inputs: [f([2, 4, 6, 2])], attrs: poolAttrs(2, 2, [0, 0, 0, 0]) },
  { name: 'avgPool/same', op: 'avgPool', inputs: [f([1, 5, 5, 2])], attrs: poolAttrs(3, 1, samePads(5, 5, [3, 3], [1, 1])) },
  { name: 'avgPool/same-stride2', op: 'avgPool', inputs: [f([1, 5, 4, 1])], attrs: poolAttrs(3, 2, samePads(5, 4, [3, 3], [2, 2])) },
  { name: 'reshape', op: 'reshape', inputs: [f([2, 3, 4])], attrs: { shape: [4, 6] } },
  { name: 'transpose', op: 'transpose', inputs: [f([2, 3, 4])], attrs: { perm: [2, 0, 1] } },
  { name: 'broadcastTo', op: 'broadcastTo', inputs: [f([3, 1])], attrs: { shape: [2, 3, 4] } },
  { name: 'slice', op: 'slice', inputs: [f([4, 3, 5])], attrs: { begin: [1, 0, 2], size: [2, 3, 2] } },
  { name: 'pad', op: 'pad', inputs: [f([3, 4])], attrs: { paddings: [[1, 0], [2, 1]], constantValue: 0.5 } },
  { name: 'tile', op: 'tile', inputs: [f([2, 3])], attrs: { reps: [2, 3] } },
  { name: 'concat', op: 'concat', inputs: [f([3, 2]), f([3, 1]), f([3, 4])], attrs: { axis: 1 } },
  { name: 'concat/axis0', op: 'concat', inputs: [f([1, 4]), f([2, 4])], attrs: { axis: 0 } },
  { name: 'gather', op: 'gather', inputs: [f([5, 3]), i32([6], [4, 0, 2, 2, 4, 1])], attrs: { axis: 0 } },
  { name: 'gather/axis1-2d', op: 'gather', inputs: [f([2, 5, 3]), i32([2, 2], [1, 4, 1, 0])], attrs: { axis: 1 } },
  { name: 'scatterAdd', op: 'scatterAdd', inputs: [f([6, 3]), i32([6], [4, 0, 2, 2, 4, 1])], attrs: { axis: 0, size: 5 } },
  { name: 'scatterAdd/axis1-2d', op: 'scatterAdd', inputs: [f([2, 2, 2, 3]), i32([2, 2], [1, 4, 1, 0])], attrs: { axis: 1, size: 5 } },
  // The backward primitives are linear in their cotangent (and bilinear for conv2d's).
  {
    name: 'conv2dBackpropInput/same-stride2', op: 'conv2dBackpropInput', inputs: [f([2, 3, 3, 2]), f([3, 3, 1, 2])],
    attrs: { ...conv(2, samePads(5, 6, [3, 3], [2, 2])), inputShape: [2, 5, 6, 1] },
  },
  { name: 'conv2dBackpropInput/valid', op: 'conv2dBackpropInput', inputs: [f([1, 3, 2, 2]), f([2, 3, 2, 2])], attrs: { ...conv(1, [0, 0, 0, 0]), inputShape: [1, 4, 4, 2] } },
  {
    name: 'conv2dBackpropFilter/same-stride2', op: 'conv2dBackpropFilter', inputs: [f([2, 5, 6, 1]), f([2, 3, 3, 2])],
    attrs: { ...conv(2, samePads(5, 6, [3, 3], [2, 2])), filterShape: [3, 3, 1, 2] },
  },
  { name: 'conv2dBackpropFilter/valid', op: 'conv2dBackpropFilter', inputs: [f([1, 4, 4, 2]), f([1, 3, 2, 2])], attrs: { ...conv(1, [0, 0, 0, 0]), filterShape: [2, 3, 2, 2] } },
  // y is maxPool(x), made in the graph, so x and y move together and the argmax mask holds.
  {
    name: 'maxPoolGrad', op: 'maxPoolGrad', inputs: [f([1, 5, 5, 2], 'distinct'), f([1, 3, 3, 2])], constantIn: [0],
    build: (g, [x, dy]) => {
      const attrs = poolAttrs(3, 2, samePads(5, 5, [3, 3], [2, 2]));
      return g.add('maxPoolGrad', [x!, g.add('maxPool', [x!], attrs), dy!], attrs);
    },
  },
  {
    name: 'maxPoolGradGrad', op: 'maxPoolGradGrad', inputs: [f([1, 5, 5, 2], 'distinct'), f([1, 5, 5, 2])], constantIn: [0],
    build: (g, [x, ddx]) => {
      const attrs = poolAttrs(3, 2, samePads(5, 5, [3, 3], [2, 2]));
      return g.add('maxPoolGradGrad', [x!, g.add('maxPool', [x!], attrs), ddx!], attrs);
    },
  },
  { name: 'avgPoolGrad/same-stride2', op: 'avgPoolGrad', inputs: [f([1, 3, 2, 1])], attrs: { ...poolAttrs(3, 2, samePads(5, 4, [3, 3], [2, 2])), inputShape: [1, 5, 4, 1] } },
  { name: 'avgPoolGrad/valid', op: 'avgPoolGrad', inputs: [f([2, 2, 3, 2])], attrs: { ...poolAttrs(2, 2, [0, 0, 0, 0]), inputShape: [2, 4, 6, 2] } },
];

/** Primitives with no gradient to check: sources, state, randomness, and user gradients (tested through kiln.customGrad). */
// Control flow's gradients are checked against unrolled loops and finite differences in test/control-flow.
const NOT_CHECKED = new Set(['parameter', 'constant', 'readVariable', 'assignVariable', 'randomUniform', 'randomNormal', 'customGradient', 'cond', 'while']);

/** Whether an op's VJP gives no cotangent at all (comparisons, rounding, argMax...). */
function onlyNulls(def: OpDef): boolean {
  if (!def.vjp) return true;
  const refuse = () => { throw new Error('builds'); };
  const builder: GraphBuilder<number> = { op: refuse, constant: refuse, typeOf: refuse };
  const t: TensorType = { shape: [2], dtype: 'float32' };
  try {
    const out = def.vjp(new Grad(builder), { x: refuse, y: refuse, dy: 0, dys: [0], attrs: {}, inTypes: [t, t, t], outType: t });
    return out.every((ct) => ct === null);
  } catch {
    return false;
  }
}

function draw(spec: InputSpec, random: () => number): number[] {
  const n = spec.shape.reduce((a, b) => a * b, 1);
  const d = spec.draw ?? 'normal';
  if (Array.isArray(d) && d.length === n) return [...(d as readonly number[])];
  if (Array.isArray(d)) return Array.from({ length: n }, () => d[0]! + (d[1]! - d[0]!) * random());
  switch (d) {
    case 'normal': return Array.from({ length: n }, () => 3 * random() - 1.5);
    case 'away': return Array.from({ length: n }, () => (random() < 0.5 ? -1 : 1) * (0.3 + 1.2 * random()));
    case 'positive': return Array.from({ length: n }, () => 0.5 + 1.5 * random());
    default: {
      const values = Array.from({ length: n }, (_, i) => 0.05 * (i - n / 2));
      for (let i = n - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [values[i], values[j]] = [values[j]!, values[i]!];
      }
      return values;
    }
  }
}

function host(type: TensorType, values: readonly number[]): HostTensor {
  const data = type.dtype === 'float32' ? Float64Array.from(values) : type.dtype === 'int32' ? Int32Array.from(values) : Uint8Array.from(values);
  return { type, data };
}

function builderOver(graph: Graph): GraphBuilder<Value> {
  return {
    op: (name, inputs, attrs) => graph.add(name, inputs, attrs),
    constant: (value, dtype = 'float32') => graph.constant({ type: { shape: [], dtype }, data: dtype === 'float32' ? Float64Array.of(value) : dtype === 'int32' ? Int32Array.of(value) : Uint8Array.of(value) }),
    typeOf: (v) => v.type,
  };
}

/** sum(a * b) over all axes. */
const dot = (g: Graph, a: Value, b: Value): Value => g.add('sum', [g.add('mul', [a, b])], {});

interface Built {
  readonly graph: Graph;
  /** The scalar being differentiated. */
  readonly loss: Value;
  /** Its gradient with respect to each input (null for int/bool inputs and unconnected ones). */
  readonly grads: (Value | null)[];
}

/**
 * The case's graph: inputs, then `w` (and, for the second order, one `u` per input) as
 * parameters; L = sum(out * w); with `order` 1 its gradients; with `order` 2, L2 = Σ sum(dL/dx · u)
 * and L2's gradients.
 */
function build(c: Case, order: 0 | 1 | 2): Built {
  const graph = new Graph(c.name);
  const xs = c.inputs.map((s) => graph.parameter({ shape: s.shape, dtype: s.dtype ?? 'float32' }));
  const out = c.build ? c.build(graph, xs) : graph.add(c.op, xs, c.attrs ?? {});
  const w = graph.parameter(out.type);
  for (const x of xs) graph.parameter(x.type); // u
  const loss = dot(graph, out, w);
  const sources = xs.map((x) => (x.type.dtype === 'float32' ? [x] : []));
  if (order === 0) return { graph, loss, grads: [] };
  const grads = deriveGradients({ nodes: [...graph.nodes], target: loss, sources, builder: builderOver(graph), forward: (v) => v });
  if (order === 1) return { graph, loss, grads };
  const loss2 = gradientDotU(graph, grads);
  const grads2 = deriveGradients({ nodes: [...graph.nodes], target: loss2, sources, builder: builderOver(graph), forward: (v) => v });
  return { graph, loss: loss2, grads: grads2 };
}

/** L2 = Σ sum(dL/dx · u), with the u parameters that `build` makes last. */
function gradientDotU(graph: Graph, grads: readonly (Value | null)[]): Value {
  const us = graph.params.slice(graph.params.length - grads.length);
  let total: Value | null = null;
  grads.forEach((gx, i) => {
    if (!gx) return;
    const term = dot(graph, gx, us[i]!);
    total = total ? graph.add('add', [total, term]) : term;
  });
  return total ?? graph.constant({ type: { shape: [], dtype: 'float32' }, data: Float64Array.of(0) });
}

function evaluate(b: Built, params: readonly HostTensor[], outputs: readonly Value[]): HostTensor[] {
  b.graph.outputs = [...outputs];
  return evaluateGraph(b.graph, params);
}

/** The case's parameters: inputs, w, and one u per input, drawn from the case's seed. */
function paramsOf(c: Case, seed: number): HostTensor[] {
  const random = rng(seed);
  const probe = build(c, 0);
  return probe.graph.params.map((p, i) => host(p.type, draw(i < c.inputs.length ? c.inputs[i]! : { shape: p.type.shape, dtype: p.type.dtype }, random)));
}

/**
 * Checks the gradients of `order` (1: dL/dx, 2: d(Σ dL/dx · u)/dx) against central differences:
 * element by element for the first order, along random directions for the second (cheaper).
 */
function checkOrder(c: Case, order: 1 | 2, seed: number): void {
  const params = paramsOf(c, seed);
  const random = rng(seed + 1);
  const withGrads = build(c, order);
  const grads = withGrads.grads;
  const values = evaluate(withGrads, params, grads.filter((g): g is Value => g !== null));
  // The loss alone, without the last derivation's nodes, for the differences.
  const plain = build(c, order === 1 ? 0 : 1);
  const loss = order === 1 ? plain.loss : gradientDotU(plain.graph, plain.grads);
  const lossAt = (ps: HostTensor[]) => evaluate(plain, ps, [loss])[0]!.data[0]!;
  const what = order === 1 ? 'dL/dx' : 'd(dL/dx · u)/dx';
  let k = 0;
  c.inputs.forEach((spec, i) => {
    if ((spec.dtype ?? 'float32') !== 'float32') {
      expect(grads[i], `${what} of int/bool input ${i}`).toBeNull();
      return;
    }
    const n = params[i]!.data.length;
    // A null second-order gradient means "does not depend on x" (linear ops): zero.
    if (order === 1 && !c.constantIn?.includes(i)) expect(grads[i], `${what} of input ${i}`).not.toBeNull();
    const got = grads[i] ? values[k++]!.data : new Float64Array(n);
    expect(got.length, `${what} of input ${i}: size`).toBe(n);
    const shifted = (direction: ArrayLike<number>, step: number) => params.map((p, q) => {
      if (q !== i) return p;
      const data = Float64Array.from(p.data);
      for (let j = 0; j < n; j++) data[j]! += step * direction[j]!;
      return { type: p.type, data };
    });
    const difference = (direction: ArrayLike<number>) => (lossAt(shifted(direction, H)) - lossAt(shifted(direction, -H))) / (2 * H);
    if (order === 1) {
      const fd = Array.from({ length: n }, (_, j) => difference(Array.from({ length: n }, (_, q) => (q === j ? 1 : 0))));
      expectClose(got, fd, RTOL, `${what} of input ${i}`, RTOL);
      return;
    }
    for (let d = 0; d < 3; d++) {
      const direction = Array.from({ length: n }, () => 2 * random() - 1);
      const along = direction.reduce((s, v, j) => s + v * got[j]!, 0);
      expectClose([along], [difference(direction)], RTOL, `${what} of input ${i} along direction ${d}`, RTOL);
    }
  });
}

describe('VJP rules against central differences (reference evaluator, float64)', () => {
  it('covers every differentiable primitive', () => {
    const covered = new Set(cases.map((c) => c.op));
    const missing = allOps().filter((d) => !NOT_CHECKED.has(d.name) && !covered.has(d.name) && !onlyNulls(d)).map((d) => d.name);
    expect(missing).toEqual([]);
    const nonDifferentiable = allOps().filter((d) => !NOT_CHECKED.has(d.name) && onlyNulls(d)).map((d) => d.name).sort();
    expect(nonDifferentiable).toEqual(['argMax', 'argMin', 'ceil', 'equal', 'floor', 'floorDiv', 'greater', 'greaterEqual', 'less', 'lessEqual',
      'logicalAnd', 'logicalNot', 'logicalOr', 'notEqual', 'round', 'sign', 'stopGradient']);
  });

  describe.each(cases.map((c, i) => [c.name, c, i] as const))('%s', (_name, c, i) => {
    it('first order', () => checkOrder(c, 1, 1000 + i));
    it('second order', () => checkOrder(c, 2, 2000 + i));
  });
});

/** Second derivatives through nested tapes, eagerly and inside kiln.compile (float32). */
describe('second order with nested tapes', () => {
  /** Hessian-vector product of sum(x³): d/dx (∇f · v) = 6·x·v. */
  const hvp = (x: kiln.Tensor, v: kiln.Tensor): kiln.Tensor => {
    const outer = new kiln.GradientTape();
    outer.watch(x);
    const gv = outer.record(() => {
      const inner = new kiln.GradientTape();
      inner.watch(x);
      const y = inner.record(() => kiln.sum(kiln.pow(x, 3)));
      return kiln.sum(kiln.mul(inner.gradient(y, x)!, v));
    });
    return outer.gradient(gv, x)!;
  };
  const xs = [-1.5, -0.5, 0.25, 1, 2];
  const vs = [0.5, -2, 3, 1, -0.75];
  const expected = xs.map((x, i) => 6 * x * vs[i]!);

  it('Hessian-vector product of sum(x^3), eagerly', async () => {
    expectClose(await hvp(kiln.tensor(xs), kiln.tensor(vs)).data(), expected, 1e-5, 'eager', 1e-5);
  });

  it('Hessian-vector product of sum(x^3), compiled', async () => {
    const compiled = kiln.compile(hvp);
    expectClose(await compiled(kiln.tensor(xs), kiln.tensor(vs)).data(), expected, 1e-5, 'compiled', 1e-5);
    expectClose(await compiled(kiln.tensor(xs), kiln.tensor(vs)).data(), expected, 1e-5, 'compiled (cached)', 1e-5);
    expect(compiled.traceCount).toBe(1);
  });

  /** API.md's falling body: the second derivative of 4.9·t² is 9.8. */
  const acceleration = (t: kiln.Variable): kiln.Tensor => {
    const outer = new kiln.GradientTape();
    const speed = outer.record(() => {
      const inner = new kiln.GradientTape();
      const position = inner.record(() => kiln.mul(4.9, kiln.square(t)));
      return inner.gradient(position, [t])[0]!;
    });
    return outer.gradient(speed, [t])[0]!;
  };

  it('d²/dt² 4.9t² = 9.8 with nested tapes, eagerly and compiled', async () => {
    const t = kiln.variable(kiln.scalar(3));
    expectClose(await acceleration(t).data(), [9.8], 1e-6, 'eager', 1e-6);
    const compiled = kiln.compile(() => acceleration(t));
    expectClose(await compiled().data(), [9.8], 1e-6, 'compiled', 1e-6);
  });

  // f(x) = sum(tanh(x W)) + sum(x² sin x); n(x) = ||∇f(x)||², and dn/dx by a second tape.
  const W = kiln.tensor([[0.3, -0.8, 0.5, 1.1], [-0.4, 0.9, 0.2, -0.6], [0.7, 0.1, -1.2, 0.4]]);
  const f = (x: kiln.Tensor) => kiln.add(kiln.sum(kiln.tanh(kiln.matMul(x, W))), kiln.sum(kiln.mul(kiln.square(x), kiln.sin(x))));
  const gradient = (x: kiln.Tensor): kiln.Tensor => {
    const tape = new kiln.GradientTape();
    tape.watch(x);
    const y = tape.record(() => f(x));
    return tape.gradient(y, x)!;
  };
  const gradientNormSquared = (x: kiln.Tensor) => kiln.sum(kiln.square(gradient(x)));
  const normDerivative = (x: kiln.Tensor): kiln.Tensor => {
    const outer = new kiln.GradientTape();
    outer.watch(x);
    const n = outer.record(() => gradientNormSquared(x));
    return outer.gradient(n, x)!;
  };
  const x0 = [0.4, -1.1, 0.7, 1.3, -0.2, -0.9];

  /** Central differences of n through the first gradient, element by element (float32: h = 1e-2). */
  async function differences(): Promise<number[]> {
    const h = 1e-2;
    const at = async (i: number, d: number) => (await gradientNormSquared(kiln.tensor(x0.map((v, j) => (j === i ? v + d : v)), [2, 3])).data())[0]!;
    const out: number[] = [];
    for (let i = 0; i < x0.length; i++) out.push((await at(i, h) - await at(i, -h)) / (2 * h));
    return out;
  }

  it('d/dx ||∇f||² agrees with differences of the first gradient, eagerly and compiled', async () => {
    const fd = await differences();
    expectClose(await normDerivative(kiln.tensor(x0, [2, 3])).data(), fd, 2e-3, 'eager', 2e-3);
    const compiled = kiln.compile(normDerivative);
    expectClose(await compiled(kiln.tensor(x0, [2, 3])).data(), fd, 2e-3, 'compiled', 2e-3);
  });

  it('second order through conv2d and maxPool runs on the backend as the reference computes it', async () => {
    // f(x) = sum(maxPool(conv2d(x, k))² · w); the Hessian-vector product d/dx (∇f · v).
    const k = kiln.tensor([0.5, -0.3, 0.8, 0.2, -0.7, 0.4, 0.1, 0.9], [2, 2, 1, 2]);
    const xv = Array.from({ length: 25 }, (_, i) => Math.sin(1.7 * i + 0.3));
    const vv = Array.from({ length: 25 }, (_, i) => Math.cos(0.9 * i));
    const wv = [0.3, -1.2, 0.8, 0.5, -0.4, 1.1, 0.2, -0.9];
    const hvpConv = (x: kiln.Tensor, v: kiln.Tensor, w: kiln.Tensor) => {
      const outer = new kiln.GradientTape();
      outer.watch(x);
      const gv = outer.record(() => {
        const inner = new kiln.GradientTape();
        inner.watch(x);
        const y = inner.record(() => kiln.sum(kiln.mul(kiln.square(kiln.maxPool(kiln.conv2d(x, k, 1, 'valid'), 2, 2, 'valid')), w)));
        return kiln.sum(kiln.mul(inner.gradient(y, x)!, v));
      });
      return outer.gradient(gv, x)!;
    };
    const args = () => [kiln.tensor(xv, [1, 5, 5, 1]), kiln.tensor(vv, [1, 5, 5, 1]), kiln.tensor(wv, [1, 2, 2, 2])] as const;
    // The reference: the same derivation over a graph, evaluated in float64.
    const g = new Graph('hvp');
    const [x, v, w] = [g.parameter({ shape: [1, 5, 5, 1], dtype: 'float32' }), g.parameter({ shape: [1, 5, 5, 1], dtype: 'float32' }), g.parameter({ shape: [1, 2, 2, 2], dtype: 'float32' })];
    const kc = g.constant({ type: { shape: [2, 2, 1, 2], dtype: 'float32' }, data: Float64Array.from(await k.data()) });
    const pool = poolAttrs(2, 2, [0, 0, 0, 0]);
    const y = g.add('maxPool', [g.add('conv2d', [x, kc], conv(1, [0, 0, 0, 0]))], pool);
    const loss = dot(g, g.add('square', [y]), w);
    const [gx] = deriveGradients({ nodes: [...g.nodes], target: loss, sources: [[x]], builder: builderOver(g), forward: (u) => u });
    const gv = dot(g, gx!, v);
    const [hx] = deriveGradients({ nodes: [...g.nodes], target: gv, sources: [[x]], builder: builderOver(g), forward: (u) => u });
    g.outputs = [hx!];
    const [reference] = evaluateGraph(g, [host(x.type, xv), host(v.type, vv), host(w.type, wv)]);
    expect(Array.from(reference!.data).some((e) => e !== 0)).toBe(true);
    expectClose(await hvpConv(...args()).data(), reference!.data, 1e-5, 'eager', 1e-5);
    expectClose(await kiln.compile(hvpConv)(...args()).data(), reference!.data, 1e-5, 'compiled', 1e-5);
  });
});
