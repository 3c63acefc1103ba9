import { sizeOf, type DType } from '../ir/index.js';
import type { Kernel, MapKernel, ReduceKernel } from './kernel.js';
import { LOOP, POST, PRE, WgslExprWriter, wgslType } from './wgsl-expr.js';
import {
  assemble, bindingsOf, coordLines, grid, indent, namesFor, type WgslBinding, type WgslOptions, type WgslShader,
} from './wgsl-frame.js';
import { matchContraction, readsInput, renderMatmul } from './wgsl-matmul.js';
import { declareLanes, laneForms, laneRenderer, renderMapVec4 } from './wgsl-vec4.js';

export type { WgslShader, WgslOptions, WgslBinding } from './wgsl-frame.js';

/** Invocations per workgroup of the map and per-output reduction templates. */
const WORKGROUP = 64;
/** Threads that share one output in the tree reduction. */
const TREE = 64;
/** Inner extents from which a reduction uses a workgroup per output. */
const TREE_FROM = 256;
/** Copies of the tree reduction's loop body per trip. */
const UNROLL = 4;
/** Outputs up to which a long reduction splits across workgroups, and its limits (see splitsOf). */
const SPLIT_OUTPUTS = 8;
const SPLIT = 32;
const SLICE = 8192;

/**
 * The `wgsl` renderer: a kernel becomes a WebGPU compute shader. Map kernels run one
 * invocation per output element, or per four where every load is contiguous or shared
 * (wgsl-vec4.ts); reductions run one invocation per output, or a workgroup per output with a
 * tree reduction in workgroup memory when the inner extent is large (split across workgroups
 * and combined by a second entry point when the outputs are few); matrix products (a sum of
 * load·load with affine indices) use their own templates (wgsl-matmul.ts). The dtypes are f32,
 * i32, and u32 for bool; every size is a constant of the shader, so nothing else is bound (but
 * a split reduction's scratch).
 */
export function renderWgsl(kernel: Kernel, options: WgslOptions = {}): WgslShader {
  const max = options.maxWorkgroups ?? 65535;
  if (kernel.kind === 'map') return renderMap(kernel, options, max);
  const contraction = kernel.op === 'sum' ? matchContraction(kernel) : null;
  if (contraction) {
    const shader = renderMatmul(kernel, contraction, options, max);
    if (shader) return shader;
  }
  if (sizeOf(kernel.inner) < TREE_FROM) return renderReduce(kernel, options, max);
  return renderSumLanes(kernel, options) ?? renderTree(kernel, options, max);
}

/** `let flat = ...; if (flat >= n) { return; }` over a 1-D or 2-D grid of invocations. */
function flatInvocation(n: number, max: number): { lines: string[]; dispatch: [number, number, number] | null } {
  const [x, y] = grid(Math.ceil(n / WORKGROUP), max);
  const flat = y > 1 ? `gid.x + gid.y * ${x * WORKGROUP}u` : 'gid.x';
  // Without a guard where the grid is exact: a SIMD compiler masks everything after one.
  const exact = y === 1 && n % WORKGROUP === 0;
  return { lines: [`let flat = ${flat};`, ...(exact ? [] : [`if (flat >= ${n}u) { return; }`])], dispatch: n > 0 ? [x, y, 1] : null };
}

function renderMap(kernel: MapKernel, options: WgslOptions, max: number): WgslShader {
  const vec = renderMapVec4(kernel, options, max);
  if (vec) return vec;
  const { decls, bindings, input } = bindingsOf(kernel, options);
  const rank = kernel.domain.length;
  const w = new WgslExprWriter(namesFor(input, rank));
  const stores = kernel.stores.map((s) => w.render(s));
  const { lines, dispatch } = flatInvocation(sizeOf(kernel.domain), max);
  const body = [
    `@compute @workgroup_size(${WORKGROUP})`,
    'fn main(@builtin(global_invocation_id) gid: vec3u) {',
    ...indent([...lines, ...coordLines('flat', kernel.domain, 0), ...w.take(PRE), ...stores.map((s, i) => `out${i}[flat] = ${s};`)]),
    '}',
  ];
  return { source: assemble(kernel, w.helpers, decls, body), template: 'map', bindings, dispatch };
}

