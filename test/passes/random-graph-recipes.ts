import fc from 'fast-check';
import { printGraph, sizeOf, type Attrs, type DType, type Graph, type HostTensor, type TensorType, type Value } from '../../src/ir/index.js';
import { broadcast, Builder, factorize, MAX_SIZE, permutation, type Step } from './random-graph-builder.js';

/**
 * Random graphs for the pass tests: a recipe (op choices and numbers, what fast-check generates
 * and shrinks) and `build`, which turns any recipe into a valid graph with parameter values.
 * Steps draw every choice modulo the options there are, so a shrunk recipe still builds.
 */

// ---------------------------------------------------------------------------------------------
// Recipes

export interface Recipe {
  /** Shapes of the float32 parameters. */
  readonly floats: readonly (readonly number[])[];
  /** Shape of an int32 parameter (gather indices come from it), or none. */
  readonly ints: readonly number[] | null;
  readonly steps: readonly Step[];
  /** Extra outputs, as indices into the graph's values (modulo their count). */
  readonly outputs: readonly number[];
  /** Seed of the parameters' values. */
  readonly data: number;
}

const dimArb = fc.integer({ min: 1, max: 5 });
const stepArb: fc.Arbitrary<Step> = fc.record({
  op: fc.nat({ max: 9999 }),
  args: fc.array(fc.nat({ max: 9999 }), { minLength: 12, maxLength: 12 }),
});

export function recipeArb(minSteps: number, maxSteps: number): fc.Arbitrary<Recipe> {
  // Without bias: biased numbers are mostly small, which would make most choices the first option.
  return fc.noBias(fc.record({
    floats: fc.array(fc.array(dimArb, { maxLength: 3 }), { minLength: 1, maxLength: 3 }),
    ints: fc.option(fc.array(dimArb, { minLength: 1, maxLength: 2 }), { nil: null }),
    steps: fc.array(stepArb, { minLength: minSteps, maxLength: maxSteps }),
    outputs: fc.array(fc.nat({ max: 9999 }), { maxLength: 6 }),
    data: fc.nat(),
  }));
}

// ---------------------------------------------------------------------------------------------
// Steps: each adds one op (and the helpers that keep it defined and bounded) to the builder

type StepKind = (b: Builder) => void;

const unaryStep: StepKind = (b) => {
  const x = b.float();
  const B = b.bound(x);
  const E = b.exact(x);
  const plain = (op: string, bound: number, exact = false) => b.add(op, [x], {}, { bound, exact });
  switch (b.pick(16)) {
    case 0: plain('neg', B, E); break;
    case 1: plain('abs', B, E); break;
    case 2: b.add('exp', [b.add('tanh', [x], {}, { bound: 1, exact: false })], {}, { bound: 3, exact: false }); break;
    case 3: {
      // sqrt has an unbounded slope at 0: a rounding difference in a computed input near 0 would grow.
      let a = b.add('abs', [x], {}, { bound: B, exact: E });
      if (!E) a = b.add('add', [a, b.scalar(0.25)], {}, { bound: B + 0.25, exact: false });
      b.add('sqrt', [a], {}, { bound: Math.sqrt(B + 0.25), exact: false });
      break;
    }
    case 4: {
      const a = b.add('add', [b.add('abs', [x], {}, { bound: B, exact: E }), b.scalar(1)], {}, { bound: B + 1, exact: false });
      b.add('log', [a], {}, { bound: Math.log(B + 1), exact: false });
      break;
    }
    case 5: plain('sigmoid', 1); break;
    case 6: plain('relu', B, E); break;
    case 7: plain('tanh', 1); break;
    case 8: { const y = b.limited(x, 4); b.add('square', [y], {}, { bound: b.bound(y) ** 2, exact: false }); break; }
    case 9: plain('sin', 1); break;
    case 10: plain('cos', 1); break;
    case 11: plain('softplus', B + 1); break;
    case 12: plain('elu', Math.max(B, 1)); break;
    case 13: b.add('leakyRelu', [x], { alpha: 0.25 }, { bound: B, exact: false }); break;
    default: {
      // Ops defined away from 0 only, on |x| + 1 (or |x| for log1p).
      const a = b.add('abs', [x], {}, { bound: B, exact: E });
      const op = ['rsqrt', 'reciprocal', 'log1p', 'pow'][b.pick(4)]!;
      if (op === 'log1p') { b.add('log1p', [a], {}, { bound: Math.log1p(B), exact: false }); break; }
      const shifted = b.add('add', [a, b.scalar(1)], {}, { bound: B + 1, exact: false });
      if (op !== 'pow') { b.add(op, [shifted], {}, { bound: 1, exact: false }); break; }
      const p = [0.5, 2, -1, 1.5][b.pick(4)]!;
      const base = b.limited(shifted, 4);
      b.add('pow', [base, b.scalar(p)], {}, { bound: 16, exact: false });
    }
  }
};

