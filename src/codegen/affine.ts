import type { Expr } from '../ir/index.js';

/** An index expression `base + Σ coef[d] · index(d)`. */
export interface Affine {
  readonly base: number;
  readonly coef: readonly number[];
}

/** The affine form of an int32 index expression over `rank` domain dims, or null if it has none. */
export function toAffine(e: Expr, rank: number): Affine | null {
  switch (e.k) {
    case 'const':
      return e.dtype === 'int32' ? { base: e.value, coef: new Array<number>(rank).fill(0) } : null;
    case 'index': {
      const coef = new Array<number>(rank).fill(0);
      coef[e.dim] = 1;
      return { base: 0, coef };
    }
    case 'alu': {
      if (e.dtype !== 'int32') return null;
      const [a, b] = e.args.map((x) => toAffine(x, rank));
      if (!a || (e.args.length > 1 && !b)) return null;
      if (e.op === 'add' && b) return { base: a.base + b.base, coef: a.coef.map((c, i) => c + b.coef[i]!) };
      if (e.op === 'sub' && b) return { base: a.base - b.base, coef: a.coef.map((c, i) => c - b.coef[i]!) };
      if (e.op === 'neg') return { base: -a.base, coef: a.coef.map((c) => -c) };
      if (e.op === 'mul' && b) {
        if (a.coef.every((c) => c === 0)) return { base: a.base * b.base, coef: b.coef.map((c) => c * a.base) };
        if (b.coef.every((c) => c === 0)) return { base: a.base * b.base, coef: a.coef.map((c) => c * b.base) };
      }
      return null;
    }
    default:
      return null;
  }
}
