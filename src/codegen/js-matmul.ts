import type { Expr } from '../ir/index.js';
import { toAffine } from './affine.js';
import { JsExprWriter } from './js-expr.js';
import type { ReduceKernel } from './kernel.js';

/**
 * The `js` renderer's matrix product: a sum over one inner dim k of A·B, where the factor A does
 * not move with the output column j and B not with the row i. Blocked as in GotoBLAS, since V8
 * compiles scalar code only: the factors are evaluated into packed float64 panels (4 rows of A,
 * 4 columns of B, k-major), a 4×4 block of the output accumulates in 16 local variables over a
 * block of k, and a block of sums collects in `c` until k is done; then the epilogue writes the
 * outputs. Packing evaluates each factor once per block whatever its strides (transposes), its
 * batch broadcast or its fused prologue, so the inner loop only ever reads contiguous panels.
 */
export interface Contraction {
  /** The factor that moves with the row (and not the column), and the one that moves with the column. */
  readonly a: Expr;
  readonly b: Expr;
}

/** Rows and columns of one micro-kernel: 16 accumulators, as many as V8 keeps in registers well. */
const MR = 4;
const NR = 4;
/** Block sizes (rows of A, k, columns of B): a block of A stays in L2, a panel of B in L1. */
const MC = 64;
const KC = 256;
const NC = 256;

/** Fewest rows and columns worth packing for: narrower products run as fast as plain reductions. */
const MIN_SIDE = 4;

/** Matches a float32 sum over one inner dim of a product whose factors split rows from columns. */
export function matchContraction(kernel: ReduceKernel): Contraction | null {
  const e = kernel.body;
  const r = kernel.domain.length;
  if (kernel.op !== 'sum' || kernel.inner.length !== 1 || r < 2 || kernel.domain[r - 2]! < MIN_SIDE || kernel.domain[r - 1]! < MIN_SIDE) return null;
  if (e.k !== 'alu' || e.op !== 'mul' || e.dtype !== 'float32') return null;
  const [x, y] = e.args as [Expr, Expr];
  const dx = dimsUsed(x), dy = dimsUsed(y);
  // sum(a * b) over an axis of two same-shaped tensors moves both factors with i and j: no product.
  if (!dx.has(r - 1) && !dy.has(r - 2)) return { a: x, b: y };
  if (!dy.has(r - 1) && !dx.has(r - 2)) return { a: y, b: x };
  return null;
}

function dimsUsed(e: Expr, into = new Set<number>()): Set<number> {
  if (e.k === 'index') into.add(e.dim);
  if (e.k === 'load') dimsUsed(e.at, into);
  if (e.k === 'alu') for (const a of e.args) dimsUsed(a, into);
  return into;
}

const v = (d: number) => `i${d}`;
const roundUp = (x: number, m: number) => Math.ceil(x / m) * m;

function indent(lines: readonly string[], depth = 1): string[] {
  const pad = '  '.repeat(depth);
  return lines.map((l) => pad + l);
}

/**
 * Whether the factor's loads step further along `outer` than along `k`: then packing reads it with
 * k in the inner loop (rows of a row-major A, columns of a row-major B are the other way round).
 */
function kInner(e: Expr, outer: number, k: number, rank: number): boolean {
  let alongOuter = 0, alongK = 0;
  const visit = (x: Expr): void => {
    if (x.k === 'load') {
      const a = toAffine(x.at, rank);
      if (a) { alongOuter += Math.abs(a.coef[outer]!); alongK += Math.abs(a.coef[k]!); }
    }
    if (x.k === 'alu') x.args.forEach(visit);
  };
  visit(e);
  return alongK <= alongOuter;
}

/**
 * The loops that evaluate a factor over a block into panels of `width` along dim `d` (from `d0`,
 * `count` of them), k-major within a panel: element (d, k) goes to
 * `pack[((d - d0) >> 2) * kc * 4 + (k - pc) * 4 + ((d - d0) & 3)]`.
 */
function packLoops(kernel: ReduceKernel, factor: Expr, pack: string, d: number, d0: string, count: string, prefix: string): { batch: JsExprWriter; lines: string[] } {
  const r = kernel.domain.length;
  const k = r;
  const kFirst = !kInner(factor, d, k, r + 1);
  const [outer, inner] = kFirst ? [k, d] : [d, k];
  const levels = Array.from({ length: r + 1 }, (_, i) => i);
  levels[outer] = r - 2;
  levels[inner] = r - 1;
  levels[d === r - 2 ? r - 1 : r - 2] = r; // the other output dim: unused by this factor
  const w = new JsExprWriter(v, r + 1, { prefix, levels });
  const value = w.render(factor, r - 1);
  const from = (x: number) => (x === k ? 'pc0' : d0);
  const extent = (x: number) => (x === k ? 'kc' : count);
  const loop = (x: number, body: string[]) => [
    `for (let ${v(x)} = ${from(x)}; ${v(x)} < ${from(x)} + ${extent(x)}; ${v(x)}++) {`, ...indent(body), '}',
  ];
  const rel = `(${v(d)} - ${d0})`;
  const lines = kFirst
    ? loop(k, [...w.take(r - 2), ...loop(d, [
      ...w.take(r - 1),
      `${pack}[(${rel} >> 2) * kc * 4 + (${v(k)} - pc0) * 4 + (${rel} & 3)] = ${value};`,
    ])])
    : loop(d, [...w.take(r - 2), `let q = (${rel} >> 2) * kc * 4 + (${rel} & 3);`, ...loop(k, [
      ...w.take(r - 1),
      `${pack}[q] = ${value};`,
      'q += 4;',
    ])]);
  return { batch: w, lines };
}

