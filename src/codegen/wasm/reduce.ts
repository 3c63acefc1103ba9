import type { FuncBuilder, Local } from './assembler.js';
import type { ReduceKernel } from '../kernel.js';
import { Accumulator } from './accumulator.js';
import { Dag, type DagNode } from './dag.js';
import { ExprEmitter } from './emit.js';
import { forLoop, forRows, kernelFrame, storeRoot } from './frame.js';
import { hasWideForm, wideScalar, wideVector } from './wide.js';

/**
 * A reduction: for each output point (rows of the outer dimensions, columns of the last), a
 * nest of loops over the inner (reduced) dimensions folds the body into an accumulator, then
 * the epilogue is stored. Vectorized either along the innermost reduced dimension (four
 * partial accumulators, folded at the end: a sum over a row) or along the last output
 * dimension (four outputs at once: a sum over a column), whichever reads memory contiguously.
 * A long sum over a column runs blocks of up to 32 outputs per walk of the reduced dims, so each
 * step reads a whole run of the row rather than 16 bytes of it.
 */
export type ReduceMode = 'inner' | 'outer' | 'none';

export function chooseMode(kernel: ReduceKernel, dag: Dag, body: DagNode): ReduceMode {
  const r = kernel.domain.length;
  const q = kernel.inner.length;
  if (dag.usesF64 || kernel.op === 'argmax' || kernel.op === 'argmin') return 'none';
  const contiguous = (dim: number) => {
    let count = 0;
    const seen = new Set<DagNode>();
    const visit = (n: DagNode) => {
      if (seen.has(n)) return;
      seen.add(n);
      if (n.k === 'load' && n.args[0]!.affine?.coef[dim] === 1) count++;
      n.args.forEach(visit);
    };
    visit(body);
    return count;
  };
  const innerExtent = q ? kernel.inner[q - 1]! : 0;
  const cols = r ? kernel.domain[r - 1]! : 0;
  const alongInner = innerExtent >= 4 ? contiguous(r + q - 1) : 0;
  const alongOuter = cols >= 4 ? contiguous(r - 1) : 0;
  if (alongInner > 0 && alongInner >= alongOuter) return 'inner';
  if (alongOuter > 0) return 'outer';
  if (innerExtent >= 16) return 'inner';
  return 'none';
}

/** A reduction's output point: its emitter, accumulator and column index. */
interface Lane { readonly e: ExprEmitter; readonly acc: Accumulator; readonly j: Local }

/** Most groups of four outputs a column block holds (its accumulators stay in registers). */
const MAX_BLOCK_GROUPS = 8;

/** Column blocks pay where the reduced walk is long (a pooling window's few elements stay in groups of four). */
const MIN_BLOCK_INNER = 8;

/** Groups of four outputs per block in a column reduction ('outer' mode): a power of two, at most MAX_BLOCK_GROUPS. */
export function columnBlockGroups(cols: number): number {
  let g = 1;
  while (g < MAX_BLOCK_GROUPS && 4 * (2 * g) <= cols) g *= 2;
  return g;
}

/**
 * `run` computes output points [rs, re) × [cs, ce). For reductions with fewer outputs than
 * threads, `partial` folds inner rows [rs, re) of the first reduced dim for every output into a
 * thread's slot in `scratch` (16 bytes per output), and `finish` (on one thread) combines the
 * `rs` slots found every `re` bytes and applies the epilogue.
 */
export type ReduceVariant = 'run' | 'partial' | 'finish';

/** Bytes per output of a partial result slot. */
export const PARTIAL_SLOT = 16;

