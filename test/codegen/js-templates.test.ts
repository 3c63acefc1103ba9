import { describe, expect, it } from 'vitest';
import { lowerGroup } from '../../src/codegen/index.js';
import { evaluateGraph, Graph, sizeOf, type HostTensor, type TensorType, type Value } from '../../src/ir/index.js';
import { CpuBackend } from '../../src/runtime/cpu-backend.js';
import { expectClose } from '../ops/close.js';

/**
 * The js renderer's templates against the reference evaluator: the blocked matrix product (edges
 * of its 4×4 micro-kernels and 64×256×256 blocks, strides, batch broadcast, fused prologues and
 * epilogues), reductions with partial sums or a row of accumulators, and collapsed loop nests.
 * Each case also checks which template rendered it, so a case keeps testing what it names.
 */

function values(type: TensorType, seed: number, special = false): HostTensor {
  const n = sizeOf(type.shape);
  const data = type.dtype === 'float32' ? new Float32Array(n) : new Int32Array(n);
  for (let i = 0; i < n; i++) data[i] = type.dtype === 'float32' ? Math.sin(seed * 7.1 + i * 1.37) * 3 : ((i * 7 + seed) % 11) - 5;
  if (special && n > 5) { data[3] = NaN; data[n - 2] = -Infinity; }
  return { type, data };
}

/** Lowers every node of `body` as one group rooted at its result, runs it, and returns the kernel source. */
function run(ins: readonly TensorType[], body: (g: Graph, xs: Value[]) => Value, special = false): string {
  const graph = new Graph('t');
  const params = ins.map((t) => graph.parameter(t));
  const root = body(graph, params);
  graph.outputs = [root];
  const hosts = ins.map((t, i) => values(t, i + 1, special));
  const [expected] = evaluateGraph(graph, hosts);
  const members = new Set(graph.nodes.filter((n) => n.op !== 'parameter'));
  const { kernel, inputs } = lowerGroup(root.node, members, 't_0');
  const backend = new CpuBackend();
  const out = backend.allocate(root.type.dtype, sizeOf(root.type.shape));
  const buffers = inputs.map((v) => backend.upload(v.type.dtype, hosts[params.indexOf(v)]!.data));
  const compiled = backend.compile(kernel);
  backend.run({ kernel: compiled, inputs: buffers, outputs: [out] });
  expectClose(backend.readSync(out), expected!.data, root.type.dtype === 'float32' ? 1e-5 : 0, `kernel\n${compiled.source}\n`);
  return compiled.source;
}

const f32 = (...shape: number[]): TensorType => ({ shape, dtype: 'float32' });
const i32 = (...shape: number[]): TensorType => ({ shape, dtype: 'int32' });
const BLOCKED = 'aPack';
const loopsIn = (source: string) => source.split('\n').filter((l) => l.trim().startsWith('for (')).length;

describe('the blocked matrix product', () => {
  const mm = (a: TensorType, b: TensorType, transposeA = false, transposeB = false) =>
    run([a, b], (g, [x, y]) => g.add('matMul', [x!, y!], { transposeA, transposeB }));

  it('handles sizes that are not multiples of the 4×4 micro-kernel', () => {
    for (const [m, k, n] of [[4, 4, 4], [5, 1, 9], [7, 5, 4], [6, 17, 13], [4, 0, 5]] as const) {
      expect(mm(f32(m, k), f32(k, n)), `${m}×${k}×${n}`).toContain(BLOCKED);
    }
  });

  it('leaves products with fewer than 4 rows or columns to plain reductions', () => {
    for (const [m, k, n] of [[1, 1, 1], [3, 5, 7], [2, 17, 3], [1, 33, 1], [40, 9, 1], [1, 9, 40]] as const) {
      expect(mm(f32(m, k), f32(k, n)), `${m}×${k}×${n}`).not.toContain(BLOCKED);
    }
  });

  it('crosses every block edge: rows past 64, k past 256, columns past 256', () => {
    expect(mm(f32(65, 129), f32(129, 33))).toContain(BLOCKED);
    // Two of the three block loops at a time (all three at once is slow for the reference).
    expect(mm(f32(67, 515), f32(515, 6))).toContain('c.fill(0)'); // k in several blocks accumulates in c
    expect(mm(f32(5, 300), f32(300, 261))).toMatch(/for \(let jc0 = 0; jc0 < 261; jc0 \+= 256\)/);
    expect(mm(f32(130, 3), f32(3, 259))).toMatch(/for \(let ic0 = 0; ic0 < 130; ic0 \+= 64\)/);
  });

  it('reads transposed operands through their strides', () => {
    mm(f32(7, 5), f32(7, 6), true, false);
    mm(f32(5, 7), f32(6, 7), false, true);
    mm(f32(7, 5), f32(6, 7), true, true);
    mm(f32(3, 5), f32(40, 3), true, true);
    expect(mm(f32(300, 9), f32(70, 300), true, true)).toContain(BLOCKED);
  });

  it('broadcasts batch dims, and folds a batch that only A has into its rows', () => {
    mm(f32(2, 1, 5, 6), f32(3, 6, 4));
    mm(f32(5, 6), f32(2, 3, 6, 4));
    mm(f32(3, 1, 9, 5), f32(1, 2, 5, 7), false, false);
    mm(f32(2, 6, 5), f32(2, 4, 6), true, true);
    // [4, 9, 5] × [5, 6]: A's batch and rows are one walk, so one 36×5 by 5×6 product.
    expect(mm(f32(4, 9, 5), f32(5, 6))).toContain('matrix product: 36×5 by 5×6');
  });

  it('applies an epilogue that reads a bias by column, by row and by element', () => {
    const shapes = [f32(10, 13), f32(13, 7)];
    expect(run([...shapes, f32(7)], (g, [a, b, bias]) => g.add('relu', [g.add('add', [g.add('matMul', [a!, b!]), bias!])]))).toContain(BLOCKED);
    run([...shapes, f32(10, 1)], (g, [a, b, s]) => g.add('mul', [g.add('matMul', [a!, b!]), s!]));
    // A weight update W - lr·(xᵀ·dy): the epilogue reads W at the output's own element.
    run([f32(9, 6), f32(9, 5), f32(6, 5)], (g, [x, dy, w]) => {
      const grad = g.add('matMul', [x!, dy!], { transposeA: true });
      return g.add('sub', [w!, g.add('mul', [grad, g.constant({ type: f32(), data: new Float32Array([0.1]) })])]);
    });
    run([f32(2, 4, 4), f32(4, 5), f32(2, 1, 5)], (g, [a, b, c]) => g.add('tanh', [g.add('add', [g.add('matMul', [a!, b!]), c!])]));
  });

  it('evaluates fused prologues into its panels', () => {
    expect(run([f32(6, 9), f32(9, 5)], (g, [a, b]) => g.add('matMul', [g.add('neg', [a!]), g.add('exp', [b!])]))).toContain(BLOCKED);
    run([f32(9, 6), f32(5, 9)], (g, [a, b]) => g.add('matMul', [g.add('transpose', [g.add('abs', [a!])], { perm: [1, 0] }), b!], { transposeB: true }));
  });

  it('propagates NaN and infinities as the reference does', () => {
    expect(run([f32(6, 7), f32(7, 5)], (g, [a, b]) => g.add('matMul', [a!, b!]), true)).toContain(BLOCKED);
  });

  it('leaves int32 products (which wrap) to the general reduction', () => {
    expect(run([i32(5, 6), i32(6, 7)], (g, [a, b]) => g.add('matMul', [a!, b!]))).not.toContain(BLOCKED);
  });
});

