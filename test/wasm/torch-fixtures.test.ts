import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as kiln from '../../src/index.js';
import { expectClose } from '../ops/close.js';

/** The PyTorch (float64) fixtures of test/ops/torch-fixtures.test.ts, on the wasm backend. */
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

function check(c: FixtureCase, y: kiln.Tensor, how: string): void {
  expect(y.shape, `${how} shape`).toEqual(c.out.shape);
  expect(y.dtype, `${how} dtype`).toBe(c.out.dtype);
  const tol = c.out.dtype === 'float32' ? c.tol : 0;
  expectClose(y.dataSync(), c.out.data, tol, how, tol);
}

describe('ops against PyTorch (float64) fixtures, wasm backend', () => {
  beforeAll(async () => { await kiln.setBackend('wasm'); });
  afterAll(async () => { await kiln.setBackend('cpu'); });

  it('runs on wasm', () => {
    expect(kiln.getBackend()).toBe('wasm');
    expect(fixtures.cases.length).toBeGreaterThan(50);
  });

  it.each(fixtures.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const f = callOf(c);
    check(c, f(kiln, ...inputsOf(c)), 'eager');
    const compiled = kiln.compile((...xs: kiln.Tensor[]) => f(kiln, ...xs));
    check(c, compiled(...inputsOf(c)), 'compiled');
    check(c, compiled(...inputsOf(c)), 'compiled (cached)');
    expect(compiled.traceCount).toBe(1);
  });
});
