import type { DType, Expr } from '../ir/index.js';
import { toAffine } from './affine.js';

/**
 * Renders scalar expressions to JavaScript for the `js` renderer, with common subexpressions
 * and loop-invariant code hoisted: each subexpression is placed at the outermost loop level
 * whose index variables it uses, as a `const` when it is reused or invariant.
 */
export class JsExprWriter {
  /** Statements per loop level; level -1 runs once before all loops. */
  readonly statements = new Map<number, string[]>();
  private readonly byKey = new Map<string, { name: string | null; level: number; code: string; uses: number }>();
  private temps = 0;

  constructor(
    private readonly loopVar: (dim: number) => string,
    private readonly rank: number,
    /** Names an expression of kind 'acc' renders to (reductions' epilogues). */
    private readonly accName = 'acc',
    /** When set, every temp is declared at this one level (epilogues run outside the loop nest). */
    private readonly flatLevel?: number,
  ) {}

  private readonly keyCounts = new Map<string, number>();

  /** Renders `e` for use at `level`, hoisting what it can. */
  render(e: Expr, useLevel: number): string {
    const c = this.canonical(e);
    this.countKeys(c);
    return this.visit(c, useLevel).code;
  }

  /** First pass: how often each subexpression occurs, so shared ones become temps at once. */
  private countKeys(e: Expr): string {
    let key: string;
    switch (e.k) {
      case 'const': return `c${e.value}`;
      case 'index': return `i${e.dim}`;
      case 'acc': return 'acc';
      case 'load': key = `L${e.input}[${this.countKeys(e.at)}]`; break;
      case 'alu': key = `${e.op}:${e.dtype}(${e.args.map((a) => this.countKeys(a)).join(',')})`; break;
    }
    this.keyCounts.set(key, (this.keyCounts.get(key) ?? 0) + 1);
    this.exprKey.set(e, key);
    return key;
  }
  private readonly exprKey = new Map<Expr, string>();

  /** Rewrites affine index expressions as base + Σ coef·i in loop order, so prefixes hoist. */
  private canonical(e: Expr): Expr {
    if (e.k === 'load') {
      const a = toAffine(e.at, this.rank);
      if (!a) return { ...e, at: this.canonical(e.at) };
      let at: Expr = { k: 'const', value: a.base, dtype: 'int32' };
      a.coef.forEach((c, d) => {
        if (c === 0) return;
        const term: Expr = c === 1 ? { k: 'index', dim: d, dtype: 'int32' }
          : { k: 'alu', op: 'mul', args: [{ k: 'index', dim: d, dtype: 'int32' }, { k: 'const', value: c, dtype: 'int32' }], dtype: 'int32' };
        at = at.k === 'const' && at.value === 0 ? term : { k: 'alu', op: 'add', args: [at, term], dtype: 'int32' };
      });
      return { ...e, at };
    }
    if (e.k === 'alu') return { ...e, args: e.args.map((x) => this.canonical(x)) };
    return e;
  }

  private visit(e: Expr, useLevel: number): { code: string; level: number } {
    switch (e.k) {
      case 'const': return { code: jsConst(e.value), level: -1 };
      case 'index': return { code: this.loopVar(e.dim), level: e.dim };
      case 'acc': return { code: this.accName, level: Number.MAX_SAFE_INTEGER };
      case 'load': {
        const at = this.visit(e.at, useLevel);
        return this.share(`in${e.input}[${at.code}]`, at.level, useLevel, e);
      }
      case 'alu': {
        const args = e.args.map((a) => this.visit(a, useLevel));
        const level = Math.max(-1, ...args.map((a) => a.level));
        return this.share(aluJs(e.op, args.map((a) => a.code), e.dtype, e.args[0]!.dtype), level, useLevel, e);
      }
    }
  }

