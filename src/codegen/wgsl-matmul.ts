import { sizeOf, type Expr } from '../ir/index.js';
import { toAffine, type Affine } from './affine.js';
import type { ReduceKernel } from './kernel.js';
import { POST, PRE, WgslExprWriter } from './wgsl-expr.js';
import { assemble, bindingsOf, coordLines, indent, namesFor, type WgslOptions, type WgslShader } from './wgsl-frame.js';

/**
 * A workgroup of THREADS × THREADS invocations computes a BLOCK × BLOCK tile of the output, each
 * invocation a PER × PER block of it in registers; a K-step stages BLOCK × DEPTH of A and
 * DEPTH × BLOCK of B in workgroup memory, so each staged element feeds PER products per thread.
 */
const THREADS = 16;
const PER = 4;
const BLOCK = THREADS * PER;
const DEPTH = 16;

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
 * The tiled matrix product: workgroup (x, y, z) computes output columns x·BLOCK.., rows
 * y·BLOCK.. of batch point z. Staged tiles are zero past the edges, and each output sums its
 * products in k order, as the js renderer does. The epilogue (bias, activation, an optimizer
 * update) runs on each accumulator before its one store. Returns null when the grid exceeds
 * the dispatch limits (the generic reduction runs then).
 */
export function renderMatmul(kernel: ReduceKernel, c: Contraction, options: WgslOptions, max: number): WgslShader | null {
  const r = kernel.domain.length;
  const m = kernel.domain[r - 2]!;
  const n = kernel.domain[r - 1]!;
  const k = kernel.inner[0]!;
  const batch = kernel.domain.slice(0, r - 2);
  const dispatch: [number, number, number] = [Math.ceil(n / BLOCK), Math.ceil(m / BLOCK), sizeOf(batch)];
  if (dispatch.some((d) => d > max)) return null;
  const { decls, bindings, input } = bindingsOf(kernel, options);
  const w = new WgslExprWriter(namesFor(input, r));
  const epilogue = w.render(kernel.epilogue);
  const A = input(c.a.input), B = input(c.b.input);
  const batchBase = (x: Contraction['a']) => [`${x.base}i`, ...x.coef.slice(0, r - 2).map((cf, d) => (cf ? `i${d} * ${cf}i` : '')).filter(Boolean)].join(' + ');
  const ai = c.a.coef[r - 2]!, ak = c.a.coef[r]!, bj = c.b.coef[r - 1]!, bk = c.b.coef[r]!;
  const elements = BLOCK * DEPTH;
  const products: string[] = [];
  for (let i = 0; i < PER; i++) products.push(`let a${i} = ta[(lid.y * ${PER}u + ${i}u) * ${DEPTH}u + kk];`);
  for (let j = 0; j < PER; j++) products.push(`let b${j} = tb[kk * ${BLOCK}u + lid.x * ${PER}u + ${j}u];`);
  for (let i = 0; i < PER; i++) for (let j = 0; j < PER; j++) products.push(`accs[${i * PER + j}] = accs[${i * PER + j}] + a${i} * b${j};`);
  const body = [
    `var<workgroup> ta: array<f32, ${elements}>;`,
    `var<workgroup> tb: array<f32, ${elements}>;`,
    '',
    `@compute @workgroup_size(${THREADS}, ${THREADS})`,
    'fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u, @builtin(local_invocation_index) li: u32) {',
    ...indent([
      `let row0 = wid.y * ${BLOCK}u;`,
      `let col0 = wid.x * ${BLOCK}u;`,
      ...coordLines('wid.z', batch, 0),
      `let aBase = ${batchBase(c.a)};`,
      `let bBase = ${batchBase(c.b)};`,
      `var accs: array<f32, ${PER * PER}>;`,
      `for (var t = 0u; t < ${k}u; t += ${DEPTH}u) {`,
      ...indent([
        // Each invocation stages elements li, li + THREADS², ... of both tiles.
        `for (var e = li; e < ${elements}u; e += ${THREADS * THREADS}u) {`,
        ...indent([
          `let ar = row0 + e / ${DEPTH}u;`,
          `let ak = t + e % ${DEPTH}u;`,
          'var av = 0.0f;',
          `if (ar < ${m}u && ak < ${k}u) { av = ${A}[aBase + i32(ar) * ${ai}i + i32(ak) * ${ak}i]; }`,
          'ta[e] = av;',
          `let bk = t + e / ${BLOCK}u;`,
          `let bc = col0 + e % ${BLOCK}u;`,
          'var bv = 0.0f;',
          `if (bc < ${n}u && bk < ${k}u) { bv = ${B}[bBase + i32(bc) * ${bj}i + i32(bk) * ${bk}i]; }`,
          'tb[e] = bv;',
        ]),
        '}',
        'workgroupBarrier();',
        `for (var kk = 0u; kk < ${DEPTH}u; kk++) {`,
        ...indent(products),
        '}',
        'workgroupBarrier();',
      ]),
      '}',
      `for (var e = 0u; e < ${PER * PER}u; e++) {`,
      ...indent([
        `let row = row0 + lid.y * ${PER}u + e / ${PER}u;`,
        `let col = col0 + lid.x * ${PER}u + e % ${PER}u;`,
        `if (row < ${m}u && col < ${n}u) {`,
        ...indent([
          `let i${r - 2} = i32(row);`,
          `let i${r - 1} = i32(col);`,
          'let acc = accs[e];',
          ...w.take(PRE), ...w.take(POST),
          `out0[wid.z * ${m * n}u + row * ${n}u + col] = ${epilogue};`,
        ]),
        '}',
      ]),
      '}',
    ]),
    '}',
  ];
  const empty = m === 0 || n === 0 || dispatch[2] === 0;
  return { source: assemble(kernel, w.helpers, decls, body), template: 'matmul', bindings, dispatch: empty ? null : dispatch };
}
