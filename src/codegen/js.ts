import { collapseDims } from './collapse.js';
import { matchWindowContraction, renderWindowContraction } from './js-conv.js';
import { JsExprWriter } from './js-expr.js';
import { matchContraction, renderContraction } from './js-matmul.js';
import { renderReduce } from './js-reduce.js';
import type { Kernel } from './kernel.js';

/**
 * The `js` renderer: a kernel becomes the body of `function (ins, outs, H)` with one nested
 * loop per domain dimension over typed arrays (dims read contiguously merged into one loop).
 * Matrix products and reductions have templates of their own (js-matmul.ts, js-reduce.ts).
 * `H` holds the few helpers expressions call (round half to even, floor modulo, wrapping int32
 * power, the counter-based random generator).
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
  const conv = matchWindowContraction(kernel);
  if (conv) return [...head, ...renderWindowContraction(kernel, conv)].join('\n');
  return [...head, ...renderReduce(flat)].join('\n');
}

const v = (d: number) => `i${d}`;

function indent(lines: string[], depth: number): string[] {
  const pad = '  '.repeat(depth);
  return lines.map((l) => pad + l);
}

function renderMap(kernel: Extract<Kernel, { kind: 'map' }>): string[] {
  const rank = kernel.domain.length;
  const w = new JsExprWriter(v, rank);
  const stores = kernel.stores.map((s) => w.render(s, rank - 1));
  // One loop (contiguous dims collapsed) writes at its own index; a nest counts its outputs.
  const at = rank === 1 ? v(0) : 'o';
  const inner = [...w.take(rank - 1), ...stores.map((s, i) => `out${i}[${at}] = ${s};`), ...(rank === 1 ? [] : ['o++;'])];
  const lines = [...(rank === 1 ? [] : ['let o = 0;']), ...w.take(-1)];
  return [...lines, ...nest(kernel.domain, 0, rank, w, inner)];
}

/** Loops for dims [from, to): each level's hoisted statements open its body. */
function nest(shape: readonly number[], from: number, to: number, w: JsExprWriter, innermost: string[]): string[] {
  if (from >= to) return innermost;
  const d = from;
  const body = d === to - 1 ? innermost : [...w.take(d), ...nest(shape, from + 1, to, w, innermost)];
  return [`for (let ${v(d)} = 0; ${v(d)} < ${shape[d]}; ${v(d)}++) {`, ...indent(body, 1), '}'];
}
