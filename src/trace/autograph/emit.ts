import type { Analysis, Construct } from './analysis.js';
import { isFunctionBoundary, type Range } from './scopes.js';
import type { ts } from './ts-morph.js';

/** Names the generated code uses: the runtime namespace and AutoGraph's own state. */
export const AG = 'ag__';
const DO_RETURN = 'doReturn__';
const RETVAL = 'retval__';

interface FunctionState {
  readonly node: ts.Node;
  /** Set once a `return` has become `retval__ = ...; doReturn__ = true`. */
  returns: boolean;
}

interface LoopState {
  readonly node: ts.Node;
  readonly breakFlag: string;
  readonly continueFlag: string;
}

interface Ctx {
  readonly fn: FunctionState;
  readonly root: ts.Node;
  /** Inside an arrow function the transform made (a `return` there must set the return flags). */
  readonly inArrow: boolean;
  /** The innermost converted loop whose body this is. */
  readonly loop: LoopState | null;
}

/** Only the line breaks of dropped source text, so the output keeps the input's line numbers. */
const lines = (s: string): string => s.replace(/[^\n]/g, '');

const list = (names: readonly string[]): string => names.join(', ');

/**
 * Writes the converted text of a function: `if`/`while`/`for`/`for..of` become calls of the
 * runtime (`ag__.ifStmt(cond, () => {...}, () => {...}, getVars, setVars, names)`), `return`,
 * `break` and `continue` inside them become flags, `&&`/`||`/`!`/`?:` become runtime calls.
 * Untouched source is copied as is, and every dropped piece keeps its line breaks.
 */
export class Emitter {
  private readonly marked = new Set<ts.Node>();
  private loops = 0;
  private readonly t: Analysis['t'];

  constructor(private readonly an: Analysis, private readonly text: string) {
    this.t = an.t;
  }

  /** The converted text of `fn` over its full range (leading trivia included). */
  root(fn: ts.Node): string {
    this.mark(fn);
    return this.emit(fn, { fn: { node: fn, returns: false }, root: fn, inArrow: false, loop: null });
  }

  private mark(n: ts.Node): boolean {
    const t = this.t;
    const k = t.SyntaxKind;
    let hit = isFunctionBoundary(t, n) || t.isIfStatement(n) || t.isIterationStatement(n, false) || t.isReturnStatement(n) ||
      t.isBreakOrContinueStatement(n) || t.isConditionalExpression(n) || t.isPrefixUnaryExpression(n) && n.operator === k.ExclamationToken ||
      t.isBinaryExpression(n) && (n.operatorToken.kind === k.AmpersandAmpersandToken || n.operatorToken.kind === k.BarBarToken);
    t.forEachChild(n, (c) => { if (this.mark(c)) hit = true; });
    if (hit) this.marked.add(n);
    return hit;
  }

  private lead(n: ts.Node): string {
    return this.text.slice(n.pos, n.getStart(this.an.file));
  }

  /** A node's converted text without its leading trivia. */
  private inner(n: ts.Node, ctx: Ctx): string {
    return this.emit(n, ctx).slice(n.getStart(this.an.file) - n.pos);
  }

