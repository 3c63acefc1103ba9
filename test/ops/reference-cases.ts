import * as kiln from '../../src/index.js';
import { evaluateGraph, Graph, sizeOf, type Attrs, type DType, type HostTensor } from '../../src/ir/index.js';

/**
 * Every primitive's test cases, for test/ops/reference.test.ts on each backend: seeded random
 * inputs over broadcasting, size-1 and empty shapes, edge values, int32 and bool, and shapes
 * large enough for a backend's bigger templates (split and workgroup-tree reductions, tiled
 * matmul and convolution).
 */

/** mulberry32: a tiny seeded PRNG, so every run draws the same inputs. */
export function mulberry32(seed: number): () => number {
  let s = seed | 0;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * How an input's values are drawn. The edge values are where implementations disagree: ±0,
 * exact halves, tiny and huge magnitudes, ±Infinity and NaN (floats); extreme int32s. 'edge'
 * starts with every edge value, then mixes them with normal ones; 'edgeRows' and 'edgeCols'
 * (for [edges, edges] shapes) pair every edge value with every other one in a binary op.
 * 'moderate' is 'edge' without magnitudes beyond π (sin and cos on webgpu).
 */
type Values = 'normal' | 'positive' | 'edge' | 'moderate' | 'edgeRows' | 'edgeCols' | { readonly below: number };

export interface Input {
  readonly shape: readonly number[];
  readonly dtype: DType;
  readonly values?: Values;
}

export interface Case {
  readonly op: string;
  readonly ins: readonly Input[];
  readonly attrs?: Attrs;
  /** The same computation through the public API, when it maps onto this primitive. */
  readonly api?: (...xs: kiln.Tensor[]) => kiln.Tensor;
  readonly note?: string;
  /** Replaces drawn inputs by ones that depend on the others (maxPoolGrad's y = maxPool(x)). */
  readonly derive?: (hosts: HostTensor[]) => HostTensor[];
  /** Backends that do not promise this case's results, and why (kiln.getBackend() names). */
  readonly unspecifiedOn?: Readonly<Record<string, string>>;
}

const FLOAT_EDGES = [0, -0, 0.5, -0.5, 1.5, 2.5, -2.5, 1, -1, 1e-7, -1e-7, 88, -88, 1e20, -1e20, Infinity, -Infinity, NaN];
const INT_EDGES = [0, 1, -1, 2, -2, 2147483647, -2147483648, 65536, -65537, 46341];
const MODERATE_EDGES = [0, -0, 0.5, -0.5, 1.5, 2.5, -2.5, 1, -1, 1e-7, -1e-7, 3, -3, Infinity, -Infinity, NaN];

export function draw(input: Input, rand: () => number): HostTensor {
  const n = sizeOf(input.shape);
  const data = input.dtype === 'float32' ? new Float32Array(n) : input.dtype === 'int32' ? new Int32Array(n) : new Uint8Array(n);
  const values = input.values ?? 'normal';
  const edges = values === 'moderate' ? MODERATE_EDGES : input.dtype === 'float32' ? FLOAT_EDGES : INT_EDGES;
  for (let i = 0; i < n; i++) {
    const u = rand();
    if (input.dtype === 'bool') data[i] = u < 0.5 ? 1 : 0;
    else if (typeof values === 'object') data[i] = Math.floor(u * values.below);
    else if (values === 'edgeRows' || values === 'edgeCols') {
      const cols = input.shape[input.shape.length - 1]!;
      data[i] = edges[(values === 'edgeRows' ? Math.floor(i / cols) : i % cols) % edges.length]!;
    } else if ((values === 'edge' || values === 'moderate') && (i < edges.length || rand() < 0.5)) {
      data[i] = edges[i < edges.length ? i : Math.floor(u * edges.length)]!;
    } else if (input.dtype === 'int32') data[i] = Math.floor(u * 11) - 5;
    else if (values === 'positive') data[i] = 0.05 + 3 * u;
    else data[i] = (u - 0.5) * 6;
  }
  return { type: { shape: [...input.shape], dtype: input.dtype }, data };
}

const f32 = (...shape: number[]): Input => ({ shape, dtype: 'float32' });
const i32 = (...shape: number[]): Input => ({ shape, dtype: 'int32' });
const bool = (...shape: number[]): Input => ({ shape, dtype: 'bool' });
const edge = (x: Input): Input => ({ ...x, values: 'edge' });
const positive = (x: Input): Input => ({ ...x, values: 'positive' });
const moderate = (x: Input): Input => ({ ...x, values: 'moderate' });
const indices = (below: number, ...shape: number[]): Input => ({ shape, dtype: 'int32', values: { below } });

// ---------------------------------------------------------------- cases

const UNARY_FLOAT = ['floor', 'ceil', 'round', 'sqrt', 'rsqrt', 'exp', 'log', 'log1p', 'sin', 'cos', 'tanh', 'sigmoid', 'reciprocal', 'elu', 'softplus'];
const UNARY_NUMERIC = ['neg', 'abs', 'sign', 'square', 'relu'];
const UNARY_ANY = ['stopGradient', 'identity'];
const UNARY_SHAPES = [[3, 4], [], [0, 3], [1, 1, 5]];

const ARITHMETIC = ['add', 'sub', 'mul', 'div', 'floorDiv', 'mod', 'pow', 'maximum', 'minimum'];
const COMPARISONS = ['equal', 'notEqual', 'less', 'lessEqual', 'greater', 'greaterEqual'];
const BROADCASTS: [number[], number[]][] = [
  [[3, 4], [3, 4]], [[3, 1, 4], [1, 5, 4]], [[], [2, 3]], [[2, 3], []], [[4], [2, 3, 4]], [[2, 1], [1]],
  [[0, 3], [1, 3]], [[2, 0], [2, 1]],
];

function unaryCases(): Case[] {
  const cases: Case[] = [];
  for (const op of UNARY_FLOAT) {
    for (const s of UNARY_SHAPES) cases.push({ op, ins: [f32(...s)] });
    if (op === 'sin' || op === 'cos') {
      cases.push({ op, ins: [edge(f32(6, 7))], note: 'edge values', unspecifiedOn: { webgpu: 'WGSL specifies sin and cos only on [-π, π]' } });
      cases.push({ op, ins: [moderate(f32(6, 7))], note: 'edge values within [-π, π]' });
    } else cases.push({ op, ins: [edge(f32(6, 7))], note: 'edge values' });
    if (['sqrt', 'rsqrt', 'log'].includes(op)) cases.push({ op, ins: [positive(f32(5, 4))], note: 'positive' });
  }
  for (const op of [...UNARY_NUMERIC, ...UNARY_ANY]) {
    for (const s of UNARY_SHAPES) cases.push({ op, ins: [f32(...s)] }, { op, ins: [i32(...s)] });
    cases.push({ op, ins: [edge(f32(6, 7))], note: 'edge values' }, { op, ins: [edge(i32(6, 7))], note: 'edge values' });
  }
  for (const op of UNARY_ANY) cases.push({ op, ins: [bool(3, 4)] });
  // The identity on its first input; the others only feed a user's gradient function.
  cases.push({ op: 'customGradient', ins: [f32(3, 4), f32(2), f32(3, 4)], attrs: { inputs: 1 } });
  cases.push({ op: 'customGradient', ins: [i32(0, 2), f32(5)], attrs: { inputs: 1 } }, { op: 'customGradient', ins: [bool()], attrs: { inputs: 0 } });
  cases.push({ op: 'logicalNot', ins: [bool(3, 4)], api: (x) => kiln.logicalNot(x) }, { op: 'logicalNot', ins: [bool(0)] }, { op: 'logicalNot', ins: [bool()] });
  for (const alpha of [0.2, -1.5, 0]) {
    // WGSL lets a compiler assume no infinities: -Infinity · 0 (a literal) may fold to 0 rather than NaN.
    const unspecifiedOn = alpha === 0 ? { webgpu: 'WGSL may assume finite values, so -Infinity · 0 can give 0' } : undefined;
    cases.push({ op: 'leakyRelu', ins: [edge(f32(4, 5))], attrs: { alpha }, api: (x) => kiln.leakyRelu(x, alpha), note: `alpha ${alpha}`, unspecifiedOn });
  }
  cases.push({ op: 'leakyRelu', ins: [f32(0, 2)], attrs: { alpha: 0.1 } });
  const dtypes: DType[] = ['float32', 'int32', 'bool'];
  for (const from of dtypes) {
    for (const to of dtypes) {
      if (from === to) continue;
      cases.push({ op: 'cast', ins: [edge({ shape: [5, 6], dtype: from })], attrs: { dtype: to }, api: (x) => kiln.cast(x, to), note: `${from} to ${to}` });
    }
  }
  cases.push({ op: 'cast', ins: [f32(0, 4)], attrs: { dtype: 'int32' } });
  return cases;
}

function binaryCases(): Case[] {
  const cases: Case[] = [];
  const api: Record<string, (a: kiln.Tensor, b: kiln.Tensor) => kiln.Tensor> = {
    add: kiln.add, sub: kiln.sub, mul: kiln.mul, div: kiln.div, floorDiv: kiln.floorDiv, mod: kiln.mod, pow: kiln.pow,
    maximum: kiln.maximum, minimum: kiln.minimum, equal: kiln.equal, notEqual: kiln.notEqual, less: kiln.less,
    lessEqual: kiln.lessEqual, greater: kiln.greater, greaterEqual: kiln.greaterEqual, logicalAnd: kiln.logicalAnd, logicalOr: kiln.logicalOr,
  };
  for (const op of [...ARITHMETIC, ...COMPARISONS]) {
    for (const [a, b] of BROADCASTS) cases.push({ op, ins: [f32(...a), f32(...b)], api: api[op] });
    cases.push({ op, ins: [i32(3, 1, 4), i32(1, 5, 4)], api: api[op] });
    const cross = (x: Input): Input[] => [{ ...x, values: 'edgeRows' }, { ...x, values: 'edgeCols' }];
    cases.push({ op, ins: cross(f32(FLOAT_EDGES.length, FLOAT_EDGES.length)), note: 'every pair of edge values' });
    cases.push({ op, ins: cross(i32(INT_EDGES.length, INT_EDGES.length)), note: 'every pair of edge values' });
  }
  cases.push({ op: 'pow', ins: [positive(f32(3, 4)), f32(3, 4)], note: 'positive base' });
  for (const op of COMPARISONS) cases.push({ op, ins: [bool(3, 1), bool(1, 4)] });
  for (const op of ['logicalAnd', 'logicalOr']) {
    for (const [a, b] of BROADCASTS) cases.push({ op, ins: [bool(...a), bool(...b)], api: api[op] });
  }
  for (const [c, a, b] of [[[3, 4], [3, 4], [3, 4]], [[3, 1], [1, 4], []], [[], [2, 2], [2, 1]], [[0, 4], [1, 4], [1]], [[2, 3, 1], [3, 5], [2, 1, 5]]]) {
    cases.push({ op: 'where', ins: [bool(...c!), f32(...a!), f32(...b!)], api: kiln.where });
  }
  cases.push({ op: 'where', ins: [bool(3, 4), i32(3, 4), i32(4)] }, { op: 'where', ins: [bool(3, 4), bool(3, 4), bool()] });
  cases.push({ op: 'where', ins: [bool(6, 7), edge(f32(6, 7)), edge(f32(6, 7))], note: 'edge values' });
  return cases;
}

function reduceCases(): Case[] {
  const cases: Case[] = [];
  const api: Record<string, (x: kiln.Tensor, axis?: number | number[] | null, keepDims?: boolean) => kiln.Tensor> = {
    sum: kiln.sum, prod: kiln.prod, max: kiln.max, min: kiln.min,
  };
  const axesCases: [number[], number[] | null, boolean][] = [
    [[3, 4, 5], null, false], [[3, 4, 5], [1], false], [[3, 4, 5], [0, 2], true], [[3, 4, 5], [-1], true], [[3, 4, 5], [], false],
    [[2, 0, 3], [1], false], [[2, 0, 3], [1], true], [[2, 0, 3], null, false], [[0, 3], [1], false], [[0], null, false],
    [[], null, false], [[1, 1], [0], false], [[7], [0], false],
  ];
  for (const op of ['sum', 'prod', 'max', 'min']) {
    for (const [shape, axes, keepDims] of axesCases) {
      cases.push({ op, ins: [f32(...shape)], attrs: { axes, keepDims }, api: (x) => api[op]!(x, axes, keepDims), note: `axes ${JSON.stringify(axes)}${keepDims ? ' keepDims' : ''}` });
    }
    cases.push({ op, ins: [i32(4, 6)], attrs: { axes: [1], keepDims: false } });
    // A float32 product of edge values can overflow to Infinity before it meets a 0 (NaN) where float64 gives 0.
    const unspecifiedOn = op === 'prod' ? { webgpu: 'the product accumulates in float32, and an overflow to Infinity times 0 is NaN' } : undefined;
    cases.push({ op, ins: [edge(f32(6, 9))], attrs: { axes: [1], keepDims: false }, note: 'edge values', unspecifiedOn });
    cases.push({ op, ins: [edge(i32(6, 9))], attrs: { axes: [0], keepDims: false }, note: 'edge values' });
    // Rows long enough for a workgroup tree (webgpu) or a split across threads.
    cases.push({ op, ins: [f32(3, 300)], attrs: { axes: [1], keepDims: false }, note: 'long rows' });
    cases.push({ op, ins: [edge(i32(2, 400))], attrs: { axes: [1], keepDims: false }, note: 'edge values, long rows' });
  }
  for (const op of ['argMax', 'argMin']) {
    const fn = op === 'argMax' ? kiln.argMax : kiln.argMin;
    for (const [shape, axis] of [[[4, 6], 1], [[4, 6], 0], [[2, 3, 4], -1], [[2, 3, 4], 1], [[5], 0], [[3, 1], 1], [[0, 3], 1], [[3, 0], 0]] as [number[], number][]) {
      cases.push({ op, ins: [f32(...shape)], attrs: { axis }, api: (x) => fn(x, axis), note: `axis ${axis}` });
    }
    cases.push({ op, ins: [i32(5, 8)], attrs: { axis: 1 }, note: 'ties' });
    cases.push({ op, ins: [edge(f32(8, 9))], attrs: { axis: 1 }, note: 'edge values' });
    cases.push({ op, ins: [edge(f32(3, 500))], attrs: { axis: 1 }, note: 'edge values, long rows' });
    cases.push({ op, ins: [i32(2, 300)], attrs: { axis: 1 }, note: 'ties, long rows' });
  }
  return cases;
}

function matMulCases(): Case[] {
  const cases: Case[] = [];
  const shapes: [number[], number[], boolean, boolean][] = [
    [[5, 7], [7, 3], false, false], [[7, 5], [7, 3], true, false], [[5, 7], [3, 7], false, true], [[7, 5], [3, 7], true, true],
    [[2, 4, 6], [2, 6, 3], false, false], [[2, 6, 4], [2, 3, 6], true, true], [[3, 1, 4, 5], [2, 5, 6], false, false],
    [[2, 3, 4], [4, 5], false, false], [[4, 5], [2, 5, 3], false, false], [[1, 4, 5], [3, 4, 2], true, false],
    [[1, 1], [1, 1], false, false], [[1, 5], [5, 1], false, false], [[3, 0], [0, 4], false, false],
    [[0, 3], [3, 2], false, false], [[2, 3], [3, 0], false, false], [[0, 2, 3], [3, 4], false, false],
    // More than one tile in every dimension, none a multiple of the tile.
    [[33, 40], [40, 17], false, false],
  ];
  for (const [a, b, transposeA, transposeB] of shapes) {
    cases.push({
      op: 'matMul', ins: [f32(...a), f32(...b)], attrs: { transposeA, transposeB },
      api: (x, y) => kiln.matMul(x, y, transposeA, transposeB), note: `${transposeA ? 'tA ' : ''}${transposeB ? 'tB' : ''}`,
    });
  }
  cases.push({ op: 'matMul', ins: [i32(3, 4), i32(4, 5)], attrs: {} });
  cases.push({ op: 'matMul', ins: [edge(f32(6, 7)), edge(f32(7, 5))], attrs: {}, note: 'edge values' });
  cases.push({ op: 'matMul', ins: [edge(f32(6, 7)), edge(f32(5, 7))], attrs: { transposeB: true }, note: 'edge values' });
  return cases;
}

/** Output extent of a window along one axis. */
function windowOut(n: number, k: number, s: number, d: number, p0: number, p1: number): number {
  return Math.floor((n + p0 + p1 - (k - 1) * d - 1) / s) + 1;
}

/** One primitive through the reference evaluator. */
export function evaluate(op: string, hosts: readonly HostTensor[], attrs: Attrs): HostTensor {
  const graph = new Graph(op);
  graph.outputs = [graph.add(op, hosts.map((h) => graph.parameter(h.type)), attrs)];
  return evaluateGraph(graph, hosts)[0]!;
}

/** TF's 'same' padding as [top, bottom, left, right]. */
function samePads(h: number, w: number, k: [number, number], s: [number, number], d: [number, number] = [1, 1]): number[] {
  const total = (n: number, i: 0 | 1) => Math.max((Math.ceil(n / s[i]) - 1) * s[i] + (k[i] - 1) * d[i] + 1 - n, 0);
  const th = total(h, 0);
  const tw = total(w, 1);
  return [Math.floor(th / 2), th - Math.floor(th / 2), Math.floor(tw / 2), tw - Math.floor(tw / 2)];
}

function windowCases(): Case[] {
  const cases: Case[] = [];
  const convs: { x: number[]; f: number[]; s: [number, number]; pad: 'valid' | 'same'; d?: [number, number] }[] = [
    { x: [2, 6, 6, 3], f: [3, 3, 3, 4], s: [1, 1], pad: 'valid' },
    { x: [1, 6, 6, 2], f: [2, 2, 2, 3], s: [2, 2], pad: 'same' },
    { x: [1, 7, 5, 2], f: [3, 3, 2, 2], s: [2, 2], pad: 'same' },
    { x: [1, 5, 6, 3], f: [3, 2, 3, 2], s: [1, 2], pad: 'same' },
    { x: [2, 4, 4, 3], f: [1, 1, 3, 5], s: [1, 1], pad: 'valid' },
    { x: [1, 7, 7, 1], f: [3, 3, 1, 2], s: [1, 1], pad: 'valid', d: [2, 2] },
    { x: [1, 6, 6, 2], f: [3, 3, 2, 1], s: [1, 1], pad: 'same', d: [2, 2] },
    { x: [1, 3, 3, 2], f: [3, 3, 2, 2], s: [1, 1], pad: 'valid' },
    { x: [0, 4, 4, 2], f: [2, 2, 2, 3], s: [1, 1], pad: 'valid' },
    // Unpadded windows render as register-tiled contractions (src/codegen/js-conv.ts): output
    // channels and rows that are not multiples of the tile, and an inner extent long enough to be
    // walked in blocks (conv2dBackpropFilter sums over 2·12·12 = 288 elements here).
    { x: [2, 14, 14, 2], f: [3, 3, 2, 6], s: [1, 1], pad: 'valid' },
    { x: [1, 5, 7, 3], f: [2, 2, 3, 5], s: [2, 1], pad: 'valid' },
  ];
  for (const { x, f, s, pad, d = [1, 1] as [number, number] } of convs) {
    const pads = pad === 'valid' ? [0, 0, 0, 0] : samePads(x[1]!, x[2]!, [f[0]!, f[1]!], s, d);
    const note = `${pad} strides ${s} dilations ${d}`;
    cases.push({
      op: 'conv2d', ins: [f32(...x), f32(...f)], attrs: { strides: s, pads, dilations: d },
      api: (a, b) => kiln.conv2d(a, b, s, pad, 'NHWC', d), note,
    });
    const y = [x[0]!, windowOut(x[1]!, f[0]!, s[0], d[0], pads[0]!, pads[1]!), windowOut(x[2]!, f[1]!, s[1], d[1], pads[2]!, pads[3]!), f[3]!];
    cases.push({ op: 'conv2dBackpropInput', ins: [f32(...y), f32(...f)], attrs: { inputShape: x, strides: s, pads, dilations: d }, note });
    cases.push({ op: 'conv2dBackpropFilter', ins: [f32(...x), f32(...y)], attrs: { filterShape: f, strides: s, pads, dilations: d }, note });
  }
  cases.push({ op: 'conv2d', ins: [f32(1, 4, 5, 2), f32(3, 3, 2, 2)], attrs: { strides: [1, 1], pads: [2, 0, 1, 3], dilations: [1, 1] }, note: 'explicit pads' });
  const pools: { x: number[]; k: [number, number]; s: [number, number]; pad: 'valid' | 'same' }[] = [
    { x: [2, 4, 6, 3], k: [2, 2], s: [2, 2], pad: 'valid' },
    { x: [1, 5, 5, 2], k: [3, 3], s: [1, 1], pad: 'same' },
    { x: [1, 7, 6, 2], k: [3, 3], s: [2, 2], pad: 'same' },
    { x: [1, 5, 7, 1], k: [2, 3], s: [1, 2], pad: 'valid' },
    { x: [2, 3, 3, 2], k: [3, 3], s: [1, 1], pad: 'valid' },
    { x: [1, 4, 4, 1], k: [1, 1], s: [1, 1], pad: 'same' },
    // Windows that do not overlap (maxPoolGrad finds the one covering window by division): odd
    // sizes that leave a remainder, padding, and a stride longer than the window.
    { x: [1, 5, 5, 2], k: [2, 2], s: [2, 2], pad: 'valid' },
    { x: [1, 5, 7, 2], k: [2, 2], s: [2, 2], pad: 'same' },
    { x: [2, 7, 8, 1], k: [2, 2], s: [3, 3], pad: 'valid' },
    { x: [1, 8, 7, 1], k: [2, 3], s: [3, 4], pad: 'same' },
  ];
  for (const op of ['maxPool', 'avgPool'] as const) {
    const fn = op === 'maxPool' ? kiln.maxPool : kiln.avgPool;
    for (const { x, k, s, pad } of pools) {
      const pads = pad === 'valid' ? [0, 0, 0, 0] : samePads(x[1]!, x[2]!, k, s);
      const note = `${k} ${pad} strides ${s}`;
      cases.push({ op, ins: [f32(...x)], attrs: { filterSize: k, strides: s, pads }, api: (a) => fn(a, k, s, pad), note });
      const y = [x[0]!, windowOut(x[1]!, k[0], s[0], 1, pads[0]!, pads[1]!), windowOut(x[2]!, k[1], s[1], 1, pads[2]!, pads[3]!), x[3]!];
      const attrs = { filterSize: k, strides: s, pads };
      if (op === 'avgPool') cases.push({ op: 'avgPoolGrad', ins: [f32(...y)], attrs: { ...attrs, inputShape: x }, note });
      else {
        // y is maxPool(x), so each window's maximum is found again; int-valued x makes ties.
        const derive = ([xs, , dy]: HostTensor[]) => [xs!, evaluate('maxPool', [xs!], attrs), dy!];
        cases.push({ op: 'maxPoolGrad', ins: [f32(...x), f32(...y), f32(...y)], attrs, derive, note });
        cases.push({ op: 'maxPoolGrad', ins: [{ ...i32(...x), dtype: 'float32', values: { below: 3 } }, f32(...y), f32(...y)], attrs, derive, note: `${note}, ties` });
        const deriveGG = ([xs, , ddx]: HostTensor[]) => [xs!, evaluate('maxPool', [xs!], attrs), ddx!];
        cases.push({ op: 'maxPoolGradGrad', ins: [f32(...x), f32(...y), f32(...x)], attrs, derive: deriveGG, note });
        cases.push({ op: 'maxPoolGradGrad', ins: [{ ...i32(...x), dtype: 'float32', values: { below: 3 } }, f32(...y), f32(...x)], attrs, derive: deriveGG, note: `${note}, ties` });
      }
    }
    cases.push({ op, ins: [edge(f32(1, 4, 4, 2))], attrs: { filterSize: [2, 2], strides: [1, 1], pads: [0, 1, 0, 1] }, note: 'edge values' });
  }
  return cases;
}

function movementCases(): Case[] {
  const cases: Case[] = [];
  const all = (x: Input): Input[] => [x, { ...x, dtype: 'int32' }, { ...x, dtype: 'bool' }];
  for (const [from, to] of [[[2, 3, 4], [4, 6]], [[2, 3, 4], [24]], [[], [1, 1]], [[0, 3], [3, 0]], [[6], [2, -1]], [[1, 4, 1], [4]]]) {
    for (const x of all(f32(...from!))) cases.push({ op: 'reshape', ins: [x], attrs: { shape: to! }, api: (t) => kiln.reshape(t, to!) });
  }
  for (const [shape, perm] of [[[2, 3, 4], [2, 0, 1]], [[3, 5], null], [[2, 3, 4, 5], [3, 1, 0, 2]], [[1, 4, 1], [2, 0, 1]], [[0, 3], [1, 0]], [[], []], [[5], [0]]] as [number[], number[] | null][]) {
    for (const x of all(f32(...shape))) cases.push({ op: 'transpose', ins: [x], attrs: { perm }, api: (t) => kiln.transpose(t, perm ?? undefined) });
  }
  for (const [from, to] of [[[2, 1], [3, 2, 4]], [[], [2, 2]], [[1], [0]], [[3, 1, 2], [3, 4, 2]], [[4], [1, 4]]]) {
    for (const x of all(f32(...from!))) cases.push({ op: 'broadcastTo', ins: [x], attrs: { shape: to! }, api: (t) => kiln.broadcastTo(t, to!) });
  }
  for (const [shape, begin, size] of [[[4, 3, 5], [1, 0, 2], [2, 3, 2]], [[4, 3, 5], [1], null], [[4, 3, 5], [0, 1, 1], [-1, 2, -1]], [[5], [2], [0]], [[3, 4], [3, 0], [0, 4]], [[6], [5], [1]]] as [number[], number[], number[] | null][]) {
    for (const x of all(f32(...shape))) cases.push({ op: 'slice', ins: [x], attrs: { begin, size }, api: (t) => kiln.slice(t, begin, size ?? undefined) });
  }
  for (const [shape, paddings, constantValue] of [[[3, 4], [[1, 0], [2, 1]], 0], [[2, 3, 2], [[0, 0], [1, 1], [0, 2]], 3], [[0, 2], [[1, 1], [0, 1]], -1], [[3], [[0, 0]], 0], [[], [], 0]] as [number[], number[][], number][]) {
    for (const x of all(f32(...shape))) cases.push({ op: 'pad', ins: [x], attrs: { paddings, constantValue }, api: (t) => kiln.pad(t, paddings, constantValue) });
  }
  for (const [shape, reps] of [[[2, 3], [2, 3]], [[3, 1, 2], [1, 4, 2]], [[2, 2], [0, 3]], [[1], [5]], [[0, 2], [3, 1]], [[], []]]) {
    for (const x of all(f32(...shape!))) cases.push({ op: 'tile', ins: [x], attrs: { reps: reps! }, api: (t) => kiln.tile(t, reps!) });
  }
  for (const [shapes, axis] of [[[[2, 3], [4, 3], [1, 3]], 0], [[[3, 2], [3, 5], [3, 1]], 1], [[[2, 2, 1], [2, 2, 3], [2, 2, 2]], -1], [[[2, 0], [2, 3], [2, 1]], 1], [[[0], [0]], 0], [[[4]], 0]] as [number[][], number][]) {
    for (const dtype of ['float32', 'int32', 'bool'] as const) {
      cases.push({ op: 'concat', ins: shapes.map((s) => ({ shape: s, dtype })), attrs: { axis }, api: (...ts) => kiln.concat(ts, axis), note: `axis ${axis}` });
    }
  }
  for (const [shape, idx, axis] of [[[6, 3], [5], 0], [[3, 6], [4], 1], [[3, 6], [2, 3], 1], [[2, 3, 4], [2, 2], -1], [[4, 3], [], 0], [[5], [0], 0], [[3, 0], [2], 0], [[3, 4, 2], [3], 1]] as [number[], number[], number][]) {
    const below = shape[axis < 0 ? shape.length + axis : axis]!;
    for (const x of all(f32(...shape))) {
      cases.push({ op: 'gather', ins: [x, indices(below, ...idx)], attrs: { axis }, api: (t, i) => kiln.gather(t, i, axis), note: `axis ${axis}` });
    }
  }
  for (const [updates, idx, axis, size] of [[[5, 3], [5], 0, 4], [[3, 4], [4], 1, 6], [[3, 2, 3], [2, 3], 1, 3], [[2, 3], [], 0, 3], [[0, 3], [0], 0, 2], [[2, 4, 2], [4], 1, 0]] as [number[], number[], number, number][]) {
    for (const dtype of ['float32', 'int32'] as const) {
      cases.push({ op: 'scatterAdd', ins: [{ shape: updates, dtype }, indices(size, ...idx)], attrs: { axis, size }, note: `axis ${axis} size ${size}` });
    }
  }
  return cases;
}

/** Primitives with no element rule to compare: random sources (test/ops/random.test.ts), state and control flow (test/trace, test/control-flow). */
export const NOT_COMPARED = new Set(['randomUniform', 'randomNormal', 'parameter', 'constant', 'readVariable', 'assignVariable', 'cond', 'while']);

export const CASES: Case[] = [...unaryCases(), ...binaryCases(), ...reduceCases(), ...matMulCases(), ...windowCases(), ...movementCases()];
