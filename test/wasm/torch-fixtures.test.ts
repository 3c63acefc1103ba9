import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as kiln from '../../src/index.js';
import { callOf, fixtures, inputsOf, type FixtureCase } from '../ops/torch-fixtures.js';
import { expectClose } from '../ops/close.js';

/** The PyTorch (float64) fixtures of test/ops/torch-fixtures.test.ts, on the wasm backend. */

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
