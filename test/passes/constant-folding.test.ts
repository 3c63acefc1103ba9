// Constant folding: pure nodes over constants become constants computed by the reference
// evaluator; random numbers, variable state, results over 100 KiB, results larger than their
// inputs and inputs an op is undefined on are left to run time.
import { describe, expect, it } from 'vitest';
import { Graph, printGraph, sizeOf, verifyGraph, type HostTensor, type Value, type VariableRef } from '../../src/ir/index.js';
import { constantFolding, deadCodeElimination, MAX_FOLDED_BYTES } from '../../src/passes/index.js';
import { constant, identical, param, run } from './graph-helpers.js';

function fold(g: Graph, outputs: Value[]) {
  g.outputs = outputs;
  const { graph, stats } = constantFolding.run(g);
  verifyGraph(graph);
  const clean = deadCodeElimination.run(graph).graph;
  return { graph: clean, stats, text: printGraph(clean, { locations: false }) };
}

describe('constant folding', () => {
  it('folds a chain of pure ops on constants into one constant, keeping the last node id', () => {
    const g = new Graph();
    const x = param(g, [3]);
    const c = g.add('mul', [g.add('add', [constant(g, [1, 2, 3], [3]), constant(g, 1)]), constant(g, 0.5)]);
    const r = fold(g, [g.add('add', [x, g.add('exp', [c])])]);
    expect(r.text).toMatchInlineSnapshot(`
      "graph main(%0:f32[3]) {
        %0:f32[3] = parameter 0
        %6:f32[3] = constant [2.7182817459106445, 4.481688976287842, 7.389056205749512]
        %7:f32[3] = add %0, %6
        return %7
      }"
    `);
    expect(r.stats).toEqual({ folded: 3, tooLarge: 0, wouldGrow: 0, branchesInlined: 0 });
    expect(identical(run(g), run(r.graph))).toBe(true);
  });

  it('folds the guide\'s chained matmuls on a constant; results are float32, as a kernel stores them', () => {
    const g = new Graph();
    let m = constant(g, [1.1, 0.2, -0.3, 0.9], [2, 2]);
    const w = constant(g, [0.7, -0.1, 0.25, 1.3], [2, 2]);
    for (let i = 0; i < 50; i++) m = g.add('matMul', [m, w]);
    const x = param(g, [2, 2]);
    const r = fold(g, [g.add('add', [x, m])]);
    expect(r.stats.folded).toBe(50);
    expect(r.graph.nodes.map((n) => n.op)).toEqual(['constant', 'parameter', 'add']);
    expect((r.graph.nodes[0]!.attrs.value as HostTensor).data).toBeInstanceOf(Float32Array);
    expect(identical(run(g, [1, 2, 3, 4]), run(r.graph, [1, 2, 3, 4]))).toBe(true);
  });

  it('never folds random ops, nor what reads their numbers', () => {
    const g = new Graph();
    const u = g.add('randomUniform', [constant(g, 7, [], 'int32')], { shape: [4] });
    const n = g.add('randomNormal', [constant(g, 7, [], 'int32')], { shape: [4] });
    const r = fold(g, [g.add('mul', [g.add('add', [u, n]), constant(g, 2)])]);
    expect(r.text).toMatchInlineSnapshot(`
      "graph main() {
        %0:i32[] = constant 7
        %1:f32[4] = randomUniform %0 {shape=[4]}
        %2:i32[] = constant 7
        %3:f32[4] = randomNormal %2 {shape=[4]}
        %4:f32[4] = add %1, %3
        %5:f32[] = constant 2.0
        %6:f32[4] = mul %4, %5
        return %6
      }"
    `);
    expect(r.stats.folded).toBe(0);
    expect(r.graph).toBe(g);
  });

  it('never folds variable reads or assignments, even of a constant', () => {
    const g = new Graph();
    const v: VariableRef = { id: 3, name: 'v', type: { shape: [], dtype: 'float32' } };
    const assigned = g.add('assignVariable', [g.add('neg', [constant(g, 4)])], { variable: v });
    const read = g.readVariable(v);
    const r = fold(g, [g.add('add', [read, assigned])]);
    expect(r.text).toMatchInlineSnapshot(`
      "graph main() {
        %1:f32[] = constant -4.0
        %2:f32[] = assignVariable @v, %1
        %3:f32[] = readVariable @v after %2
        %4:f32[] = add %3, %2
        return %4
      }"
    `);
    expect(r.stats.folded).toBe(1);
  });

  it('folds results up to 100 KiB (25,600 float32 elements) and not above', () => {
    expect(MAX_FOLDED_BYTES).toBe(100 * 1024);
    const g = new Graph();
    const atCap = g.add('neg', [constant(g, [1, 2], [160, 160])]);
    const over = g.add('neg', [constant(g, [1, 2], [161, 160])]);
    const r = fold(g, [atCap, over]);
    expect(r.stats).toEqual({ folded: 1, tooLarge: 1, wouldGrow: 0, branchesInlined: 0 });
    expect(r.graph.nodes.map((n) => `${n.op}:${sizeOf(n.output.type.shape)}`)).toEqual(['constant:25600', 'constant:25760', 'neg:25760']);
  });

  it('leaves results larger than their inputs to run time (a broadcast stays a read of one scalar)', () => {
    const g = new Graph();
    const x = param(g, [4]);
    const b = g.add('broadcastTo', [constant(g, 3)], { shape: [4] });
    const r = fold(g, [g.add('mul', [x, b])]);
    expect(r.text).toMatchInlineSnapshot(`
      "graph main(%0:f32[4]) {
        %0:f32[4] = parameter 0
        %1:f32[] = constant 3.0
        %2:f32[4] = broadcastTo %1 {shape=[4]}
        %3:f32[4] = mul %0, %2
        return %3
      }"
    `);
    expect(r.stats).toEqual({ folded: 0, tooLarge: 0, wouldGrow: 1, branchesInlined: 0 });
  });

  it('leaves an op on inputs it is undefined on (gather out of range) for run time, which does not check', () => {
    const g = new Graph();
    const gathered = g.add('gather', [constant(g, [0], [1]), constant(g, [1], [1], 'int32')], { axis: 0 });
    const x = param(g, [1]);
    const r = fold(g, [g.add('add', [x, gathered])]);
    expect(r.stats.folded).toBe(0);
    expect(r.graph.nodes.some((n) => n.op === 'gather')).toBe(true);
  });

  it('gives the same values as the unfolded graph on a mixed graph', () => {
    const g = new Graph();
    const x = param(g, [2, 3]);
    const c = constant(g, [1, -2, 3.5, 0, 1e-3, 7], [2, 3]);
    const t = g.add('transpose', [g.add('tanh', [c])], { perm: [1, 0] });
    const s = g.add('sum', [g.add('square', [c])], { axes: [1] });
    const i = g.add('cast', [g.add('floor', [c])], { dtype: 'int32' });
    const y = g.add('add', [g.add('matMul', [x, t]), g.add('reshape', [s], { shape: [2, 1] })]);
    const r = fold(g, [y, g.add('mul', [i, constant(g, 3, [], 'int32')])]);
    expect(r.stats.folded).toBe(8);
    expect(identical(run(g), run(r.graph))).toBe(true);
  });
});
