import type { Expr } from '../ir/index.js';
import { toAffine, type Affine } from './affine.js';
import { JsExprWriter } from './js-expr.js';
import type { ReduceKernel } from './kernel.js';

/**
 * The `js` renderer's window contractions: a float32 sum over several inner dims of a product of
 * two loads at affine indices, where one factor (B) moves with the last output dim j and not with
 * the others, and the other (A) not with j. Convolutions are this once their bounds masks are
 * gone (unpadded windows): conv2d is Σ_{kh,kw,ci} x[n, oh+kh, ow+kw, ci]·f[kh, kw, ci, co], and
 * conv2dBackpropFilter is Σ_{n,oh,ow} x[n, oh+kh, ow+kw, ci]·dy[n, oh, ow, co].
 *
 * Seen as a matrix product C[row, j] = Σ_k A[row, k]·B[k, j], with `row` all output dims but j
 * and `k` all inner dims flattened, the offsets of A and B split into a part per row, per k and
 * per j. Those parts are tabulated once per call (Int32Arrays over rows and over k), so the inner
 * loop is a 4×4 register tile as in the matrix product (js-matmul.ts) that reads A and B in place,
 * without packing and without the per-element index arithmetic and masks of the generic
 * reduction. When k is long, it is walked in blocks whose partial sums collect in a small buffer
 * per block of rows, so a block of B stays in cache while every row tile passes over it.
 */
export interface WindowContraction {
  /** The input buffers of A (not moving with j) and B (moving with j only among the output dims). */
  readonly a: number;
  readonly b: number;
  readonly aAt: Affine;
  readonly bAt: Affine;
}

/** Rows and columns of a register tile. */
const MR = 4;
const NR = 4;
/** Inner elements per block when k is long, and rows per block then. */
const KC = 256;
const MC = 64;

/** Matches a window contraction: sum over ≥ 1 inner dims of load·load at affine indices, split as above. */
export function matchWindowContraction(kernel: ReduceKernel): WindowContraction | null {
  const r = kernel.domain.length;
  const q = kernel.inner.length;
  const e = kernel.body;
  if (kernel.op !== 'sum' || q === 0 || r < 2 || kernel.domain[r - 1]! < NR) return null;
  if (kernel.domain.some((d) => d === 0) || kernel.inner.some((d) => d === 0)) return null;
  if (e.k !== 'alu' || e.op !== 'mul' || e.dtype !== 'float32') return null;
  const [x, y] = e.args as [Expr, Expr];
  if (x.k !== 'load' || y.k !== 'load' || x.dtype !== 'float32' || y.dtype !== 'float32') return null;
  const ax = toAffine(x.at, r + q), ay = toAffine(y.at, r + q);
  if (!ax || !ay) return null;
  const j = r - 1;
  const onlyJ = (a: Affine) => a.coef[j] !== 0 && a.coef.slice(0, j).every((c) => c === 0);
  let c: WindowContraction | null = null;
  if (ax.coef[j] === 0 && onlyJ(ay)) c = { a: x.input, b: y.input, aAt: ax, bAt: ay };
  else if (ay.coef[j] === 0 && onlyJ(ax)) c = { a: y.input, b: x.input, aAt: ay, bAt: ax };
  if (!c) return null;
  // A product worth tiling: more than one inner element, and A moving with some output dim.
  if (kernel.inner.reduce((s, d) => s * d, 1) < 2 || c.aAt.coef.slice(0, j).every((v) => v === 0)) return null;
  return c;
}

function indent(lines: readonly string[], depth = 1): string[] {
  const pad = '  '.repeat(depth);
  return lines.map((l) => pad + l);
}

function dimsUsed(e: Expr, into = new Set<number>()): Set<number> {
  if (e.k === 'index') into.add(e.dim);
  if (e.k === 'load') dimsUsed(e.at, into);
  if (e.k === 'alu') for (const a of e.args) dimsUsed(a, into);
  return into;
}

/** Loops over `extents` (loop variables `${name}0`, ...) around `body`. */
function nest(extents: readonly number[], name: string, body: string[]): string[] {
  let lines = body;
  for (let d = extents.length - 1; d >= 0; d--) {
    lines = [`for (let ${name}${d} = 0; ${name}${d} < ${extents[d]}; ${name}${d}++) {`, ...indent(lines), '}'];
  }
  return lines;
}

