import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import * as kiln from '../../src/index.js';
import { expectClose } from '../ops/close.js';
import { describeWebGpu } from './webgpu-env.js';

/** The PyTorch (float64) fixtures of test/ops, on webgpu: eager, compiled, and compiled again. */
interface FixtureTensor {
  readonly shape: number[];
  readonly dtype: kiln.DType;
  readonly data: number[];
}
interface FixtureCase {
  readonly name: string;
  readonly call: string;
  readonly inputs: FixtureTensor[];
  readonly out: FixtureTensor;
  readonly tol: number;
}

const path = fileURLToPath(new URL('../../../shared/fixtures/torch-ops.json', import.meta.url));
const fixtures = JSON.parse(readFileSync(path, 'utf8')) as { cases: FixtureCase[] };

type Call = (k: typeof kiln, ...xs: kiln.Tensor[]) => kiln.Tensor;
const callOf = (c: FixtureCase) => new Function('kiln', 'a', 'b', 'c', `return ${c.call}`) as Call;
const inputsOf = (c: FixtureCase) => c.inputs.map((t) => kiln.tensor(t.data, t.shape, t.dtype));

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
