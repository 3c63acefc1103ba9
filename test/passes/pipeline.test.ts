// The passes in kiln.compile: their order and counters in cf.passes, and results that do not
// change when they are turned off.
import { describe, expect, it } from 'vitest';
import * as kiln from '../../src/index.js';

const values = (t: unknown) => Array.from((t as kiln.Tensor).dataSync());

function body(x: kiln.Tensor): kiln.Tensor {
  const a = kiln.mul(x, 1); // mul-one
  const b = kiln.add(kiln.exp(a), kiln.exp(a)); // cse: one exp
  const c = kiln.mul(kiln.tensor([1, 2, 3]), 2); // fold
  const d = kiln.neg(kiln.neg(kiln.stopGradient(b))); // neg-neg, stop-gradient
  const t = kiln.transpose(kiln.transpose(kiln.reshape(d, [3, 1])), [1, 0]); // transpose-transpose
  return kiln.div(kiln.reshape(t, [3]).add(c), 4); // reshape-reshape, div-pow2
}

describe('the optimization passes in kiln.compile', () => {
  const x = kiln.tensor([0.5, -1, 2]);

  it('runs dce, cse, fold, simplify, cleanup and fusion in order, with their counters', () => {
    const cf = kiln.compile(body).concrete(x);
    expect(cf.passes.map((p) => p.name)).toEqual(['dce', 'cse', 'fold', 'simplify', 'cleanup', 'fusion']);
    const stats = Object.fromEntries(cf.passes.map((p) => [p.name, p.stats]));
    expect(stats.cse).toMatchObject({ merged: 1 });
    expect(stats.fold).toMatchObject({ folded: 1 });
    expect(stats.simplify).toMatchObject({ 'mul-one': 1, 'neg-neg': 1, 'stop-gradient': 1, 'transpose-transpose': 1, 'div-pow2': 1 });
    expect(stats.cleanup!.removed).toBeGreaterThan(0);
    expect(cf.graph.toString({ locations: false })).toMatchInlineSnapshot(`
      "graph body(%0:f32[3]) {
        %0:f32[3] = parameter 0
        %3:f32[3] = exp %0
        %5:f32[3] = add %3, %3
        %8:f32[3] = constant [2.0, 4.0, 6.0]
        %16:f32[3] = add %5, %8
        %20:f32[] = constant 0.25
        %21:f32[3] = mul %16, %20
        return %21
      }"
    `);
  });

  it('gives the same results with the passes off, and eagerly', () => {
    const on = kiln.compile(body);
    const off = kiln.compile(body, { passes: { cse: false, fold: false, simplify: false } });
    const expected = values(body(x));
    expect(values(on(x))).toEqual(expected);
    expect(values(off(x))).toEqual(expected);
  });

  it('dce: false turns off both dead code passes, leaving the other passes on', () => {
    const cf = kiln.compile(body, { passes: { dce: false } }).concrete(x);
    expect(cf.passes.map((p) => p.name)).toEqual(['cse', 'fold', 'simplify', 'fusion']);
    expect(values(cf.call(x))).toEqual(values(body(x)));
  });
});
