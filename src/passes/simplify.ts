import {
  allocArray, allOps, getOp, sameShape, sameType, sizeOf,
  type Attrs, type Graph, type HostTensor, type TensorType, type Value,
} from '../ir/index.js';
import { rebuild, type Pass } from './pass.js';

/** What a rule sees: a node's op, attributes and type, with its inputs already simplified. */
export interface Site {
  readonly op: string;
  readonly inputs: readonly Value[];
  readonly attrs: Attrs;
  readonly type: TensorType;
}

/** Builds replacement nodes in the graph being written, at the rewritten node's location. */
export interface RuleBuilder {
  add(op: string, inputs: readonly Value[], attrs?: Attrs): Value;
  constant(type: TensorType, data: ArrayLike<number>): Value;
  /** The type `op` would have on these inputs, or null where it rejects them. */
  infer(op: string, inputs: readonly Value[], attrs?: Attrs): TensorType | null;
}

/**
 * One algebraic identity. `rewrite` returns the value that replaces the site, or null when the
 * rule does not apply. The driver keeps a replacement only if its type is the site's, so a rule
 * like x*1 → x never fires where broadcasting makes the product larger than x.
 */
export interface SimplifyRule {
  readonly name: string;
  readonly ops: readonly string[];
  rewrite(site: Site, b: RuleBuilder): Value | null;
}

/** The value every element of a constant holds, or null (not a constant, or not a splat). */
function splat(v: Value): number | null {
  if (v.node.op !== 'constant') return null;
  const { data } = v.node.attrs.value as HostTensor;
  const first = data[0];
  if (first === undefined) return null;
  for (let i = 1; i < data.length; i++) if (!Object.is(data[i], first)) return null;
  return first;
}

const isOne = (v: Value) => splat(v) === 1;
/** +0 or -0 (their difference is discussed at `add-zero`). */
const isZero = (v: Value) => splat(v) === 0;

/** The input of `v` when `v` is produced by `op`. */
function producedBy(v: Value, op: string): Value | null {
  return v.node.op === op ? v.node.inputs[0]! : null;
}

/** The reciprocal of a float32 power of two, when it is one too (so x / c == x * (1/c) exactly). */
function exactReciprocal(c: number): number | null {
  if (c === 0 || !Number.isFinite(c)) return null;
  const r = 1 / c;
  const m = Math.abs(c);
  return m === 2 ** Math.round(Math.log2(m)) && Number.isFinite(r) && Math.fround(r) === r ? r : null;
}

const ELEMENTWISE = allOps().filter((d) => d.kind === 'elementwise' && d.arity >= 1).map((d) => d.name);

/**
 * The rule table. Each rule is exact — the rewritten graph computes the same float32/int32 bits —
 * except where a comment says otherwise. Deliberately absent:
 * - exp(log x) → x: log of a negative x is NaN, so it holds only for x > 0, which is rarely provable.
 * - log(exp y) → y: exp overflows to inf above ~88.7 and underflows to 0 below ~-103, and in
 *   between exp(y) is rounded to float32, so log gives back y only to within an ulp or so.
 * - square(x) → x*x: square stays one op (it is already one multiply in every kernel).
 */
export const SIMPLIFY_RULES: readonly SimplifyRule[] = [
  { name: 'mul-one', ops: ['mul'], rewrite: ({ inputs: [a, b] }) => (isOne(b!) ? a! : isOne(a!) ? b! : null) },
  // Exact for int32 and for float x + (-0). For float x + (+0) the one difference is x = -0,
  // which gives +0 unsimplified: equal as numbers, as XLA's simplifier also accepts.
  { name: 'add-zero', ops: ['add'], rewrite: ({ inputs: [a, b] }) => (isZero(b!) ? a! : isZero(a!) ? b! : null) },
  // x - (+0) is x for every x, -0 included; x - (-0) would turn -0 into +0, so it is left alone.
  { name: 'sub-zero', ops: ['sub'], rewrite: ({ inputs: [a, b] }) => (Object.is(splat(b!), 0) ? a! : null) },
  // int32 only: for float x, x - x is NaN where x is inf or NaN, and finiteness is not provable.
  {
    name: 'sub-self', ops: ['sub'],
    rewrite({ inputs: [a, b], type }, g) {
      if (a !== b || type.dtype !== 'int32') return null;
      const zero = g.constant({ shape: [], dtype: 'int32' }, [0]);
      return type.shape.length === 0 ? zero : g.add('broadcastTo', [zero], { shape: type.shape });
    },
  },
  // x*2 and x+x round the same exact 2x (and overflow alike); int32 wraps alike.
  {
    name: 'mul-two', ops: ['mul'],
    rewrite: ({ inputs: [a, b] }, g) => (splat(b!) === 2 ? g.add('add', [a!, a!]) : splat(a!) === 2 ? g.add('add', [b!, b!]) : null),
  },
  // Only by powers of two: then 1/c is exact and x * (1/c) rounds the same real number as x / c.
  {
    name: 'div-pow2', ops: ['div'],
    rewrite({ inputs: [x, c], type }, g) {
      if (type.dtype !== 'float32' || c!.node.op !== 'constant') return null;
      const value = c!.node.attrs.value as HostTensor;
      const recip = Array.from(value.data, exactReciprocal);
      if (recip.some((r) => r === null)) return null;
      return g.add('mul', [x!, g.constant(value.type, recip as number[])]);
    },
  },
  { name: 'neg-neg', ops: ['neg'], rewrite: ({ inputs: [x] }) => producedBy(x!, 'neg') },
  // Differs from sqrt(square x) only where square over- or underflows float32 (|x| > 1.8e19 or
  // |x| < 1e-19 ≠ 0); there abs(x) is the true value and the unsimplified graph gives inf or 0.
  {
    name: 'sqrt-square', ops: ['sqrt'],
    rewrite({ inputs: [x] }, g) {
      const inner = producedBy(x!, 'square');
      return inner ? g.add('abs', [inner]) : null;
    },
  },
  {
    name: 'transpose-transpose', ops: ['transpose'],
    rewrite({ inputs: [x], attrs }, g) {
      const inner = producedBy(x!, 'transpose');
      if (!inner) return null;
      const p1 = x!.node.attrs.perm as readonly number[];
      const perm = (attrs.perm as readonly number[]).map((p) => p1[p]!);
      return perm.every((p, i) => p === i) ? inner : g.add('transpose', [inner], { perm });
    },
  },
  {
    name: 'reshape-reshape', ops: ['reshape'],
    rewrite({ inputs: [x], type }, g) {
      const inner = producedBy(x!, 'reshape');
      return inner ? g.add('reshape', [inner], { shape: type.shape }) : null;
    },
  },
  { name: 'reshape-noop', ops: ['reshape'], rewrite: ({ inputs: [x], type }) => (sameShape(x!.type.shape, type.shape) ? x! : null) },
  // broadcastTo(x) read by an op that broadcasts anyway reads x itself, where that keeps the
  // op's type (a scalar constant then becomes an inlined literal of the consumer's kernel).
  {
    name: 'broadcast-operand', ops: ELEMENTWISE.filter((op) => op !== 'customGradient'),
    rewrite({ op, inputs, attrs, type }, g) {
      if (!inputs.some((v) => v.node.op === 'broadcastTo')) return null;
      const narrowed = inputs.map((v) => producedBy(v, 'broadcastTo') ?? v);
      const t = g.infer(op, narrowed, attrs);
      return t && sameType(t, type) ? g.add(op, narrowed, attrs) : null;
    },
  },
  { name: 'cast-noop', ops: ['cast'], rewrite: ({ inputs: [x], attrs }) => (attrs.dtype === x!.type.dtype ? x! : null) },
  { name: 'identity', ops: ['identity'], rewrite: ({ inputs: [x] }) => x! },
  // Gradients are derived before the passes run; after that stopGradient is an identity.
  { name: 'stop-gradient', ops: ['stopGradient'], rewrite: ({ inputs: [x] }) => x! },
];

