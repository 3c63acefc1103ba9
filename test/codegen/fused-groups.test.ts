import { describe, it } from 'vitest';
import { lowerGroup } from '../../src/codegen/index.js';
import { evaluateGraph, Graph, sizeOf, type HostTensor, type TensorType, type Value } from '../../src/ir/index.js';
import { CpuBackend } from '../../src/runtime/cpu-backend.js';
import { expectClose } from '../ops/close.js';

/**
 * Kernels of fused groups (a root and the producers inlined into it, as fusion will hand them to
 * lowering) against the reference evaluator: lowering and the js renderer must give the same
 * values whatever expressions a group's loads end up under.
 */

function values(type: TensorType, seed: number): HostTensor {
  const n = sizeOf(type.shape);
  const data = type.dtype === 'float32' ? new Float32Array(n) : new Int32Array(n);
  for (let i = 0; i < n; i++) data[i] = type.dtype === 'float32' ? Math.sin(seed * 7.1 + i * 1.37) * 3 : ((i * 7 + seed) % 11) - 5;
  return { type, data };
}

/** Builds `body` over fresh parameters, lowers all its nodes as one group rooted at the result, runs it. */
function checkFused(ins: readonly TensorType[], body: (g: Graph, xs: Value[]) => Value): void {
  const graph = new Graph('fused');
  const params = ins.map((t) => graph.parameter(t));
  const root = body(graph, params);
  graph.outputs = [root];
  const hosts = ins.map((t, i) => values(t, i + 1));
  const [expected] = evaluateGraph(graph, hosts);

  const members = new Set(graph.nodes.filter((n) => n.op !== 'parameter'));
  const { kernel, inputs } = lowerGroup(root.node, members, 'fused_0');
  const backend = new CpuBackend();
  const out = backend.allocate(root.type.dtype, sizeOf(root.type.shape));
  const buffers = inputs.map((v) => backend.upload(v.type.dtype, hosts[params.indexOf(v)]!.data));
  const compiled = backend.compile(kernel);
  backend.run({ kernel: compiled, inputs: buffers, outputs: [out] });
  expectClose(backend.readSync(out), expected!.data, root.type.dtype === 'float32' ? 1e-5 : 0, `kernel\n${compiled.source}\n`);
}

const f32 = (...shape: number[]): TensorType => ({ shape, dtype: 'float32' });
const i32 = (...shape: number[]): TensorType => ({ shape, dtype: 'int32' });

describe('fused groups against the reference evaluator', () => {
  it('sum of a product over the last axis, both operands varying with every outer index', () => {
    checkFused([f32(2, 3, 4), f32(2, 3, 4)], (g, [a, b]) => g.add('sum', [g.add('mul', [a!, b!])], { axes: [2] }));
  });

  it('sum of a product over a middle axis', () => {
    checkFused([f32(3, 5, 4), f32(3, 5, 4)], (g, [a, b]) => g.add('sum', [g.add('mul', [a!, b!])], { axes: [1] }));
  });

  it('a row-times-column product written as a broadcast and a sum', () => {
    // a[i, k] · b[k, j] summed over k: the shape of a matrix product, reached without matMul.
    checkFused([f32(4, 1, 5), f32(5, 3)], (g, [a, b]) => {
      const bt = g.add('transpose', [b!], { perm: [1, 0] });
      return g.add('sum', [g.add('mul', [a!, bt])], { axes: [2] });
    });
  });

  it('dot products of rows with the column operand first', () => {
    // out[i, j] = Σk a[j, k] · b[i, k]: the first factor moves with j, the second with i.
    checkFused([f32(3, 6), f32(2, 6)], (g, [a, b]) => {
      const a3 = g.add('reshape', [a!], { shape: [1, 3, 6] });
      const b3 = g.add('reshape', [b!], { shape: [2, 1, 6] });
      return g.add('sum', [g.add('mul', [a3, b3])], { axes: [2] });
    });
  });

  it('matMul of transposed and broadcast producers', () => {
    checkFused([f32(5, 4), f32(2, 5, 3)], (g, [a, b]) => g.add('matMul', [g.add('transpose', [a!], { perm: [1, 0] }), b!]));
    checkFused([f32(4, 5), f32(3, 5)], (g, [a, b]) => g.add('matMul', [g.add('neg', [a!]), b!], { transposeB: true }));
  });

  it('an elementwise chain with broadcasting and movement', () => {
    checkFused([f32(3, 4), f32(4), f32(3, 1)], (g, [a, b, c]) => {
      const t = g.add('transpose', [g.add('add', [g.add('mul', [a!, b!]), c!])], { perm: [1, 0] });
      return g.add('pad', [g.add('exp', [t])], { paddings: [[1, 0], [0, 2]], constantValue: -1 });
    });
    checkFused([f32(2, 6)], (g, [a]) => g.add('slice', [g.add('reshape', [g.add('sigmoid', [a!])], { shape: [3, 4] })], { begin: [1, 1], size: [2, 2] }));
    checkFused([i32(2, 3), i32(2, 2)], (g, [a, b]) => g.add('concat', [g.add('square', [a!]), g.add('neg', [b!]), a!], { axis: 1 }));
  });

  it('reductions of movement producers', () => {
    checkFused([f32(3, 4, 5)], (g, [a]) => g.add('max', [g.add('transpose', [a!], { perm: [2, 0, 1] })], { axes: [0, 2] }));
    checkFused([f32(12)], (g, [a]) => g.add('argMax', [g.add('reshape', [a!], { shape: [3, 4] })], { axis: 1 }));
    checkFused([i32(4, 3)], (g, [a]) => g.add('prod', [g.add('tile', [a!], { reps: [1, 2] })], { axes: [1] }));
  });
});
