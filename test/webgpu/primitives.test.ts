import { afterAll, beforeAll, expect, it } from 'vitest';
import * as kiln from '../../src/index.js';
import { allOps, evaluateGraph, getOp, Graph, type Attrs, type DType, type HostTensor } from '../../src/ir/index.js';
import { applyOp } from '../../src/trace/index.js';
import { expectClose } from '../ops/close.js';
import { describeWebGpu } from './webgpu-env.js';

/**
 * Every primitive on webgpu against the reference evaluator, eagerly and compiled: a compact
 * version of test/ops/reference.test.ts (lavapipe compiles each new shader in tens of
 * milliseconds, so fewer shapes), with the same edge values. int32 and bool results are exact.
 */

function mulberry32(seed: number): () => number {
  let s = seed | 0;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Values = 'normal' | 'positive' | 'edge' | 'edgeRows' | 'edgeCols' | 'moderate' | { readonly below: number };
interface Input { readonly shape: readonly number[]; readonly dtype: DType; readonly values?: Values }
interface Case { readonly op: string; readonly ins: readonly Input[]; readonly attrs?: Attrs; readonly note?: string }

const FLOAT_EDGES = [0, -0, 0.5, -0.5, 1.5, 2.5, -2.5, 1, -1, 1e-7, -1e-7, 88, -88, 1e20, -1e20, Infinity, -Infinity, NaN];
/** WGSL specifies sin and cos only on [-π, π]; large arguments are not compared there. */
const MODERATE_EDGES = [0, -0, 0.5, -0.5, 1.5, 2.5, -2.5, 1, -1, 1e-7, -1e-7, 3, -3, Infinity, -Infinity, NaN];
const INT_EDGES = [0, 1, -1, 2, -2, 2147483647, -2147483648, 65536, -65537, 46341];

function draw(input: Input, rand: () => number): HostTensor {
  const n = input.shape.reduce((a, b) => a * b, 1);
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
const withValues = (x: Input, values: Values): Input => ({ ...x, values });
const cross = (x: Input): Input[] => [withValues(x, 'edgeRows'), withValues(x, 'edgeCols')];

function elementwiseCases(): Case[] {
  const cases: Case[] = [];
  for (const op of ['floor', 'ceil', 'round', 'sqrt', 'rsqrt', 'exp', 'log', 'log1p', 'tanh', 'sigmoid', 'reciprocal', 'elu', 'softplus']) {
    cases.push({ op, ins: [withValues(f32(6, 7), 'edge')], note: 'edge values' });
  }
  for (const op of ['sin', 'cos']) cases.push({ op, ins: [withValues(f32(6, 7), 'moderate')], note: 'edge values' });
  for (const op of ['neg', 'abs', 'sign', 'square', 'relu']) {
    cases.push({ op, ins: [withValues(f32(6, 7), 'edge')] }, { op, ins: [withValues(i32(6, 7), 'edge')] });
  }
  for (const op of ['stopGradient', 'identity']) cases.push({ op, ins: [f32(3, 4)] }, { op, ins: [bool(3, 4)] });
  cases.push({ op: 'customGradient', ins: [f32(3, 4), f32(2), f32(3, 4)], attrs: { inputs: 1 } });
  cases.push({ op: 'logicalNot', ins: [bool(3, 4)] }, { op: 'leakyRelu', ins: [withValues(f32(4, 5), 'edge')], attrs: { alpha: 0.2 } });
  const dtypes: DType[] = ['float32', 'int32', 'bool'];
  for (const from of dtypes) for (const to of dtypes) {
    if (from !== to) cases.push({ op: 'cast', ins: [withValues({ shape: [5, 6], dtype: from }, 'edge')], attrs: { dtype: to }, note: `${from} to ${to}` });
  }
  for (const op of ['add', 'sub', 'mul', 'div', 'floorDiv', 'mod', 'pow', 'maximum', 'minimum', 'equal', 'notEqual', 'less', 'lessEqual', 'greater', 'greaterEqual']) {
    if (['add', 'floorDiv', 'mod', 'pow', 'maximum', 'less'].includes(op)) cases.push({ op, ins: [f32(3, 1, 4), f32(1, 5, 4)] });
    cases.push({ op, ins: cross(f32(FLOAT_EDGES.length, FLOAT_EDGES.length)), note: 'every pair of edge values' });
    cases.push({ op, ins: cross(i32(INT_EDGES.length, INT_EDGES.length)), note: 'every pair of edge values' });
  }
  cases.push({ op: 'pow', ins: [withValues(f32(3, 4), 'positive'), f32(3, 4)], note: 'positive base' });
  for (const op of ['logicalAnd', 'logicalOr', 'equal', 'less']) cases.push({ op, ins: [bool(3, 1), bool(1, 4)] });
  cases.push({ op: 'where', ins: [bool(2, 3, 1), f32(3, 5), f32(2, 1, 5)] }, { op: 'where', ins: [bool(3, 4), i32(3, 4), i32(4)] });
  cases.push({ op: 'where', ins: [bool(3, 4), bool(3, 4), bool()] });
  return cases;
}

function reductionCases(): Case[] {
  const cases: Case[] = [];
  for (const op of ['sum', 'prod', 'max', 'min']) {
    for (const [shape, axes, keepDims] of [[[3, 4, 5], [0, 2], true], [[3, 300], [1], false], ...(op === 'max' ? [[[2, 0, 3], [1], false]] as const : [])] as const) {
      cases.push({ op, ins: [f32(...shape)], attrs: { axes, keepDims }, note: `axes ${JSON.stringify(axes)}` });
    }
    cases.push({ op, ins: [withValues(f32(6, 9), 'edge')], attrs: { axes: [1], keepDims: false }, note: 'edge values' });
    cases.push({ op, ins: [withValues(i32(9, 6), 'edge')], attrs: { axes: [0], keepDims: false }, note: 'edge values' });
    cases.push({ op, ins: [withValues(i32(2, 400), 'edge')], attrs: { axes: [1], keepDims: false }, note: 'edge values, workgroup tree' });
  }
  for (const op of ['argMax', 'argMin']) {
    cases.push({ op, ins: [f32(2, 3, 4)], attrs: { axis: 1 } }, { op, ins: [i32(5, 8)], attrs: { axis: 1 }, note: 'ties' });
    cases.push({ op, ins: [withValues(f32(8, 9), 'edge')], attrs: { axis: 1 }, note: 'edge values' });
    cases.push({ op, ins: [withValues(f32(3, 500), 'edge')], attrs: { axis: 1 }, note: 'edge values, workgroup tree' });
    cases.push({ op, ins: [i32(2, 300)], attrs: { axis: 1 }, note: 'ties, workgroup tree' });
  }
  const mm: [number[], number[], boolean, boolean][] = [
    [[5, 7], [7, 3], false, false], [[7, 5], [3, 7], true, true], [[3, 1, 4, 5], [2, 5, 6], false, false],
    [[33, 40], [40, 17], false, false], [[3, 0], [0, 4], false, false], [[0, 3], [3, 2], false, false],
  ];
  for (const [a, b, transposeA, transposeB] of mm) cases.push({ op: 'matMul', ins: [f32(...a), f32(...b)], attrs: { transposeA, transposeB } });
  cases.push({ op: 'matMul', ins: [i32(3, 4), i32(4, 5)], attrs: {} });
  cases.push({ op: 'matMul', ins: [withValues(f32(6, 7), 'edge'), withValues(f32(7, 5), 'edge')], attrs: {}, note: 'edge values' });
  const window = { strides: [1, 1], pads: [0, 0, 0, 0], dilations: [1, 1] };
  cases.push({ op: 'conv2d', ins: [f32(2, 6, 6, 3), f32(3, 3, 3, 4)], attrs: window });
  cases.push({ op: 'conv2d', ins: [f32(1, 6, 6, 2), f32(2, 2, 2, 3)], attrs: { strides: [2, 2], pads: [0, 0, 0, 0], dilations: [1, 1] } });
  cases.push({ op: 'conv2dBackpropInput', ins: [f32(2, 4, 4, 4), f32(3, 3, 3, 4)], attrs: { ...window, inputShape: [2, 6, 6, 3] } });
  cases.push({ op: 'conv2dBackpropFilter', ins: [f32(2, 6, 6, 3), f32(2, 4, 4, 4)], attrs: { ...window, filterShape: [3, 3, 3, 4] } });
  const pool = { filterSize: [2, 2], strides: [2, 2], pads: [0, 0, 0, 0] };
  cases.push({ op: 'maxPool', ins: [withValues(f32(1, 4, 4, 2), 'edge')], attrs: { filterSize: [2, 2], strides: [1, 1], pads: [0, 1, 0, 1] } });
  cases.push({ op: 'avgPool', ins: [f32(2, 4, 6, 3)], attrs: pool }, { op: 'avgPoolGrad', ins: [f32(2, 2, 3, 3)], attrs: { ...pool, inputShape: [2, 4, 6, 3] } });
  cases.push({ op: 'maxPoolGrad', ins: [f32(2, 4, 6, 3), f32(2, 2, 3, 3), f32(2, 2, 3, 3)], attrs: pool, note: 'y = maxPool(x)' });
  cases.push({ op: 'maxPoolGradGrad', ins: [f32(2, 4, 6, 3), f32(2, 2, 3, 3), f32(2, 4, 6, 3)], attrs: pool, note: 'y = maxPool(x)' });
  return cases;
}

function movementCases(): Case[] {
  const cases: Case[] = [];
  const x0 = f32(2, 3, 4);
  cases.push({ op: 'reshape', ins: [x0], attrs: { shape: [4, 6] } }, { op: 'slice', ins: [x0], attrs: { begin: [1, 0, 2], size: [1, 3, 2] } });
  cases.push({ op: 'tile', ins: [x0], attrs: { reps: [1, 2, 1] } }, { op: 'broadcastTo', ins: [f32(3, 1, 2)], attrs: { shape: [3, 4, 2] } });
  for (const x of [x0, i32(2, 3, 4), bool(2, 3, 4)]) {
    cases.push({ op: 'transpose', ins: [x], attrs: { perm: [2, 0, 1] } });
    cases.push({ op: 'pad', ins: [x], attrs: { paddings: [[0, 0], [1, 1], [0, 2]], constantValue: 1 } });
    cases.push({ op: 'concat', ins: [{ ...x, shape: [2, 2] }, { ...x, shape: [2, 3] }, { ...x, shape: [2, 0] }], attrs: { axis: 1 } });
    cases.push({ op: 'gather', ins: [{ ...x, shape: [3, 6] }, { shape: [2, 3], dtype: 'int32', values: { below: 6 } }], attrs: { axis: 1 } });
  }
  for (const dtype of ['float32', 'int32'] as const) {
    cases.push({ op: 'scatterAdd', ins: [{ shape: [3, 2, 3], dtype }, { shape: [2, 3], dtype: 'int32', values: { below: 3 } }], attrs: { axis: 1, size: 3 } });
  }
  return cases;
}

const CASES = [...elementwiseCases(), ...reductionCases(), ...movementCases()];

/** One primitive through the reference evaluator. */
function evaluate(op: string, hosts: readonly HostTensor[], attrs: Attrs): HostTensor {
  const graph = new Graph(op);
  graph.outputs = [graph.add(op, hosts.map((h) => graph.parameter(h.type)), attrs)];
  return evaluateGraph(graph, hosts)[0]!;
}

/**
 * Exact for int32, bool and movement; for float32 arithmetic 2e-5 relative (f32 throughout
 * where the reference computes in float64), with results below float32's normal range allowed
 * to flush to zero, as GPUs may.
 */
function tolerance(op: string, dtype: DType): { rtol: number; atol: number } {
  const kind = getOp(op).kind;
  if (dtype !== 'float32' || kind === 'movement') return { rtol: 0, atol: 0 };
  // Sums of products of O(1) values can cancel to a small result whose f32 rounding is absolute.
  return { rtol: 2e-5, atol: kind === 'reduce' ? 2e-5 : 2e-38 };
}

async function runCase(c: Case, seed: number): Promise<void> {
  const rand = mulberry32(seed);
  let hosts = c.ins.map((t) => draw(t, rand));
  if (c.op === 'maxPoolGrad' || c.op === 'maxPoolGradGrad') hosts = [hosts[0]!, evaluate('maxPool', [hosts[0]!], c.attrs ?? {}), hosts[2]!];
  const expected = evaluate(c.op, hosts, c.attrs ?? {});
  const { rtol, atol } = tolerance(c.op, expected.type.dtype);
  const tensors = () => hosts.map((h) => kiln.tensor(h.data.slice() as Float32Array, h.type.shape, h.type.dtype));
  const check = async (y: kiln.Tensor, how: string) => {
    expect(y.shape, `${how}: shape`).toEqual(expected.type.shape);
    expect(y.dtype, `${how}: dtype`).toBe(expected.type.dtype);
    expectClose(await y.data(), expected.data, rtol, how, atol);
  };
  await check(applyOp(c.op, tensors(), c.attrs ?? {}), 'eager');
  await check(kiln.compile((...xs: kiln.Tensor[]) => applyOp(c.op, xs, c.attrs ?? {}))(...tensors()), 'compiled');
}

const describeInputs = (c: Case) => c.ins.map((t) => `${t.dtype}[${t.shape.join(',')}]`).join(' ');

describeWebGpu('primitives against the reference evaluator (webgpu)', () => {
  beforeAll(() => kiln.setBackend('webgpu'));
  afterAll(() => kiln.setBackend('cpu'));

  it('covers every computing primitive of the registry', () => {
    // Sources (random ones are tested in backend.test.ts) and state and control flow are not kernels.
    const tested = new Set(CASES.map((c) => c.op));
    expect(allOps().filter((d) => d.kind !== 'source' && d.kind !== 'state' && !tested.has(d.name)).map((d) => d.name)).toEqual([]);
  });

  it.each(CASES.map((c, i) => [`${c.op} ${describeInputs(c)}${c.note ? ` (${c.note})` : ''}`, c, i] as const))('%s', async (_name, c, i) => {
    await runCase(c, 2000 + i);
  });
});
