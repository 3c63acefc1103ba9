import { describe, expect, it } from 'vitest';
import * as kiln from '../../src/index.js';
import { evaluateGraph, Graph, type HostTensor, type Value } from '../../src/ir/index.js';
import { expectClose } from '../ops/close.js';
import { mulberry32 } from '../ops/reference-cases.js';
import { watchWasmKernels } from './kernel-watch.js';

/**
 * The gradient of a max pool whose windows do not overlap (stride = window) finds each input's
 * window by division, a sum over one element: the wasm renderer emits it as a map, its loads of
 * the pool's output and gradient contiguous along the channels. Against the reference evaluator,
 * exactly (ties included: every input equal to its window's maximum gets the gradient), for
 * 2×2 and 3×3 windows, 'valid' and 'same' padding, odd sizes, channel counts around the four
 * lanes, with the relu mask fused or not, threads on and off.
 */

const ONE_ELEMENT_MAP = 'map of a one-element sum';

/** Integers in [−2, 2] (ties in most windows, and relu's zeros) or uniform floats. */
const draw = (shape: readonly number[], seed: number, ties: boolean): HostTensor => {
  const rand = mulberry32(seed);
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1)).map(() => (ties ? Math.floor(rand() * 5) - 2 : rand() * 2 - 1));
  return { type: { shape: [...shape], dtype: 'float32' }, data };
};
const tensorOf = (h: HostTensor) => kiln.tensor(h.data as Float32Array, h.type.shape);

/** TF's 'same' padding as [top, bottom, left, right], for stride = window. */
function samePads(h: number, w: number, k: number): number[] {
  const total = (n: number) => Math.max((Math.ceil(n / k) - 1) * k + k - n, 0);
  const [th, tw] = [total(h), total(w)];
  return [Math.floor(th / 2), th - Math.floor(th / 2), Math.floor(tw / 2), tw - Math.floor(tw / 2)];
}

interface Case { readonly k: number; readonly pad: 'valid' | 'same'; readonly x: readonly number[]; readonly relu: boolean }

/** dx of sum(maxPool(relu?(x)) · dy), as a reference graph and as a kiln function. */
function reference(c: Case, x: HostTensor, dy: HostTensor): Float32Array {
  const g = new Graph('ref');
  const px = g.parameter(x.type), pdy = g.parameter(dy.type);
  const zero = g.constant({ type: { shape: [], dtype: 'float32' }, data: Float32Array.of(0) });
  const attrs = { filterSize: [c.k, c.k], strides: [c.k, c.k], pads: c.pad === 'valid' ? [0, 0, 0, 0] : samePads(c.x[1]!, c.x[2]!, c.k) };
  const pooled: Value = c.relu ? g.add('relu', [px]) : px;
  const y = g.add('maxPool', [pooled], attrs);
  const dx = g.add('maxPoolGrad', [pooled, y, pdy], attrs);
  g.outputs = [c.relu ? g.add('where', [g.add('greater', [px, zero]), dx, zero]) : dx];
  return evaluateGraph(g, [x, dy])[0]!.data as Float32Array;
}

const gradOf = (c: Case) => kiln.compile((x: kiln.Tensor, dy: kiln.Tensor) =>
  kiln.grads((p: kiln.Tensor) => kiln.sum(kiln.maxPool(c.relu ? kiln.relu(p) : p, c.k, c.k, c.pad).mul(dy)))([x])[0]!);

const pooledShape = (c: Case) => {
  const out = (n: number) => (c.pad === 'valid' ? Math.floor(n / c.k) : Math.ceil(n / c.k));
  return [c.x[0]!, out(c.x[1]!), out(c.x[2]!), c.x[3]!];
};

const CASES: Case[] = [2, 3].flatMap((k) => (['valid', 'same'] as const).flatMap((pad) =>
  [1, 3].flatMap((batch) => [1, 3, 4, 5, 32].flatMap((ch) => [false, true].map((relu) => ({ k, pad, x: [batch, 7, 9 + batch - 1, ch], relu }))))));

