import { Graph, sizeOf, type Attrs, type DType, type TensorType, type Value } from '../../src/ir/index.js';

/**
 * The builder of random graphs (random-graph-recipes.ts drives it): the graph so far, the values
 * steps may pick, and what it knows of each value. Every choice is a number from the current
 * step taken modulo the options there are, so any list of numbers builds a valid graph.
 */

/** One step of a recipe. */
export interface Step {
  /** Which step kind (modulo the table of kinds). */
  readonly op: number;
  /** Numbers the step draws its choices from, each taken modulo the number of options. */
  readonly args: readonly number[];
}

/** Most elements a value may have, so graphs stay fast to run. */
export const MAX_SIZE = 240;

/**
 * What the builder knows of a value: a bound on its magnitude (operands are squashed with tanh
 * before it grows too far, so float32 rounding stays within tolerance), and whether every
 * evaluation order gives it bit for bit (parameters, constants and what only moves or selects
 * them). Comparisons read exact values only, so a rounding difference never flips a branch.
 */
export interface Info {
  readonly bound: number;
  readonly exact: boolean;
}

export function broadcast(a: readonly number[], b: readonly number[]): number[] | null {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const x = a[a.length - rank + i] ?? 1;
    const y = b[b.length - rank + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) return null;
    out.push(x === 1 ? y : x);
  }
  return out;
}

export class Builder {
  readonly graph = new Graph('random');
  /** Values later steps may pick. */
  readonly pool: Value[] = [];
  private readonly info = new Map<Value, Info>();
  private readonly read = new Set<Value>();
  private args: readonly number[] = [0];
  private drawn = 0;

  begin(step: Step): void {
    this.args = step.args.length ? step.args : [0];
    this.drawn = 0;
  }

  /** An integer in [0, n) drawn from the current step's numbers. */
  pick(n: number): number {
    if (n <= 1) return 0;
    const k = this.drawn++;
    return (this.args[k % this.args.length]! + Math.floor(k / this.args.length)) % n;
  }

  chance(): boolean {
    return this.pick(2) === 1;
  }

  param(type: TensorType, info: Info): Value {
    const v = this.graph.parameter(type);
    this.pool.push(v);
    this.info.set(v, info);
    return v;
  }

  /** Adds a node; `pooled` false keeps helpers (scalar constants) out of later picks. */
  add(op: string, inputs: readonly Value[], attrs: Attrs, info: Info, pooled = true): Value {
    const v = this.graph.add(op, inputs, attrs);
    for (const i of inputs) this.read.add(i);
    if (pooled) this.pool.push(v);
    this.info.set(v, info);
    return v;
  }

  bound(v: Value): number {
    return this.info.get(v)!.bound;
  }

  exact(v: Value): boolean {
    return this.info.get(v)!.exact;
  }

  isRead(v: Value): boolean {
    return this.read.has(v);
  }

  infoOf(v: Value): Info {
    return this.info.get(v)!;
  }

  /**
   * A pooled value that `accept` takes: often one of the latest three or one nothing reads yet,
   * so chains grow deep and little of the graph is dead.
   */
  choose(accept: (v: Value) => boolean): Value | null {
    const candidates = this.pool.filter(accept);
    if (!candidates.length) return null;
    const unread = candidates.filter((v) => !this.read.has(v));
    switch (this.pick(4)) {
      case 0: return candidates[candidates.length - 1 - this.pick(Math.min(3, candidates.length))]!;
      case 1: case 2: if (unread.length) return unread[this.pick(unread.length)]!;
    }
    return candidates[this.pick(candidates.length)]!;
  }

  /** A float32 value (there is always a float32 parameter). */
  float(): Value {
    return this.choose((v) => v.type.dtype === 'float32')!;
  }

  /** `v`, or tanh(v) when its bound exceeds `limit`. */
  limited(v: Value, limit: number): Value {
    return this.bound(v) > limit ? this.add('tanh', [v], {}, { bound: 1, exact: false }) : v;
  }

  scalar(x: number, dtype: DType = 'float32'): Value {
    const data = dtype === 'float32' ? Float32Array.of(x) : Int32Array.of(x);
    return this.add('constant', [], { value: { type: { shape: [], dtype }, data } }, { bound: Math.abs(x), exact: true }, false);
  }

