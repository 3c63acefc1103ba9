import type { DType, Expr } from '../ir/index.js';
import { toAffine } from './affine.js';

export interface JsExprOptions {
  /** What an expression of kind 'acc' renders to (reductions' epilogues); default `acc`. */
  readonly accName?: string;
  /** The loop level `acc` is available at; default: none (never hoisted, never shared). */
  readonly accLevel?: number;
  /** When set, every temp is declared at this one level (epilogues run outside the loop nest). */
  readonly flatLevel?: number;
  /** Prefix of temp names, so that several writers can share one function body; default `t`. */
  readonly prefix?: string;
  /** The loop level of each domain dim, when loops do not nest in dim order; default the dim. */
  readonly levels?: readonly number[];
}

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
  private readonly accName: string;
  private readonly accLevel: number;
  private readonly flatLevel: number | undefined;
  private readonly prefix: string;

  constructor(
    private readonly loopVar: (dim: number) => string,
    private readonly rank: number,
    private readonly options: JsExprOptions = {},
  ) {
    this.accName = options.accName ?? 'acc';
    this.accLevel = options.accLevel ?? Number.MAX_SAFE_INTEGER;
    this.flatLevel = options.flatLevel;
    this.prefix = options.prefix ?? (options.flatLevel !== undefined ? 'e' : 't');
  }

  private readonly keyCounts = new Map<string, number>();

  /** Renders `e` for use at `level`, hoisting what it can. */
  render(e: Expr, useLevel: number): string {
    const c = this.canonical(e);
    this.countKeys(c);
    return this.visit(c, useLevel).code;
  }

  /**
   * First pass: how often each subexpression occurs, so shared ones become temps at once. The
   * parts of a repeated subexpression count once: they are computed once, inside its temp.
   */
  private countKeys(e: Expr): void {
    const key = this.keyOf(e);
    const seen = this.keyCounts.get(key) ?? 0;
    this.keyCounts.set(key, seen + 1);
    if (seen > 0) return;
    if (e.k === 'load') this.countKeys(e.at);
    if (e.k === 'alu') for (const a of e.args) this.countKeys(a);
  }

  private keyOf(e: Expr): string {
    const known = this.exprKey.get(e);
    if (known !== undefined) return known;
    let key: string;
    switch (e.k) {
      case 'const': key = `c${Object.is(e.value, -0) ? '-0' : e.value}`; break;
      case 'index': key = `i${e.dim}`; break;
      case 'acc': key = 'acc'; break;
      case 'load': key = `L${e.input}[${this.keyOf(e.at)}]`; break;
      case 'alu': key = `${e.op}:${e.dtype}(${e.args.map((a) => this.keyOf(a)).join(',')})`; break;
    }
    this.exprKey.set(e, key);
    return key;
  }
  private readonly exprKey = new Map<Expr, string>();

  /**
   * Rewrites affine index expressions as Σ coef·i from the outermost loop in, the constant after
   * the first term, so that each prefix hoists to its loop: `((i0 * 1024 + 3) + i1 * 8) + i2`.
   */
  private canonical(e: Expr): Expr {
    if (e.k === 'load') {
      const a = toAffine(e.at, this.rank);
      if (!a) return { ...e, at: this.canonical(e.at) };
      const int = (value: number): Expr => ({ k: 'const', value, dtype: 'int32' });
      const plus = (x: Expr, y: Expr): Expr => ({ k: 'alu', op: 'add', args: [x, y], dtype: 'int32' });
      const terms: Expr[] = a.coef.map((c, d) => ({ c, d })).filter((t) => t.c !== 0)
        .sort((x, y) => this.levelOf(x.d) - this.levelOf(y.d))
        .map(({ c, d }) => {
          const i: Expr = { k: 'index', dim: d, dtype: 'int32' };
          return c === 1 ? i : { k: 'alu', op: 'mul', args: [i, int(c)], dtype: 'int32' };
        });
      if (a.base !== 0 || terms.length === 0) terms.splice(terms.length ? 1 : 0, 0, int(a.base));
      return { ...e, at: terms.reduce((x, y) => plus(x, y)) };
    }
    if (e.k === 'alu') return { ...e, args: e.args.map((x) => this.canonical(x)) };
    return e;
  }

  private levelOf(dim: number): number {
    return this.options.levels?.[dim] ?? dim;
  }

  /** `inIndex`: inside a load's index, where int32 arithmetic cannot wrap (it addresses a buffer). */
  private visit(e: Expr, useLevel: number, inIndex = false, asCondition = false): { code: string; level: number } {
    switch (e.k) {
      case 'const': return { code: jsConst(e.value), level: -1 };
      case 'index': return { code: this.loopVar(e.dim), level: this.levelOf(e.dim) };
      case 'acc': return { code: this.accName, level: this.accLevel };
      default: break;
    }
    // The same subexpression renders differently as an index, a condition or a value.
    const key = `${this.keyOf(e)}${inIndex ? '@index' : asCondition ? '@if' : ''}`;
    const named = this.byKey.get(key);
    if (named?.name) return this.share(key, named.code, named.level, useLevel, e);
    if (e.k === 'load') {
      const at = this.visit(e.at, useLevel, true);
      return this.share(key, `in${e.input}[${unwrap(at.code)}]`, at.level, useLevel, e);
    }
    const args = e.args.map((a, i) => this.visit(a, useLevel, inIndex, i === 0 && e.op === 'where' && a.k === 'alu' && CONDITIONS[a.op] !== undefined));
    const level = Math.max(-1, ...args.map((a) => a.level));
    const codes = args.map((a) => a.code);
    let code: string;
    // A comparison that only selects renders as a plain condition, not as a 0/1 value.
    if (asCondition) code = `${codes[0]} ${CONDITIONS[e.op]} ${codes[1]}`;
    else if (inIndex && e.dtype === 'int32' && INDEX_ALU[e.op] !== undefined) code = `(${codes.join(INDEX_ALU[e.op])})`;
    else code = aluJs(e.op, codes, e.dtype, e.args[0]!.dtype);
    return this.share(key, code, level, useLevel, e);
  }

  /** Returns a temp's name for code used more than once or hoistable; inline code otherwise. */
  private share(key: string, code: string, level: number, useLevel: number, e: Expr): { code: string; level: number } {
    if (level === Number.MAX_SAFE_INTEGER) return { code, level };
    const found = this.byKey.get(key);
    if (found) {
      found.uses++;
      if (!found.name) found.name = this.declare(code, Math.min(level, useLevel));
      return { code: found.name, level: found.level };
    }
    const shared = (this.keyCounts.get(this.keyOf(e)) ?? 0) > 1;
    const entry = { name: null as string | null, level, code, uses: 1 };
    this.byKey.set(key, entry);
    if (level < useLevel || shared) entry.name = this.declare(code, Math.min(level, useLevel));
    return { code: entry.name ?? code, level };
  }

  private declare(code: string, level: number): string {
    const name = `${this.prefix}${this.temps++}`;
    if (this.flatLevel !== undefined) level = this.flatLevel;
    const list = this.statements.get(level) ?? [];
    list.push(`const ${name} = ${unwrap(code)};`);
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

/** Comparisons as JS conditions (NaN compares false, as the 0/1 forms do). */
const CONDITIONS: Partial<Record<string, string>> = { lt: '<', le: '<=', gt: '>', ge: '>=', eq: '===', ne: '!==' };
/** Index arithmetic as plain JS operators: small integers, exact in float64. */
const INDEX_ALU: Partial<Record<string, string>> = { add: ' + ', sub: ' - ', mul: ' * ' };

/** `code` without parentheses that enclose all of it. */
function unwrap(code: string): string {
  if (!code.startsWith('(')) return code;
  let depth = 0;
  for (let i = 0; i < code.length; i++) {
    if (code[i] === '(') depth++;
    else if (code[i] === ')' && --depth === 0) return i === code.length - 1 ? code.slice(1, -1) : code;
  }
  return code;
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