export function renderReduce(kernel: ReduceKernel, variant: ReduceVariant = 'run'): { f: FuncBuilder; mode: ReduceMode; cost: number; blockWidth: number } {
  const r = kernel.domain.length;
  const q = kernel.inner.length;
  const rank = r + q;
  const dag = new Dag(rank);
  const body = dag.add(kernel.body);
  const epilogue = dag.add(kernel.epilogue);
  let mode = variant === 'finish' ? 'none' : chooseMode(kernel, dag, body);
  if (variant === 'partial' && mode === 'outer') mode = q && kernel.inner[q - 1]! >= 4 ? 'inner' : 'none';
  const vecDim = mode === 'inner' ? rank - 1 : mode === 'outer' ? r - 1 : -1;
  const innerLevel = (t: number) => 2 + t;
  const bodyLevel = q ? innerLevel(q - 1) : 1;
  const accLevel = innerLevel(q);
  const levelOfDim = Array.from({ length: rank }, (_, d) => (d < r - 1 ? 0 : d === r - 1 ? 1 : innerLevel(d - r)));
  dag.analyze([{ node: body, level: bodyLevel }, { node: epilogue, level: accLevel }], levelOfDim, accLevel, vecDim, mode === 'outer');

  const frame = kernelFrame(kernel, variant);
  const f = frame.f;
  const out = frame.outputs[0]!;
  const rowShape = r ? kernel.domain.slice(0, -1) : [];
  const rows = rowShape.reduce((a, b) => a * b, 1);
  const cols = r ? kernel.domain[r - 1]! : 1;
  const j = f.local('i32', 'j');
  const base = f.local('i32', 'obase');
  const ks = kernel.inner.map((_, t) => f.local('i32', `k${t}`));
  const emptyInner = kernel.inner.some((n) => n === 0);
  const acc = new Accumulator(f, kernel.op, kernel.body.dtype, emptyInner);
  const innerRest = kernel.inner.slice(1).reduce((a, b) => a * b, 1);
  // The whole output for partial/finish; the launch's slice for run.
  const range = variant === 'run' ? undefined : { rs: () => f.i32Const(0), re: () => f.i32Const(rows) };
  // Long reductions over a column walk the reduced dims once per block of outputs (run only: a partial is vectorized along the reduced dim).
  const blockGroups = variant === 'run' && mode === 'outer' && innerRest * (kernel.inner[0] ?? 1) >= MIN_BLOCK_INNER ? columnBlockGroups(cols) : 1;
  const slot = (t: (() => void) | null) => () => {
    f.get(frame.scratch);
    if (t) { t(); f.get(frame.re).op('i32.mul').op('i32.add'); }
    f.get(base).get(j).op('i32.add').i32Const(PARTIAL_SLOT).op('i32.mul').op('i32.add');
  };

  forRows(frame, rowShape, (coords, row) => {
    const emitterFor = (jl: Local) => new ExprEmitter(f, dag, frame.inputs, [...coords, ...(r ? [jl] : []), ...ks], vecDim);
    const e = emitterFor(j);
    f.get(row).i32Const(cols).op('i32.mul').set(base);
    e.materialize(0, mode !== 'none');
    const single: Lane = { e, acc, j };

    // A float sum of products multiplies in float64 (exact), as the cpu backend's JavaScript does.
    const wide = acc.takesWide && hasWideForm(body);
    const update = ({ e, acc }: Lane, vector: boolean) => {
      if (wide && vector) { const [lo, hi] = wideVector(e, body); acc.updateVectorWide(lo, hi); } else if (wide) acc.updateScalar(() => wideScalar(e, body));
      else if (vector) acc.updateVector(() => e.vector(body));
      else acc.updateScalar(() => e.scalarAs(body, acc.valueType));
    };

    /** The inner loop nest from dim t for every lane of a block; `vector` is whether the innermost loop runs four lanes. */
    const nest = (lanes: readonly Lane[], t: number, vectorPoint: boolean, innerVector: boolean): void => {
      if (t === q) { for (const l of lanes) update(l, vectorPoint); return; }
      const k = ks[t]!;
      const extent = kernel.inner[t]!;
      const level = innerLevel(t);
      const loopBody = (vector: boolean) => () => {
        for (const l of lanes) { l.e.pushScope(); l.e.materialize(level, vectorPoint || innerVector); }
        if (t === q - 1 && innerVector) for (const l of lanes) update(l, vector);
        else nest(lanes, t + 1, vectorPoint, innerVector);
        for (const l of lanes) l.e.popScope();
      };
      // A partial folds its own rows of the first reduced dim.
      const split = variant === 'partial' && t === 0;
      if (split) f.get(frame.rs).set(k); else f.i32Const(0).set(k);
      const end = () => (split ? f.get(frame.re) : f.i32Const(extent));
      if (t === q - 1 && innerVector) {
        forLoop(f, k, () => f.get(k), () => { f.get(k).i32Const(4).op('i32.add'); end(); f.op('i32.le_s'); }, 4, loopBody(true));
      }
      forLoop(f, k, () => f.get(k), () => { f.get(k); end(); f.op('i32.lt_s'); }, 1, loopBody(false));
    };

    /** One output point, or (`lanes` of several) a block of adjacent four-output groups sharing one walk of the reduced dims. */
    const point = (vector: boolean, lanes: readonly Lane[] = [single]) => () => {
      for (const l of lanes) {
        if (l.j !== j) f.get(j).i32Const(4 * lanes.indexOf(l)).op('i32.add').set(l.j);
        l.e.pushScope();
        l.e.materialize(1, vector || mode === 'inner');
      }
      if (variant === 'finish') {
        acc.loadPartial(slot(null));
        const t = f.local('i32', 'part');
        forLoop(f, t, () => f.i32Const(1), () => f.get(t).get(frame.rs).op('i32.lt_s'), 1, () => acc.combinePartial(slot(() => f.get(t))));
      } else {
        for (const { acc } of lanes) {
          if (vector) acc.startVector();
          else acc.startScalar(variant === 'partial' ? () => f.get(frame.rs).i32Const(innerRest).op('i32.mul') : null);
        }
        if (mode === 'inner' && !emptyInner) acc.startVector();
        if (!emptyInner) nest(lanes, 0, vector, mode === 'inner');
        if (mode === 'inner' && !emptyInner) acc.foldVectorIntoScalar();
      }
      if (variant === 'partial') acc.storePartial(slot(null));
      else {
        for (const { e, acc, j } of lanes) {
          if (vector) e.acc = { scalar: null, vector: acc.vectorResult() };
          else e.acc = { scalar: acc.scalarResult(), vector: null };
          storeRoot(e, out, epilogue, () => f.get(base).get(j).op('i32.add'), vector);
        }
      }
      for (const l of lanes) l.e.popScope();
    };

    if (range) f.i32Const(0).set(j); else f.get(frame.cs).set(j);
    const colEnd = () => (range ? f.i32Const(cols) : f.get(frame.ce));
    if (mode === 'outer') {
      // Several groups of four outputs per walk of the reduced dims: each step reads a longer
      // contiguous run of the row, and the walk (strided by the row length) happens fewer times.
      // Halving block widths follow, so a thread's slice of columns still runs in blocks.
      const lanes: Lane[] = [single];
      for (let groups = blockGroups; groups > 1; groups >>= 1) {
        while (lanes.length < groups) {
          const jl = f.local('i32', `j${lanes.length}`);
          const eg = emitterFor(jl);
          eg.materialize(0, true);
          lanes.push({ e: eg, acc: new Accumulator(f, kernel.op, kernel.body.dtype, emptyInner), j: jl });
        }
        const width = 4 * groups;
        f.comment(`${width} outputs at a time`);
        forLoop(f, j, () => f.get(j), () => { f.get(j).i32Const(width).op('i32.add'); colEnd(); f.op('i32.le_s'); }, width, point(true, lanes.slice(0, groups)));
      }
      f.comment('four outputs at a time');
      forLoop(f, j, () => f.get(j), () => { f.get(j).i32Const(4).op('i32.add'); colEnd(); f.op('i32.le_s'); }, 4, point(true));
    }
    forLoop(f, j, () => f.get(j), () => { f.get(j); colEnd(); f.op('i32.lt_s'); }, 1, point(false));
  }, range);
  return { f, mode, cost: dag.cost, blockWidth: 4 * blockGroups };
}
