import { sizeOf, type DType } from '../ir/index.js';
import type { Kernel, MapKernel, ReduceKernel } from './kernel.js';
import { LOOP, POST, PRE, WgslExprWriter, wgslType } from './wgsl-expr.js';
import {
  assemble, bindingsOf, coordLines, grid, indent, namesFor, type WgslOptions, type WgslShader,
} from './wgsl-frame.js';
import { matchContraction, renderMatmul } from './wgsl-matmul.js';

export type { WgslShader, WgslOptions, WgslBinding } from './wgsl-frame.js';

/** Invocations per workgroup of the map and per-output reduction templates. */
const WORKGROUP = 64;
/** Threads that share one output in the tree reduction. */
const TREE = 64;
/** Inner extents from which a reduction uses a workgroup per output. */
const TREE_FROM = 256;

/**
 * The `wgsl` renderer: a kernel becomes a WebGPU compute shader. Map kernels run one
 * invocation per output element; reductions run one invocation per output, or a workgroup per
 * output with a tree reduction in workgroup memory when the inner extent is large; matrix
 * products (a sum of load·load with affine indices) use a tiled template. The dtypes are f32,
 * i32, and u32 for bool; every size is a constant of the shader, so nothing else is bound.
 */
export function renderWgsl(kernel: Kernel, options: WgslOptions = {}): WgslShader {
  const max = options.maxWorkgroups ?? 65535;
  if (kernel.kind === 'map') return renderMap(kernel, options, max);
  const contraction = kernel.op === 'sum' ? matchContraction(kernel) : null;
  if (contraction) {
    const shader = renderMatmul(kernel, contraction, options, max);
    if (shader) return shader;
  }
  return sizeOf(kernel.inner) >= TREE_FROM ? renderTree(kernel, options, max) : renderReduce(kernel, options, max);
}

/** `let flat = ...; if (flat >= n) { return; }` over a 1-D or 2-D grid of invocations. */
function flatInvocation(n: number, max: number): { lines: string[]; dispatch: [number, number, number] | null } {
  const [x, y] = grid(Math.ceil(n / WORKGROUP), max);
  const flat = y > 1 ? `gid.x + gid.y * ${x * WORKGROUP}u` : 'gid.x';
  return { lines: [`let flat = ${flat};`, `if (flat >= ${n}u) { return; }`], dispatch: n > 0 ? [x, y, 1] : null };
}

function renderMap(kernel: MapKernel, options: WgslOptions, max: number): WgslShader {
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
      `for (var k = lid; k < ${q}u; k += ${TREE}u) {`,
      ...indent([...coordLines('k', kernel.inner, r), ...w.take(LOOP), update(op, t, x, 'i32(k)', w)]),
      '}',
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
