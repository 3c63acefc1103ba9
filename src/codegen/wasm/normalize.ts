import type { Expr } from '../../ir/index.js';
import { toAffine, type Affine } from '../affine.js';
import type { Kernel } from '../kernel.js';

/**
 * Simplifies a kernel's loop nest before rendering: size-1 dimensions disappear (their index
 * is 0) and adjacent dimensions merge where every index expression reads them as one (an
 * elementwise op over [64, 128] is one loop of 8192; a broadcast over the last axis is not).
 * Outer and inner (reduced) dimensions merge only among themselves. Every maximal affine
 * int32 subexpression is rewritten as `base + Σ coef·index` in dimension order, so prefixes
 * that depend only on outer loops hoist. The output's flat order is unchanged.
 */
export function normalizeKernel(kernel: Kernel): Kernel {
  const outer = kernel.domain.length;
  const dims = kernel.kind === 'reduce' ? [...kernel.domain, ...kernel.inner] : [...kernel.domain];
  const roots = kernel.kind === 'reduce' ? [kernel.body, kernel.epilogue] : [...kernel.stores];
  const sites: Affine[] = [];
  for (const r of roots) collectSites(r, dims.length, sites);

  // Each original dim maps to a new dim (or none, when size 1) with a stride within it.
  const group: number[][] = dims.map((_, d) => [d]);
  let live = dims.map((_, d) => d).filter((d) => dims[d] !== 1);
  const empty = (from: number, to: number) => dims.slice(from, to).some((n) => n === 0);
  for (let p = live.length - 2; p >= 0; p--) {
    const a = live[p]!, b = live[p + 1]!;
    if ((a < outer) !== (b < outer)) continue;
    if (empty(a < outer ? 0 : outer, a < outer ? outer : dims.length)) continue;
    const lastOfA = group[a]![group[a]!.length - 1]!;
    const lastOfB = group[b]![group[b]!.length - 1]!;
    // merged index = i_a·size(b) + i_b, so every site needs coef_a = coef_b·size(b)
    const sizeB = group[b]!.reduce((s, d) => s * dims[d]!, 1);
    if (sites.every((s) => s.coef[lastOfA] === s.coef[lastOfB]! * sizeB)) {
      group[a] = [...group[a]!, ...group[b]!];
      live = live.filter((d) => d !== b);
    }
  }
  const newDims = live.map((d) => group[d]!.reduce((s, g) => s * dims[g]!, 1));
  const newOuter = live.filter((d) => d < outer).length;
  // coefficient of old dim d in a site maps to new dim live.indexOf(group head) through its innermost member
  const newIndexOf = new Map<number, { dim: number; last: number }>();
  live.forEach((head, i) => newIndexOf.set(head, { dim: i, last: group[head]![group[head]!.length - 1]! }));

  const rewrite = (e: Expr): Expr => {
    if (e.dtype === 'int32' && e.k !== 'load' && e.k !== 'acc') {
      const a = toAffine(e, dims.length);
      if (a) return affineExpr(a.base, live.map((head) => a.coef[newIndexOf.get(head)!.last]!));
    }
    if (e.k === 'load') return { ...e, at: rewrite(e.at) };
    if (e.k === 'alu') return { ...e, args: e.args.map(rewrite) };
    return e;
  };

  if (kernel.kind === 'map') return { ...kernel, domain: newDims, stores: kernel.stores.map(rewrite) };
  const inner = empty(outer, dims.length) ? [0] : newDims.slice(newOuter);
  return { ...kernel, domain: newDims.slice(0, newOuter), inner, body: rewrite(kernel.body), epilogue: rewrite(kernel.epilogue) };
}

/** The affine forms of the maximal affine int32 subexpressions (where every index occurs). */
function collectSites(e: Expr, rank: number, out: Affine[]): void {
  if (e.dtype === 'int32' && e.k !== 'load' && e.k !== 'acc') {
    const a = toAffine(e, rank);
    if (a) { out.push(a); return; }
  }
  if (e.k === 'load') collectSites(e.at, rank, out);
  else if (e.k === 'alu') for (const x of e.args) collectSites(x, rank, out);
}

/** `base + Σ coef[d]·index(d)` with terms in dimension order (outer loops first). */
export function affineExpr(base: number, coef: readonly number[]): Expr {
  let at: Expr = { k: 'const', value: base, dtype: 'int32' };
  coef.forEach((c, d) => {
    if (c === 0) return;
    const idx: Expr = { k: 'index', dim: d, dtype: 'int32' };
    const term: Expr = c === 1 ? idx : { k: 'alu', op: 'mul', args: [idx, { k: 'const', value: c, dtype: 'int32' }], dtype: 'int32' };
    at = at.k === 'const' && at.value === 0 ? term : { k: 'alu', op: 'add', args: [at, term], dtype: 'int32' };
  });
  return at;
}
