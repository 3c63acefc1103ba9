import { isBlockScoped, isFunctionBoundary, Scopes, walk, within, writesOf, type Range } from './scopes.js';
import type { ts } from './ts-morph.js';

type TS = typeof ts;

export type Construct = ts.IfStatement | ts.WhileStatement | ts.ForStatement | ts.ForOfStatement;
type Jump = ts.ReturnStatement | ts.BreakStatement | ts.ContinueStatement;

/**
 * What the AutoGraph transform needs to know about the functions it converts: which
 * statements it may turn into runtime calls, where jumps go, and which variables a statement
 * modifies that are used outside it (its state, as in TensorFlow's activity and liveness
 * analyses, approximated from the syntax).
 */
export class Analysis {
  readonly scopes: Scopes;
  private readonly convertibleCache = new Map<ts.Node, boolean>();
  private readonly references = new Map<ts.Identifier, ts.Identifier[]>();
  private readonly indexed = new Set<ts.Node>();

  constructor(readonly t: TS, readonly file: ts.SourceFile) {
    this.scopes = new Scopes(t);
  }

  /** The statement a break/continue jumps to; null when it leaves the function (never valid). */
  jumpTarget(j: ts.BreakStatement | ts.ContinueStatement): ts.Node | null {
    const t = this.t;
    for (let a: ts.Node = j.parent; a && !isFunctionBoundary(t, a); a = a.parent) {
      if (j.label) { if (t.isLabeledStatement(a) && a.label.text === j.label.text) return a; continue; }
      if (t.isIterationStatement(a, false)) return a;
      if (t.isSwitchStatement(a) && t.isBreakStatement(j)) return a;
    }
    return null;
  }

  /** Returns, breaks and continues inside `node` (not in nested functions) that leave it. */
  escapingJumps(node: ts.Node, nodes: readonly ts.Node[] = [node]): Jump[] {
    const t = this.t;
    const out: Jump[] = [];
    const range = { pos: nodes[0]!.pos, end: nodes[nodes.length - 1]!.end };
    for (const n of nodes) {
      const check = (x: ts.Node) => {
        if (t.isReturnStatement(x)) out.push(x);
        else if (t.isBreakOrContinueStatement(x)) {
          const target = this.jumpTarget(x);
          if (!target || !within(target, range)) out.push(x);
        }
      };
      check(n);
      walk(t, n, check);
    }
    return out;
  }

  /**
   * Whether a statement can become a runtime call (its blocks become arrow functions): no
   * await/yield/var inside, every jump out of it goes to a loop that is converted too, and,
   * when it contains a jump, it sits where the flags that jump sets can be checked (no
   * switch, label or JS-only loop around it, and guardable statements after it).
   */
  convertible(node: ts.Node): node is Construct {
    const t = this.t;
    if (!(t.isIfStatement(node) || t.isWhileStatement(node) || t.isForStatement(node) || t.isForOfStatement(node) && !node.awaitModifier)) return false;
    let c = this.convertibleCache.get(node);
    if (c === undefined) {
      this.convertibleCache.set(node, false); // a cycle, if any, is not convertible
      c = !t.isLabeledStatement(node.parent) && this.liftable([node]) && this.flagsCheckable(node);
      this.convertibleCache.set(node, c);
    }
    return c;
  }

  /** Whether statements can be moved into an arrow function unchanged. */
  liftable(nodes: readonly ts.Node[]): boolean {
    const t = this.t;
    let ok = true;
    const check = (x: ts.Node) => {
      if (t.isAwaitExpression(x) || t.isYieldExpression(x) || t.isForOfStatement(x) && x.awaitModifier) ok = false;
      if (t.isVariableDeclarationList(x) && !isBlockScoped(t, x)) ok = false;
    };
    for (const n of nodes) {
      check(n);
      walk(t, n, check);
      if (!ok) return false;
    }
    for (const j of this.escapingJumps(nodes[0]!, nodes)) {
      if (t.isReturnStatement(j)) continue;
      const target = this.jumpTarget(j);
      if (!target || !this.convertible(target)) return false;
    }
    return true;
  }

  private flagsCheckable(node: ts.Node): boolean {
    const t = this.t;
    if (this.escapingJumps(node).length === 0) return true;
    for (let a: ts.Node = node; !isFunctionBoundary(t, a); a = a.parent) {
      if (a !== node && (t.isSwitchStatement(a) || t.isLabeledStatement(a) || t.isIterationStatement(a, false) && !this.convertible(a))) return false;
      const p = a.parent;
      if (t.isCaseClause(p) || t.isDefaultClause(p)) return false;
      if (t.isBlock(p)) {
        const rest = p.statements.slice(p.statements.indexOf(a as ts.Statement) + 1);
        if (rest.length && !this.liftable(rest)) return false;
      }
    }
    return true;
  }

