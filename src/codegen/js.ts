import type { Expr } from '../ir/index.js';
import { toAffine } from './affine.js';
import { JsExprWriter, jsConst } from './js-expr.js';
import { reduceInit, type Kernel, type ReduceKernel } from './kernel.js';

/**
 * The `js` renderer: a kernel becomes the body of `function (ins, outs, H)` with one nested
 * loop per domain dimension over typed arrays. `H` holds the few helpers expressions call
 * (round half to even, floor modulo, wrapping int32 power, the counter-based random generator).
 */
export function renderJs(kernel: Kernel): string {
  const head = [
    `// ${kernel.name}: ${kernel.kind} over [${kernel.domain.join(', ')}]${kernel.kind === 'reduce' ? ` ${kernel.op} over [${kernel.inner.join(', ')}]` : ''}`,
    ...kernel.inputs.map((_, i) => `const in${i} = ins[${i}];`),
    ...kernel.outputs.map((_, i) => `const out${i} = outs[${i}];`),
  ];
  if (kernel.kind === 'reduce') {
    const contraction = kernel.op === 'sum' ? matchContraction(kernel) : null;
    return [...head, ...(contraction ? renderContraction(kernel, contraction) : renderReduce(kernel))].join('\n');
  }
  return [...head, ...renderMap(kernel)].join('\n');
}

const v = (d: number) => `i${d}`;
/** The level epilogue temps are declared at: after a point's inner loops. */
const EPILOGUE = Number.MAX_SAFE_INTEGER - 1;

function indent(lines: string[], depth: number): string[] {
  const pad = '  '.repeat(depth);
  return lines.map((l) => pad + l);
}

function renderMap(kernel: Extract<Kernel, { kind: 'map' }>): string[] {
  const rank = kernel.domain.length;
  const w = new JsExprWriter(v, rank);
  const stores = kernel.stores.map((s) => w.render(s, rank - 1));
  const inner = [...w.take(rank - 1), ...stores.map((s, i) => `out${i}[o] = ${s};`), 'o++;'];
  const lines = ['let o = 0;', ...w.take(-1)];
  return [...lines, ...nest(kernel.domain, 0, rank, w, inner)];
}

/** Loops for dims [from, to): each level's hoisted statements open its body. */
function nest(shape: readonly number[], from: number, to: number, w: JsExprWriter, innermost: string[]): string[] {
  if (from >= to) return innermost;
  const d = from;
  const body = d === to - 1 ? innermost : [...w.take(d), ...nest(shape, from + 1, to, w, innermost)];
  return [`for (let ${v(d)} = 0; ${v(d)} < ${shape[d]}; ${v(d)}++) {`, ...indent(body, 1), '}'];
}

function renderReduce(kernel: ReduceKernel): string[] {
  const r = kernel.domain.length;
  const q = kernel.inner.length;
  const all = [...kernel.domain, ...kernel.inner];
  const w = new JsExprWriter(v, r + q);
  const arg = kernel.op === 'argmax' || kernel.op === 'argmin';
  const body = w.render(kernel.body, r + q - 1);
  const update = {
    sum: `acc += ${body};`,
    // int32 products wrap as int32 multiplication does; a float64 product would lose the low bits.
    prod: kernel.body.dtype === 'int32' ? `acc = Math.imul(acc, ${body});` : `acc *= ${body};`,
    max: `{ const x = ${body}; if (x > acc || x !== x) acc = x; }`,
    min: `{ const x = ${body}; if (x < acc || x !== x) acc = x; }`,
    // NaN wins, at its first position (as max/min propagate it): `acc === acc` until one is met.
    argmax: `{ const x = ${body}; if (x > acc || (x !== x && acc === acc)) { acc = x; arg = k; } k++; }`,
    argmin: `{ const x = ${body}; if (x < acc || (x !== x && acc === acc)) { acc = x; arg = k; } k++; }`,
  }[kernel.op];
  const innerLoops = q === 0 ? [...w.take(r - 1), update] : nest(all, r, r + q, w, [...w.take(r + q - 1), update]);
  const epilogueWriter = new JsExprWriter(v, r, arg ? 'arg' : 'acc', EPILOGUE);
  const epilogue = epilogueWriter.render(kernel.epilogue, EPILOGUE);
  const point = [
    `let acc = ${jsConst(reduceInit(kernel.op))};`,
    ...(arg ? ['let arg = 0;', 'let k = 0;'] : []),
    ...innerLoops,
    ...epilogueWriter.take(EPILOGUE),
    `out0[o++] = ${epilogue};`,
  ];
  const pre = ['let o = 0;', ...w.take(-1)];
  if (r === 0) return [...pre, ...point];
  // Hoisted statements of the last outer level belong before the inner loops, inside the point.
  return [...pre, ...nest(kernel.domain, 0, r, w, [...w.take(r - 1), ...point])];
}

