import { sizeOf, type Expr } from '../ir/index.js';
import { toAffine, type Affine } from './affine.js';
import type { ReduceKernel } from './kernel.js';
import { POST, PRE, WgslExprWriter } from './wgsl-expr.js';
import { assemble, bindingsOf, coordLines, indent, namesFor, type WgslOptions, type WgslShader } from './wgsl-frame.js';

/** Output tile edge: a workgroup computes TILE × TILE outputs, staging TILE-wide slices of A and B. */
const TILE = 16;

export interface Contraction {
  /** Affine index of A (rows) and B (columns) over the domain dims then the inner dim. */
  readonly a: { readonly input: number } & Affine;
  readonly b: { readonly input: number } & Affine;
}

/**
 * A sum over one inner dim of load(A)·load(B) with affine indices, A not moving with the output
 * column and B not with the row: a (batched) matrix product. The same test as the js renderer's.
 */
export function matchContraction(kernel: ReduceKernel): Contraction | null {
  const e = kernel.body;
  if (kernel.inner.length !== 1 || kernel.domain.length < 2 || e.k !== 'alu' || e.op !== 'mul' || e.dtype !== 'float32') return null;
  const [x, y] = e.args as [Expr, Expr];
  if (x.k !== 'load' || y.k !== 'load') return null;
  const rank = kernel.domain.length + 1;
  const ax = toAffine(x.at, rank);
  const by = toAffine(y.at, rank);
  if (!ax || !by) return null;
  const i = rank - 3, j = rank - 2;
  if (ax.coef[j] === 0 && by.coef[i] === 0) return { a: { input: x.input, ...ax }, b: { input: y.input, ...by } };
  if (by.coef[j] === 0 && ax.coef[i] === 0) return { a: { input: y.input, ...by }, b: { input: x.input, ...ax } };
  return null;
}

/**
 * The tiled matrix product: workgroup (x, y, z) computes a TILE × TILE block of output columns
 * x, rows y, batch point z. Each step stages a TILE-wide slice of A's rows and B's columns in
 * workgroup memory (zero past the edges), so every element is read from memory once per tile.
 * The epilogue (bias, activation, an optimizer update) runs on the accumulator in registers.
 * Returns null when the grid does not fit the dispatch limits (the generic reduction runs then).
 */
export function renderMatmul(kernel: ReduceKernel, c: Contraction, options: WgslOptions, max: number): WgslShader | null {
  const r = kernel.domain.length;
  const m = kernel.domain[r - 2]!;
  const n = kernel.domain[r - 1]!;
  const k = kernel.inner[0]!;
  const batch = kernel.domain.slice(0, r - 2);
  const dispatch: [number, number, number] = [Math.ceil(n / TILE), Math.ceil(m / TILE), sizeOf(batch)];
  if (dispatch.some((d) => d > max)) return null;
  const { decls, bindings, input } = bindingsOf(kernel, options);
  const w = new WgslExprWriter(namesFor(input, r));
  const epilogue = w.render(kernel.epilogue);
  const A = input(c.a.input), B = input(c.b.input);
  // Base offsets of this thread's row of A and column of B at k = 0.
  const base = (x: Contraction['a'], own: number) => [
    `${x.base}i`,
    ...x.coef.slice(0, r - 2).map((cf, d) => (cf ? `i${d} * ${cf}i` : '')).filter(Boolean),
    x.coef[own] ? `i${own} * ${x.coef[own]}i` : '',
  ].filter(Boolean).join(' + ');
  const ak = c.a.coef[r]!, bk = c.b.coef[r]!;
  const body = [
    `var<workgroup> ta: array<f32, ${TILE * TILE}>;`,
    `var<workgroup> tb: array<f32, ${TILE * TILE}>;`,
    '',
    `@compute @workgroup_size(${TILE}, ${TILE})`,
    'fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u) {',
    ...indent([
      `let row = wid.y * ${TILE}u + lid.y;`,
      `let col = wid.x * ${TILE}u + lid.x;`,
      ...coordLines('wid.z', batch, 0),
      `let i${r - 2} = i32(row);`,
      `let i${r - 1} = i32(col);`,
      `let aRow = ${base(c.a, r - 2)};`,
      `let bCol = ${base(c.b, r - 1)};`,
      'var acc = 0.0f;',
      `for (var t = 0u; t < ${k}u; t += ${TILE}u) {`,
      ...indent([
        `let ka = t + lid.x;`,
        `let kb = t + lid.y;`,
        'var av = 0.0f;',
        'var bv = 0.0f;',
        `if (row < ${m}u && ka < ${k}u) { av = ${A}[aRow + i32(ka) * ${ak}i]; }`,
        `if (col < ${n}u && kb < ${k}u) { bv = ${B}[bCol + i32(kb) * ${bk}i]; }`,
        `ta[lid.y * ${TILE}u + lid.x] = av;`,
        `tb[lid.y * ${TILE}u + lid.x] = bv;`,
        'workgroupBarrier();',
        `for (var kk = 0u; kk < ${TILE}u; kk++) { acc = acc + ta[lid.y * ${TILE}u + kk] * tb[kk * ${TILE}u + lid.x]; }`,
        'workgroupBarrier();',
      ]),
      '}',
      `if (row < ${m}u && col < ${n}u) {`,
      ...indent([...w.take(PRE), ...w.take(POST), `out0[wid.z * ${m * n}u + row * ${n}u + col] = ${epilogue};`]),
      '}',
    ]),
    '}',
  ];
  const empty = m === 0 || n === 0 || dispatch[2] === 0;
  return { source: assemble(kernel, w.helpers, decls, body), template: 'matmul', bindings, dispatch: empty ? null : dispatch };
}
