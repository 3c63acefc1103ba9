import { describe, expect, it } from 'vitest';
import { main } from '../../examples/custom-layers.js';

describe('examples/custom-layers.ts (chapter 3-7)', () => {
  it('builds SimpleDense lazily, and trains it in a Sequential and a functional model', async () => {
    const r = await main({ quick: true, verbose: false });
    expect(r.weightsBeforeCall).toBe(0);
    expect(r.weightShapes).toEqual([[3, 4], [4]]);
    expect(r.sums).toEqual([[2, 2], [4, 4]]);
    expect(r.computeSumWeights).toEqual({ trainable: 0, nonTrainable: 1 });
    for (const model of [r.sequential, r.functional]) {
      expect(model.losses.at(-1)!).toBeLessThan(model.losses[0]!);
      expect(model.summary).toContain('simple_dense (SimpleDense)');
      expect(model.summary).toContain('simple_dense_1 (SimpleDense)');
      expect(model.summary).toContain('Total params: 50,890');
      expect(model.testAccuracy).toBeGreaterThan(0.6);
      expect(model.traceCount).toBe(1);
    }
    expect(r.functional.summary).toContain('input_layer (InputLayer)');
  }, 180_000);
});