const binaryStep: StepKind = (b) => {
  let x = b.float();
  let y = b.partner(x.type.shape);
  if (b.chance()) [x, y] = [y, x];
  switch (b.pick(6)) {
    case 0: case 1: {
      x = b.limited(x, 32);
      y = b.limited(y, 32);
      b.add(b.chance() ? 'add' : 'sub', [x, y], {}, { bound: b.bound(x) + b.bound(y), exact: false });
      break;
    }
    case 2: {
      x = b.limited(x, 4);
      y = b.limited(y, 4);
      b.add('mul', [x, y], {}, { bound: b.bound(x) * b.bound(y), exact: false });
      break;
    }
    case 3: {
      x = b.limited(x, 32);
      const d = b.add('add', [b.add('abs', [y], {}, { bound: b.bound(y), exact: b.exact(y) }), b.scalar(1)], {}, { bound: b.bound(y) + 1, exact: false });
      b.add('div', [x, d], {}, { bound: b.bound(x), exact: false });
      break;
    }
    default:
      b.add(b.chance() ? 'maximum' : 'minimum', [x, y], {}, { bound: Math.max(b.bound(x), b.bound(y)), exact: b.exact(x) && b.exact(y) });
  }
};

const whereStep: StepKind = (b) => {
  const c = b.condition();
  const x = b.partner(c.type.shape);
  const y = b.partner(broadcast(c.type.shape, x.type.shape)!);
  b.add('where', [c, x, y], {}, { bound: Math.max(b.bound(x), b.bound(y)), exact: b.exact(x) && b.exact(y) });
};

const movementStep: StepKind = (b) => {
  let x = b.chance() ? b.float() : b.choose(() => true)!;
  const info = { bound: b.bound(x), exact: b.exact(x) };
  const move = (op: string, v: Value, attrs: Attrs) => b.add(op, [v], attrs, info);
  let shape = x.type.shape;
  const size = sizeOf(shape);
  const kind = b.pick(9);
  // Steps that need an axis work on a rank-1 view of a scalar.
  if (shape.length === 0 && kind !== 1 && kind !== 2 && kind !== 3) {
    x = move('reshape', x, { shape: [1] });
    shape = [1];
  }
  const rank = shape.length;
  switch (kind) {
    case 0: case 1:
      // transposing a vector changes nothing: reshape it instead
      if (kind === 0 && rank >= 2) move('transpose', x, { perm: permutation(b, rank) });
      else move('reshape', x, { shape: factorize(b, size) });
      break;
    case 2: {
      const at = b.pick(rank + 1);
      move('reshape', x, { shape: [...shape.slice(0, at), 1, ...shape.slice(at)] });
      break;
    }
    case 3: {
      const lead = Array.from({ length: b.pick(3) }, () => 1 + b.pick(3));
      const target = [...lead, ...shape.map((d) => (d === 1 && b.chance() ? 1 + b.pick(4) : d))];
      if (sizeOf(target) <= MAX_SIZE) move('broadcastTo', x, { shape: target });
      break;
    }
    case 4: {
      const begin = shape.map((d) => b.pick(d));
      // Now and then an empty slice, so empty tensors flow through the later steps.
      const empty = b.pick(8) === 0 ? b.pick(rank) : -1;
      move('slice', x, { begin, size: shape.map((d, i) => (i === empty ? 0 : Math.min(d - begin[i]!, 1 + b.pick(d - begin[i]!)))) });
      break;
    }
    case 5: {
      const paddings = shape.map(() => [b.pick(3), b.pick(3)]);
      const constantValue = [0, 1, -0.5, 2][b.pick(4)]!;
      if (sizeOf(shape.map((d, i) => d + paddings[i]![0]! + paddings[i]![1]!)) <= MAX_SIZE) {
        b.add('pad', [x], { paddings, constantValue }, { bound: Math.max(info.bound, 2), exact: info.exact });
      }
      break;
    }
    case 6: {
      const reps = shape.map(() => 1 + b.pick(3));
      if (size * sizeOf(reps) <= MAX_SIZE) move('tile', x, { reps });
      break;
    }
    case 7: {
      const axis = b.pick(rank);
      const fits = (v: Value) => v.type.dtype === x.type.dtype && v.type.shape.length === rank && v.type.shape.every((d, i) => i === axis || d === shape[i]);
      const parts = [x];
      for (let i = b.pick(3); i >= 0; i--) parts.push(b.choose(fits)!);
      if (b.chance()) parts.reverse();
      const out = parts.reduce((s, v) => s + sizeOf(v.type.shape), 0);
      if (out <= MAX_SIZE) {
        const bound = Math.max(...parts.map((v) => b.bound(v)));
        b.add('concat', parts, { axis }, { bound, exact: parts.every((v) => b.exact(v)) });
      }
      break;
    }
    default: {
      const axis = b.pick(rank);
      if (shape[axis] === 0) break;
      const indices = b.indices(shape[axis]!);
      if ((size / shape[axis]!) * sizeOf(indices.type.shape) <= MAX_SIZE) b.add('gather', [x, indices], { axis }, info);
    }
  }
};

