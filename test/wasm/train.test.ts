import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as kiln from '../../src/index.js';
import type { WasmBackend } from '../../src/runtime/wasm/index.js';
import { currentBackend } from '../../src/trace/index.js';
import { expectClose } from '../ops/close.js';

/** A compiled training step (GradientTape + assignSub) on wasm, against cpu, and its memory over many steps. */

interface Model { w1: kiln.Variable; b1: kiln.Variable; w2: kiln.Variable; b2: kiln.Variable }

function makeModel(inputs: number, hidden: number, classes: number): Model {
  return {
    w1: kiln.variable(kiln.randomNormal([inputs, hidden], { seed: 1, stddev: 0.2 })),
    b1: kiln.variable(kiln.zeros([hidden])),
    w2: kiln.variable(kiln.randomNormal([hidden, classes], { seed: 2, stddev: 0.2 })),
    b2: kiln.variable(kiln.zeros([classes])),
  };
}

function trainStep(m: Model) {
  return kiln.compile((x: kiln.Tensor, labels: kiln.Tensor) => {
    const tape = new kiln.GradientTape();
    const loss = tape.record(() => {
      const h = kiln.relu(kiln.matMul(x, m.w1).add(m.b1));
      const logits = kiln.matMul(h, m.w2).add(m.b2);
      return kiln.mean(kiln.nn.sparseSoftmaxCrossEntropyWithLogits(labels, logits));
    });
    const weights = [m.w1, m.b1, m.w2, m.b2];
    const grads = tape.gradient(loss, weights);
    weights.forEach((w, i) => w.assignSub(grads[i]!.mul(0.1)));
    return loss;
  });
}

function data(batch: number, inputs: number, classes: number) {
  const x = kiln.randomUniform([batch, inputs], { seed: 3, minval: -1, maxval: 1 });
  const labels = kiln.tensor(Array.from({ length: batch }, (_, i) => (i * 7) % classes), [batch], 'int32');
  return { x, labels };
}

async function train(backend: 'cpu' | 'wasm', steps: number, sizes: [number, number, number, number]) {
  await kiln.setBackend(backend);
  const [batch, inputs, hidden, classes] = sizes;
  const m = makeModel(inputs, hidden, classes);
  const step = trainStep(m);
  const { x, labels } = data(batch, inputs, classes);
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) {
    const loss = step(x, labels);
    losses.push(loss.dataSync()[0]!);
    loss.dispose();
  }
  expect(step.traceCount).toBe(1);
  return { losses, weights: [m.w1, m.b1, m.w2, m.b2].map((w) => w.dataSync()) };
}

describe('compiled training on wasm', () => {
  beforeAll(async () => { await kiln.setBackend('wasm'); });
  afterAll(async () => { await kiln.setBackend('cpu'); });

  it.each([
    ['small (generic reductions)', [16, 8, 12, 3]],
    ['dense (the matmul template)', [128, 96, 64, 10]],
  ] as const)('a train step matches cpu: %s', async (_name, sizes) => {
    const cpu = await train('cpu', 20, [...sizes]);
    const wasm = await train('wasm', 20, [...sizes]);
    expect(kiln.getBackend()).toBe('wasm');
    expectClose(wasm.losses, cpu.losses, 1e-4, 'losses', 1e-6);
    wasm.weights.forEach((w, i) => expectClose(w, cpu.weights[i]!, 1e-4, `weight ${i}`, 1e-5));
    expect(wasm.losses[19]!).toBeLessThan(wasm.losses[0]!);
  });

  it('10,000 compiled steps: kiln.memory() and the wasm heap do not grow', async () => {
    await kiln.setBackend('wasm');
    const backend = currentBackend() as WasmBackend;
    const m = makeModel(8, 16, 4);
    const step = trainStep(m);
    const { x, labels } = data(32, 8, 4);
    for (let i = 0; i < 10; i++) step(x, labels).dispose();
    const before = kiln.memory();
    const heap = backend.memoryStats();
    for (let i = 0; i < 10_000; i++) step(x, labels).dispose();
    const after = kiln.memory();
    const heapAfter = backend.memoryStats();
    expect(after).toEqual(before);
    expect(heapAfter.heapBytes).toBe(heap.heapBytes);
    expect(heapAfter.inUseBytes).toBe(heap.inUseBytes);
    expect(heapAfter.memoryBytes).toBe(heap.memoryBytes);
    expect(step.traceCount).toBe(1);
  });
});
