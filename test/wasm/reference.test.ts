import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as kiln from '../../src/index.js';
import { allOps, evaluateGraph, getOp, Graph, sizeOf, type DType, type HostTensor } from '../../src/ir/index.js';
import { applyOp } from '../../src/trace/index.js';
import { expectClose } from '../ops/close.js';
import { CASES, draw, mulberry32, RANDOM, STATE, type Case } from './reference-cases.js';

/** Every primitive on the wasm backend against the reference evaluator (as test/ops/reference.test.ts on cpu). */

const describeInputs = (c: Case) => c.ins.map((t) => `${t.dtype}[${t.shape.join(',')}]`).join(' ');
const caseName = (c: Case) => `${c.op} ${describeInputs(c)}${c.note ? ` (${c.note})` : ''}`;

/** Exact for int32/bool outputs and movement ops; 1e-5 relative for float32 arithmetic. */
function tolerance(op: string, dtype: DType): number {
  if (dtype !== 'float32') return 0;
  return getOp(op).kind === 'movement' ? 0 : 1e-5;
}

function expectTensor(y: kiln.Tensor, expected: HostTensor, rtol: number, how: string): void {
  expect(y.shape, `${how}: shape`).toEqual(expected.type.shape);
  expect(y.dtype, `${how}: dtype`).toBe(expected.type.dtype);
  expectClose(y.dataSync(), expected.data, rtol, how);
}

function runCase(c: Case, seed: number): void {
  const rand = mulberry32(seed);
  const drawn = c.ins.map((t) => draw(t, rand));
  const hosts = c.derive ? c.derive(drawn) : drawn;
  const graph = new Graph(c.op);
  const params = hosts.map((h) => graph.parameter(h.type));
  graph.outputs = [graph.add(c.op, params, c.attrs ?? {})];
  const [expected] = evaluateGraph(graph, hosts);
  expect(expected!.data.length).toBe(sizeOf(expected!.type.shape));
  const rtol = tolerance(c.op, expected!.type.dtype);
  const tensors = () => hosts.map((h) => kiln.tensor(h.data.slice() as Float32Array, h.type.shape, h.type.dtype));
  expectTensor(applyOp(c.op, tensors(), c.attrs ?? {}), expected!, rtol, 'eager');
  const compiled = kiln.compile((...xs: kiln.Tensor[]) => applyOp(c.op, xs, c.attrs ?? {}));
  expectTensor(compiled(...tensors()), expected!, rtol, 'compiled');
  if (c.api) {
    const api = c.api;
    expectTensor(api(...tensors()), expected!, rtol, 'public api, eager');
    expectTensor(kiln.compile((...xs: kiln.Tensor[]) => api(...xs))(...tensors()), expected!, rtol, 'public api, compiled');
  }
}

describe('primitives against the reference evaluator (wasm)', () => {
  beforeAll(async () => { await kiln.setBackend('wasm'); });
  afterAll(async () => { await kiln.setBackend('cpu'); });

  it('covers every primitive of the registry', () => {
    expect(kiln.getBackend()).toBe('wasm');
    const tested = new Set(CASES.map((c) => c.op));
    // Control flow (cond, while) runs subgraphs of ordinary kernels; its own tests cover it.
    const missing = allOps().filter((d) => d.kind !== 'state').map((d) => d.name).filter((n) => !tested.has(n) && !RANDOM.has(n) && !STATE.has(n));
    expect(missing).toEqual([]);
  });

  it.each(CASES.map((c, i) => [caseName(c), c, i] as const))('%s', (_name, c, i) => {
    runCase(c, 1000 + i);
  });
});