const reduceStep: StepKind = (b) => {
  const x = b.chance() ? b.float() : b.choose((v) => v.type.dtype !== 'bool')!;
  const shape = x.type.shape;
  const axes = shape.map((_, i) => i).filter(() => b.pick(3) > 0);
  const keepDims = b.chance();
  const n = sizeOf(axes.map((a) => shape[a]!));
  const B = b.bound(x);
  const E = b.exact(x);
  const op = b.pick(6);
  if (op === 5) {
    // int32 products wrap alike everywhere; float ones stay within ±1.
    const v = x.type.dtype === 'float32' ? b.limited(x, 1) : x;
    b.add('prod', [v], { axes, keepDims }, { bound: v.type.dtype === 'float32' ? 1 : 2 ** 31, exact: v.type.dtype === 'int32' });
  } else if (op === 4) {
    // argMax/argMin only of exact values: a rounding difference could move the extreme element.
    const y = b.choose((v) => v.type.dtype !== 'bool' && b.exact(v) && v.type.shape.length > 0);
    if (y) b.add(b.chance() ? 'argMax' : 'argMin', [y], { axis: b.pick(y.type.shape.length) }, { bound: Math.max(...y.type.shape), exact: true });
  } else if (op === 0 || op === 3) {
    const v = x.type.dtype === 'float32' ? b.limited(x, 32) : x;
    const sum = b.add('sum', [v], { axes, keepDims }, { bound: b.bound(v) * n, exact: v.type.dtype === 'int32' });
    // mean as sum times a constant, as the api writes it
    if (op === 3 && v.type.dtype === 'float32') b.add('mul', [sum, b.scalar(1 / Math.max(n, 1))], {}, { bound: b.bound(v), exact: false });
  } else {
    b.add(op === 1 ? 'max' : 'min', [x], { axes, keepDims }, { bound: B, exact: E });
  }
};

const matMulStep: StepKind = (b) => {
  let a = b.limited(b.float(), 3);
  if (a.type.shape.length < 2) {
    const n = sizeOf(a.type.shape);
    a = b.add('reshape', [a], { shape: b.chance() ? [1, n] : [n, 1] }, { bound: b.bound(a), exact: b.exact(a) });
  }
  const sa = a.type.shape;
  const transposeA = b.chance();
  const transposeB = b.chance();
  const k = sa[sa.length - (transposeA ? 2 : 1)]!;
  const batchA = sa.slice(0, -2);
  const fits = (v: Value) => {
    const s = v.type.shape;
    if (v.type.dtype !== 'float32' || s.length < 2 || s[s.length - (transposeB ? 1 : 2)] !== k) return false;
    const batch = broadcast(batchA, s.slice(0, -2));
    return batch !== null && sizeOf(batch) * sa[sa.length - (transposeA ? 1 : 2)]! * s[s.length - (transposeB ? 2 : 1)]! <= MAX_SIZE;
  };
  let c = b.pick(3) > 0 ? b.choose(fits) : null;
  if (!c) {
    // Reshape a value whose size k divides, or make a constant.
    const v = b.choose((w) => w.type.dtype === 'float32' && sizeOf(w.type.shape) % k === 0 && sizeOf(w.type.shape) / k <= 8);
    const n = v ? sizeOf(v.type.shape) / k : 1 + b.pick(4);
    const shape = transposeB ? [n, k] : [k, n];
    c = v ? b.add('reshape', [v], { shape }, { bound: b.bound(v), exact: b.exact(v) }) : b.tensor(shape, 'float32');
    if (!fits(c)) return;
  }
  c = b.limited(c, 3);
  const kk = k;
  b.add('matMul', [a, c], { transposeA, transposeB }, { bound: b.bound(a) * b.bound(c) * kk, exact: false });
};

