import { add, index, int, mul, type Expr } from '../ir/index.js';
import { toAffine } from './affine.js';
import type { Kernel, MapKernel, ReduceKernel } from './kernel.js';

/**
 * Merges adjacent loop dims that every load walks as one: a [1024, 1024] domain read row-major
 * becomes one loop of 2^20, so the loop nest is as flat as a hand-written one. Dims d and d+1
 * merge when each load's index is affine with coef[d] = coef[d+1]·extent[d+1] and index(d) is
 * used nowhere else. The domain and a reduction's inner dims merge separately; outputs are
 * written row-major over the domain, so they never stop a merge.
 */
export function collapseDims(kernel: MapKernel): MapKernel;
export function collapseDims(kernel: ReduceKernel): ReduceKernel;
export function collapseDims(kernel: Kernel): Kernel {
  const outer = kernel.domain.length;
  const extents = kernel.kind === 'reduce' ? [...kernel.domain, ...kernel.inner] : [...kernel.domain];
  const rank = extents.length;
  const exprs = kernel.kind === 'reduce' ? [kernel.body, kernel.epilogue] : kernel.stores;

  const affine: (readonly number[])[] = [];
  const pinned = new Set<number>();
  const scan = (e: Expr): void => {
    if (e.k === 'index') pinned.add(e.dim);
    if (e.k === 'load') {
      const a = toAffine(e.at, rank);
      if (a) affine.push(a.coef);
      else scan(e.at);
    }
    if (e.k === 'alu') e.args.forEach(scan);
  };
  exprs.forEach(scan);

  // groups[g] = the old dims merged into new dim g, outermost first.
  const groups: number[][] = [];
  for (let d = 0; d < rank; d++) {
    const last = groups[groups.length - 1];
    const prev = last?.[last.length - 1];
    const merges = last !== undefined && prev === d - 1 && d !== outer && !pinned.has(d) && !pinned.has(prev)
      && affine.every((coef) => walksAsOne(coef, [...last, d], extents));
    if (merges) last.push(d);
    else groups.push([d]);
  }
  if (groups.length === rank) return kernel;

  const newDim: number[] = [];
  groups.forEach((g, i) => g.forEach((d) => { newDim[d] = i; }));
  const size = (g: readonly number[]) => g.reduce((s, d) => s * extents[d]!, 1);
  // A merged dim's coefficient: that of its innermost dim that moves.
  const coefOf = (coef: readonly number[], g: readonly number[]): number => {
    const moving = g.filter((d) => extents[d] !== 1);
    return moving.length ? coef[moving[moving.length - 1]!]! : 0;
  };
  const rewrite = (e: Expr): Expr => {
    switch (e.k) {
      case 'index': return index(newDim[e.dim]!);
      case 'load': {
        const a = toAffine(e.at, rank);
        if (!a) return { ...e, at: rewrite(e.at) };
        let at: Expr = int(a.base);
        groups.forEach((g, i) => { at = add(at, mul(index(i), int(coefOf(a.coef, g)))); });
        return { ...e, at };
      }
      case 'alu': return { ...e, args: e.args.map(rewrite) };
      default: return e;
    }
  };
  const domainGroups = groups.filter((g) => g[0]! < outer);
  const domain = domainGroups.map(size);
  if (kernel.kind === 'map') return { ...kernel, domain, stores: kernel.stores.map(rewrite) };
  const inner = groups.filter((g) => g[0]! >= outer).map(size);
  return { ...kernel, domain, inner, body: rewrite(kernel.body), epilogue: rewrite(kernel.epilogue) };
}

/** Whether an index with these coefficients steps through dims `g` as through one dim of their product. */
function walksAsOne(coef: readonly number[], g: readonly number[], extents: readonly number[]): boolean {
  let step: number | null = null;
  let inner = 1;
  for (let t = g.length - 1; t >= 0; t--) {
    const d = g[t]!;
    if (extents[d] !== 1) {
      if (step === null) step = coef[d]!;
      else if (coef[d] !== step * inner) return false;
    }
    inner *= extents[d]!;
  }
  return true;
}