/** The accumulator's start, as JavaScript's: ±Infinity for max/min (int32 ones start at an extreme). */
function initOf(kernel: ReduceKernel, w: WgslExprWriter): string {
  const t = kernel.body.dtype;
  const q = sizeOf(kernel.inner);
  switch (kernel.op) {
    case 'sum': return w.constant(0, t);
    case 'prod': return w.constant(1, t);
    case 'max': case 'argmax':
      // An empty int32 max stores -Infinity, which an Int32Array holds as 0.
      return t === 'float32' ? w.constant(-Infinity, t) : t === 'int32' ? (q === 0 ? '0i' : 'bitcast<i32>(0x80000000u)') : '0u';
    case 'min': case 'argmin':
      return t === 'float32' ? w.constant(Infinity, t) : t === 'int32' ? (q === 0 ? '0i' : '2147483647i') : (q === 0 ? '0u' : '1u');
  }
}

/** The statement folding `x` (at position `k`) into acc (and arg), as the js renderer does. */
function update(op: ReduceKernel['op'], dtype: DType, x: string, k: string, w: WgslExprWriter): string {
  const nan = (v: string) => { w.helpers.add('k_isnan'); return `k_isnan(${v})`; };
  const f = dtype === 'float32';
  switch (op) {
    case 'sum': return `acc = acc + ${x};`;
    case 'prod': return `acc = acc * ${x};`;
    case 'max': return `if (${x} > acc${f ? ` || ${nan(x)}` : ''}) { acc = ${x}; }`;
    case 'min': return `if (${x} < acc${f ? ` || ${nan(x)}` : ''}) { acc = ${x}; }`;
    // NaN wins at its first position, as in max/min: only while acc is not NaN yet.
    case 'argmax': return `if (${x} > acc${f ? ` || (${nan(x)} && !${nan('acc')})` : ''}) { acc = ${x}; arg = ${k}; }`;
    case 'argmin': return `if (${x} < acc${f ? ` || (${nan(x)} && !${nan('acc')})` : ''}) { acc = ${x}; arg = ${k}; }`;
  }
}

function renderReduce(kernel: ReduceKernel, options: WgslOptions, max: number): WgslShader {
  const { decls, bindings, input } = bindingsOf(kernel, options);
  const r = kernel.domain.length;
  const arg = kernel.op === 'argmax' || kernel.op === 'argmin';
  const w = new WgslExprWriter(namesFor(input, r, arg ? 'arg' : 'acc'));
  const x = w.render(kernel.body);
  const epilogue = w.render(kernel.epilogue);
  const q = sizeOf(kernel.inner);
  const { lines, dispatch } = flatInvocation(sizeOf(kernel.domain), max);
  const loop = [
    `for (var k = 0u; k < ${q}u; k++) {`,
    ...indent([...coordLines('k', kernel.inner, r), ...w.take(LOOP), update(kernel.op, kernel.body.dtype, x, 'i32(k)', w)]),
    '}',
  ];
  const body = [
    `@compute @workgroup_size(${WORKGROUP})`,
    'fn main(@builtin(global_invocation_id) gid: vec3u) {',
    ...indent([
      ...lines,
      ...coordLines('flat', kernel.domain, 0),
      ...w.take(PRE),
      `var acc: ${wgslType(kernel.body.dtype)} = ${initOf(kernel, w)};`,
      ...(arg ? ['var arg = 0i;'] : []),
      ...(q > 0 ? loop : []),
      ...w.take(POST),
      `out0[flat] = ${epilogue};`,
    ]),
    '}',
  ];
  return { source: assemble(kernel, w.helpers, decls, body), template: 'reduce', bindings, dispatch };
}

/**
 * Thread `lid`'s strided share of the inner extent (k = lid, lid + TREE, ...), in that order.
 * The trip count is the same for every thread, with the ragged last step guarded: a loop
 * whose bound varies by thread makes a SIMD compiler (lavapipe) mask every load in it.
 * The body is repeated UNROLL times per trip, keeping the order, so the loop costs less.
 */
