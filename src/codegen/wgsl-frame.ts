import { helperSource } from './wgsl-lib.js';
import { wgslType, type WgslNames } from './wgsl-expr.js';
import type { Kernel } from './kernel.js';

/** One entry of a shader's bind group, in binding order. */
export interface WgslBinding {
  /** 'scratch': a buffer of the shader's own (`WgslShader.scratch` words), kept by the runtime. */
  readonly kind: 'input' | 'output' | 'scratch';
  readonly index: number;
}

/** A kernel as a WebGPU compute shader, with how to bind and dispatch it. */
export interface WgslShader {
  readonly source: string;
  readonly template: 'map' | 'reduce' | 'reduce-tree' | 'matmul';
  readonly bindings: readonly WgslBinding[];
  /** Workgroup counts; null when the kernel has no element to compute (nothing is dispatched). */
  readonly dispatch: readonly [number, number, number] | null;
  /** 4-byte words of the scratch binding, where the shader has one. */
  readonly scratch?: number;
  /**
   * A second entry point, `combine`, dispatched right after `main` with the same bindings (a
   * split reduction folds its partial results there); dispatches in one pass run in order.
   */
  readonly combine?: { readonly dispatch: readonly [number, number, number] };
}

export interface WgslOptions {
  /**
   * Inputs whose buffer is also an output's (an in-place variable update): WebGPU forbids
   * binding one buffer as both, so such an input is read through the output's binding.
   */
  readonly aliases?: ReadonlyMap<number, number>;
  /** The device's maxComputeWorkgroupsPerDimension (65535 unless told). */
  readonly maxWorkgroups?: number;
  /** The device's maxStorageBuffersPerShaderStage (8 unless told): a split reduction binds one more. */
  readonly maxStorageBuffers?: number;
  /** The smallest subgroup size, where the device has the `subgroups` feature enabled (else none). */
  readonly subgroupMinSize?: number;
}

/** Binding declarations and the names loads use, shared by every template. */
export function bindingsOf(kernel: Kernel, options: WgslOptions): { decls: string[]; bindings: WgslBinding[]; input: (i: number) => string } {
  const aliases = options.aliases ?? new Map<number, number>();
  const decls: string[] = [];
  const bindings: WgslBinding[] = [];
  kernel.inputs.forEach((b, i) => {
    if (aliases.has(i)) return;
    decls.push(`@group(0) @binding(${bindings.length}) var<storage, read> in${i}: array<${wgslType(b.dtype)}>;`);
    bindings.push({ kind: 'input', index: i });
  });
  kernel.outputs.forEach((b, i) => {
    decls.push(`@group(0) @binding(${bindings.length}) var<storage, read_write> out${i}: array<${wgslType(b.dtype)}>;`);
    bindings.push({ kind: 'output', index: i });
  });
  return { decls, bindings, input: (i) => (aliases.has(i) ? `out${aliases.get(i)}` : `in${i}`) };
}

export const coordName = (dim: number): string => `i${dim}`;

/** Names for a writer over `outerRank` outer dims followed by inner ones. */
export function namesFor(input: (i: number) => string, outerRank: number, acc = 'acc'): WgslNames {
  return { index: coordName, input, acc, levelOf: (d) => (d < outerRank ? 0 : 1) };
}

/**
 * `let i<d> = ...;` for the coordinates of a flat u32 index over `shape`, naming dims from
 * `firstDim`; size-1 dims are 0, and the outermost needs no modulo.
 */
export function coordLines(flat: string, shape: readonly number[], firstDim: number): string[] {
  const lines: string[] = [];
  let stride = 1;
  const strides: number[] = [];
  // An empty domain runs no element, but WGSL rejects a constant division by zero: extents count as at least 1.
  for (let d = shape.length - 1; d >= 0; d--) { strides[d] = stride; stride *= Math.max(shape[d]!, 1); }
  shape.forEach((n, d) => {
    const name = coordName(firstDim + d);
    if (n === 1) { lines.push(`let ${name} = 0i;`); return; }
    const q = strides[d] === 1 ? flat : `(${flat} / ${strides[d]}u)`;
    const outermost = shape.slice(0, d).every((m) => m === 1);
    lines.push(`let ${name} = i32(${outermost ? q : `${q} % ${Math.max(n, 1)}u`});`);
  });
  return lines;
}

/** A 1-D count of workgroups as x·y within the per-dimension limit. */
export function grid(groups: number, max: number): [number, number] {
  if (groups <= max) return [groups, 1];
  const y = Math.ceil(groups / max);
  return [Math.ceil(groups / y), y];
}

export function indent(lines: readonly string[], depth = 1): string[] {
  const pad = '  '.repeat(depth);
  return lines.map((l) => (l ? pad + l : l));
}

/** The whole shader text: a comment naming the kernel, `enable` directives, helpers, bindings, module-scope state, main. */
export function assemble(kernel: Kernel, helpers: Iterable<string>, decls: readonly string[], body: readonly string[], directives: readonly string[] = []): string {
  const what = kernel.kind === 'reduce' ? ` ${kernel.op} over [${kernel.inner.join(', ')}]` : '';
  return [`// ${kernel.name}: ${kernel.kind} over [${kernel.domain.join(', ')}]${what}`, ...directives, ...helperSource(helpers), ...decls, ...body].join('\n') + '\n';
}
