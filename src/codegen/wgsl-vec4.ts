import { sizeOf, type Expr } from '../ir/index.js';
import { toAffine } from './affine.js';
import type { MapKernel } from './kernel.js';
import { PRE, WgslExprWriter } from './wgsl-expr.js';
import { assemble, bindingsOf, grid, indent, namesFor, type WgslOptions, type WgslShader } from './wgsl-frame.js';

/** Invocations per workgroup, as the scalar map template. */
const WORKGROUP = 64;

/** Float operations that act on each lane of a vec4f as on an f32, with the same WGSL text. */
const LANEWISE = new Set(['add', 'sub', 'mul', 'div', 'neg', 'abs', 'sqrt', 'rsqrt', 'exp', 'log', 'sigmoid']);
/** Float comparisons (a bool per lane, held as a vec4u of 0 and 1 as the scalar form's u32). */
const COMPARE: Record<string, string> = { lt: '<', le: '<=', gt: '>', ge: '>=' };

/**
 * How each node of a map kernel is computed four elements at a time: 'vec' (a vec4f, from a
 * load contiguous in the domain's row-major order), 'scalar' (the same for every element: a
 * constant, or a load at a constant index), or null when the node cannot be (a coordinate used
 * as a value, a gather, an operation without a lane-wise form).
 */
type Form = 'vec' | 'scalar' | null;

export interface Analysis {
  readonly form: Map<Expr, Form>;
  /** Per input: how its loads read it; an input read both ways cannot be declared both ways. */
  readonly reads: Map<number, 'vec' | 'scalar' | 'both'>;
}

function formOf(e: Expr, strides: readonly number[], shape: readonly number[], a: Analysis): Form {
  const known = a.form.get(e);
  if (known !== undefined) return known;
  let f: Form = null;
  switch (e.k) {
    case 'const': f = 'scalar'; break;
    case 'index': f = null; break;
    case 'acc': f = null; break;
    case 'load': {
      const read = (how: 'vec' | 'scalar') => { const was = a.reads.get(e.input); a.reads.set(e.input, was && was !== how ? 'both' : how); };
      if (e.at.k === 'const') { f = 'scalar'; read('scalar'); break; }
      const aff = toAffine(e.at, shape.length);
      const contiguous = aff !== null && aff.base % 4 === 0 && aff.coef.every((c, d) => shape[d] === 1 || c === strides[d]);
      if (contiguous && e.dtype === 'float32') { f = 'vec'; read('vec'); }
      break;
    }
    case 'alu': {
      const args = e.args.map((x) => formOf(x, strides, shape, a));
      if (args.some((x) => x === null)) break;
      if (!args.includes('vec')) { f = 'scalar'; break; }
      const floats = (xs: readonly Expr[]) => xs.every((x) => x.dtype === 'float32');
      if (e.dtype === 'float32' && floats(e.args) && LANEWISE.has(e.op) && !(e.op === 'sub' && isExpm1(e))) f = 'vec';
      else if (e.op in COMPARE && floats(e.args)) f = 'vec';
      else if (e.op === 'where' && e.args[0]!.dtype === 'bool' && floats(e.args.slice(1))) f = 'vec';
      break;
    }
  }
  a.form.set(e, f);
  return f;
}

/** exp(x) - 1, which the scalar writer renders as expm1: not lane-wise here. */
function isExpm1(e: Extract<Expr, { k: 'alu' }>): boolean {
  const [x, one] = e.args;
  return x?.k === 'alu' && x.op === 'exp' && one?.k === 'const' && one.value === 1;
}

/**
 * How `exprs` (over a domain of `shape`, row-major) compute four consecutive elements at once:
 * null unless every node can, some load is contiguous, and no input is read both ways.
 */
export function laneForms(exprs: readonly Expr[], shape: readonly number[]): Analysis | null {
  const strides: number[] = [];
  let stride = 1;
  for (let d = shape.length - 1; d >= 0; d--) { strides[d] = stride; stride *= shape[d]!; }
  const a: Analysis = { form: new Map(), reads: new Map() };
  if (exprs.some((s) => formOf(s, strides, shape, a) === null)) return null;
  if ([...a.reads.values()].includes('both') || ![...a.reads.values()].includes('vec')) return null;
  return a;
}

/** Declares the inputs `a` reads four at a time (and `outputs`) as arrays of vec4f. */
export function declareLanes(decls: string[], a: Analysis, input: (i: number) => string, outputs: readonly string[] = []): void {
  const vecDecl = (name: string) => {
    const i = decls.findIndex((d) => d.includes(` ${name}: array<f32>;`));
    if (i >= 0) decls[i] = decls[i]!.replace(`${name}: array<f32>;`, `${name}: array<vec4f>;`);
  };
  for (const [i, how] of a.reads) if (how === 'vec') vecDecl(input(i));
  outputs.forEach(vecDecl);
}

