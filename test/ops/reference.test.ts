import { describe, expect, it } from 'vitest';
import * as kiln from '../../src/index.js';
import { allOps, getOp, sizeOf, type DType, type HostTensor } from '../../src/ir/index.js';
import { applyOp } from '../../src/trace/index.js';
import { expectClose } from './close.js';
import { CASES, draw, evaluate, mulberry32, NOT_COMPARED, type Case } from './reference-cases.js';

/**
 * Every primitive against its reference evaluator (the oracle): a one-node graph evaluated by
 * `evaluateGraph`, and the same op run by the compiled path eagerly and inside kiln.compile,
 * on seeded random inputs over broadcasting, size-1 and empty shapes, on the backend under test.
 */

const backend = kiln.getBackend();
const describeInputs = (c: Case) => c.ins.map((t) => `${t.dtype}[${t.shape.join(',')}]`).join(' ');
const caseName = (c: Case) => `${c.op} ${describeInputs(c)}${c.note ? ` (${c.note})` : ''}`;

/**
 * Exact for int32/bool outputs and movement ops; 1e-5 relative for float32 arithmetic. WebGPU
 * computes in f32 throughout where the reference uses float64 (2e-5), may flush results below
 * float32's normal range to zero, and sums of products that cancel round to an absolute error.
 */
function tolerance(op: string, dtype: DType): { rtol: number; atol: number } {
  const kind = getOp(op).kind;
  if (dtype !== 'float32' || kind === 'movement') return { rtol: 0, atol: 0 };
  if (backend === 'webgpu') return { rtol: 2e-5, atol: kind === 'reduce' ? 2e-5 : 2e-38 };
  return { rtol: 1e-5, atol: 0 };
}

async function expectTensor(y: kiln.Tensor, expected: HostTensor, how: string, { rtol, atol }: { rtol: number; atol: number }): Promise<void> {
  expect(y.shape, `${how}: shape`).toEqual(expected.type.shape);
  expect(y.dtype, `${how}: dtype`).toBe(expected.type.dtype);
  expectClose(await y.data(), expected.data, rtol, how, atol);
}

async function runCase(c: Case, seed: number): Promise<void> {
  const rand = mulberry32(seed);
  const drawn = c.ins.map((t) => draw(t, rand));
  const hosts = c.derive ? c.derive(drawn) : drawn;
  const expected = evaluate(c.op, hosts, c.attrs ?? {});
  expect(expected.data.length).toBe(sizeOf(expected.type.shape));
  const tol = tolerance(c.op, expected.type.dtype);

  const tensors = () => hosts.map((h) => kiln.tensor(h.data.slice() as Float32Array, h.type.shape, h.type.dtype));
  await expectTensor(applyOp(c.op, tensors(), c.attrs ?? {}), expected, 'eager', tol);
  const compiled = kiln.compile((...xs: kiln.Tensor[]) => applyOp(c.op, xs, c.attrs ?? {}));
  await expectTensor(compiled(...tensors()), expected, 'compiled', tol);
  if (c.api) {
    const api = c.api;
    await expectTensor(api(...tensors()), expected, 'public api, eager', tol);
    await expectTensor(kiln.compile((...xs: kiln.Tensor[]) => api(...xs))(...tensors()), expected, 'public api, compiled', tol);
  }
  expect(kiln.getBackend()).toBe(backend);
}

describe(`primitives against the reference evaluator (${backend})`, () => {
  it('covers every primitive of the registry', () => {
    const tested = new Set(CASES.map((c) => c.op));
    expect(allOps().map((d) => d.name).filter((n) => !tested.has(n) && !NOT_COMPARED.has(n))).toEqual([]);
  });

  it.for(CASES.map((c, i) => [caseName(c), c, i] as const))('%s', async ([, c, i], ctx) => {
    const why = c.unspecifiedOn?.[backend];
    if (why) ctx.skip(`not compared on ${backend}: ${why}`);
    await runCase(c, 1000 + i);
  });
});