/** `base + Σ coef[d]·var(d)` over the dims given, as JavaScript. */
function affineCode(base: number, terms: readonly { coef: number; v: string }[]): string {
  const parts = terms.filter((t) => t.coef !== 0).map((t) => (t.coef === 1 ? t.v : `${t.v} * ${t.coef}`));
  if (base !== 0 || parts.length === 0) parts.push(String(base));
  return parts.join(' + ');
}

export function renderWindowContraction(kernel: ReduceKernel, c: WindowContraction): string[] {
  const r = kernel.domain.length;
  const q = kernel.inner.length;
  const j = r - 1;
  const rowDims = kernel.domain.slice(0, j);
  const M = rowDims.reduce((s, d) => s * d, 1);
  const N = kernel.domain[j]!;
  const K = kernel.inner.reduce((s, d) => s * d, 1);
  const sj = c.bAt.coef[j]!;
  const mPad = Math.ceil(M / MR) * MR;
  const n4 = N - (N % NR);
  const blocked = K > KC;

  // The epilogue at (flat row `row`, column `jCode`), its row coordinates unflattened as needed.
  const used = dimsUsed(kernel.epilogue);
  const rowStrides: number[] = [];
  for (let d = j - 1, s = 1; d >= 0; d--) { rowStrides[d] = s; s *= rowDims[d]!; }
  let writers = 0;
  const epilogue = (acc: string, row: string, jCode: string): { lines: string[]; value: string } => {
    const prefix = `e${writers++}_`;
    const coords: string[] = [];
    for (let d = 0; d < j; d++) {
      if (!used.has(d)) continue;
      const quotient = rowStrides[d] === 1 ? row : `((${row}) / ${rowStrides[d]} | 0)`;
      coords.push(`const ${prefix}r${d} = ${d === 0 ? quotient : `${quotient} % ${rowDims[d]}`};`);
    }
    const w = new JsExprWriter((d) => (d === j ? jCode : `${prefix}r${d}`), r, { accName: acc, flatLevel: 0, prefix });
    const value = w.render(kernel.epilogue, 0);
    return { lines: [...coords, ...w.take(0)], value };
  };

  const rows = Array.from({ length: MR }, (_, x) => x);
  const cols = Array.from({ length: NR }, (_, y) => y);
  const sums = rows.map((x) => cols.map((y) => `c${x}${y}`));
  const bAt = (y: number) => (y === 0 ? 'ob' : `ob + ${y * sj}`);
  // One register tile over k in [from, to): rows r .. r+3, columns jb .. jb+3.
  const tile = (from: string, to: string): string[] => [
    ...sums.map((row) => `let ${row.map((s) => `${s} = 0`).join(', ')};`),
    `const bj = ${sj === 1 ? 'jb' : `jb * ${sj}`};`,
    `for (let p = ${from}; p < ${to}; p++) {`,
    '  const oa = kA[p], ob = kB[p] + bj;',
    `  const ${rows.map((x) => `a${x} = A[ra${x} + oa]`).join(', ')};`,
    `  const ${cols.map((y) => `b${y} = B[${bAt(y)}]`).join(', ')};`,
    ...indent(rows.map((x) => cols.map((y) => `${sums[x]![y]} += a${x} * b${y};`).join(' '))),
    '}',
  ];
  // Columns past the last full tile (N not a multiple of 4): one column at a time.
  const edgeColumn = (from: string, to: string): string[] => [
    `let ${rows.map((x) => `c${x} = 0`).join(', ')};`,
    `const bj = ${sj === 1 ? 'jb' : `jb * ${sj}`};`,
    `for (let p = ${from}; p < ${to}; p++) {`,
    '  const oa = kA[p], b = B[kB[p] + bj];',
    ...indent(rows.map((x) => `c${x} += A[ra${x} + oa] * b;`)),
    '}',
  ];
  const rowOffsets = rows.map((x) => `ra${x} = rowA[r${x ? ` + ${x}` : ''}]`);
  // Rows past M (M not a multiple of 4) repeat the last row's offset and are not stored.
  const guard = (x: number, line: string[]) => (M % MR !== 0 && x > 0 ? [`if (r + ${x} < ${M}) {`, ...indent(line), '}'] : line);

  const lines: string[] = [
    `// window contraction: ${M} rows × ${K} by ${K} × ${N}, in ${MR}×${NR} register tiles${blocked ? `, k in blocks of ${KC}` : ''}`,
    `const A = in${c.a}, B = in${c.b};`,
    // Offsets of A per row, and of A and B per inner element.
    `const rowA = new Int32Array(${mPad});`,
    'let q = 0;',
    ...nest(rowDims, 'u', [`rowA[q++] = ${affineCode(c.aAt.base, rowDims.map((_, d) => ({ coef: c.aAt.coef[d]!, v: `u${d}` })))};`]),
    ...(mPad > M ? [`for (; q < ${mPad}; q++) rowA[q] = rowA[${M - 1}];`] : []),
    `const kA = new Int32Array(${K}), kB = new Int32Array(${K});`,
    'q = 0;',
    ...nest(kernel.inner, 'v', [
      `kA[q] = ${affineCode(0, kernel.inner.map((_, t) => ({ coef: c.aAt.coef[r + t]!, v: `v${t}` })))};`,
      `kB[q++] = ${affineCode(c.bAt.base, kernel.inner.map((_, t) => ({ coef: c.bAt.coef[r + t]!, v: `v${t}` })))};`,
    ]),
  ];

  if (!blocked) {
    // Each tile's sums are final: the epilogue writes them at once.
    const store = (x: number, y: number, acc: string, jCode: string): string[] => {
      const ep = epilogue(acc, `r + ${x}`, jCode);
      return guard(x, [...ep.lines, `out0[o${x}${y === 0 ? '' : ` + ${y}`}] = ${ep.value};`]);
    };
    lines.push(
      `for (let r = 0; r < ${M}; r += ${MR}) {`,
      ...indent([
        `const ${rowOffsets.join(', ')};`,
        ...(n4 > 0 ? [
          `for (let jb = 0; jb < ${n4}; jb += ${NR}) {`,
          ...indent([
            ...tile('0', String(K)),
            `const ${rows.map((x) => `o${x} = (r + ${x}) * ${N} + jb`).join(', ')};`,
            ...rows.flatMap((x) => cols.flatMap((y) => store(x, y, sums[x]![y]!, y === 0 ? 'jb' : `(jb + ${y})`))),
          ]),
          '}',
        ] : []),
        ...(n4 < N ? [
          `for (let jb = ${n4}; jb < ${N}; jb++) {`,
          ...indent([
            ...edgeColumn('0', String(K)),
            `const ${rows.map((x) => `o${x} = (r + ${x}) * ${N} + jb`).join(', ')};`,
            ...rows.flatMap((x) => store(x, 0, `c${x}`, 'jb')),
          ]),
          '}',
        ] : []),
      ]),
      '}',
    );
    return lines;
  }

  // k in blocks: partial sums of a block of rows collect in `cb`, then the epilogue writes them.
  const mc = Math.min(MC, mPad);
  const add = (x: number, y: number, acc: string) => `cb[(rr + ${x}) * ${N} + jb${y ? ` + ${y}` : ''}] += ${acc};`;
  const ep = epilogue('cb[t]', 'row', 'jj');
  lines.push(
    `const cb = new Float64Array(${mc * N});`,
    `for (let r0 = 0; r0 < ${M}; r0 += ${mc}) {`,
    ...indent([
      `const r1 = Math.min(r0 + ${mc}, ${M});`,
      'cb.fill(0);',
      `for (let p0 = 0; p0 < ${K}; p0 += ${KC}) {`,
      ...indent([
        `const p1 = Math.min(p0 + ${KC}, ${K});`,
        `for (let r = r0; r < r1; r += ${MR}) {`,
        ...indent([
          `const ${rowOffsets.join(', ')};`,
          'const rr = r - r0;',
          ...(n4 > 0 ? [
            `for (let jb = 0; jb < ${n4}; jb += ${NR}) {`,
            ...indent([...tile('p0', 'p1'), ...rows.flatMap((x) => guard(x, cols.map((y) => add(x, y, sums[x]![y]!))))]),
            '}',
          ] : []),
          ...(n4 < N ? [
            `for (let jb = ${n4}; jb < ${N}; jb++) {`,
            ...indent([...edgeColumn('p0', 'p1'), ...rows.flatMap((x) => guard(x, [add(x, 0, `c${x}`)]))]),
            '}',
          ] : []),
        ]),
        '}',
      ]),
      '}',
      'for (let row = r0; row < r1; row++) {',
      ...indent([
        `let t = (row - r0) * ${N}, o = row * ${N};`,
        `for (let jj = 0; jj < ${N}; jj++, t++, o++) {`,
        ...indent([...ep.lines, `out0[o] = ${ep.value};`]),
        '}',
      ]),
      '}',
    ]),
    '}',
  );
  return lines;
}
