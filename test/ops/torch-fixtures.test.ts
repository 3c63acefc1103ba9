import { describe, expect, it } from 'vitest';
import * as kiln from '../../src/index.js';
import { callOf, fixtures, inputsOf, type FixtureCase } from './torch-fixtures.js';
import { expectClose } from './close.js';

/** Forward values of ops computed by PyTorch in float64 (gradients are checked elsewhere). */

async function check(c: FixtureCase, y: kiln.Tensor, how: string): Promise<void> {
  expect(y.shape, `${how} shape`).toEqual(c.out.shape);
  expect(y.dtype, `${how} dtype`).toBe(c.out.dtype);
  // PyTorch computed in float64: tol relative, and absolute near zero where float32 rounding dominates.
  const tol = c.out.dtype === 'float32' ? c.tol : 0;
  expectClose(await y.data(), c.out.data, tol, how, tol);
}

describe('ops against PyTorch (float64) fixtures', () => {
  it('has the cases', () => {
    expect(fixtures.cases.length).toBeGreaterThan(50);
  });

  it.each(fixtures.cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const f = callOf(c);
    await check(c, f(kiln, ...inputsOf(c)), 'eager');
    const compiled = kiln.compile((...xs: kiln.Tensor[]) => f(kiln, ...xs));
    await check(c, compiled(...inputsOf(c)), 'compiled');
    await check(c, compiled(...inputsOf(c)), 'compiled (cached)');
    expect(compiled.traceCount).toBe(1);
  });
});