const constantStep: StepKind = (b) => {
  const shape = Array.from({ length: b.pick(4) }, () => 1 + b.pick(4));
  b.tensor(shape, b.pick(4) === 0 ? 'int32' : 'float32');
};

/**
 * int32 arithmetic, casts between dtypes, and float ops that jump at integers (floor, round),
 * all on exact values only, so a truncation or rounding never differs between evaluation orders.
 */
const exactStep: StepKind = (b) => {
  const x = b.choose((v) => v.type.dtype === 'int32' || v.type.dtype === 'bool' || b.exact(v))!;
  const B = b.bound(x);
  if (x.type.dtype === 'bool') {
    b.add('cast', [x], { dtype: b.chance() ? 'float32' : 'int32' }, { bound: 1, exact: true });
    return;
  }
  if (x.type.dtype === 'float32') {
    const op = ['cast', 'floor', 'ceil', 'round', 'sign'][b.pick(5)]!;
    b.add(op, [x], op === 'cast' ? { dtype: 'int32' } : {}, { bound: B + 1, exact: true });
    return;
  }
  const fits = (v: Value) => v.type.dtype === 'int32' && (broadcast(x.type.shape, v.type.shape)?.reduce((p, q) => p * q, 1) ?? Infinity) <= MAX_SIZE;
  switch (b.pick(7)) {
    case 0: b.add('cast', [x], { dtype: b.chance() ? 'float32' : 'bool' }, { bound: B, exact: true }); break;
    case 1: b.add(b.chance() ? 'neg' : 'square', [x], {}, { bound: B * B, exact: true }); break;
    case 2: {
      const y = b.choose(fits) ?? x;
      const op = B * b.bound(y) < 1e4 && b.chance() ? 'mul' : b.chance() ? 'add' : 'sub';
      b.add(op, [x, y], {}, { bound: op === 'mul' ? B * b.bound(y) : B + b.bound(y), exact: true });
      break;
    }
    case 3: {
      const d = (1 + b.pick(5)) * (b.chance() ? 1 : -1);
      b.add(b.chance() ? 'mod' : 'floorDiv', [x, b.scalar(d, 'int32')], {}, { bound: B, exact: true });
      break;
    }
    case 4: {
      // Σ x·x over a row: an int32 matrix product that cannot overflow.
      const n = sizeOf(x.type.shape);
      if (B * B * n > 2 ** 30) break;
      const row = b.add('reshape', [x], { shape: [1, n] }, { bound: B, exact: true });
      b.add('matMul', [row, row], { transposeB: true }, { bound: B * B * n, exact: true });
      break;
    }
    case 5: {
      const c = b.condition();
      const y = b.choose((v) => fits(v) && broadcast(c.type.shape, broadcast(x.type.shape, v.type.shape)!) !== null) ?? b.scalar(b.pick(7) - 3, 'int32');
      if (sizeOf(broadcast(c.type.shape, broadcast(x.type.shape, y.type.shape)!) ?? [Infinity]) > MAX_SIZE) break;
      b.add('where', b.chance() ? [c, x, y] : [c, y, x], {}, { bound: Math.max(B, b.bound(y)), exact: true });
      break;
    }
    default:
      if (b.chance()) b.add('abs', [x], {}, { bound: B, exact: true });
      else b.add(b.chance() ? 'maximum' : 'minimum', [x, b.scalar(b.pick(7) - 3, 'int32')], {}, { bound: B, exact: true });
  }
};

