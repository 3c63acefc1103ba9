import { describe, expect, it } from 'vitest';
import * as kiln from '../../src/index.js';
import { evaluateGraph, Graph, type HostTensor } from '../../src/ir/index.js';
import { applyOp } from '../../src/trace/index.js';
import { expectClose } from '../ops/close.js';
import { mulberry32 } from '../ops/reference-cases.js';
import { watchWasmKernels } from './kernel-watch.js';

/**
 * The wasm window-product template (src/codegen/wasm/conv.ts): conv2d and its two gradients
 * against the reference evaluator over strides, padding, dilation, odd channel counts, batch
 * 1 and more, long inner extents (k in blocks), with and without fused epilogues, threads on
 * and off. Sums accumulate in float32 (the reference in float64), hence the tolerance.
 */

interface ConvCase { x: number[]; f: number[]; strides: [number, number]; pad: 'same' | 'valid'; dilations?: [number, number]; note: string }

const CASES: ConvCase[] = [
  { x: [2, 16, 16, 6], f: [3, 3, 6, 10], strides: [1, 1], pad: 'same', note: 'same, 10 out channels' },
  { x: [1, 40, 40, 3], f: [5, 5, 3, 9], strides: [2, 2], pad: 'valid', note: 'stride 2, 5×5, batch 1' },
  { x: [3, 15, 17, 4], f: [3, 3, 4, 13], strides: [2, 1], pad: 'same', note: 'strides [2, 1], odd sizes' },
  { x: [2, 18, 18, 5], f: [3, 3, 5, 8], strides: [1, 1], pad: 'same', dilations: [2, 2], note: 'dilation 2' },
  { x: [1, 30, 30, 1], f: [3, 3, 1, 32], strides: [1, 1], pad: 'valid', note: 'one input channel (MNIST-like)' },
  { x: [2, 12, 12, 150], f: [3, 3, 150, 6], strides: [1, 1], pad: 'valid', note: 'k = 1350: blocks of k' },
  { x: [3, 29, 27, 7], f: [2, 4, 7, 6], strides: [3, 2], pad: 'same', note: '2×4 window, strides [3, 2]' },
  { x: [4, 9, 9, 16], f: [3, 3, 16, 20], strides: [1, 1], pad: 'same', note: 'batch 4, 20 out channels' },
  { x: [1, 10, 10, 100], f: [3, 3, 100, 80], strides: [1, 1], pad: 'valid', note: 'k = 900, 80 columns: two blocks of columns' },
  { x: [1, 6, 6, 130], f: [3, 3, 130, 136], strides: [1, 1], pad: 'same', note: 'k = 1170, 136 columns: blocks of k and of columns' },
  { x: [8, 34, 34, 2], f: [3, 3, 2, 16], strides: [1, 1], pad: 'valid', note: 'filter gradient over k = 8192: threads split k' },
];

function draw(shape: readonly number[], seed: number): HostTensor {
  const rand = mulberry32(seed);
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1)).map(() => rand() * 2 - 1);
  return { type: { shape: [...shape], dtype: 'float32' }, data };
}

function outDim(n: number, k: number, s: number, d: number, pad: 'same' | 'valid'): number {
  return pad === 'same' ? Math.ceil(n / s) : Math.floor((n - (k - 1) * d - 1) / s) + 1;
}

function pads(c: ConvCase): number[] {
  const [, H, W] = c.x as [number, number, number];
  const [kh, kw] = c.f as [number, number];
  const [dh, dw] = c.dilations ?? [1, 1];
  if (c.pad === 'valid') return [0, 0, 0, 0];
  const total = (n: number, k: number, s: number, d: number) => Math.max((outDim(n, k, s, d, 'same') - 1) * s + (k - 1) * d + 1 - n, 0);
  const th = total(H, kh, c.strides[0], dh), tw = total(W, kw, c.strides[1], dw);
  return [Math.floor(th / 2), th - Math.floor(th / 2), Math.floor(tw / 2), tw - Math.floor(tw / 2)];
}

function outShape(c: ConvCase): number[] {
  const [dh, dw] = c.dilations ?? [1, 1];
  return [c.x[0]!, outDim(c.x[1]!, c.f[0]!, c.strides[0], dh, c.pad), outDim(c.x[2]!, c.f[1]!, c.strides[1], dw, c.pad), c.f[3]!];
}

function reference(op: string, ins: HostTensor[], attrs: Record<string, unknown>): HostTensor {
  const g = new Graph(op);
  const params = ins.map((h) => g.parameter(h.type));
  g.outputs = [g.add(op, params, attrs as never)];
  return evaluateGraph(g, ins)[0]!;
}

const tensorOf = (h: HostTensor) => kiln.tensor(h.data as Float32Array, h.type.shape);
const maxAbs = (a: ArrayLike<number>) => Array.from(a).reduce((m, v) => Math.max(m, Math.abs(v)), 0);

function expectNear(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  expectClose(actual, expected, 1e-4, what, 1e-5 * Math.max(maxAbs(expected), 1));
}

