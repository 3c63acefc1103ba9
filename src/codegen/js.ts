import { collapseDims } from './collapse.js';
import { JsExprWriter, jsConst } from './js-expr.js';
import { matchContraction, renderContraction } from './js-matmul.js';
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
  // Dims that every load walks as one become one loop; a matrix product keeps its rows and columns apart.
  if (kernel.kind === 'map') return [...head, ...renderMap(collapseDims(kernel))].join('\n');
  const flat = collapseDims(kernel);
  for (const k of [flat, kernel]) {
    const c = matchContraction(k);
    if (c) return [...head, ...renderContraction(k, c)].join('\n');
  }
  return [...head, ...renderReduce(flat)].join('\n');
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
  const epilogueWriter = new JsExprWriter(v, r, { accName: arg ? 'arg' : 'acc', accLevel: EPILOGUE, flatLevel: EPILOGUE });
  const epilogue = epilogueWriter.render(kernel.epilogue, EPILOGUE);
  // An empty int32 max/min keeps its ±Infinity start, which an Int32Array stores as 0 (as the
  // reference does); a fused epilogue reads the accumulator directly, so it must start at 0 too.
  const empty = kernel.body.dtype === 'int32' && kernel.inner.includes(0);
  const point = [
    `let acc = ${jsConst(empty ? reduceInit(kernel.op) | 0 : reduceInit(kernel.op))};`,
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