describe('reductions', () => {
  it('keep partial sums over a long innermost axis, with the remainder after the loop', () => {
    for (const n of [16, 17, 19, 64, 1023]) {
      expect(run([f32(3, n)], (g, [a]) => g.add('sum', [g.add('mul', [a!, a!])], { axes: [1] })), `n=${n}`).toContain('acc3');
    }
    expect(run([f32(3, 5)], (g, [a]) => g.add('sum', [a!], { axes: [1] }))).not.toContain('acc1');
    run([f32(4, 40)], (g, [a]) => g.add('sum', [a!], { axes: [1] }), true);
  });

  it('sum a whole contiguous tensor in one loop', () => {
    const source = run([f32(33, 65)], (g, [a]) => g.add('sum', [a!], { axes: [0, 1] }));
    expect(source).toContain('< 2144;');
    expect(loopsIn(source)).toBe(1);
  });

  it('accumulate a row per output when reducing over a leading axis', () => {
    for (const op of ['sum', 'max', 'min', 'prod']) {
      expect(run([f32(37, 19)], (g, [a]) => g.add(op, [a!], { axes: [0] })), op).toContain('accs');
      run([f32(5, 11, 9)], (g, [a]) => g.add(op, [a!], { axes: [1] }), true);
    }
    run([f32(3, 4, 9)], (g, [a]) => g.add('sum', [a!], { axes: [0, 1] }));
    run([i32(12, 10)], (g, [a]) => g.add('sum', [a!], { axes: [0] }));
    run([i32(12, 10)], (g, [a]) => g.add('prod', [a!], { axes: [0] }));
    run([f32(6, 10), f32(10)], (g, [a, b]) => g.add('sub', [g.add('max', [a!], { axes: [0] }), b!]));
  });

  it('keep arg reductions per point', () => {
    expect(run([f32(9, 12)], (g, [a]) => g.add('argMax', [a!], { axis: 0 }), true)).not.toContain('accs');
    run([f32(9, 12)], (g, [a]) => g.add('argMin', [a!], { axis: 1 }));
  });
});

describe('collapsed loop nests', () => {
  it('run a contiguous elementwise chain as one loop', () => {
    const source = run([f32(7, 9, 11), f32(7, 9, 11)], (g, [a, b]) => g.add('add', [g.add('mul', [a!, b!]), a!]));
    expect(loopsIn(source)).toBe(1);
    expect(source).not.toMatch(/\| 0|Math\.imul/);
  });

  it('merge only the dims that every load walks together', () => {
    // b broadcasts along the middle dim: dims 1 and 2 merge for a, not for b.
    const source = run([f32(4, 5, 6), f32(4, 1, 6)], (g, [a, b]) => g.add('add', [a!, b!]));
    expect(loopsIn(source)).toBe(3);
    // A transpose of the last two dims keeps them; the leading dim merges with none.
    run([f32(3, 4, 5)], (g, [a]) => g.add('transpose', [a!], { perm: [0, 2, 1] }));
    run([f32(6, 8)], (g, [a]) => g.add('slice', [g.add('exp', [a!])], { begin: [1, 0], size: [4, 8] }));
    run([f32(2, 1, 3)], (g, [a]) => g.add('reshape', [g.add('transpose', [a!], { perm: [2, 1, 0] })], { shape: [6] }));
    run([f32(1, 5), f32(3, 1)], (g, [a, b]) => g.add('mul', [a!, b!]));
  });
});
