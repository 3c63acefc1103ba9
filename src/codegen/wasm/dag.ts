import type { AluOp, DType, Expr } from '../../ir/index.js';
import { toAffine, type Affine } from '../affine.js';

/**
 * A kernel's expressions as a DAG of unique nodes (structurally equal subexpressions are one
 * node), annotated for the wasm renderer: the loop level each node can be computed at, how
 * often it is used, whether it varies along the vectorized dimension, and its value type.
 */

/** How a value is held in scalar code: floats in f32 (f64 downstream of `rand`), ints and bools in i32. */
export type ScalarType = 'f32' | 'f64' | 'i32';

export interface DagNode {
  readonly id: number;
  readonly k: Expr['k'];
  readonly op: AluOp | null;
  readonly dtype: DType;
  readonly args: readonly DagNode[];
  /** const: its value; index: its dim; load: its input buffer. */
  readonly value: number;
  /** The node's affine form over the domain (int32 nodes), or null. */
  readonly affine: Affine | null;
  readonly vt: ScalarType;
  level: number;
  uses: number;
  /** Used by a node (or root) at a deeper loop level: computed once at its own level into a local. */
  deeperUse: boolean;
  /** Varies along the vectorized dimension. */
  vec: boolean;
  /** A scalar node read by vector code (held splatted too). */
  vecUse: boolean;
}

export interface DagRoot {
  readonly node: DagNode;
  /** The loop level where the root's value is consumed. */
  readonly level: number;
}

const EXPENSIVE = new Set<AluOp>(['exp', 'log', 'log1p', 'sin', 'cos', 'tanh', 'sigmoid', 'pow', 'rand']);

export class Dag {
  readonly nodes: DagNode[] = [];
  private readonly byKey = new Map<string, DagNode>();
  private readonly byExpr = new Map<Expr, DagNode>();

  constructor(private readonly rank: number) {}

  add(e: Expr): DagNode {
    const seen = this.byExpr.get(e);
    if (seen) return seen;
    const args = e.k === 'alu' ? e.args.map((a) => this.add(a)) : e.k === 'load' ? [this.add(e.at)] : [];
    const value = e.k === 'const' ? e.value : e.k === 'index' ? e.dim : e.k === 'load' ? e.input : 0;
    const op = e.k === 'alu' ? e.op : null;
    const key = `${e.k}:${op ?? ''}:${e.dtype}:${Object.is(value, -0) ? '-0' : value}(${args.map((a) => a.id).join(',')})`;
    let node = this.byKey.get(key);
    if (!node) {
      const vt: ScalarType = e.dtype !== 'float32' ? 'i32' : op === 'rand' || args.some((a) => a.vt === 'f64' && a.dtype === 'float32') ? 'f64' : 'f32';
      const affine = e.dtype === 'int32' && e.k !== 'load' && e.k !== 'acc' ? toAffine(e, this.rank) : null;
      node = { id: this.nodes.length, k: e.k, op, dtype: e.dtype, args, value, affine, vt, level: -1, uses: 0, deeperUse: false, vec: false, vecUse: false };
      this.nodes.push(node);
      this.byKey.set(key, node);
    }
    this.byExpr.set(e, node);
    return node;
  }

  /** Rough cost of computing every node once, in simple-op units (transcendentals cost more). */
  get cost(): number {
    let c = 0;
    for (const n of this.nodes) {
      if (n.k === 'load') c += 1;
      else if (n.k === 'alu') c += EXPENSIVE.has(n.op!) ? 8 : n.op === 'div' || n.op === 'sqrt' || n.op === 'idiv' || n.op === 'mod' ? 2 : 1;
    }
    return Math.max(c, 1);
  }

  /** Whether some value is computed in float64 (downstream of `rand`, to match the cpu backend's bits). */
  get usesF64(): boolean {
    return this.nodes.some((n) => n.vt === 'f64');
  }

  /**
   * Levels, uses and vector flags. `levelOfDim[d]` is the loop level defining index d, `accLevel`
   * the level of a reduction's accumulator, `vecDim` the vectorized dim (-1 for none) and
   * `accVec` whether the accumulator is a vector (reductions vectorized over outputs).
   */
  analyze(roots: readonly DagRoot[], levelOfDim: readonly number[], accLevel: number, vecDim: number, accVec: boolean): void {
    for (const n of this.nodes) {
      n.uses = 0;
      n.deeperUse = false;
      n.vecUse = false;
      switch (n.k) {
        case 'const': n.level = -1; n.vec = false; break;
        case 'index': n.level = levelOfDim[n.value]!; n.vec = n.value === vecDim; break;
        case 'acc': n.level = accLevel; n.vec = accVec; break;
        default:
          n.level = Math.max(-1, ...n.args.map((a) => a.level));
          n.vec = n.args.some((a) => a.vec);
      }
      for (const a of n.args) {
        a.uses++;
        if (n.level > a.level) a.deeperUse = true;
        if (n.vec && !a.vec) a.vecUse = true;
      }
    }
    for (const r of roots) {
      r.node.uses++;
      if (r.level > r.node.level) r.node.deeperUse = true;
      if (vecDim >= 0 && !r.node.vec) r.node.vecUse = true;
    }
  }
}
