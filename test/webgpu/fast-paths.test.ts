import { afterAll, beforeAll, expect, it } from 'vitest';
import * as kiln from '../../src/index.js';
import { expectClose } from '../ops/close.js';
import { describeWebGpu, onBoth, webgpu } from './webgpu-env.js';

/**
 * The WGSL templates that only some shapes reach: the streamed matrix product (vec4 and scalar
 * operands, either orientation, batched, with an epilogue), the reduction split across
 * workgroups, and map kernels four elements at a time. Each runs on cpu and on webgpu and must
 * agree.
 */


/** Values in [-1, 1) from a small linear congruential sequence, the same on every run. */
function values(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  });
}

describeWebGpu('the webgpu fast paths', () => {
  beforeAll(() => kiln.setBackend('webgpu'));
  afterAll(() => kiln.setBackend('cpu'));

  it('multiplies matrices of every layout, with a bias and relu epilogue, as the cpu backend does', async () => {
    // [m, k, n, transpose a, transpose b]: vec4 along columns, vec4 along rows (a transposed,
    // n not a multiple of 4), scalar (neither contiguous), short dims, ragged edges.
    const cases: [number, number, number, boolean, boolean][] = [
      [40, 33, 68, false, false], [68, 20, 10, true, false], [12, 9, 30, false, true],
      [5, 17, 3, true, true], [130, 7, 520, false, false], [1, 64, 12, false, false],
    ];
    for (const [m, k, n, ta, tb] of cases) {
      const a = values(m * k, m + k), b = values(k * n, k + n), bias = values(n, n);
      const { cpu, gpu } = await onBoth(() => {
        const x = kiln.tensor(a, ta ? [k, m] : [m, k]);
        const y = kiln.tensor(b, tb ? [n, k] : [k, n]);
        const f = kiln.compile((p: kiln.Tensor, q: kiln.Tensor, c: kiln.Tensor) =>
          kiln.relu(kiln.matMul(ta ? kiln.transpose(p) : p, tb ? kiln.transpose(q) : q).add(c)));
        return f(x, y, kiln.tensor(bias, [n]));
      });
      expectClose(gpu[0]!, cpu[0]!, 1e-5, `matMul ${m}×${k}×${n} ta=${ta} tb=${tb}`, 1e-5);
    }
  });

  it('multiplies batched matrices', async () => {
    const a = values(3 * 9 * 16, 1), b = values(3 * 16 * 8, 2);
    const { cpu, gpu } = await onBoth(() => kiln.matMul(kiln.tensor(a, [3, 9, 16]), kiln.tensor(b, [3, 16, 8])));
    expectClose(gpu[0]!, cpu[0]!, 1e-5, 'batched matMul', 1e-5);
  });

  it('splits long reductions with few outputs across workgroups, epilogue included', async () => {
    const x = values(2 ** 17, 3);
    const { cpu, gpu } = await onBoth(() => {
      const t = kiln.tensor(x, [2 ** 17]);
      const rows = kiln.tensor(x, [2, 2 ** 16]);
      return [
        kiln.sum(kiln.sigmoid(t.mul(1.5))),
        kiln.sum(kiln.sigmoid(kiln.relu(t.mul(1.5).add(0.25)).mul(0.75).sub(0.5))),
        kiln.mean(t),
        kiln.max(t),
        kiln.min(t.mul(-1)),
        kiln.sum(rows, 1),
        kiln.max(rows, 1).add(kiln.tensor([0.5, -0.5], [2])),
      ];
    });
    gpu.forEach((g, i) => expectClose(g, cpu[i]!, 1e-5, `reduction ${i}`, 1e-6));
  });

  it('runs shaders that differ only in their grid each on its own grid', async () => {
    // A grid that covers the domain exactly needs no bounds check, so the size is not in the text.
    for (const sizes of [[256, 512, 1024], [64, 128]]) {
      const { cpu, gpu } = await onBoth(() => sizes.flatMap((n) => [
        kiln.compile((x: kiln.Tensor) => kiln.exp(x))(kiln.tensor(values(n, n))),
        kiln.compile((x: kiln.Tensor) => x.add(1))(kiln.tensor(Array.from({ length: n }, (_, i) => i), [n], 'int32')),
      ]));
      gpu.forEach((x, i) => expectClose(x, cpu[i]!, 1e-6, `sizes ${sizes.join(', ')}: result ${i}`, 1e-6));
    }
  });

  it('does not split a reduction that already binds as many buffers as a shader may', async () => {
    const limit = webgpu().device.limits.maxStorageBuffersPerShaderStage;
    const parts = Array.from({ length: limit - 1 }, (_, i) => values(2 ** 16, 10 + i));
    const { cpu, gpu } = await onBoth(() => {
      const f = kiln.compile((...xs: kiln.Tensor[]) => kiln.sum(xs.reduce((acc, x) => acc.add(x))));
      return f(...parts.map((p) => kiln.tensor(p, [2 ** 16])));
    });
    expectClose(gpu[0]!, cpu[0]!, 1e-4, 'sum of many inputs', 1e-3);
  });

  it('keeps NaN in a split max', async () => {
    const x = values(2 ** 16, 4);
    x[40_000] = NaN;
    const { cpu, gpu } = await onBoth(() => kiln.max(kiln.tensor(x, [2 ** 16])));
    expect(Number.isNaN(gpu[0]![0])).toBe(true);
    expect(Number.isNaN(cpu[0]![0])).toBe(true);
  });

  it('computes maps four elements at a time: shared scalars, offsets, in-place updates, selects, ragged sizes', async () => {
    const m = values(64 * 8, 5), g = values(64 * 8, 6);
    const { cpu, gpu } = await onBoth(() => {
      const step = kiln.compile((a: kiln.Tensor, b: kiln.Tensor, t: kiln.Tensor) =>
        a.mul(0.9).add(b.mul(0.1)).div(kiln.sqrt(b.mul(b)).add(1e-7)).mul(kiln.pow(kiln.tensor(0.9), t.add(1))));
      const offset = kiln.compile((a: kiln.Tensor) => kiln.exp(kiln.slice(a, [4], [8])).sub(kiln.slice(a, [0], [8])));
      const v = kiln.variable(kiln.tensor(m, [64, 8]));
      const update = kiln.compile((b: kiln.Tensor) => { v.assignSub(b.mul(0.5)); });
      const ragged = kiln.compile((a: kiln.Tensor) => kiln.sqrt(kiln.abs(a)).mul(2));
      const selects = kiln.compile((a: kiln.Tensor, b: kiln.Tensor) =>
        kiln.relu(a).add(kiln.sigmoid(b)).add(kiln.where(kiln.greater(a, 0.2), a, b.mul(2))));
      update(kiln.tensor(g, [64, 8]));
      return [
        step(kiln.tensor(m, [64, 8]), kiln.tensor(g, [64, 8]), kiln.tensor(3)),
        offset(kiln.tensor(m.subarray(0, 16), [16])),
        v,
        ragged(kiln.tensor(m.subarray(0, 15), [3, 5])),
        selects(kiln.tensor(m, [64, 8]), kiln.tensor(g, [64, 8])),
      ];
    });
    gpu.forEach((x, i) => expectClose(x, cpu[i]!, 1e-5, `map ${i}`, 1e-6));
  });
});