  /** Returns a temp's name for code used more than once or hoistable; inline code otherwise. */
  private share(code: string, level: number, useLevel: number, e: Expr): { code: string; level: number } {
    if (level === Number.MAX_SAFE_INTEGER) return { code, level };
    const shared = (this.keyCounts.get(this.exprKey.get(e) ?? '') ?? 0) > 1;
    const found = this.byKey.get(code);
    if (found) {
      found.uses++;
      if (!found.name) found.name = this.declare(code, Math.min(level, useLevel));
      return { code: found.name, level: found.level };
    }
    const entry = { name: null as string | null, level, code, uses: 1 };
    this.byKey.set(code, entry);
    if (level < useLevel || shared) entry.name = this.declare(code, Math.min(level, useLevel));
    return { code: entry.name ?? code, level };
  }

  private declare(code: string, level: number): string {
    const name = `${this.flatLevel !== undefined ? 'e' : 't'}${this.temps++}`;
    if (this.flatLevel !== undefined) level = this.flatLevel;
    const list = this.statements.get(level) ?? [];
    list.push(`const ${name} = ${code};`);
    this.statements.set(level, list);
    return name;
  }

  /** Statements for a level, removing them (each level's block is emitted once). */
  take(level: number): string[] {
    const s = this.statements.get(level) ?? [];
    this.statements.delete(level);
    return s;
  }
}

export function jsConst(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '(-Infinity)';
  return v < 0 || Object.is(v, -0) ? `(${v})` : String(v);
}

function aluJs(op: string, a: string[], dtype: DType, argType: DType): string {
  const [x, y, z] = a;
  const isInt = dtype === 'int32';
  switch (op) {
    case 'neg': return isInt ? `(-${x} | 0)` : `(-${x})`;
    case 'abs': return `Math.abs(${x})`;
    case 'sign': return `Math.sign(${x})`;
    case 'floor': case 'ceil': case 'sqrt': case 'exp': case 'log': case 'log1p': case 'sin': case 'cos': case 'tanh':
      return `Math.${op}(${x})`;
    case 'round': return `H.round(${x})`;
    case 'rsqrt': return `(1 / Math.sqrt(${x}))`;
    case 'sigmoid': return `(1 / (1 + Math.exp(-${x})))`;
    case 'not': return `(1 - ${x})`;
    case 'add': return isInt ? `((${x} + ${y}) | 0)` : `(${x} + ${y})`;
    case 'sub': return isInt ? `((${x} - ${y}) | 0)` : `(${x} - ${y})`;
    case 'mul': return isInt ? `Math.imul(${x}, ${y})` : `(${x} * ${y})`;
    case 'div': return isInt ? `(Math.floor(${x} / ${y}) | 0)` : `(${x} / ${y})`;
    case 'idiv': return isInt ? `(Math.floor(${x} / ${y}) | 0)` : `Math.floor(${x} / ${y})`;
    case 'mod': return isInt ? `(H.mod(${x}, ${y}) | 0)` : `H.mod(${x}, ${y})`;
    case 'pow': return isInt ? `H.ipow(${x}, ${y})` : `Math.pow(${x}, ${y})`;
    case 'max': return `Math.max(${x}, ${y})`;
    case 'min': return `Math.min(${x}, ${y})`;
    case 'lt': return `(${x} < ${y} ? 1 : 0)`;
    case 'le': return `(${x} <= ${y} ? 1 : 0)`;
    case 'gt': return `(${x} > ${y} ? 1 : 0)`;
    case 'ge': return `(${x} >= ${y} ? 1 : 0)`;
    case 'eq': return `(${x} === ${y} ? 1 : 0)`;
    case 'ne': return `(${x} !== ${y} ? 1 : 0)`;
    case 'and': return `(${x} & ${y})`;
    case 'or': return `(${x} | ${y})`;
    case 'where': return `(${x} ? ${y} : ${z})`;
    case 'rand': return `H.rand(${x}, ${y})`;
    case 'cast':
      if (dtype === 'int32') return argType === 'float32' ? `(${x} | 0)` : x!;
      if (dtype === 'bool') return `(${x} !== 0 ? 1 : 0)`;
      return x!;
    default: throw new Error(`kiln: the js renderer has no rule for '${op}'`);
  }
}