  /** A constant of `shape` with small exactly representable values. */
  tensor(shape: readonly number[], dtype: 'float32' | 'int32'): Value {
    const n = sizeOf(shape);
    const data = dtype === 'float32' ? new Float32Array(n) : new Int32Array(n);
    for (let i = 0; i < n; i++) data[i] = dtype === 'float32' ? (this.pick(17) - 8) / 4 : this.pick(13) - 6;
    return this.add('constant', [], { value: { type: { shape: [...shape], dtype }, data } }, { bound: dtype === 'float32' ? 2 : 6, exact: true });
  }

  /** A float32 value whose shape broadcasts with `shape` (an existing one, or a constant). */
  partner(shape: readonly number[]): Value {
    const fits = (v: Value) => {
      const out = v.type.dtype === 'float32' ? broadcast(shape, v.type.shape) : null;
      return out !== null && sizeOf(out) <= MAX_SIZE;
    };
    switch (this.pick(4)) {
      case 0: case 1: {
        const v = this.choose(fits);
        if (v) return v;
        break;
      }
      case 2: return this.tensor([], 'float32');
    }
    // Trailing dims of `shape`, some of them 1.
    const rank = this.pick(shape.length + 1);
    return this.tensor(shape.slice(shape.length - rank).map((d) => (this.chance() ? 1 : d)), 'float32');
  }

  /** A bool value computed from exact values only. */
  condition(): Value {
    if (this.chance()) {
      const existing = this.choose((v) => v.type.dtype === 'bool');
      if (existing) return existing;
    }
    const x = this.choose((v) => v.type.dtype !== 'bool' && this.exact(v))!;
    const other = this.choose((v) => v !== x && v.type.dtype === x.type.dtype && this.exact(v) && (broadcast(x.type.shape, v.type.shape)?.reduce((a, b) => a * b, 1) ?? Infinity) <= MAX_SIZE);
    const y = other && this.chance() ? other : x.type.dtype === 'float32' ? this.scalar((this.pick(17) - 8) / 4) : this.scalar(this.pick(13) - 6, 'int32');
    const op = ['greater', 'less', 'greaterEqual', 'lessEqual', 'equal', 'notEqual'][this.pick(6)]!;
    const [a, b] = this.chance() ? [y, x] : [x, y];
    let c = this.add(op, [a, b], {}, { bound: 1, exact: true });
    if (this.pick(4) === 0) c = this.add('logicalNot', [c], {}, { bound: 1, exact: true });
    const fits = (v: Value) => v.type.dtype === 'bool' && (broadcast(c.type.shape, v.type.shape)?.reduce((p, q) => p * q, 1) ?? Infinity) <= MAX_SIZE;
    const d = this.pick(4) === 0 ? this.choose(fits) : null;
    if (d) c = this.add(this.chance() ? 'logicalAnd' : 'logicalOr', [c, d], {}, { bound: 1, exact: true });
    return c;
  }

  /** Indices in [0, size) for gather: a constant, or the int32 values reduced modulo `size`. */
  indices(size: number): Value {
    const ints = this.pick(3) > 0 ? this.choose((v) => v.type.dtype === 'int32' && sizeOf(v.type.shape) <= 12) : null;
    if (ints) return this.add('mod', [ints, this.scalar(size, 'int32')], {}, { bound: size, exact: true });
    const shape = Array.from({ length: this.pick(3) }, () => 1 + this.pick(3));
    const n = sizeOf(shape);
    const data = new Int32Array(n);
    for (let i = 0; i < n; i++) data[i] = this.pick(size);
    return this.add('constant', [], { value: { type: { shape, dtype: 'int32' }, data } }, { bound: size, exact: true });
  }
}

/** A random shape of `size` elements, rank at most 4. */
export function factorize(b: Builder, size: number): number[] {
  const dims: number[] = [];
  let rest = size;
  const rank = b.pick(5);
  for (let i = 0; i < rank - 1; i++) {
    const divisors = rest === 0 ? [0, 1, 2, 3] : Array.from({ length: rest }, (_, k) => k + 1).filter((d) => rest % d === 0);
    const d = divisors[b.pick(divisors.length)]!;
    dims.push(d);
    if (d !== 0) rest /= d;
  }
  if (rank > 0 || rest !== 1) dims.push(rest);
  return dims;
}

export function permutation(b: Builder, rank: number): number[] {
  const rest = Array.from({ length: rank }, (_, i) => i);
  const perm: number[] = [];
  while (rest.length) perm.push(rest.splice(b.pick(rest.length), 1)[0]!);
  return perm;
}