describe('wasm window products (conv2d and its gradients)', () => {
  const watch = watchWasmKernels();
  const headers = watch.headers;
  const templated = (op: string) => headers.some((h) => h.includes(op) && h.includes('window product'));

  describe.each(CASES.map((c) => [c.note, c] as const))('%s', (_note, c) => {
    const attrs = { strides: c.strides, pads: pads(c), dilations: c.dilations ?? [1, 1] };
    const x = draw(c.x, 1), f = draw(c.f, 2), dy = draw(outShape(c), 3);

    it.each([[true], [false]])('conv2d (threads %s)', (threads) => {
      watch.backend.useThreads = threads;
      headers.length = 0;
      const expected = reference('conv2d', [x, f], attrs);
      const y = kiln.compile((a: kiln.Tensor, b: kiln.Tensor) => applyOp('conv2d', [a, b], attrs))(tensorOf(x), tensorOf(f));
      expect(y.shape).toEqual(outShape(c));
      expectNear(y.dataSync(), expected.data, 'conv2d');
      expect(templated('conv2d')).toBe(true);
    });

    it('conv2d + bias + relu, and a factor along the width (fused epilogues)', () => {
      watch.backend.useThreads = true;
      headers.length = 0;
      const bias = draw([c.f[3]!], 4);
      const OW = outShape(c)[2]!;
      const scale = draw([OW, 1], 5);
      const conv = reference('conv2d', [x, f], attrs).data;
      const co = c.f[3]!;
      const relu = conv.map((v, i) => Math.max(v + bias.data[i % co]!, 0));
      const scaled = conv.map((v, i) => (v + bias.data[i % co]!) * scale.data[Math.floor(i / co) % OW]!);
      const fused = (fn: (y: kiln.Tensor, s: kiln.Tensor) => kiln.Tensor, want: ArrayLike<number>, what: string) => {
        headers.length = 0;
        const g = kiln.compile((a: kiln.Tensor, b: kiln.Tensor, bb: kiln.Tensor, s: kiln.Tensor) => fn(applyOp('conv2d', [a, b], attrs).add(bb), s));
        expectNear(g(tensorOf(x), tensorOf(f), tensorOf(bias), tensorOf(scale)).dataSync(), want, what);
        // one kernel: the template with the epilogue
        expect(headers, what).toHaveLength(1);
        expect(headers[0], what).toContain('window product');
      };
      fused((y) => kiln.relu(y), relu, 'relu(conv2d + bias)');
      fused((y, s) => y.mul(s), scaled, '(conv2d + bias) · scale[ow]');
    });

    it.each([[true], [false]])('conv2dBackpropFilter (threads %s)', (threads) => {
      watch.backend.useThreads = threads;
      headers.length = 0;
      const fattrs = { ...attrs, filterShape: c.f };
      const expected = reference('conv2dBackpropFilter', [x, dy], fattrs);
      const splits = watch.backend.launches.splitReductions;
      const y = kiln.compile((a: kiln.Tensor, b: kiln.Tensor) => applyOp('conv2dBackpropFilter', [a, b], fattrs))(tensorOf(x), tensorOf(dy));
      expectNear(y.dataSync(), expected.data, 'conv2dBackpropFilter');
      expect(templated('conv2dBackpropFilter')).toBe(true);
      const split = headers.some((h) => h.includes('threads split k'));
      expect(split).toBe(c.note.includes('split'));
      if (split) expect(watch.backend.launches.splitReductions > splits).toBe(threads && watch.backend.threads > 1);
    });

    it('conv2dBackpropInput', () => {
      watch.backend.useThreads = true;
      headers.length = 0;
      const iattrs = { ...attrs, inputShape: c.x };
      const expected = reference('conv2dBackpropInput', [dy, f], iattrs);
      const y = kiln.compile((a: kiln.Tensor, b: kiln.Tensor) => applyOp('conv2dBackpropInput', [a, b], iattrs))(tensorOf(dy), tensorOf(f));
      expectNear(y.dataSync(), expected.data, 'conv2dBackpropInput');
      // one input channel leaves too few columns for the template
      if (c.x[3]! >= 4) expect(templated('conv2dBackpropInput')).toBe(true);
    });
  });

  it('a split filter gradient with a fused epilogue', () => {
    watch.backend.useThreads = true;
    headers.length = 0;
    const c = CASES.at(-1)!;
    const attrs = { strides: c.strides, pads: pads(c), dilations: [1, 1], filterShape: c.f };
    const x = draw(c.x, 8), dy = draw(outShape(c), 9), bias = draw([c.f[3]!], 10);
    const co = c.f[3]!;
    const want = reference('conv2dBackpropFilter', [x, dy], attrs).data.map((v, i) => Math.tanh(v * 0.01 + bias.data[i % co]!));
    const fn = kiln.compile((a: kiln.Tensor, b: kiln.Tensor, bb: kiln.Tensor) => kiln.tanh(applyOp('conv2dBackpropFilter', [a, b], attrs).mul(0.01).add(bb)));
    expectNear(fn(tensorOf(x), tensorOf(dy), tensorOf(bias)).dataSync(), want, 'tanh(dfilter · 0.01 + bias)');
    expect(headers).toHaveLength(1);
    expect(headers[0]).toContain('threads split k');
  });

  it('threads on and off agree exactly', () => {
    const c = CASES[5]!;
    const attrs = { strides: c.strides, pads: pads(c), dilations: [1, 1], filterShape: c.f };
    const x = tensorOf(draw(c.x, 6)), dy = tensorOf(draw(outShape(c), 7));
    const fn = kiln.compile((a: kiln.Tensor, b: kiln.Tensor) => applyOp('conv2dBackpropFilter', [a, b], attrs));
    watch.backend.useThreads = false;
    const single = Array.from(fn(x, dy).dataSync());
    watch.backend.useThreads = true;
    expect(Array.from(fn(x, dy).dataSync())).toEqual(single);
  });
});
