import { describe, expect, it } from 'vitest';
import { main } from '../../examples/linear-regression.js';

describe('examples/linear-regression.ts (chapter 3-4)', () => {
  it('grid search, the closed form and compiled gradient descent agree', async () => {
    const r = await main({ quick: true, verbose: false });
    for (const fit of [r.grid, r.gradientDescent]) {
      expect(Math.abs(fit.w - r.closedForm.w)).toBeLessThan(1e-2);
      expect(Math.abs(fit.b - r.closedForm.b)).toBeLessThan(1e-2);
    }
    // Least squares recovers the line the data came from, up to the noise.
    expect(Math.abs(r.closedForm.w - r.truth.w)).toBeLessThan(0.1);
    expect(Math.abs(r.closedForm.b - r.truth.b)).toBeLessThan(0.1);
    // No other line fits better than the closed form.
    expect(r.grid.mse).toBeGreaterThanOrEqual(r.closedForm.mse - 1e-6);
    expect(r.gradientDescent.traceCount).toBe(1);
  });
});