function treeLoop(q: number, body: readonly string[], from = ''): string[] {
  const full = Math.floor(q / TREE);
  const lines: string[] = [];
  const step = (kk: string) => [`let k = ${from}${kk} * ${TREE}u + lid;`, ...body];
  const unroll = full >= UNROLL && full % UNROLL === 0 ? UNROLL : 1;
  if (full > 0) {
    lines.push(`for (var kk = 0u; kk < ${full}u; kk += ${unroll}u) {`);
    for (let u = 0; u < unroll; u++) lines.push(...indent(['{', ...indent(step(u ? `(kk + ${u}u)` : 'kk')), '}']));
    lines.push('}');
  }
  if (q % TREE) lines.push(`if (${full}u * ${TREE}u + lid < ${q}u) {`, ...indent(step(`${full}u`)), '}');
  return lines;
}

/**
 * Workgroups that share one output in a split reduction: a power of two up to SPLIT, each
 * folding a contiguous slice of at least SLICE elements (a multiple of TREE, so no thread's
 * loop needs a guard). 1 (no split) unless the outputs are too few to keep a device busy.
 */
function splitsOf(kernel: ReduceKernel, n: number, q: number, options: WgslOptions): number {
  if (n > SPLIT_OUTPUTS || q % TREE !== 0 || kernel.op === 'argmax' || kernel.op === 'argmin') return 1;
  if (kernel.inputs.length + kernel.outputs.length >= (options.maxStorageBuffers ?? 8)) return 1;
  let w = 1;
  while (w < SPLIT && (q / TREE) % (2 * w) === 0 && q / (2 * w) >= SLICE) w *= 2;
  return w;
}

/**
 * A workgroup per output: each thread folds a strided share of the inner extent, then the
 * partial results combine pairwise in workgroup memory. Arg reductions carry the position, and
 * the combination keeps JavaScript's order (NaN first, then the larger, ties to the earlier).
 */
function renderTree(kernel: ReduceKernel, options: WgslOptions, max: number): WgslShader {
  const { decls, bindings, input } = bindingsOf(kernel, options);
  const r = kernel.domain.length;
  const op = kernel.op;
  const arg = op === 'argmax' || op === 'argmin';
  const w = new WgslExprWriter(namesFor(input, r, arg ? 'arg' : 'acc'));
  const t = kernel.body.dtype;
  const x = w.render(kernel.body);
  const epilogue = w.render(kernel.epilogue);
  const q = sizeOf(kernel.inner);
  const n = sizeOf(kernel.domain);
  const [gx, gy] = grid(n, max);
  const f = t === 'float32';
  if (f && op !== 'sum' && op !== 'prod') w.helpers.add('k_isnan');
  // Whether the partial result (b, ib) replaces (a, ia): NaN first, then the larger (smaller),
  // ties to the earlier position.
  const cmp = op === 'max' || op === 'argmax' ? '>' : '<';
  const T = wgslType(t);
  const take = arg
    ? `fn take(a: ${T}, ia: i32, b: ${T}, ib: i32) -> bool { ${f
      ? `return (k_isnan(b) && (!k_isnan(a) || ib < ia)) || (!k_isnan(a) && (b ${cmp} a || (b == a && ib < ia)));`
      : `return b ${cmp} a || (b == a && ib < ia);`} }`
    : `fn take(a: ${T}, b: ${T}) -> bool { return b ${cmp} a${f ? ' || k_isnan(b)' : ''}; }`;
  const combine = (s: number): string[] => {
    const a = 'wacc[lid]', b = `wacc[lid + ${s}u]`;
    const step = op === 'sum' ? `${a} = ${a} + ${b};` : op === 'prod' ? `${a} = ${a} * ${b};`
      : arg ? `if (take(${a}, warg[lid], ${b}, warg[lid + ${s}u])) { ${a} = ${b}; warg[lid] = warg[lid + ${s}u]; }`
        : `if (take(${a}, ${b})) { ${a} = ${b}; }`;
    return [`if (lid < ${s}u) { ${step} }`, 'workgroupBarrier();'];
  };
  const steps: string[] = [];
  for (let s = TREE / 2; s >= 1; s /= 2) steps.push(...combine(s));
  const splits = n > 0 ? splitsOf(kernel, n, q, options) : 1;
  if (splits > 1) return renderSplit(kernel, { decls, bindings, w, x, epilogue, take, steps, splits });
  const body = [
    `var<workgroup> wacc: array<${T}, ${TREE}>;`,
    ...(arg ? [`var<workgroup> warg: array<i32, ${TREE}>;`] : []),
    ...(op === 'sum' || op === 'prod' ? [] : [take]),
    '',
    `@compute @workgroup_size(${TREE})`,
    'fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {',
    ...indent([
      `let flat = ${gy > 1 ? `wid.x + wid.y * ${gx}u` : 'wid.x'};`,
      `if (flat >= ${n}u) { return; }`,
      ...coordLines('flat', kernel.domain, 0),
      ...w.take(PRE),
      `var acc: ${T} = ${initOf(kernel, w)};`,
      // A thread's position starts at its first element, so all-(-Infinity) rows give 0 as in JS.
      ...(arg ? [`var arg = select(2147483647i, i32(lid), lid < ${q}u);`] : []),
      ...treeLoop(q, [...coordLines('k', kernel.inner, r), ...w.take(LOOP), update(op, t, x, 'i32(k)', w)]),
      'wacc[lid] = acc;',
      ...(arg ? ['warg[lid] = arg;'] : []),
      'workgroupBarrier();',
      ...steps,
      'if (lid == 0u) {',
      ...indent(['acc = wacc[0];', ...(arg ? ['arg = warg[0];'] : []), ...w.take(POST), `out0[flat] = ${epilogue};`]),
      '}',
    ]),
    '}',
  ];
  return { source: assemble(kernel, w.helpers, decls, body), template: 'reduce-tree', bindings, dispatch: n > 0 ? [gx, gy, 1] : null };
}

