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
 * The matrix product: the streamed template, else the tiled one. Either runs the epilogue (bias,
 * activation, an optimizer update) on each accumulator before its one store. Returns null when
 * the grid exceeds the dispatch limits (the generic reduction runs then).
 */
export function renderMatmul(kernel: ReduceKernel, c: Contraction, options: WgslOptions, max: number): WgslShader | null {
  return renderStreamed(kernel, c, options, max) ?? renderTiled(kernel, c, options, max);
}

/** Rows (of the broadcast operand) per workgroup in the streamed template. */
const ROWS = 8;
/** A U extent up to which one workgroup takes all of it. */
const SHORT = 16;

/** Whether `e` loads from input `i` anywhere. */
export function readsInput(e: Expr, i: number): boolean {
  if (e.k === 'load') return e.input === i || readsInput(e.at, i);
  if (e.k === 'alu') return e.args.some((x) => readsInput(x, i));
  return false;
}

/**
 * The streamed matrix product: the invocations of a workgroup run along one operand's free dim
 * (V: vec4 loads where it is contiguous there in aligned groups of four, else scalar ones),
 * each keeping `rows` × (width·per) sums in registers; each k-step loads `per` values of V and
 * `rows` scalars of the other operand (U), the same in every invocation of the workgroup (with
 * subgroups: one load, shared by broadcast). Nothing is staged in workgroup memory and there is
 * no barrier: on a CPU device (lavapipe) loads cost by count, and the caches do the tiling.
 * Out-of-range rows and columns compute clamped duplicates that are never stored. Each sum
 * adds its products in k order, as the tiled template and the js renderer do. Null for empty
 * products and grids beyond the dispatch limits.
 */
/** A matrix product kernel's sizes: rank r domain [...batch, m, n], each output summing k products. */
function productDims(kernel: ReduceKernel): { r: number; m: number; n: number; k: number; batch: number[] } {
  const r = kernel.domain.length;
  return { r, m: kernel.domain[r - 2]!, n: kernel.domain[r - 1]!, k: kernel.inner[0]!, batch: kernel.domain.slice(0, r - 2) };
}

