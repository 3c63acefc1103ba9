import { add, int, type Expr } from '../ir/index.js';
import { toAffine } from './affine.js';
import { JsExprWriter, jsConst } from './js-expr.js';
import { reduceInit, type ReduceKernel } from './kernel.js';

/**
 * The `js` renderer's reductions, in one of three loop shapes:
 * - per output point, an accumulator folded over the inner loops (the general form);
 * - the same with several partial sums over the innermost inner dim, when the body is cheap: a
 *   float add waits for the previous one, so independent chains keep V8's code busy;
 * - a row of accumulators, one per element of the last output dim, when the loads step through
 *   that dim more closely than through the innermost reduced one (a sum over the first axis):
 *   the inner loop then walks memory contiguously.
 */
export function renderReduce(kernel: ReduceKernel): string[] {
  return acrossRows(kernel) ? renderRowReduce(kernel) : renderPointReduce(kernel);
}

const v = (d: number) => `i${d}`;
/** The level epilogue temps are declared at: after a point's inner loops. */
const EPILOGUE = Number.MAX_SAFE_INTEGER - 1;
/** Partial sums of an unrolled innermost loop. */
const UNROLL = 4;
/** Ops too costly for partial sums to matter beside them. */
const COSTLY = new Set(['exp', 'log', 'log1p', 'sin', 'cos', 'tanh', 'sigmoid', 'pow', 'rand', 'mod', 'idiv', 'div', 'sqrt', 'rsqrt']);

function indent(lines: readonly string[], depth = 1): string[] {
  const pad = '  '.repeat(depth);
  return lines.map((l) => pad + l);
}

/** Loops over `dims` (outermost first); each loop's hoisted statements (by level) open its body. */
function loops(dims: readonly { dim: number; extent: number; level: number }[], w: JsExprWriter, innermost: string[]): string[] {
  if (dims.length === 0) return innermost;
  const [{ dim, extent, level }, ...rest] = dims as [{ dim: number; extent: number; level: number }];
  const body = rest.length === 0 ? innermost : [...w.take(level), ...loops(rest, w, innermost)];
  return [`for (let ${v(dim)} = 0; ${v(dim)} < ${extent}; ${v(dim)}++) {`, ...indent(body), '}'];
}

/** The statement that folds `x` into the accumulator `acc`. */
function update(kernel: ReduceKernel, x: string, acc: string): string {
  switch (kernel.op) {
    case 'sum': return `${acc} += ${x};`;
    // int32 products wrap as int32 multiplication does; a float64 product would lose the low bits.
    case 'prod': return kernel.body.dtype === 'int32' ? `${acc} = Math.imul(${acc}, ${x});` : `${acc} *= ${x};`;
    case 'max': return `{ const x = ${x}; if (x > ${acc} || x !== x) ${acc} = x; }`;
    case 'min': return `{ const x = ${x}; if (x < ${acc} || x !== x) ${acc} = x; }`;
    // NaN wins, at its first position (as max/min propagate it): `acc === acc` until one is met.
    case 'argmax': return `{ const x = ${x}; if (x > ${acc} || (x !== x && ${acc} === ${acc})) { ${acc} = x; arg = k; } k++; }`;
    case 'argmin': return `{ const x = ${x}; if (x < ${acc} || (x !== x && ${acc} === ${acc})) { ${acc} = x; arg = k; } k++; }`;
  }
}

function initialValue(kernel: ReduceKernel): string {
  // An empty int32 max/min keeps its ±Infinity start, which an Int32Array stores as 0 (as the
  // reference does); a fused epilogue reads the accumulator directly, so it must start at 0 too.
  const empty = kernel.body.dtype === 'int32' && kernel.inner.includes(0);
  return jsConst(empty ? reduceInit(kernel.op) | 0 : reduceInit(kernel.op));
}