/** Patterns the optimizing passes rewrite: repeated nodes (CSE) and algebraic identities (simplify). */
const rewriteStep: StepKind = (b) => {
  const x = b.float();
  const info = b.infoOf(x);
  const shape = x.type.shape;
  const splat = (value: number): Value => {
    if (b.chance()) return b.scalar(value);
    const s = shape.slice(b.pick(shape.length + 1));
    return b.add('constant', [], { value: { type: { shape: s, dtype: 'float32' }, data: new Float32Array(sizeOf(s)).fill(value) } }, { bound: Math.abs(value), exact: true }, false);
  };
  const ordered = (a: Value, c: Value): Value[] => (b.chance() ? [a, c] : [c, a]);
  switch (b.pick(10)) {
    case 0: {
      const v = b.choose((w) => w.node.op !== 'parameter' && w.node.op !== 'constant')!;
      if (!v) break;
      const inputs = [...v.node.inputs];
      if ((v.node.op === 'add' || v.node.op === 'mul') && b.chance()) inputs.reverse();
      b.add(v.node.op, inputs, v.node.attrs, b.infoOf(v));
      break;
    }
    case 1: b.add('mul', ordered(x, splat(1)), {}, info); break;
    case 2: if (b.chance()) b.add('add', ordered(x, splat(0)), {}, info); else b.add('sub', [x, splat(0)], {}, info); break;
    case 3: {
      const c = [0.25, 0.5, 2, 4, -2, 3][b.pick(6)]!;
      const y = b.limited(x, 32);
      if (b.chance()) b.add('div', [y, splat(c)], {}, { bound: b.bound(y) * 4, exact: false });
      else b.add('mul', ordered(y, splat(c)), {}, { bound: b.bound(y) * 4, exact: false });
      break;
    }
    case 4: b.add('neg', [b.add('neg', [x], {}, info)], {}, info); break;
    case 5: {
      if (shape.length < 2) break;
      const once = b.add('transpose', [x], { perm: permutation(b, shape.length) }, info);
      b.add('transpose', [once], { perm: permutation(b, shape.length) }, info);
      break;
    }
    case 6: b.add('reshape', [b.add('reshape', [x], { shape: factorize(b, sizeOf(shape)) }, info)], { shape: b.chance() ? [...shape] : factorize(b, sizeOf(shape)) }, info); break;
    case 7: {
      const y = b.limited(x, 4);
      b.add('sqrt', [b.add('square', [y], {}, { bound: b.bound(y) ** 2, exact: false })], {}, b.infoOf(y));
      break;
    }
    case 8: { const op = ['identity', 'stopGradient', 'cast'][b.pick(3)]!; b.add(op, [x], op === 'cast' ? { dtype: 'float32' } : {}, info); break; }
    default: {
      // An operand broadcast explicitly to a shape the consumer would broadcast it to anyway.
      const y = b.partner(shape);
      const out = broadcast(shape, y.type.shape)!;
      const wide = b.add('broadcastTo', [y], { shape: out }, b.infoOf(y));
      b.add(b.chance() ? 'maximum' : 'add', ordered(b.limited(x, 32), b.limited(wide, 32)), {}, { bound: 64, exact: false });
    }
  }
};

const STEPS: readonly StepKind[] = [
  rewriteStep,
  unaryStep, unaryStep, binaryStep, binaryStep, whereStep, movementStep, movementStep, movementStep,
  reduceStep, reduceStep, matMulStep, constantStep, exactStep,
];

/** A deterministic stream of numbers in [0, 1). */
function lcg(seed: number): () => number {
  let s = (seed >>> 0) || 1;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

export interface Built {
  readonly graph: Graph;
  readonly params: HostTensor[];
}

export function build(recipe: Recipe): Built {
  const b = new Builder();
  const random = lcg(recipe.data);
  const params: HostTensor[] = [];
  for (const shape of recipe.floats) {
    const type: TensorType = { shape: [...shape], dtype: 'float32' };
    b.param(type, { bound: 2, exact: true });
    params.push({ type, data: Float32Array.from({ length: sizeOf(shape) }, () => random() * 4 - 2) });
  }
  if (recipe.ints) {
    const type: TensorType = { shape: [...recipe.ints], dtype: 'int32' };
    b.param(type, { bound: 6, exact: true });
    params.push({ type, data: Int32Array.from({ length: sizeOf(recipe.ints) }, () => Math.floor(random() * 13) - 6) });
  }
  recipe.steps.forEach((step, i) => {
    b.begin(step);
    const kind = STEPS[step.op % STEPS.length]!;
    try {
      kind(b);
    } catch (e) {
      // The builder must only make valid graphs: this is a bug of the generator (or of a type rule).
      const message = e instanceof Error ? (e.stack ?? e.message) : String(e);
      throw new Error(`generator: step ${i} (${kind.name}) failed: ${message}\n\ngraph so far:\n${printGraph(b.graph)}`);
    }
  });
  // The last value, then alternately a value nothing reads (else dead) and any value at all.
  const all = b.graph.nodes.map((n) => n.output);
  const unread = all.filter((v) => !b.isRead(v));
  b.graph.outputs = [b.pool[b.pool.length - 1]!, ...recipe.outputs.map((i, k) => (k % 2 === 0 && unread.length ? unread[i % unread.length]! : all[i % all.length]!))];
  return { graph: b.graph, params };
}
