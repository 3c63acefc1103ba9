import type { MapKernel } from '../kernel.js';
import { Dag } from './dag.js';
import { ExprEmitter } from './emit.js';
import { forLoop, forRows, kernelFrame, storeRoot } from './frame.js';
import type { FuncBuilder } from './assembler.js';

/**
 * A map kernel: rows of the outer dimensions, and along the last one a loop of four lanes at a
 * time followed by a scalar tail. Values that do not vary along the last dimension are
 * computed once per row. Kernels computing in float64 (downstream of `rand`) stay scalar.
 */
export function renderMap(kernel: MapKernel): { f: FuncBuilder; vectorized: boolean; cost: number } {
  const shape = kernel.domain.length ? kernel.domain : [1];
  const n = shape.length;
  const cols = shape[n - 1]!;
  const dag = new Dag(n);
  const roots = kernel.stores.map((s) => dag.add(s));
  const vectorized = !dag.usesF64 && cols >= 4;
  const vecDim = vectorized ? n - 1 : -1;
  dag.analyze(roots.map((node) => ({ node, level: 1 })), shape.map((_, d) => (d < n - 1 ? 0 : 1)), 1000, vecDim, false);

  const frame = kernelFrame(kernel);
  const f = frame.f;
  const j = f.local('i32', 'j');
  const base = f.local('i32', 'obase');
  forRows(frame, shape.slice(0, -1), (coords, row) => {
    const e = new ExprEmitter(f, dag, frame.inputs, [...coords, j], vecDim);
    f.get(row).i32Const(cols).op('i32.mul').set(base);
    e.materialize(0, vectorized);
    const at = () => f.get(base).get(j).op('i32.add');
    const storeAll = (vector: boolean) => {
      e.pushScope();
      roots.forEach((node, o) => storeRoot(e, frame.outputs[o]!, node, at, vector));
      e.popScope();
    };
    f.get(frame.cs).set(j);
    if (vectorized) {
      f.comment('four lanes at a time');
      forLoop(f, j, () => f.get(j), () => f.get(j).i32Const(4).op('i32.add').get(frame.ce).op('i32.le_s'), 4, () => storeAll(true));
      f.comment('scalar tail');
    }
    forLoop(f, j, () => f.get(j), () => f.get(j).get(frame.ce).op('i32.lt_s'), 1, () => storeAll(false));
  });
  return { f, vectorized, cost: dag.cost };
}
