import { afterAll, describe, expect, it } from 'vitest';
import * as kiln from '../../src/index.js';

// Tensors and variables made on one backend are moved, once, to the backend that next uses them.
describe('switching backends with live tensors', () => {
  const original = kiln.getBackend();
  afterAll(async () => { await kiln.setBackend(original); });

  it('moves tensors, variables and compiled functions between cpu and wasm', async () => {
    await kiln.setBackend('wasm');
    const a = kiln.tensor([1, 2, 3]);
    const v = new kiln.Variable(kiln.tensor([10, 20, 30]));
    const step = kiln.compile((x: kiln.Tensor) => { v.assignAdd(x); return x.mul(2); });
    expect(Array.from(step(a).dataSync())).toEqual([2, 4, 6]);

    await kiln.setBackend('cpu');
    expect(Array.from(a.add(a).dataSync())).toEqual([2, 4, 6]);
    expect(Array.from(step(a).dataSync())).toEqual([2, 4, 6]);
    expect(Array.from(v.dataSync())).toEqual([12, 24, 36]);
    // A concrete function belongs to the backend it was traced on: cpu gets its own.
    expect(step.traceCount).toBe(2);

    await kiln.setBackend('wasm');
    expect(Array.from(step(a).dataSync())).toEqual([2, 4, 6]);
    expect(Array.from(v.dataSync())).toEqual([13, 26, 39]);
    expect(step.traceCount).toBe(2);
  });

  it('keeps unseeded random numbers working after a switch (the generator state moves too)', async () => {
    await kiln.setBackend('wasm');
    const first = kiln.randomUniform([4]).dataSync();
    await kiln.setBackend('cpu');
    const second = kiln.randomUniform([4]).dataSync();
    await kiln.setBackend('wasm');
    const third = kiln.randomUniform([4]).dataSync();
    for (const x of [...first, ...second, ...third]) expect(x >= 0 && x < 1).toBe(true);
    expect(Array.from(second)).not.toEqual(Array.from(first));
    expect(Array.from(third)).not.toEqual(Array.from(second));
  });

  it('moves the same values the source backend holds (gradients on a moved variable)', async () => {
    await kiln.setBackend('cpu');
    const w = new kiln.Variable(kiln.tensor([[1, 2], [3, 4]]));
    await kiln.setBackend('wasm');
    const g = kiln.grad((x: kiln.Tensor) => kiln.sum(kiln.matMul(x, w)))(kiln.ones([1, 2]));
    expect(Array.from(g.dataSync())).toEqual([3, 7]);
  });
});