/**
 * Renders four-element values: shared ones through the scalar writer `w` (hoisted,
 * deduplicated), per-element ones as `let v<n>` lines reading at vec4 index `at`.
 */
export function laneRenderer(a: Analysis, w: WgslExprWriter, input: (i: number) => string, rank: number, at = 'flat'): { render: (e: Expr) => string; lines: string[] } {
  const lines: string[] = [];
  const names = new Map<Expr, string>();
  const render = (e: Expr): string => {
    if (a.form.get(e) === 'scalar') return w.render(e);
    const hit = names.get(e);
    if (hit) return hit;
    let code: string;
    if (e.k === 'load') {
      const base = toAffine(e.at, rank)!.base / 4;
      code = `${input(e.input)}[${at}${base ? ` + ${base}u` : ''}]`;
    } else if (e.k === 'alu') {
      const [x, y, z] = e.args.map(render) as [string, string, string];
      // Comparisons and select take no scalar beside a vector: splat shared values.
      const splat = (i: number, code: string) => (a.form.get(e.args[i]!) === 'scalar' ? `vec4f(${code})` : code);
      switch (e.op) {
        case 'lt': case 'le': case 'gt': case 'ge':
          code = `select(vec4u(0u), vec4u(1u), ${splat(0, x)} ${COMPARE[e.op]} ${splat(1, y)})`; break;
        case 'where':
          code = `select(${splat(2, z)}, ${splat(1, y)}, ${x} != ${a.form.get(e.args[0]!) === 'scalar' ? '0u' : 'vec4u(0u)'})`; break;
        case 'sigmoid': code = `(1.0 / (1.0 + exp(-(${x}))))`; break;
        case 'add': code = `(${x} + ${y})`; break;
        case 'sub': code = `(${x} - ${y})`; break;
        case 'mul': code = `(${x} * ${y})`; break;
        case 'div': code = `(${x} / ${y})`; break;
        case 'neg': code = `-(${x})`; break;
        case 'rsqrt': code = `(1.0 / sqrt(${x}))`; break;
        default: code = `${e.op}(${x})`;
      }
    } else {
      throw new Error(`kiln: no vec4 form for a '${e.k}' node`);
    }
    const name = `v${names.size}`;
    names.set(e, name);
    lines.push(`let ${name} = ${code};`);
    return name;
  };
  return { render, lines };
}

/**
 * A map kernel whose loads are all either contiguous (the element's own position, offset by a
 * multiple of 4) or at a constant index, computed four elements per invocation with vec4 loads
 * and stores: a SIMD compiler (lavapipe's) gathers every per-invocation load, so one vec4 load
 * costs about what one f32 load does. Each element gets exactly the scalar template's
 * operations; the per-element part of the work the scalar template repeats for values shared
 * by all elements (a bias correction, say) is done once per four. Null unless every store is
 * float32, the domain a multiple of 4, and every node lane-wise.
 */
export function renderMapVec4(kernel: MapKernel, options: WgslOptions, max: number): WgslShader | null {
  const shape = kernel.domain;
  const size = sizeOf(shape);
  if (size === 0 || size % 4 !== 0 || kernel.outputs.some((o) => o.dtype !== 'float32')) return null;
  const a = laneForms(kernel.stores, shape);
  if (!a) return null;
  const aliases = options.aliases ?? new Map<number, number>();
  if ([...a.reads].some(([i, how]) => aliases.has(i) && how === 'scalar')) return null;
  const { decls, bindings, input } = bindingsOf(kernel, options);
  // An aliased input is read through its output's binding, declared with the outputs.
  declareLanes(decls, { ...a, reads: new Map([...a.reads].filter(([i]) => !aliases.has(i))) }, input, kernel.outputs.map((_, o) => `out${o}`));
  const w = new WgslExprWriter(namesFor(input, shape.length));
  const { render, lines } = laneRenderer(a, w, input, shape.length);
  const stores = kernel.stores.map((s) => (a.form.get(s) === 'vec' ? render(s) : `vec4f(${render(s)})`));
  const n = size / 4;
  const [x, y] = grid(Math.ceil(n / WORKGROUP), max);
  const exact = y === 1 && n % WORKGROUP === 0;
  const body = [
    `@compute @workgroup_size(${WORKGROUP})`,
    'fn main(@builtin(global_invocation_id) gid: vec3u) {',
    ...indent([
      `let flat = ${y > 1 ? `gid.x + gid.y * ${x * WORKGROUP}u` : 'gid.x'};`,
      ...(exact ? [] : [`if (flat >= ${n}u) { return; }`]),
      ...w.take(PRE),
      ...lines,
      ...stores.map((s, i) => `out${i}[flat] = ${s};`),
    ]),
    '}',
  ];
  return { source: assemble(kernel, w.helpers, decls, body), template: 'map', bindings, dispatch: [x, y, 1] };
}
