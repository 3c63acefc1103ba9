import { describe, expect, it } from 'vitest';
import { main } from '../../examples/logistic-regression.js';

describe('examples/logistic-regression.ts (chapter 3-5)', () => {
  it('computes the urns\' posterior by hand, with tensors and by simulation, and trains a logistic regression', async () => {
    const { urns, classifier } = await main({ quick: true, verbose: false });
    expect(urns.byHand[0]).toBeCloseTo(7 / 11, 12);
    expect(urns.byHand[1]).toBeCloseTo(4 / 11, 12);
    expect(urns.withTensors[0]).toBeCloseTo(7 / 11, 6);
    expect(urns.withTensors[1]).toBeCloseTo(4 / 11, 6);
    expect(Math.abs(urns.simulated - 7 / 11)).toBeLessThan(0.01);

    expect(classifier.testAccuracy).toBeGreaterThanOrEqual(0.9);
    expect(classifier.trainAccuracy).toBeGreaterThanOrEqual(0.9);
    expect(classifier.losses.at(-1)!).toBeLessThan(classifier.losses[0]! / 4);
    expect(classifier.traceCount).toBe(1);
    // The learned boundary points the way Bayes' rule says.
    const cosine = (classifier.w[0] * classifier.bayesW[0] + classifier.w[1] * classifier.bayesW[1]) / (Math.hypot(...classifier.w) * Math.hypot(...classifier.bayesW));
    expect(cosine).toBeGreaterThan(0.95);
  });
});