/**
 * A long float32 sum to one output whose body reads its inputs contiguously: the split
 * reduction (renderSplit) reading four elements per step (wgsl-vec4.ts), each thread keeping
 * four running sums that it adds pairwise before the tree. Null where that does not apply.
 */
function renderSumLanes(kernel: ReduceKernel, options: WgslOptions): WgslShader | null {
  const q = sizeOf(kernel.inner);
  if (sizeOf(kernel.domain) !== 1 || kernel.op !== 'sum' || kernel.body.dtype !== 'float32' || q % (4 * TREE) !== 0) return null;
  const splits = splitsOf(kernel, 1, q / 4, options);
  const a = splits > 1 ? laneForms([kernel.body], [...kernel.domain, ...kernel.inner]) : null;
  if (!a) return null;
  const aliases = options.aliases ?? new Map<number, number>();
  if ([...a.reads.keys()].some((i) => aliases.has(i) || readsInput(kernel.epilogue, i))) return null;
  const { decls, bindings, input } = bindingsOf(kernel, options);
  declareLanes(decls, a, input);
  const r = kernel.domain.length;
  const w = new WgslExprWriter(namesFor(input, r));
  const { render, lines } = laneRenderer(a, w, input, r + kernel.inner.length, 'k');
  const value = render(kernel.body);
  const epilogue = w.render(kernel.epilogue);
  const pre = w.take(PRE);
  const slice = q / 4 / splits;
  const steps: string[] = [];
  for (let s = TREE / 2; s >= 1; s /= 2) steps.push(`if (lid < ${s}u) { wacc[lid] = wacc[lid] + wacc[lid + ${s}u]; }`, 'workgroupBarrier();');
  decls.push(`@group(0) @binding(${bindings.length}) var<storage, read_write> scratch: array<f32>;`);
  const body = [
    `var<workgroup> wacc: array<f32, ${TREE}>;`,
    '',
    `@compute @workgroup_size(${TREE})`,
    'fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {',
    ...indent([
      ...coordLines('0u', kernel.domain, 0),
      ...pre,
      'var acc4 = vec4f(0.0f);',
      ...treeLoop(slice, [...lines, `acc4 = acc4 + ${value};`], `wid.x * ${slice}u + `),
      'wacc[lid] = (acc4.x + acc4.y) + (acc4.z + acc4.w);',
      'workgroupBarrier();',
      ...steps,
      'if (lid == 0u) { scratch[wid.x] = wacc[0]; }',
    ]),
    '}',
    '',
    '@compute @workgroup_size(1)',
    'fn combine() {',
    ...indent([
      ...coordLines('0u', kernel.domain, 0),
      ...pre,
      'var acc = scratch[0];',
      `for (var s = 1u; s < ${splits}u; s++) { acc = acc + scratch[s]; }`,
      ...w.take(POST),
      `out0[0] = ${epilogue};`,
    ]),
    '}',
  ];
  return {
    source: assemble(kernel, w.helpers, decls, body), template: 'reduce-tree', bindings: [...bindings, { kind: 'scratch', index: 0 }],
    dispatch: [splits, 1, 1], scratch: splits, combine: { dispatch: [1, 1, 1] },
  };
}