describe('wasm max-pool gradient over windows that do not overlap', () => {
  const watch = watchWasmKernels();
  const headers = watch.headers;

  const check = (c: Case, ties: boolean, seed: number) => {
    const x = draw(c.x, seed, ties), dy = draw(pooledShape(c), seed + 1, false);
    const expected = Array.from(reference(c, x, dy));
    const fn = gradOf(c);
    headers.length = 0;
    for (const threads of [false, true]) {
      watch.backend.useThreads = threads;
      const out = fn(tensorOf(x), tensorOf(dy));
      expect(out.shape).toEqual([...c.x]);
      expectClose(out.dataSync(), expected, 0, `${c.k}×${c.k} ${c.pad} [${c.x.join(', ')}]${c.relu ? ' relu' : ''}, threads ${threads}`);
    }
    // Two or three channels stay scalar; one channel drops out, leaving the width to vectorize.
    const path = c.x[3] === 1 ? ONE_ELEMENT_MAP : `${ONE_ELEMENT_MAP}, ${c.x[3]! >= 4 ? '4 lanes' : 'scalar'}`;
    expect(headers.filter((h) => h.includes(path)), headers.join('\n')).toHaveLength(1);
  };

  it.each(CASES.map((c) => [c.k, c.k, c.pad, c.x.join(', '), c.relu ? ', relu mask' : '', c] as const))(
    '%i×%i %s over [%s]%s, ties', (...[, , , , , c]) => check(c, true, c.x.reduce((a, b) => a * 31 + b, c.k)));

  it.each(CASES.filter((c) => c.x[3] === 5).map((c) => [c.k, c.k, c.pad, c.x.join(', '), c.relu ? ', relu mask' : '', c] as const))(
    '%i×%i %s over [%s]%s, distinct values', (...[, , , , , c]) => check(c, false, c.x.reduce((a, b) => a * 17 + b, c.k)));

  it('a CNN-sized gradient ([16, 26, 26, 32], relu mask) splits across threads and agrees exactly', () => {
    const c: Case = { k: 2, pad: 'valid', x: [16, 26, 26, 32], relu: true };
    const x = draw(c.x, 5, true), dy = draw(pooledShape(c), 6, false);
    const fn = gradOf(c);
    headers.length = 0;
    watch.backend.useThreads = false;
    const single = Array.from(fn(tensorOf(x), tensorOf(dy)).dataSync());
    watch.backend.useThreads = true;
    const threaded = watch.backend.launches.threaded;
    const out = Array.from(fn(tensorOf(x), tensorOf(dy)).dataSync());
    if (watch.backend.threads > 1) expect(watch.backend.launches.threaded).toBeGreaterThan(threaded);
    expect(out).toEqual(single);
    expectClose(out, reference(c, x, dy), 0, 'CNN-sized');
    expect(headers.some((h) => h.includes(ONE_ELEMENT_MAP)), headers.join('\n')).toBe(true);
  });

  it('reads the pooled output and its gradient as whole vectors, not gathers', () => {
    const c: Case = { k: 2, pad: 'valid', x: [2, 6, 6, 8], relu: true };
    let listing = '';
    const compile = watch.backend.compile;
    watch.backend.compile = (k) => {
      const compiled = compile.call(watch.backend, k);
      if (compiled.source.includes(ONE_ELEMENT_MAP)) listing = compiled.source;
      return compiled;
    };
    try {
      gradOf(c)(tensorOf(draw(c.x, 1, true)), tensorOf(draw(pooledShape(c), 2, false))).dataSync();
    } finally {
      watch.backend.compile = compile;
    }
    const vectorLoop = listing.slice(listing.indexOf(';; four lanes at a time'), listing.indexOf(';; scalar tail'));
    expect(vectorLoop.match(/v128\.load\b/g)?.length, listing).toBe(3);
    expect(vectorLoop).not.toContain('extract_lane');
  });
});
