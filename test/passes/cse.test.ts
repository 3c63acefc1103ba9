// Common subexpression elimination: what merges (same op, attributes and inputs; equal
// constants) and what never does (effects, variable reads, random numbers, parameters).
import { describe, expect, it } from 'vitest';
import { Graph, printGraph, verifyGraph, type Value, type VariableRef } from '../../src/ir/index.js';
import { commonSubexpressionElimination, deadCodeElimination } from '../../src/passes/index.js';
import { constant, host, identical, param, run } from './graph-helpers.js';

function cse(g: Graph, outputs: Value[]) {
  g.outputs = outputs;
  const { graph, stats } = commonSubexpressionElimination.run(g);
  verifyGraph(graph);
  const clean = deadCodeElimination.run(graph).graph;
  return { graph: clean, stats, text: printGraph(clean, { locations: false }) };
}

describe('cse', () => {
  it('merges equal nodes, and then their equal consumers', () => {
    const g = new Graph();
    const x = param(g, [3]);
    const y = param(g, [3]);
    const a = g.add('exp', [g.add('add', [x, y])]);
    const b = g.add('exp', [g.add('add', [x, y])]);
    const r = cse(g, [g.add('mul', [a, b])]);
    expect(r.text).toMatchInlineSnapshot(`
      "graph main(%0:f32[3], %1:f32[3]) {
        %0:f32[3] = parameter 0
        %1:f32[3] = parameter 1
        %2:f32[3] = add %0, %1
        %3:f32[3] = exp %2
        %6:f32[3] = mul %3, %3
        return %6
      }"
    `);
    expect(r.stats).toEqual({ merged: 2, constants: 0 });
    expect(identical(run(g), run(r.graph))).toBe(true);
  });

  it('swaps the inputs of commutative ops only', () => {
    const g = new Graph();
    const x = param(g, [3]);
    const y = param(g, [3]);
    const r = cse(g, [g.add('add', [x, y]), g.add('add', [y, x]), g.add('sub', [x, y]), g.add('sub', [y, x])]);
    expect(r.text).toMatchInlineSnapshot(`
      "graph main(%0:f32[3], %1:f32[3]) {
        %0:f32[3] = parameter 0
        %1:f32[3] = parameter 1
        %2:f32[3] = add %0, %1
        %4:f32[3] = sub %0, %1
        %5:f32[3] = sub %1, %0
        return %2, %2, %4, %5
      }"
    `);
    expect(r.stats.merged).toBe(1);
  });

  it('keeps nodes whose attributes differ', () => {
    const g = new Graph();
    const x = param(g, [2, 3]);
    const a = g.add('sum', [x], { axes: [0] });
    const b = g.add('sum', [x], { axes: [1] });
    const c = g.add('sum', [x], { axes: [0] });
    const r = cse(g, [a, b, c]);
    expect(r.text).toMatchInlineSnapshot(`
      "graph main(%0:f32[2,3]) {
        %0:f32[2,3] = parameter 0
        %1:f32[3] = sum %0 {axes=[0], keepDims=false}
        %2:f32[2] = sum %0 {axes=[1], keepDims=false}
        return %1, %2, %1
      }"
    `);
    expect(r.stats.merged).toBe(1);
  });

  it('merges constants of equal value, dtype and shape; not -0 with 0; NaN with NaN', () => {
    const g = new Graph();
    const x = param(g, [3]);
    const terms = [constant(g, 2), constant(g, 2), constant(g, 2, [], 'int32'), constant(g, [2, 2, 2], [3]),
      constant(g, -0), constant(g, 0), constant(g, NaN), constant(g, NaN)];
    const r = cse(g, terms.map((c) => (c.type.dtype === 'int32' ? c : g.add('add', [x, c]))));
    expect(r.text).toMatchInlineSnapshot(`
      "graph main(%0:f32[3]) {
        %0:f32[3] = parameter 0
        %1:f32[] = constant 2.0
        %3:i32[] = constant 2
        %4:f32[3] = constant [2.0, 2.0, 2.0]
        %5:f32[] = constant -0.0
        %6:f32[] = constant 0.0
        %7:f32[] = constant NaN
        %9:f32[3] = add %0, %1
        %11:f32[3] = add %0, %4
        %12:f32[3] = add %0, %5
        %13:f32[3] = add %0, %6
        %14:f32[3] = add %0, %7
        return %9, %9, %3, %11, %12, %13, %14, %14
      }"
    `);
    expect(r.stats).toEqual({ merged: 4, constants: 2 });
  });

  it('merges constants over 1024 elements only when they share their data', () => {
    const g = new Graph();
    const big = host([1, 2, 3], [2048]);
    const a = g.constant(big);
    const b = g.constant(big);
    const c = g.constant(host([1, 2, 3], [2048]));
    const r = cse(g, [a, b, c]);
    expect(r.stats).toEqual({ merged: 1, constants: 1 });
    expect(r.graph.nodes.length).toBe(2);
  });

  it('never merges variable reads, assignments, random numbers or parameters', () => {
    const g = new Graph();
    const v: VariableRef = { id: 7, name: 'v', type: { shape: [3], dtype: 'float32' } };
    const x = param(g, [3]);
    param(g, [3]);
    const seed = constant(g, 42, [], 'int32');
    const r1 = g.add('randomUniform', [seed], { shape: [3] });
    const r2 = g.add('randomUniform', [seed], { shape: [3] });
    const read1 = g.readVariable(v);
    g.add('assignVariable', [x], { variable: v });
    const read2 = g.readVariable(v);
    g.add('assignVariable', [x], { variable: v });
    const r = cse(g, [r1, r2, read1, read2]);
    expect(r.text).toMatchInlineSnapshot(`
      "graph main(%0:f32[3], %1:f32[3]) {
        %0:f32[3] = parameter 0
        %1:f32[3] = parameter 1
        %2:i32[] = constant 42
        %3:f32[3] = randomUniform %2 {shape=[3]}
        %4:f32[3] = randomUniform %2 {shape=[3]}
        %5:f32[3] = readVariable @v
        %6:f32[3] = assignVariable @v, %0 after %5
        %7:f32[3] = readVariable @v after %6
        %8:f32[3] = assignVariable @v, %0 after %7
        return %3, %4, %5, %7
      }"
    `);
    expect(r.stats.merged).toBe(0);
    expect(r.graph).toBe(g);
  });
});
