// evaluate's `verbose`, as Keras: one progress bar (one line off a terminal) with no epoch header.
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as kiln from '../../src/index.js';

const { keras } = kiln;

function model() {
  const m = new keras.Sequential([new keras.layers.Dense(3, { inputShape: [2], activation: 'softmax', kernelInitializer: 'ones' })]);
  m.compile({ optimizer: 'sgd', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
  return m;
}

function capture(): string[] {
  const lines: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => { lines.push(String(s)); return true; });
  return lines;
}

describe('evaluate progress', () => {
  afterEach(() => { vi.restoreAllMocks(); });
  const x = kiln.tensor([[1, 2], [3, 4], [5, 6], [7, 8], [9, 10]]);
  const y = kiln.tensor([0, 1, 2, 0, 1], [5], 'int32');

  it('prints one line with the steps, timing and results by default off a terminal', async () => {
    const lines = capture();
    const result = await model().evaluate(x, y, { batchSize: 2 });
    vi.restoreAllMocks();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^3\/3 - \d+s \d+m?s\/step - loss: \d\.\d{4} - accuracy: \d\.\d{4}\n$/);
    // Equal logits give every class 1/3: the loss is ln 3 whatever the labels.
    expect(lines[0]).toContain(`loss: ${Math.log(3).toFixed(4)}`);
    expect(result.loss).toBeCloseTo(Math.log(3), 5);
  });

  it('is silent with verbose 0', async () => {
    const lines = capture();
    await model().evaluate(x, y, { verbose: 0 });
    vi.restoreAllMocks();
    expect(lines).toHaveLength(0);
  });
});
