import { describe, expect, it } from 'vitest';
import * as kiln from '../../src/index.js';
import { evaluateGraph, Graph, sizeOf, type HostTensor } from '../../src/ir/index.js';
import { applyOp } from '../../src/trace/index.js';
import { expectClose } from './close.js';

/** The random primitives: one seed, one stream, on every path; and the stream's distribution. */

/**
 * Bit for bit, except normal values on webgpu: they go through log, sqrt and cos, which WGSL
 * computes to a few ulp (uniform bits are still exact there).
 */
const rtol = (op: string) => (op === 'randomNormal' && kiln.getBackend() === 'webgpu' ? 1e-5 : 0);

async function expectTensor(y: kiln.Tensor, expected: HostTensor, how: string, tol: number): Promise<void> {
  expect(y.shape, `${how}: shape`).toEqual(expected.type.shape);
  expect(y.dtype, `${how}: dtype`).toBe(expected.type.dtype);
  expectClose(await y.data(), expected.data, tol, how, tol);
}

describe('random primitives', () => {
  const seedTensor = (seed: number) => kiln.tensor([seed], [], 'int32');
  const reference = (op: string, shape: number[], seed: number): HostTensor => {
    const graph = new Graph(op);
    const s = graph.parameter({ shape: [], dtype: 'int32' });
    graph.outputs = [graph.add(op, [s], { shape })];
    return evaluateGraph(graph, [{ type: { shape: [], dtype: 'int32' }, data: Int32Array.of(seed) }])[0]!;
  };

  it.each([['randomUniform', [4, 5]], ['randomNormal', [3, 7]], ['randomUniform', [0, 3]], ['randomNormal', []], ['randomNormal', [2, 1, 3]]] as const)(
    '%s %j: one seed gives identical values eagerly, compiled and in the reference', async (op, shape) => {
      for (const seed of [0, 7, -3, 123456789]) {
        const expected = reference(op, [...shape], seed);
        await expectTensor(applyOp(op, [seedTensor(seed)], { shape: [...shape] }), expected, `eager seed ${seed}`, rtol(op));
        const compiled = kiln.compile((s: kiln.Tensor) => applyOp(op, [s], { shape: [...shape] }));
        await expectTensor(compiled(seedTensor(seed)), expected, `compiled seed ${seed}`, rtol(op));
        const api = op === 'randomUniform' ? () => kiln.randomUniform([...shape], { seed }) : () => kiln.randomNormal([...shape], { seed });
        await expectTensor(api(), expected, `public api seed ${seed}`, rtol(op));
        await expectTensor(kiln.compile(api)(), expected, `public api compiled seed ${seed}`, rtol(op));
      }
      if (sizeOf(shape) > 1) {
        expect(Array.from(reference(op, [...shape], 1).data)).not.toEqual(Array.from(reference(op, [...shape], 2).data));
      }
    });

  function moments(data: ArrayLike<number>): { mean: number; std: number } {
    let s = 0;
    for (let i = 0; i < data.length; i++) s += data[i]!;
    const mean = s / data.length;
    let v = 0;
    for (let i = 0; i < data.length; i++) v += (data[i]! - mean) ** 2;
    return { mean, std: Math.sqrt(v / data.length) };
  }

  it('10,000 normals have mean 0 and standard deviation 1 within a few percent', async () => {
    for (const seed of [1, 2, 3]) {
      const { mean, std } = moments(await kiln.randomNormal([100, 100], { seed }).data());
      expect(Math.abs(mean)).toBeLessThan(0.04);
      expect(Math.abs(std - 1)).toBeLessThan(0.03);
    }
    const { mean, std } = moments(await kiln.randomNormal([10000], { seed: 5, mean: 3, stddev: 2 }).data());
    expect(Math.abs(mean - 3)).toBeLessThan(0.08);
    expect(Math.abs(std - 2)).toBeLessThan(0.06);
  });

  it('10,000 uniforms fill [0, 1) evenly', async () => {
    const data = await kiln.randomUniform([10000], { seed: 9 }).data();
    const { mean, std } = moments(data);
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.015);
    expect(Math.abs(std - Math.sqrt(1 / 12))).toBeLessThan(0.01);
    expect(Math.min(...data)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...data)).toBeLessThan(1);
  });
});

