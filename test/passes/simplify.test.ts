// Algebraic simplification: one test per rule of the table, each with the printed IR after the
// pass (and the cleanup DCE), the rule's counter, and the values before and after on inputs
// with signed zeros, infinities and NaN.
import { afterAll, describe, expect, it } from 'vitest';
import { Graph, printGraph, verifyGraph, type Value, type VariableRef } from '../../src/ir/index.js';
import { algebraicSimplification, deadCodeElimination, SIMPLIFY_RULES } from '../../src/passes/index.js';
import { constant, identical, param, run } from './graph-helpers.js';

const fired = new Set<string>();

function simplify(g: Graph, outputs: Value[]) {
  g.outputs = outputs;
  verifyGraph(g);
  const { graph, stats } = algebraicSimplification.run(g);
  verifyGraph(graph);
  for (const name of Object.keys(stats)) fired.add(name);
  const clean = deadCodeElimination.run(graph).graph;
  return { text: printGraph(clean, { locations: false }), stats, graph: clean, same: () => identical(run(g), run(clean)) };
}

describe('simplify', () => {
  it('mul-one: x*1 → x and 1*x → x, unless broadcasting makes the product larger than x', () => {
    const g = new Graph();
    const x = param(g, [3]);
    const a = g.add('mul', [x, constant(g, 1)]);
    const b = g.add('mul', [constant(g, 1, [3]), a]);
    const wider = g.add('mul', [x, constant(g, 1, [2, 3])]);
    const r = simplify(g, [b, wider]);
    expect(r.text).toMatchInlineSnapshot(`
      "graph main(%0:f32[3]) {
        %0:f32[3] = parameter 0
        %5:f32[2,3] = constant [1.0, 1.0, 1.0, 1.0, 1.0, 1.0]
        %6:f32[2,3] = mul %0, %5
        return %0, %6
      }"
    `);
    expect(r.stats['mul-one']).toBe(2);
    expect(r.same()).toBe(true);
  });

  it('add-zero: x+0 → x and 0+x → x (int32 here: exact, see the rule for float -0)', () => {
    const g = new Graph();
    const x = param(g, [4], 'int32');
    const a = g.add('add', [x, constant(g, 0, [], 'int32')]);
    const b = g.add('add', [constant(g, 0, [], 'int32'), a]);
    const r = simplify(g, [b]);
    expect(r.text).toMatchInlineSnapshot(`
      "graph main(%0:i32[4]) {
        %0:i32[4] = parameter 0
        return %0
      }"
    `);
    expect(r.stats['add-zero']).toBe(2);
    expect(r.same()).toBe(true);
  });

  it('add-zero on float: x + -0 is exact; x + 0 differs only in the sign of a -0 input', () => {
    const g = new Graph();
    const x = param(g, [11]);
    const r = simplify(g, [g.add('add', [x, constant(g, -0)])]);
    expect(r.stats['add-zero']).toBe(1);
    expect(r.same()).toBe(true);
    const h = new Graph();
    const y = param(h, [11]);
    const plus = simplify(h, [h.add('add', [y, constant(h, 0)])]);
    expect(plus.stats['add-zero']).toBe(1);
    expect(run(h, [-0])[0]![0]).toBe(0);
    expect(run(plus.graph, [-0])[0]![0]).toBe(-0);
    expect(identical(run(h, [0, 1, -2.5, Infinity, -Infinity, NaN]), run(plus.graph, [0, 1, -2.5, Infinity, -Infinity, NaN]))).toBe(true);
  });

  it('sub-zero: x-0 → x, but not x-(-0), which turns -0 into +0', () => {
    const g = new Graph();
    const x = param(g, [11]);
    const a = g.add('sub', [x, constant(g, 0)]);
    const b = g.add('sub', [a, constant(g, -0)]);
    const r = simplify(g, [b]);
    expect(r.text).toMatchInlineSnapshot(`
      "graph main(%0:f32[11]) {
        %0:f32[11] = parameter 0
        %3:f32[] = constant -0.0
        %4:f32[11] = sub %0, %3
        return %4
      }"
    `);
    expect(r.stats['sub-zero']).toBe(1);
    expect(r.same()).toBe(true);
  });

  it('sub-self: x-x → 0 for int32 only (inf - inf is NaN for float)', () => {
    const g = new Graph();
    const i = param(g, [2, 3], 'int32');
    const f = param(g, [3]);
    const r = simplify(g, [g.add('sub', [i, i]), g.add('sub', [f, f])]);
    expect(r.text).toMatchInlineSnapshot(`
      "graph main(%0:i32[2,3], %1:f32[3]) {
        %0:i32[2,3] = parameter 0
        %1:f32[3] = parameter 1
        %4:i32[] = constant 0
        %5:i32[2,3] = broadcastTo %4 {shape=[2,3]}
        %3:f32[3] = sub %1, %1
        return %5, %3
      }"
    `);
    expect(r.stats['sub-self']).toBe(1);
    expect(r.same()).toBe(true);
  });

  it('mul-two: x*2 → x+x and 2*x → x+x', () => {
    const g = new Graph();
    const x = param(g, [11]);
    const a = g.add('mul', [x, constant(g, 2)]);
    const b = g.add('mul', [constant(g, 2), a]);
    const r = simplify(g, [b]);
    expect(r.text).toMatchInlineSnapshot(`
      "graph main(%0:f32[11]) {
        %0:f32[11] = parameter 0
        %5:f32[11] = add %0, %0
        %6:f32[11] = add %5, %5
        return %6
      }"
    `);
    expect(r.stats['mul-two']).toBe(2);
    expect(r.same()).toBe(true);
  });

  it('div-pow2: x/c → x*(1/c) for float c a power of two; not x/3, nor int32 division', () => {
    const g = new Graph();
    const x = param(g, [2, 4]);
    const i = param(g, [4], 'int32');
    const a = g.add('div', [x, constant(g, [4, -0.5, 2 ** -126, 1], [4])]);
    const b = g.add('div', [x, constant(g, 3)]);
    const c = g.add('div', [i, constant(g, 2, [], 'int32')]);
    const r = simplify(g, [a, b, c]);
    expect(r.text).toMatchInlineSnapshot(`
      "graph main(%0:f32[2,4], %1:i32[4]) {
        %0:f32[2,4] = parameter 0
        %1:i32[4] = parameter 1
        %8:f32[4] = constant [0.25, -2.0, 8.507059173023462e+37, 1.0]
        %9:f32[2,4] = mul %0, %8
        %4:f32[] = constant 3.0
        %5:f32[2,4] = div %0, %4
        %6:i32[] = constant 2
        %7:i32[4] = div %1, %6
        return %9, %5, %7
      }"
    `);
    expect(r.stats['div-pow2']).toBe(1);
    expect(r.same()).toBe(true);
  });

  it('neg-neg: neg(neg x) → x', () => {
    const g = new Graph();
    const x = param(g, [11]);
    const r = simplify(g, [g.add('neg', [g.add('neg', [x])])]);
    expect(r.text).toMatchInlineSnapshot(`
      "graph main(%0:f32[11]) {
        %0:f32[11] = parameter 0
        return %0
      }"
    `);
    expect(r.stats['neg-neg']).toBe(1);
    expect(r.same()).toBe(true);
  });

  it('sqrt-square: sqrt(square x) → abs(x), which differs only where square overflows', () => {
    const g = new Graph();
    const x = param(g, [11]);
    const r = simplify(g, [g.add('sqrt', [g.add('square', [x])])]);
    expect(r.text).toMatchInlineSnapshot(`
      "graph main(%0:f32[11]) {
        %0:f32[11] = parameter 0
        %3:f32[11] = abs %0
        return %3
      }"
    `);
    expect(r.stats['sqrt-square']).toBe(1);
    const ordinary = [0, -0, 1, -2.5, 3, Infinity, -Infinity, NaN, -7];
    expect(identical(run(g, ordinary), run(r.graph, ordinary))).toBe(true);
    // Where square overflows (or underflows), abs gives the true value and the original does not.
    expect(run(g, [3e38, 1e-30])[0]!.slice(0, 2)).toEqual([Infinity, 0]);
    expect(run(r.graph, [3e38, 1e-30])[0]!.slice(0, 2)).toEqual([Math.fround(3e38), Math.fround(1e-30)]);
  });

  it('transpose-transpose: composes the permutations, or drops both when they cancel', () => {
    const g = new Graph();
    const x = param(g, [2, 3, 4]);
    const t = g.add('transpose', [x], { perm: [1, 2, 0] });
    const composed = g.add('transpose', [t], { perm: [1, 0, 2] });
    const inverse = g.add('transpose', [t], { perm: [2, 0, 1] });
    const r = simplify(g, [composed, inverse]);
    expect(r.text).toMatchInlineSnapshot(`
      "graph main(%0:f32[2,3,4]) {
        %0:f32[2,3,4] = parameter 0
        %4:f32[4,3,2] = transpose %0 {perm=[2,1,0]}
        return %4, %0
      }"
    `);
    expect(r.stats['transpose-transpose']).toBe(2);
    expect(r.same()).toBe(true);
  });

  it('reshape-reshape and reshape-noop: a chain of reshapes is one reshape, or none', () => {
    const g = new Graph();
    const x = param(g, [2, 3]);
    const flat = g.add('reshape', [x], { shape: [6] });
    const back = g.add('reshape', [flat], { shape: [2, 3] });
    const other = g.add('reshape', [g.add('reshape', [flat], { shape: [3, 2] })], { shape: [1, 6] });
    const r = simplify(g, [back, other]);
    expect(r.text).toMatchInlineSnapshot(`
      "graph main(%0:f32[2,3]) {
        %0:f32[2,3] = parameter 0
        %7:f32[1,6] = reshape %0 {shape=[1,6]}
        return %0, %7
      }"
    `);
    expect(r.stats['reshape-reshape']).toBe(3);
    expect(r.stats['reshape-noop']).toBe(1);
    expect(r.same()).toBe(true);
  });

  it('broadcast-operand: an elementwise op reads the unbroadcast operand where its type stays', () => {
    const g = new Graph();
    const x = param(g, [2, 3]);
    const y = param(g, [3]);
    const c = g.add('broadcastTo', [constant(g, 5)], { shape: [2, 3] });
    const a = g.add('add', [x, c]);
    const kept = g.add('mul', [g.add('broadcastTo', [y], { shape: [2, 3] }), constant(g, 3)]);
    const r = simplify(g, [a, kept]);
    expect(r.text).toMatchInlineSnapshot(`
      "graph main(%0:f32[2,3], %1:f32[3]) {
        %0:f32[2,3] = parameter 0
        %1:f32[3] = parameter 1
        %2:f32[] = constant 5.0
        %8:f32[2,3] = add %0, %2
        %5:f32[2,3] = broadcastTo %1 {shape=[2,3]}
        %6:f32[] = constant 3.0
        %7:f32[2,3] = mul %5, %6
        return %8, %7
      }"
    `);
    expect(r.stats['broadcast-operand']).toBe(1);
    expect(r.same()).toBe(true);
  });

  it('cast-noop: a cast to the dtype it has → x; a real cast stays', () => {
    const g = new Graph();
    const x = param(g, [11]);
    const same = g.add('cast', [x], { dtype: 'float32' });
    const r = simplify(g, [g.add('cast', [same], { dtype: 'int32' })]);
    expect(r.text).toMatchInlineSnapshot(`
      "graph main(%0:f32[11]) {
        %0:f32[11] = parameter 0
        %2:i32[11] = cast %0 {dtype="int32"}
        return %2
      }"
    `);
    expect(r.stats['cast-noop']).toBe(1);
    expect(r.same()).toBe(true);
  });

  it('identity: identity(x) → x, but never forwards a variable read (the identity is its snapshot)', () => {
    const g = new Graph();
    const x = param(g, [11]);
    const variable: VariableRef = { id: 1, name: 'v', type: { shape: [], dtype: 'float32' } };
    const read = g.readVariable(variable);
    const r = simplify(g, [g.add('identity', [x]), g.add('identity', [read])]);
    expect(r.text).toMatchInlineSnapshot(`
      "graph main(%0:f32[11]) {
        %0:f32[11] = parameter 0
        %1:f32[] = readVariable @v
        %3:f32[] = identity %1
        return %0, %3
      }"
    `);
    expect(r.stats['identity']).toBe(1);
  });

  it('stop-gradient: stopGradient(x) → x (gradients are derived before the passes)', () => {
    const g = new Graph();
    const x = param(g, [11]);
    const r = simplify(g, [g.add('exp', [g.add('stopGradient', [x])])]);
    expect(r.text).toMatchInlineSnapshot(`
      "graph main(%0:f32[11]) {
        %0:f32[11] = parameter 0
        %2:f32[11] = exp %0
        return %2
      }"
    `);
    expect(r.stats['stop-gradient']).toBe(1);
    expect(r.same()).toBe(true);
  });

  it('leaves a graph with nothing to simplify as it is, with no counters', () => {
    const g = new Graph();
    const x = param(g, [3]);
    g.outputs = [g.add('exp', [x])];
    const r = algebraicSimplification.run(g);
    expect(r.graph).toBe(g);
    expect(r.stats).toEqual({});
  });

  afterAll(() => {
    // Every rule of the table has fired in some test above.
    expect(SIMPLIFY_RULES.map((r) => r.name).filter((n) => !fired.has(n))).toEqual([]);
  });
});
