import { describe, expect, it } from 'vitest';
import { main } from '../../examples/custom-training.js';

describe('examples/custom-training.ts (chapter 3-8)', () => {
  it('trains with a custom loop and with an overridden trainStep, compiled once, metrics reset per epoch', async () => {
    const { loop, customModel } = await main({ quick: true, verbose: false });
    expect(loop.epochs).toHaveLength(2);
    for (const epoch of loop.epochs) {
      // Chance is 0.1.
      expect(epoch.accuracy).toBeGreaterThan(0.5);
      expect(epoch.testAccuracy).toBeGreaterThan(0.5);
      // Right after a reset, the metrics hold the first batch alone.
      expect(epoch.firstBatch.meanLoss).toBeCloseTo(epoch.firstBatch.batchLoss, 5);
      expect(epoch.firstBatch.accuracy).toBeCloseTo(epoch.firstBatch.batchAccuracy, 5);
    }
    // Epoch 2 starts from a trained model: had the metrics not been reset, its first reading would carry epoch 1's mean.
    expect(loop.epochs[1]!.firstBatch.meanLoss).toBeLessThan(loop.epochs[0]!.loss);
    expect(loop.epochs[1]!.loss).toBeLessThan(loop.epochs[0]!.loss);
    expect(loop.trainTraces).toBe(1);
    expect(loop.testTraces).toBe(1);

    expect(customModel.traceCount).toBe(1);
    expect(customModel.history.accuracy!.at(-1)!).toBeGreaterThan(0.5);
    expect(customModel.history.val_accuracy!.at(-1)!).toBeGreaterThan(0.5);
    expect(customModel.history.loss![1]!).toBeLessThan(customModel.history.loss![0]!);
    expect(customModel.testAccuracy).toBeGreaterThan(0.5);
  }, 180_000);
});