function renderStreamed(kernel: ReduceKernel, c: Contraction, options: WgslOptions, max: number): WgslShader | null {
  const { r, m, n, k, batch } = productDims(kernel);
  if (m === 0 || n === 0 || sizeOf(batch) === 0) return null;
  const aliases = options.aliases ?? new Map<number, number>();
  // V moves with the output column (lanes along columns) or with the row; read as vec4s where
  // it is contiguous and aligned, else as scalars along the dim it moves with least.
  const fits = (x: Contraction['a'], free: number, extent: number) =>
    x.coef[free] === 1 && extent % 4 === 0 && x.base % 4 === 0 && x.coef[r]! % 4 === 0 && c.a.input !== c.b.input &&
    x.coef.slice(0, r - 2).every((cf) => cf % 4 === 0) && !aliases.has(x.input) && !readsInput(kernel.epilogue, x.input);
  // (An empty product binds empty buffers, too small for a vec4 array.)
  const vec = k > 0 && (fits(c.b, r - 1, n) || fits(c.a, r - 2, m));
  // Scalar V: lanes along the long dim when the other is short (its U loads cover it whole).
  const byColumn = vec ? fits(c.b, r - 1, n)
    : m <= SHORT && n > m ? true : n <= SHORT && m > n ? false : Math.abs(c.b.coef[r - 1]!) <= Math.abs(c.a.coef[r - 2]!);
  const width = vec ? 4 : 1;
  const [v, u] = byColumn ? [c.b, c.a] : [c.a, c.b];
  const [nv, nu] = byColumn ? [n, m] : [m, n];
  const uFree = byColumn ? r - 2 : r - 1;
  const vFree = byColumn ? r - 1 : r - 2;
  const v4 = nv / width;
  const per = v4 >= 128 ? 2 : 1;
  const threads = Math.min(64, Math.max(8, 2 ** Math.ceil(Math.log2(Math.ceil(v4 / per)))));
  const rows = nu <= SHORT ? nu : ROWS;
  // With subgroups, lane i loads U's row q0 + i and the others take it by broadcast: one
  // SIMD load per k-step instead of `rows` (lavapipe gathers every load inside a loop).
  const broadcast = rows > 1 && rows <= Math.min(options.subgroupMinSize ?? 0, threads);
  const dispatch: [number, number, number] = [Math.ceil(v4 / (threads * per)), Math.ceil(nu / rows), sizeOf(batch)];
  if (dispatch.some((d) => d > max)) return null;
  const { decls, bindings, input } = bindingsOf(kernel, options);
  const vName = input(v.input);
  if (vec) {
    const vDecl = decls.findIndex((d) => d.includes(` ${vName}: array<f32>;`));
    decls[vDecl] = decls[vDecl]!.replace(`${vName}: array<f32>;`, `${vName}: array<vec4f>;`);
  }
  const T = vec ? 'vec4f' : 'f32';
  const w = new WgslExprWriter(namesFor(input, r));
  const epilogue = w.render(kernel.epilogue);
  const U = input(u.input);
  const base = (x: Contraction['a']) => [`${x.base}i`, ...x.coef.slice(0, r - 2).map((cf, d) => (cf ? `i${d} * ${cf}i` : '')).filter(Boolean)].join(' + ');
  const uq = u.coef[uFree]!, uk = u.coef[r]!, vk4 = v.coef[r]! / width, vp = vec ? 1 : v.coef[vFree]!;
  const acc = (i: number, j: number) => `acc${i}_${j}`;
  const decl: string[] = [];
  const step: string[] = [];
  for (let j = 0; j < per; j++) step.push(`let v${j} = ${vName}[vb + kk * ${vk4}i + p${j}${vp === 1 ? '' : ` * ${vp}i`}];`);
  if (broadcast) step.push(`let us = ${U}[ubs + kk * ${uk}i];`);
  for (let i = 0; i < rows; i++) {
    step.push(broadcast ? `let u${i} = subgroupBroadcast(us, ${i}u);` : `let u${i} = ${U}[ub${i} + kk * ${uk}i];`);
    for (let j = 0; j < per; j++) {
      decl.push(`var ${acc(i, j)} = ${T}(0.0f);`);
      step.push(`${acc(i, j)} = ${acc(i, j)} + u${i} * v${j};`);
    }
  }
  const all = Array.from({ length: rows * per }, (_, e) => acc(Math.floor(e / per), e % per));
  // Output e of this invocation: U index q0 + e / (width·per), V index (p4 + ((e / width) % per)·threads)·width + e % width.
  const [row, col] = byColumn ? ['q', 'p'] : ['p', 'q'];
  const body = [
    `@compute @workgroup_size(${threads})`,
    `fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u${broadcast ? ', @builtin(subgroup_invocation_id) sid: u32' : ''}) {`,
    ...indent([
      ...coordLines('wid.z', batch, 0),
      `let q0 = i32(wid.y * ${rows}u);`,
      `let p4 = i32(wid.x * ${threads * per}u + lid.x);`,
      `let vb = ${vec ? `(${base(v)}) / 4i` : base(v)};`,
      `let ub = ${base(u)};`,
      ...Array.from({ length: per }, (_, j) => `let p${j} = min(p4 + ${j * threads}i, ${v4 - 1}i);`),
      ...(broadcast ? [`let ubs = ub + min(q0 + i32(sid % ${rows}u), ${nu - 1}i) * ${uq}i;`]
        : Array.from({ length: rows }, (_, i) => `let ub${i} = ub + min(q0 + ${i}i, ${nu - 1}i) * ${uq}i;`)),
      ...decl,
      `for (var kk = 0i; kk < ${k}i; kk++) {`,
      ...indent(step),
      '}',
      `var accs = array<${T}, ${rows * per}>(${all.join(', ')});`,
      `for (var e = 0i; e < ${rows * per * width}i; e++) {`,
      ...indent([
        `let q = q0 + e / ${width * per}i;`,
        `let p = (p4 + ((e / ${width}i) % ${per}i) * ${threads}i) * ${width}i + e % ${width}i;`,
        `if (q < ${nu}i && p < ${nv}i) {`,
        ...indent([
          `let i${r - 2} = ${row};`,
          `let i${r - 1} = ${col};`,
          vec ? 'let acc = accs[e / 4i][e % 4i];' : 'let acc = accs[e];',
          ...w.take(PRE), ...w.take(POST),
          `out0[i32(wid.z) * ${m * n}i + ${row} * ${n}i + ${col}] = ${epilogue};`,
        ]),
        '}',
      ]),
      '}',
    ]),
    '}',
  ];
  return { source: assemble(kernel, w.helpers, decls, body, broadcast ? ['enable subgroups;'] : []), template: 'matmul', bindings, dispatch };
}

/**
 * The tiled template, where the streamed one declines: workgroup (x, y, z) computes output
 * columns x·BLOCK.., rows y·BLOCK.. of batch point z, staging tiles in workgroup memory (zero
 * past the edges); each output sums its products in k order, as the js renderer does.
 */
function renderTiled(kernel: ReduceKernel, c: Contraction, options: WgslOptions, max: number): WgslShader | null {
  const { r, m, n, k, batch } = productDims(kernel);
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