/** A loop over blocks of `size` (or, when one block covers all, just its bounds). */
function blockLoop(name: string, extent: string, size: number, total: number, body: string[]): string[] {
  if (total <= size) return [`const ${name}0 = 0;`, `const ${extent} = ${total};`, ...body];
  return [
    `for (let ${name}0 = 0; ${name}0 < ${total}; ${name}0 += ${size}) {`,
    `  const ${extent} = Math.min(${size}, ${total} - ${name}0);`,
    ...indent(body),
    '}',
  ];
}

/** The 4×4 micro-kernels over a packed block: c[ir + a, jr + b] (+)= Σ_p aPack · bPack. */
function microKernels(cStride: number, accumulate: boolean): string[] {
  const rows = Array.from({ length: MR }, (_, a) => a);
  const cols = Array.from({ length: NR }, (_, b) => b);
  const sums = rows.map((a) => cols.map((b) => `c${a}${b}`));
  return [
    `for (let jr = 0; jr < nc; jr += ${NR}) {`,
    `  for (let ir = 0; ir < mc; ir += ${MR}) {`,
    ...indent(sums.map((row) => `let ${row.map((s) => `${s} = 0`).join(', ')};`), 2),
    '    let a = ir * kc, b = jr * kc;',
    '    for (let p = 0; p < kc; p++) {',
    `      const ${rows.map((x) => `a${x} = aPack[a${x ? ` + ${x}` : ''}]`).join(', ')};`,
    `      const ${cols.map((x) => `b${x} = bPack[b${x ? ` + ${x}` : ''}]`).join(', ')};`,
    ...indent(rows.map((x) => cols.map((y) => `${sums[x]![y]} += a${x} * b${y};`).join(' ')), 3),
    `      a += ${MR}; b += ${NR};`,
    '    }',
    `    let q = ir * ${cStride} + jr;`,
    ...indent(rows.map((x) => `${cols.map((y) => `c[q${y ? ` + ${y}` : ''}] ${accumulate ? '+=' : '='} ${sums[x]![y]};`).join(' ')}${x < MR - 1 ? ` q += ${cStride};` : ''}`), 2),
    '  }',
    '}',
  ];
}

export function renderContraction(kernel: ReduceKernel, c: Contraction): string[] {
  const r = kernel.domain.length;
  const [m, n] = [kernel.domain[r - 2]!, kernel.domain[r - 1]!];
  const k = kernel.inner[0]!;
  const mc = Math.min(MC, roundUp(m, MR));
  const kc = Math.min(KC, k);
  const nc = Math.min(NC, roundUp(n, NR));

  const packA = packLoops(kernel, c.a, 'aPack', r - 2, 'ic0', 'mc', 'ta');
  const packB = packLoops(kernel, c.b, 'bPack', r - 1, 'jc0', 'nc', 'tb');
  const e = new JsExprWriter(v, r, { accLevel: r - 1, prefix: 'e' });
  const epilogue = e.render(kernel.epilogue, r - 1);

  const outStrides: number[] = [];
  for (let d = r - 1, s = 1; d >= 0; d--) { outStrides[d] = s; s *= kernel.domain[d]!; }
  const batchTerms = outStrides.slice(0, r - 2).map((s, d) => `${v(d)} * ${s}`);
  const rowStart = [...batchTerms, `${v(r - 2)} * ${n}`, 'jc0'].join(' + ');
  const epilogueLoops = [
    `for (let ${v(r - 2)} = ic0; ${v(r - 2)} < ic0 + mc; ${v(r - 2)}++) {`,
    ...indent([
      ...e.take(r - 2),
      `let q = (${v(r - 2)} - ic0) * ${nc};`,
      `let o = ${rowStart};`,
      `for (let ${v(r - 1)} = jc0; ${v(r - 1)} < jc0 + nc; ${v(r - 1)}++) {`,
      '  const acc = c[q++];',
      ...indent(e.take(r - 1)),
      `  out0[o++] = ${epilogue};`,
      '}',
    ]),
    '}',
  ];
  const kBlocks = blockLoop('pc', 'kc', KC, k, [
    '// pack A[ic0 .. ic0 + mc, pc0 .. pc0 + kc] and B[pc0 .., jc0 .. jc0 + nc] into panels',
    ...packA.lines,
    ...packB.lines,
    ...microKernels(nc, k > KC),
  ]);
  const blocks = blockLoop('jc', 'nc', NC, n, blockLoop('ic', 'mc', MC, m, [
    ...(k > KC ? ['c.fill(0);'] : []),
    ...kBlocks,
    ...epilogueLoops,
  ]));
  let body = blocks;
  for (let d = r - 3; d >= 0; d--) {
    body = [`for (let ${v(d)} = 0; ${v(d)} < ${kernel.domain[d]}; ${v(d)}++) {`, ...indent([...packA.batch.take(d), ...packB.batch.take(d), ...e.take(d), ...body]), '}'];
  }
  return [
    `// matrix product: ${m}×${k} by ${k}×${n}${r > 2 ? ` for each of [${kernel.domain.slice(0, r - 2).join(', ')}]` : ''}, in ${MR}×${NR} blocks of the output`,
    `const aPack = new Float64Array(${mc * kc});`,
    `const bPack = new Float64Array(${kc * nc});`,
    `const c = new Float64Array(${mc * nc});`,
    ...packA.batch.take(-1),
    ...packB.batch.take(-1),
    ...e.take(-1),
    ...body,
  ];
}
