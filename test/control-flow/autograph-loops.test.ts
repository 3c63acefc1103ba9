'use kiln';
// This file is converted by AutoGraph (the directive above): `for..of` over a tensor and `if`
// on a tensor become kiln.whileLoop and kiln.cond in compiled functions.
import { afterAll, describe, expect, it, vi } from 'vitest';
import * as kiln from '../../src/index.js';
import type { Program } from '../../src/codegen/index.js';
import { currentBackend } from '../../src/trace/index.js';
import { describeWebGpu, webgpu } from '../webgpu/webgpu-env.js';

const values = async (t: kiln.Tensor) => Array.from(await t.data());
const programOf = (cf: kiln.ConcreteFunction) => (cf as unknown as { compiled: { program: Program } }).compiled.program;

/** A running sum over the rows of a matrix: AutoGraph makes the for..of one while loop over an index. */
function rowSums(m: kiln.Tensor): kiln.Tensor {
  let total = kiln.zeros([m.shape[1]!]);
  for (const row of m) total = total.add(row.mul(2));
  return total;
}

function signFlip(x: kiln.Tensor): kiln.Tensor {
  if (x.sum().greater(0)) return x;
  return x.neg();
}

const matrix = () => kiln.tensor([[1, 2], [3, 4], [5, 6], [7, 8]]);
const previous = kiln.getBackend();
afterAll(() => kiln.setBackend(previous));

describe('for..of over a tensor has a trip count known when traced', () => {
  for (const backend of ['cpu', 'wasm'] as const) {
    it(`runs the body once per row without its condition on ${backend}`, async () => {
      await kiln.setBackend(backend);
      const f = kiln.compile(rowSums);
      const steps = programOf(f.concrete(matrix())).steps.filter((s) => s.kind === 'while');
      expect(steps.map((s) => s.kind === 'while' && s.tripCount)).toEqual([4]);
      const read = vi.spyOn(currentBackend(), 'readSync');
      try {
        const y = f(matrix());
        expect(read).not.toHaveBeenCalled();
        expect(await values(y)).toEqual([32, 40]);
      } finally {
        read.mockRestore();
      }
    });
  }
});

describeWebGpu('AutoGraph on webgpu', () => {
  it('reads nothing back for a for..of over a tensor', async () => {
    await kiln.setBackend('webgpu');
    const f = kiln.compile(rowSums);
    await values(f(matrix()));
    const before = webgpu().stats.reads;
    const y = f(f(matrix()).reshape([1, 2]).tile([3, 1]));
    expect(webgpu().stats.reads - before).toBe(0);
    expect(await values(y)).toEqual([192, 240]);
  });

  it('runs a compiled tensor `if`, and an eager one is a KilnError saying what to do', async () => {
    await kiln.setBackend('webgpu');
    const f = kiln.compile(signFlip);
    expect(await values(f(kiln.tensor([-1, -2])))).toEqual([1, 2]);
    expect(() => signFlip(kiln.tensor([-1, -2]))).toThrow(kiln.KilnError);
    expect(() => signFlip(kiln.tensor([-1, -2]))).toThrow(/cannot read back synchronously.*compile the function.*await the value/);
  });
});