  private emit(n: ts.Node, ctx: Ctx): string {
    const t = this.t;
    if (!this.marked.has(n)) return this.text.slice(n.pos, n.end);
    if (isFunctionBoundary(t, n) && n !== ctx.fn.node) ctx = { fn: { node: n, returns: false }, root: ctx.root, inArrow: false, loop: null };
    const k = t.SyntaxKind;
    if (t.isBlock(n)) return this.lead(n) + (n.parent === ctx.fn.node ? this.functionBody(n, ctx) : `{${this.statements(n.statements, ctx)}${this.tail(n)}}`);
    if (this.an.convertible(n)) return this.lead(n) + this.construct(n, ctx);
    if (t.isReturnStatement(n) && ctx.inArrow) {
      ctx.fn.returns = true;
      const value = n.expression ? this.inner(n.expression, ctx) : 'undefined';
      return `${this.lead(n)}{ ${RETVAL} = ${value}; ${DO_RETURN} = true; return; }`;
    }
    if (t.isBreakOrContinueStatement(n) && ctx.loop && this.an.jumpTarget(n) === ctx.loop.node) {
      const flag = t.isBreakStatement(n) ? ctx.loop.breakFlag : ctx.loop.continueFlag;
      return `${this.lead(n)}{ ${flag} = true; return; }`;
    }
    if (t.isBinaryExpression(n) && (n.operatorToken.kind === k.AmpersandAmpersandToken || n.operatorToken.kind === k.BarBarToken) && this.an.liftable([n])) {
      const gap = lines(this.text.slice(n.left.end, n.right.getStart(this.an.file)));
      const fn = n.operatorToken.kind === k.AmpersandAmpersandToken ? 'and' : 'or';
      return `${this.lead(n)}${AG}.${fn}(() => (${this.inner(n.left, ctx)}),${gap} () => (${this.inner(n.right, ctx)}))`;
    }
    if (t.isPrefixUnaryExpression(n) && n.operator === k.ExclamationToken) return `${this.lead(n)}${AG}.not(${this.inner(n.operand, ctx)})`;
    if (t.isConditionalExpression(n) && this.an.liftable([n])) {
      const a = lines(this.text.slice(n.condition.end, n.whenTrue.getStart(this.an.file)));
      const b = lines(this.text.slice(n.whenTrue.end, n.whenFalse.getStart(this.an.file)));
      return `${this.lead(n)}${AG}.ifExp(${this.inner(n.condition, ctx)},${a} () => (${this.inner(n.whenTrue, ctx)}),${b} () => (${this.inner(n.whenFalse, ctx)}))`;
    }
    // A condition that stays JS: a tensor there is a clear error instead of an always-true object.
    const condition = t.isIfStatement(n) || t.isWhileStatement(n) || t.isDoStatement(n) ? n.expression : t.isForStatement(n) ? n.condition : undefined;
    return this.generic(n, ctx, condition);
  }

  /** The node's text with its children converted; `condition` is wrapped in `ag__.hostCondition`. */
  private generic(n: ts.Node, ctx: Ctx, condition?: ts.Node): string {
    let out = '';
    let at = n.pos;
    this.t.forEachChild(n, (c) => {
      out += this.text.slice(at, c.pos);
      out += c === condition ? `${this.lead(c)}${AG}.hostCondition(${this.inner(c, ctx)})` : this.emit(c, ctx);
      at = c.end;
    });
    return out + this.text.slice(at, n.end);
  }

  /** The source between a block's last statement and its closing brace. */
  private tail(b: ts.Block): string {
    return this.text.slice(b.statements.end, b.end - 1);
  }

  private functionBody(b: ts.Block, ctx: Ctx): string {
    const t = this.t;
    let directives = 0;
    while (directives < b.statements.length && t.isExpressionStatement(b.statements[directives]!) && t.isStringLiteral((b.statements[directives] as ts.ExpressionStatement).expression)) directives++;
    const head = b.statements.slice(0, directives).map((s) => this.emit(s, ctx)).join('');
    const body = this.statements(b.statements, ctx, directives);
    const prologue = ctx.fn.returns ? ` let ${DO_RETURN} = false, ${RETVAL};` : '';
    const epilogue = ctx.fn.returns ? ` return ${RETVAL};` : '';
    return `{${head}${prologue}${body}${epilogue}${this.tail(b)}}`;
  }

  /**
   * A statement list. After a statement that may set a flag (a converted return, break or
   * continue), the rest runs only if no flag is set; an `if` whose then-branch always returns
   * takes the rest as its else-branch instead (as TensorFlow's AutoGraph does).
   */
  private statements(stmts: readonly ts.Statement[], ctx: Ctx, from = 0): string {
    const t = this.t;
    let out = '';
    for (let i = from; i < stmts.length; i++) {
      const s = stmts[i]!;
      const rest = stmts.slice(i + 1);
      if (rest.length && t.isIfStatement(s) && this.an.convertible(s) && this.an.definitelyReturns(s.thenStatement) && !this.an.definitelyReturns(s.elseStatement)) {
        return out + this.lead(s) + this.ifStatement(s, ctx, rest);
      }
      out += this.emit(s, ctx);
      const flags = rest.length ? this.flagsSetBy(s, ctx) : [];
      if (flags.length) return out + this.guard(rest, flags, ctx);
    }
    return out;
  }

  /** The flags a statement may set through a converted construct inside it. */
  private flagsSetBy(s: ts.Statement, ctx: Ctx): string[] {
    const flags = new Set<string>();
    for (const j of this.an.escapingJumps(s)) {
      if (j === s || !this.insideConverted(j, s)) continue;
      if (this.t.isReturnStatement(j)) flags.add(DO_RETURN);
      else if (ctx.loop && this.an.jumpTarget(j) === ctx.loop.node) flags.add(this.t.isBreakStatement(j) ? ctx.loop.breakFlag : ctx.loop.continueFlag);
    }
    return [...flags];
  }