  /** Whether a statement always ends in a `return`. */
  definitelyReturns(s: ts.Statement | undefined): boolean {
    const t = this.t;
    if (!s) return false;
    if (t.isReturnStatement(s)) return true;
    if (t.isBlock(s)) return s.statements.some((x) => this.definitelyReturns(x));
    if (t.isIfStatement(s)) return this.definitelyReturns(s.thenStatement) && this.definitelyReturns(s.elseStatement);
    return false;
  }

  /** The references (not the declaration) of each binding in `root`, indexed once per root. */
  private index(root: ts.Node): void {
    if (this.indexed.has(root)) return;
    this.indexed.add(root);
    const t = this.t;
    const visit = (n: ts.Node): void => {
      if (t.isIdentifier(n) && this.scopes.isReference(n)) {
        const d = this.scopes.resolve(n);
        if (d && d !== n) {
          let list = this.references.get(d);
          if (!list) { list = []; this.references.set(d, list); }
          list.push(n);
        }
      }
      t.forEachChild(n, visit);
    };
    visit(root);
  }

  private referencesOf(d: ts.Identifier, root: ts.Node): readonly ts.Identifier[] {
    this.index(root);
    return this.references.get(d) ?? [];
  }

  /**
   * The variables a region (statements, or a loop's test/body/update) assigns that are declared
   * outside `scope` and live: used outside the region, or carried around an enclosing loop. For
   * a loop, `loop` adds TensorFlow's rule that a variable written before it is read in every
   * iteration is not carried. In order of first use in the region.
   */
  stateOf(region: readonly ts.Node[], scope: Range, root: ts.Node, loop?: { test: ts.Node | undefined; body: ts.Statement }): string[] {
    const t = this.t;
    const range: Range = { pos: Math.min(...region.map((n) => n.pos)), end: Math.max(...region.map((n) => n.end)) };
    const written = new Map<ts.Identifier, number>();
    // Properties (`this.step`) cannot be followed through aliases: they are always state.
    const properties = new Map<string, number>();
    const note = (n: ts.Node, sameThis: boolean) => {
      for (const target of writesOf(t, n)) {
        if (t.isPropertyAccessExpression(target)) {
          if (!sameThis) continue;
          const name = `this.${target.name.text}`;
          if (!properties.has(name)) properties.set(name, target.pos);
          continue;
        }
        const d = this.scopes.resolve(target);
        if (d && !within(d, scope) && !written.has(d)) written.set(d, target.pos);
      }
    };
    const visitAll = (n: ts.Node, sameThis: boolean): void => {
      note(n, sameThis);
      const inner = sameThis && !(isFunctionBoundary(t, n) && !t.isArrowFunction(n)) && !t.isClassLike(n);
      t.forEachChild(n, (c) => visitAll(c, inner));
    };
    region.forEach((n) => visitAll(n, true));
    const out: { name: string; at: number }[] = [...properties].map(([name, at]) => ({ name, at }));
    for (const d of written.keys()) {
      const refs = this.referencesOf(d, root);
      const inside = refs.filter((r) => within(r, range));
      const declaredInRoot = within(d, root);
      const liveOut = !declaredInRoot || refs.some((r) => !within(r, range)) || this.carriedByLoop(region[0]!, d);
      const live = liveOut || (loop !== undefined && this.liveIn(d, loop));
      if (live) out.push({ name: d.text, at: Math.min(...inside.map((r) => r.pos), written.get(d)!) });
    }
    return out.sort((a, b) => a.at - b.at).map((x) => x.name);
  }

  /** Whether `node` is inside a loop that is inside the scope of `d` (so `d` flows around it). */
  private carriedByLoop(node: ts.Node, d: ts.Identifier): boolean {
    const t = this.t;
    const scope = this.scopes.scopeOf(d);
    for (let a: ts.Node | undefined = node.parent; a && !t.isSourceFile(a); a = a.parent) {
      if (t.isIterationStatement(a, false)) return true;
      if (a === scope) return false;
    }
    return false;
  }

  /** Whether a loop may read `d` before writing it in an iteration (it is then carried). */
  private liveIn(d: ts.Identifier, loop: { test: ts.Node | undefined; body: ts.Statement }): boolean {
    const t = this.t;
    const mentions = (n: ts.Node | undefined): boolean => {
      if (!n) return false;
      let found = false;
      const visit = (x: ts.Node): void => { if (!found && t.isIdentifier(x) && this.scopes.resolve(x) === d) found = true; else t.forEachChild(x, visit); };
      visit(n);
      return found;
    };
    if (mentions(loop.test)) return true;
    const statements = t.isBlock(loop.body) ? loop.body.statements : [loop.body];
    for (const s of statements) {
      if (t.isExpressionStatement(s) && t.isBinaryExpression(s.expression) && s.expression.operatorToken.kind === t.SyntaxKind.EqualsToken &&
        t.isIdentifier(s.expression.left) && this.scopes.resolve(s.expression.left) === d && !mentions(s.expression.right)) return false;
      if (mentions(s)) return true;
    }
    return true;
  }
}