function renderPointReduce(kernel: ReduceKernel): string[] {
  const r = kernel.domain.length;
  const q = kernel.inner.length;
  const all = [...kernel.domain, ...kernel.inner];
  const last = r + q - 1;
  const w = new JsExprWriter(v, r + q);
  const arg = kernel.op === 'argmax' || kernel.op === 'argmin';
  const unroll = q > 0 && kernel.op === 'sum' && kernel.body.dtype === 'float32' && all[last]! >= 4 * UNROLL && !costly(kernel.body);
  const dims = all.map((extent, dim) => ({ dim, extent, level: dim }));
  let accs = ['acc'];
  let innerLoops: string[];
  if (unroll) {
    const n = all[last]!;
    const main = n - (n % UNROLL);
    accs = Array.from({ length: UNROLL }, (_, u) => (u ? `acc${u}` : 'acc'));
    const bodies = accs.map((_, u) => w.render(shift(kernel.body, last, u), last));
    // The last n % UNROLL elements, at constant indices after the loop.
    const rest = Array.from({ length: n - main }, (_, u) => w.render(substitute(kernel.body, last, int(main + u)), last - 1));
    const unrolled = [
      `for (let ${v(last)} = 0; ${v(last)} < ${main}; ${v(last)} += ${UNROLL}) {`,
      ...indent([...w.take(last), ...bodies.map((b, u) => `${accs[u]} += ${b};`)]),
      '}',
      ...rest.map((b) => `acc += ${b};`),
      `acc += ${accs.slice(1).join(' + ')};`,
    ];
    innerLoops = loops(dims.slice(r, last), w, [...w.take(last - 1), ...unrolled]);
  } else {
    const body = w.render(kernel.body, last);
    const step = update(kernel, body, 'acc');
    innerLoops = q === 0 ? [...w.take(r - 1), step] : loops(dims.slice(r), w, [...w.take(last), step]);
  }
  const epilogueWriter = new JsExprWriter(v, r, { accName: arg ? 'arg' : 'acc', accLevel: EPILOGUE, flatLevel: EPILOGUE });
  const epilogue = epilogueWriter.render(kernel.epilogue, EPILOGUE);
  const point = [
    `let ${accs.map((a, u) => `${a} = ${u ? '0' : initialValue(kernel)}`).join(', ')};`,
    ...(arg ? ['let arg = 0;', 'let k = 0;'] : []),
    ...innerLoops,
    ...epilogueWriter.take(EPILOGUE),
    `out0[o++] = ${epilogue};`,
  ];
  const pre = ['let o = 0;', ...w.take(-1)];
  if (r === 0) return [...pre, ...point];
  // Hoisted statements of the last outer level belong before the inner loops, inside the point.
  return [...pre, ...loops(dims.slice(0, r), w, [...w.take(r - 1), ...point])];
}

/**
 * Whether the body's loads step through the last output dim more closely than through the
 * innermost reduced dim: then a row of accumulators turns strided reads into contiguous ones.
 */
function acrossRows(kernel: ReduceKernel): boolean {
  const r = kernel.domain.length;
  const q = kernel.inner.length;
  if (r === 0 || q === 0 || kernel.op === 'argmax' || kernel.op === 'argmin' || kernel.domain[r - 1]! < 8) return false;
  let alongRow = 0, alongInner = 0;
  const visit = (e: Expr): void => {
    if (e.k === 'load') {
      const a = toAffine(e.at, r + q);
      if (a) { alongRow += Math.abs(a.coef[r - 1]!); alongInner += Math.abs(a.coef[r + q - 1]!); } else visit(e.at);
    }
    if (e.k === 'alu') e.args.forEach(visit);
  };
  visit(kernel.body);
  return alongRow < alongInner;
}

function renderRowReduce(kernel: ReduceKernel): string[] {
  const r = kernel.domain.length;
  const q = kernel.inner.length;
  const n = kernel.domain[r - 1]!;
  const j = r - 1;
  // Loop order: outer dims but the last, the reduced dims, then the last outer dim innermost.
  const order = [...Array.from({ length: r - 1 }, (_, d) => d), ...Array.from({ length: q }, (_, t) => r + t), j];
  const levels: number[] = [];
  order.forEach((dim, level) => { levels[dim] = level; });
  const w = new JsExprWriter(v, r + q, { levels });
  const body = w.render(kernel.body, r + q - 1);
  const e = new JsExprWriter(v, r, { accLevel: j, prefix: 'e' });
  const epilogue = e.render(kernel.epilogue, j);
  const all = [...kernel.domain, ...kernel.inner];
  const reduced = order.slice(r - 1).map((dim) => ({ dim, extent: all[dim]!, level: levels[dim]! }));
  const row = [
    `accs.fill(${initialValue(kernel).replace(/^\((.*)\)$/, '$1')});`,
    ...loops(reduced, w, [...w.take(r + q - 1), update(kernel, body, `accs[${v(j)}]`)]),
    `for (let ${v(j)} = 0; ${v(j)} < ${n}; ${v(j)}++) {`,
    `  const acc = accs[${v(j)}];`,
    ...indent(e.take(j)),
    `  out0[o++] = ${epilogue};`,
    '}',
  ];
  // Both writers' statements of an outer level open that loop's body.
  const outer = (d: number): string[] => (d === r - 1 ? row : [
    `for (let ${v(d)} = 0; ${v(d)} < ${kernel.domain[d]}; ${v(d)}++) {`, ...indent([...w.take(d), ...e.take(d), ...outer(d + 1)]), '}',
  ]);
  return [
    `// one accumulator per element of the last output dim: the reduced loops read along it`,
    `const accs = new Float64Array(${n});`,
    'let o = 0;',
    ...w.take(-1),
    ...e.take(-1),
    ...outer(0),
  ];
}

const costly = (e: Expr): boolean => (e.k === 'alu' && (COSTLY.has(e.op) || e.args.some(costly))) || (e.k === 'load' && costly(e.at));

/** `e` with index(dim) replaced by `by`. */
function substitute(e: Expr, dim: number, by: Expr): Expr {
  switch (e.k) {
    case 'index': return e.dim === dim ? by : e;
    case 'load': return { ...e, at: substitute(e.at, dim, by) };
    case 'alu': return { ...e, args: e.args.map((a) => substitute(a, dim, by)) };
    default: return e;
  }
}

/** `e` at index(dim) + u. */
function shift(e: Expr, dim: number, u: number): Expr {
  return u === 0 ? e : substitute(e, dim, add({ k: 'index', dim, dtype: 'int32' }, int(u)));
}