  private insideConverted(j: ts.Node, s: ts.Node): boolean {
    for (let a: ts.Node = j.parent; ; a = a.parent) {
      if (this.an.convertible(a)) return true;
      if (a === s) return false;
    }
  }

  private guard(rest: readonly ts.Statement[], flags: readonly string[], ctx: Ctx): string {
    const inner: Ctx = { ...ctx, inArrow: true };
    const body = this.statements(rest, inner);
    let names = this.stateNames(rest, ctx);
    // After a tail that always returns, the return flag is true whichever way the guard went.
    if (flags.length === 1 && flags[0] === DO_RETURN && rest.some((s) => this.an.definitelyReturns(s))) names = names.filter((x) => x !== DO_RETURN);
    return `${AG}.ifStmt(${AG}.notAny([${list(flags)}]), () => {${body}}, null, ${this.vars(names)});`;
  }

  /** The state of a region: live variables it assigns, then the flags its jumps set. */
  private stateNames(region: readonly ts.Node[], ctx: Ctx, scope?: Range, loop?: { test: ts.Node | undefined; body: ts.Statement }): string[] {
    const range = scope ?? { pos: region[0]!.pos, end: region[region.length - 1]!.end };
    const names = this.an.stateOf(region, range, ctx.root, loop);
    const flags = new Set<string>();
    for (const j of this.an.escapingJumps(region[0]!, region)) {
      if (this.t.isReturnStatement(j)) { flags.add(RETVAL); flags.add(DO_RETURN); }
      else if (ctx.loop && this.an.jumpTarget(j) === ctx.loop.node) flags.add(this.t.isBreakStatement(j) ? ctx.loop.breakFlag : ctx.loop.continueFlag);
    }
    return [...names, ...flags];
  }

  private vars(names: readonly string[]): string {
    if (names.length === 0) return '() => [], () => {}, []';
    return `() => [${list(names)}], (v__) => { [${list(names)}] = v__; }, [${names.map((x) => JSON.stringify(x)).join(', ')}]`;
  }

  /** A block's statements (or a single statement) as the body of an arrow function. */
  private body(s: ts.Statement, ctx: Ctx, skip = 0): string {
    if (!this.t.isBlock(s)) return this.inner(s, ctx);
    const skipped = s.statements.slice(0, skip).map((x) => lines(this.text.slice(x.pos, x.end))).join('');
    return skipped + this.statements(s.statements, ctx, skip) + this.tail(s);
  }

  private construct(n: Construct, ctx: Ctx): string {
    const t = this.t;
    if (t.isIfStatement(n)) return this.ifStatement(n, ctx, []);
    return this.loop(n, ctx);
  }

  private ifStatement(s: ts.IfStatement, ctx: Ctx, rest: readonly ts.Statement[]): string {
    const inner: Ctx = { ...ctx, inArrow: true };
    const file = this.an.file;
    const head = lines(this.text.slice(s.getStart(file), s.expression.getStart(file)));
    const cond = this.inner(s.expression, ctx);
    const gap = lines(this.text.slice(s.expression.end, s.thenStatement.getStart(file)));
    const then = `() => {${this.body(s.thenStatement, inner)}}`;
    let otherwise = 'null';
    const e = s.elseStatement;
    if (e || rest.length) {
      const elseGap = e ? lines(this.text.slice(s.thenStatement.end, e.getStart(file))) : '';
      otherwise = `${elseGap}() => {${e ? this.body(e, inner) : ''}${this.statements(rest, inner)}}`;
    }
    const region = [s.thenStatement, ...(e ? [e] : []), ...rest];
    let names = this.stateNames(region, ctx);
    const returnsAlways = this.an.definitelyReturns(s.thenStatement) && (this.an.definitelyReturns(e) || rest.some((x) => this.an.definitelyReturns(x)));
    // Both branches return: the return flag is true after the statement whichever branch ran.
    if (returnsAlways) names = names.filter((x) => x !== DO_RETURN);
    return `${head}${AG}.ifStmt(${cond},${gap} ${then}, ${otherwise}, ${this.vars(names)});`;
  }

  /** `kiln.autograph.setLoopOptions({...})` as the first statement of a loop body: its argument. */
  private loopOptions(body: ts.Statement, ctx: Ctx): string | null {
    const t = this.t;
    const first = t.isBlock(body) ? body.statements[0] : undefined;
    if (!first || !t.isExpressionStatement(first) || !t.isCallExpression(first.expression)) return null;
    const callee = first.expression.expression;
    const name = t.isIdentifier(callee) ? callee.text : t.isPropertyAccessExpression(callee) ? callee.name.text : '';
    const arg = first.expression.arguments[0];
    return name === 'setLoopOptions' && arg ? this.inner(arg, ctx) : null;
  }