/** A replacement may itself match a rule (reshape-reshape, then reshape-noop); this bounds the chain. */
const MAX_REWRITES_PER_NODE = 16;

/**
 * Algebraic simplification: one topological sweep applying `rules`, each node seeing its inputs
 * already simplified and each new node matched again. Counts rewrites by rule name, so
 * `kiln inspect` can list which rules fired. Values it orphans are left for the cleanup DCE.
 */
export function simplifyPass(rules: readonly SimplifyRule[] = SIMPLIFY_RULES): Pass {
  const byOp = new Map<string, SimplifyRule[]>();
  for (const r of rules) for (const op of r.ops) byOp.set(op, [...(byOp.get(op) ?? []), r]);
  return {
    name: 'simplify',
    run(graph) {
      const stats: Record<string, number> = {};
      let nextId = graph.nodes.reduce((m, n) => Math.max(m, n.id + 1), 0);
      let rewrites = 0;
      const { graph: out } = rebuild(graph, (node, inputs, g) => {
        if (!byOp.has(node.op) || getOp(node.op).stateful) return undefined;
        const created = new Set<Value>();
        const builder = ruleBuilder(g, node.location, () => nextId++, created);
        let site: Site = { op: node.op, inputs, attrs: node.attrs, type: node.output.type };
        let result: Value | undefined;
        for (let i = 0; i < MAX_REWRITES_PER_NODE; i++) {
          const fired = applyFirst(byOp.get(site.op) ?? [], site, builder);
          if (!fired) break;
          stats[fired.rule] = (stats[fired.rule] ?? 0) + 1;
          rewrites++;
          result = fired.value;
          if (!created.has(result)) break;
          const n = result.node;
          site = { op: n.op, inputs: n.inputs, attrs: n.attrs, type: n.output.type };
        }
        return result;
      });
      return { graph: rewrites ? out : graph, stats };
    },
  };
}

export const algebraicSimplification: Pass = simplifyPass();

/**
 * The first rule that fires. A variable's value is never forwarded in place of a computed one
 * (identity(read v) → read v): a read is the variable's value at one point in program order, and
 * the op over it is what keeps that snapshot once a later assignment updates the variable in place.
 */
function applyFirst(rules: readonly SimplifyRule[], site: Site, b: RuleBuilder): { rule: string; value: Value } | null {
  for (const rule of rules) {
    const value = rule.rewrite(site, b);
    if (value && sameType(value.type, site.type) && !getOp(value.node.op).stateful) return { rule: rule.name, value };
  }
  return null;
}

function ruleBuilder(g: Graph, location: string | undefined, freshId: () => number, created: Set<Value>): RuleBuilder {
  const add = (op: string, inputs: readonly Value[], attrs: Attrs = {}): Value => {
    const v = g.add(op, inputs, attrs, location, freshId());
    created.add(v);
    return v;
  };
  return {
    add,
    constant(type, values) {
      const data = allocArray(type.dtype, sizeOf(type.shape));
      data.set(Array.from(values));
      return add('constant', [], { value: { type, data } });
    },
    infer(op, inputs, attrs = {}) {
      const def = getOp(op);
      try {
        const types = inputs.map((v) => v.type);
        return def.infer(types, def.normalize ? def.normalize(types, attrs) : attrs);
      } catch {
        return null;
      }
    },
  };
}