interface TreeParts {
  readonly decls: string[];
  readonly bindings: WgslBinding[];
  readonly w: WgslExprWriter;
  /** The body's and the epilogue's values. */
  readonly x: string;
  readonly epilogue: string;
  /** The comparison function of max/min. */
  readonly take: string;
  /** The workgroup's pairwise combination of wacc, barriers included. */
  readonly steps: readonly string[];
  readonly splits: number;
}

/**
 * A reduction with few outputs and a long inner extent, split so that every core has work:
 * `main` runs `splits` workgroups per output, each folding one contiguous slice as the tree
 * template does and storing its partial result in scratch; `combine` then folds each output's
 * partials in slice order and applies the epilogue.
 */
function renderSplit(kernel: ReduceKernel, p: TreeParts): WgslShader {
  const { w, splits } = p;
  const r = kernel.domain.length;
  const op = kernel.op;
  const t = kernel.body.dtype;
  const T = wgslType(t);
  const q = sizeOf(kernel.inner);
  const n = sizeOf(kernel.domain);
  const slice = q / splits;
  const pre = w.take(PRE);
  const fold = (b: string) => (op === 'sum' ? `acc = acc + ${b};` : op === 'prod' ? `acc = acc * ${b};` : `if (take(acc, ${b})) { acc = ${b}; }`);
  const decls = [...p.decls, `@group(0) @binding(${p.bindings.length}) var<storage, read_write> scratch: array<${T}>;`];
  const bindings: WgslBinding[] = [...p.bindings, { kind: 'scratch', index: 0 }];
  const body = [
    `var<workgroup> wacc: array<${T}, ${TREE}>;`,
    ...(op === 'sum' || op === 'prod' ? [] : [p.take]),
    '',
    `@compute @workgroup_size(${TREE})`,
    'fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {',
    ...indent([
      'let flat = wid.y;',
      ...coordLines('flat', kernel.domain, 0),
      ...pre,
      `var acc: ${T} = ${initOf(kernel, w)};`,
      ...treeLoop(slice, [...coordLines('k', kernel.inner, r), ...w.take(LOOP), update(op, t, p.x, 'i32(k)', w)], `wid.x * ${slice}u + `),
      'wacc[lid] = acc;',
      'workgroupBarrier();',
      ...p.steps,
      `if (lid == 0u) { scratch[flat * ${splits}u + wid.x] = wacc[0]; }`,
    ]),
    '}',
    '',
    '@compute @workgroup_size(1)',
    'fn combine(@builtin(workgroup_id) wid: vec3u) {',
    ...indent([
      'let flat = wid.x;',
      ...coordLines('flat', kernel.domain, 0),
      ...pre,
      `var acc = scratch[flat * ${splits}u];`,
      `for (var s = 1u; s < ${splits}u; s++) {`,
      ...indent([`let b = scratch[flat * ${splits}u + s];`, fold('b')]),
      '}',
      ...w.take(POST),
      `out0[flat] = ${p.epilogue};`,
    ]),
    '}',
  ];
  return {
    source: assemble(kernel, w.helpers, decls, body), template: 'reduce-tree', bindings,
    dispatch: [splits, n, 1], scratch: n * splits, combine: { dispatch: [n, 1, 1] },
  };
}