  private loop(s: ts.WhileStatement | ts.ForStatement | ts.ForOfStatement, ctx: Ctx): string {
    const t = this.t;
    const file = this.an.file;
    const id = ++this.loops;
    const L: LoopState = { node: s, breakFlag: `break__${id}`, continueFlag: `continue__${id}` };
    const jumps = this.an.escapingJumps(s.statement);
    const usesBreak = jumps.some((j) => t.isBreakStatement(j));
    const usesContinue = jumps.some((j) => t.isContinueStatement(j));
    const stop = [...(usesBreak ? [L.breakFlag] : []), ...(jumps.some((j) => t.isReturnStatement(j)) ? [DO_RETURN] : [])];
    const inner: Ctx = { ...ctx, inArrow: true, loop: L };
    const options = this.loopOptions(s.statement, ctx);
    const body = `{${usesContinue ? ` ${L.continueFlag} = false;` : ''}${this.body(s.statement, inner, options === null ? 0 : 1)}}`;
    const decls = usesBreak || usesContinue ? `let ${list([...(usesBreak ? [`${L.breakFlag} = false`] : []), ...(usesContinue ? [`${L.continueFlag} = false`] : [])])}; ` : '';
    const opts = options === null ? '' : `, ${options}`;
    const head = (until: ts.Node) => lines(this.text.slice(s.getStart(file), until.getStart(file)));
    const carried = (region: readonly ts.Node[], scope: Range, test: ts.Node | undefined) =>
      this.vars([...this.stateNames(region, ctx, scope, { test, body: s.statement }).filter((x) => x !== L.continueFlag), ...(usesBreak ? [L.breakFlag] : [])]);
    const stopped = (test: string) => (stop.length ? `${AG}.and(() => ${AG}.notAny([${list(stop)}]), () => (${test}))` : test);

    if (t.isWhileStatement(s)) {
      const test = this.inner(s.expression, ctx);
      const gap = lines(this.text.slice(s.expression.end, s.statement.getStart(file)));
      const vars = carried([s.expression, s.statement], s, s.expression);
      return `{ ${decls}${head(s.expression)}${AG}.whileStmt(() => ${stopped(test)},${gap} () => ${body}, ${vars}${opts}); }`;
    }
    if (t.isForStatement(s)) {
      const init = s.initializer ? `${this.inner(s.initializer, ctx)}; ` : '';
      const test = s.condition ? this.inner(s.condition, ctx) : 'true';
      const gap = lines(this.text.slice((s.incrementor ?? s.condition ?? s.initializer ?? s).end, s.statement.getStart(file)));
      const region = [...(s.condition ? [s.condition] : []), s.statement, ...(s.incrementor ? [s.incrementor] : [])];
      const vars = carried(region, { pos: s.initializer?.end ?? s.pos, end: s.end }, s.condition);
      let update = 'null';
      if (s.incrementor) {
        const step = this.inner(s.incrementor, ctx);
        update = stop.length
          ? `() => { ${AG}.ifStmt(${AG}.notAny([${list(stop)}]), () => { ${step}; }, null, ${this.vars(this.an.stateOf([s.incrementor], s.incrementor, ctx.root))}); }`
          : `() => { ${step}; }`;
      }
      return `{ ${init}${decls}${head(s.initializer ?? s.condition ?? s.statement)}${AG}.forStmt(${s.condition || stop.length ? `() => ${stopped(test)}` : 'null'},${gap} () => ${body}, ${update}, ${vars}${opts}); }`;
    }
    const iterable = this.inner(s.expression, ctx);
    const gap = lines(this.text.slice(s.expression.end, s.statement.getStart(file)));
    let param: string;
    let bodyText = body;
    if (t.isVariableDeclarationList(s.initializer)) param = this.inner(s.initializer.declarations[0]!.name, ctx);
    else {
      param = `it__${id}`;
      bodyText = `{ ${this.inner(s.initializer, ctx)} = ${param};${body.slice(1)}`;
    }
    const vars = carried([s], s, undefined);
    const extra = stop.length ? `() => ${AG}.notAny([${list(stop)}])` : 'null';
    return `{ ${decls}${head(s.initializer)}${AG}.forOf(${iterable}, (${param}) => ${bodyText},${gap} ${extra}, ${vars}${opts}); }`;
  }
}
