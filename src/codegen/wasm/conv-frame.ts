import type { Expr } from '../../ir/index.js';
import type { Local } from './assembler.js';

/** The window-product template's shared pieces (conv.ts renders; conv-gather.ts and conv-epilogue.ts emit parts). */
export interface WindowProductPlan {
  /** The factor without j (bounds masks folded in) and the factor without the other output dims. */
  readonly a: Expr;
  readonly b: Expr;
  readonly rowShape: readonly number[];
  readonly m: number;
  readonly n: number;
  readonly k: number;
}

/** Byte addresses in a thread's scratch: packed B panels, the A panel, a tile, the block's partial sums. */
export interface Scratch { readonly a: () => void; readonly b: () => void; readonly tile: () => void; readonly c: () => void }

export interface Locals {
  readonly jc: Local; readonly ncl: Local; readonly pc: Local; readonly kcl: Local; readonly kcp: Local; readonly kk: Local; readonly t: Local;
  readonly i0: Local; readonly row: Local; readonly col: Local; readonly c: Local; readonly tmp: Local; readonly at: Local;
  readonly src: Local; readonly dst: Local;
  /** The end of the block's range of the first looped inner dim. */
  readonly ue: Local;
  readonly rowCoords: readonly Local[]; readonly innerCoords: readonly Local[]; readonly innerStart: readonly Local[];
}

/** The domain dims an expression reads. */
export function dimsOf(e: Expr, into = new Set<number>()): Set<number> {
  if (e.k === 'index') into.add(e.dim);
  else if (e.k === 'load') dimsOf(e.at, into);
  else if (e.k === 'alu') for (const a of e.args) dimsOf(a, into);
  return into;
}
