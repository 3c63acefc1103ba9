import { afterAll, beforeAll, expect, it } from 'vitest';
import * as kiln from '../../src/index.js';
import { callOf, fixtures, inputsOf, type FixtureCase } from '../ops/torch-fixtures.js';
import { expectClose } from '../ops/close.js';
import { describeWebGpu } from './webgpu-env.js';

/** The PyTorch (float64) fixtures of test/ops, on webgpu: eager, compiled, and compiled again. */

async function check(c: FixtureCase, y: kiln.Tensor, how: string): Promise<void> {
  expect(y.shape, `${how} shape`).toEqual(c.out.shape);
  expect(y.dtype, `${how} dtype`).toBe(c.out.dtype);
  const tol = c.out.dtype === 'float32' ? c.tol : 0;
  expectClose(await y.data(), c.out.data, tol, how, tol);
}

describeWebGpu('ops against PyTorch (float64) fixtures (webgpu)', () => {
  beforeAll(() => kiln.setBackend('webgpu'));
  afterAll(() => kiln.setBackend('cpu'));

  it.each(fixtures.cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const f = callOf(c);
    await check(c, f(kiln, ...inputsOf(c)), 'eager');
    const compiled = kiln.compile((...xs: kiln.Tensor[]) => f(kiln, ...xs));
    await check(c, compiled(...inputsOf(c)), 'compiled');
    await check(c, compiled(...inputsOf(c)), 'compiled (cached)');
    expect(compiled.traceCount).toBe(1);
    expect(kiln.getBackend()).toBe('webgpu');
  });
});
