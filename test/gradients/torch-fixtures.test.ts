import { describe, expect, it } from 'vitest';
import * as kiln from '../../src/index.js';
import { expectClose } from '../ops/close.js';
import { callOf, fixtures, tensorOf, type FixtureCase } from '../ops/torch-fixtures.js';

/** Gradients of L = sum(out * w) computed by PyTorch in float64, against kiln's tapes. */

type Call = ReturnType<typeof callOf>;

/** L = sum(out * w) and its gradients with respect to every input (int inputs are not watched). */
function lossGradients(f: Call, w: kiln.Tensor, xs: readonly kiln.Tensor[]): (kiln.Tensor | null)[] {
  const tape = new kiln.GradientTape();
  tape.watch(xs.filter((x) => x.dtype === 'float32'));
  const loss = tape.record(() => {
    const out = f(kiln, ...xs);
    return kiln.sum(kiln.mul(out.dtype === 'float32' ? out : kiln.cast(out, 'float32'), w));
  });
  return tape.gradient(loss, [...xs]);
}

async function check(c: FixtureCase, grads: readonly (kiln.Tensor | null)[], how: string): Promise<void> {
  expect(grads.length, `${how}: gradient count`).toBe(c.inputs.length);
  for (const [i, expected] of c.grads.entries()) {
    const got = grads[i] ?? null;
    if (expected === null) {
      if (got !== null) expect(c.inputs[i]!.dtype, `${how}: gradient ${i} should be null`).toBe('int32');
      continue;
    }
    expect(got, `${how}: gradient ${i} is null`).not.toBeNull();
    expect(got!.shape, `${how}: gradient ${i} shape`).toEqual(expected.shape);
    expect(got!.dtype, `${how}: gradient ${i} dtype`).toBe('float32');
    // PyTorch computed in float64: tol relative, and absolute near zero where float32 rounding dominates.
    expectClose(await got!.data(), expected.data, c.tol, `${how}: gradient ${i}`, c.tol);
  }
}

describe('gradients against PyTorch (float64) fixtures', () => {
  it('has the cases', () => {
    expect(fixtures.cases.length).toBeGreaterThan(50);
  });

  it.each(fixtures.cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const f = callOf(c);
    const w = tensorOf(c.w);
    await check(c, lossGradients(f, w, c.inputs.map(tensorOf)), 'eager');
    // A second eager run reuses the cached gradient program.
    await check(c, lossGradients(f, w, c.inputs.map(tensorOf)), 'eager (cached)');
    // Inside compile the gradient is part of the traced graph; null gradients come back as null.
    const compiled = kiln.compile((wt: kiln.Tensor, ...xs: kiln.Tensor[]) => lossGradients(f, wt, xs));
    await check(c, compiled(w, ...c.inputs.map(tensorOf)), 'compiled');
    await check(c, compiled(w, ...c.inputs.map(tensorOf)), 'compiled (cached)');
    expect(compiled.traceCount).toBe(1);
  });
});