interface Contraction {
  /** Affine index of A and B over domain dims then the inner dim. */
  readonly a: { input: number; base: number; coef: readonly number[] };
  readonly b: { input: number; base: number; coef: readonly number[] };
}

/** A sum over one inner dim of load(A)·load(B) with affine indices: a matrix product. */
function matchContraction(kernel: ReduceKernel): Contraction | null {
  const e = kernel.body;
  if (kernel.inner.length !== 1 || kernel.domain.length < 2 || e.k !== 'alu' || e.op !== 'mul' || e.dtype !== 'float32') return null;
  const [x, y] = e.args as [Expr, Expr];
  if (x.k !== 'load' || y.k !== 'load') return null;
  const rank = kernel.domain.length + 1;
  const ax = toAffine(x.at, rank);
  const by = toAffine(y.at, rank);
  if (!ax || !by) return null;
  // A must not move with the output column j, nor B with the row i (sum(a * b) over an axis of
  // two same-shaped tensors is not a matrix product); operands the other way round swap.
  const i = rank - 3, j = rank - 2;
  if (ax.coef[j] === 0 && by.coef[i] === 0) return { a: { input: x.input, ...ax }, b: { input: y.input, ...by } };
  if (by.coef[j] === 0 && ax.coef[i] === 0) return { a: { input: y.input, ...by }, b: { input: x.input, ...ax } };
  return null;
}

/**
 * A matrix product per batch point: rows of the output accumulate in a float64 row buffer
 * with the k loop outside the j loop (streaming rows of B), or as dot products when both
 * operands are contiguous along k (B transposed).
 */
function renderContraction(kernel: ReduceKernel, c: Contraction): string[] {
  const r = kernel.domain.length;
  const n = kernel.domain[r - 1]!;
  const k = kernel.inner[0]!;
  const ai = c.a.coef[r - 2]!, ak = c.a.coef[r]!, bj = c.b.coef[r - 1]!, bk = c.b.coef[r]!;
  const A = `in${c.a.input}`, B = `in${c.b.input}`;
  const batchBase = (x: Contraction['a']) => [jsConst(x.base), ...x.coef.slice(0, r - 2).map((cf, d) => (cf ? `${v(d)} * ${cf}` : '')).filter(Boolean)].join(' + ');
  const w = new JsExprWriter(v, r, `row[i${r - 1}]`, EPILOGUE);
  const epi = w.render(kernel.epilogue, EPILOGUE);
  const dot = ak === 1 && bk === 1 && bj !== 1;
  const rowLoop = dot
    ? [
      `const aRow = aBase + ${v(r - 2)} * ${ai};`,
      `for (let i${r - 1} = 0; i${r - 1} < ${n}; i${r - 1}++) {`,
      `  const bRow = bBase + i${r - 1} * ${bj};`,
      '  let s = 0;',
      `  for (let kk = 0; kk < ${k}; kk++) s += ${A}[aRow + kk] * ${B}[bRow + kk];`,
      `  row[i${r - 1}] = s;`,
      '}',
    ]
    : [
      'row.fill(0);',
      `for (let kk = 0; kk < ${k}; kk++) {`,
      `  const a = ${A}[aBase + ${v(r - 2)} * ${ai} + kk * ${ak}];`,
      `  const bRow = bBase + kk * ${bk};`,
      `  for (let j = 0; j < ${n}; j++) row[j] += a * ${B}[bRow + j * ${bj}];`,
      '}',
    ];
  const rowBody = [
    ...rowLoop,
    `for (let i${r - 1} = 0; i${r - 1} < ${n}; i${r - 1}++) {`,
    ...indent(w.take(EPILOGUE), 1),
    `  out0[o++] = ${epi};`,
    '}',
  ];
  const perBatch = [
    `const aBase = ${batchBase(c.a)};`,
    `const bBase = ${batchBase(c.b)};`,
    `for (let ${v(r - 2)} = 0; ${v(r - 2)} < ${kernel.domain[r - 2]}; ${v(r - 2)}++) {`,
    ...indent(rowBody, 1),
    '}',
  ];
  let lines = perBatch;
  for (let d = r - 3; d >= 0; d--) lines = [`for (let ${v(d)} = 0; ${v(d)} < ${kernel.domain[d]}; ${v(d)}++) {`, ...indent(lines, 1), '}'];
  return [`const row = new Float64Array(${n});`, 'let o = 0;', ...lines];
}
