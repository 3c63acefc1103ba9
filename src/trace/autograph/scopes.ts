import type { ts } from './ts-morph.js';

type TS = typeof ts;

/** A half-open range of source positions. */
export interface Range {
  readonly pos: number;
  readonly end: number;
}

export const within = (n: { pos: number; end: number }, r: Range): boolean => n.pos >= r.pos && n.end <= r.end;

/** A function-like node with a body: the boundary of `return`, `break` and `continue`. */
export function isFunctionBoundary(t: TS, n: ts.Node): boolean {
  return t.isFunctionDeclaration(n) || t.isFunctionExpression(n) || t.isArrowFunction(n) || t.isMethodDeclaration(n) ||
    t.isConstructorDeclaration(n) || t.isGetAccessorDeclaration(n) || t.isSetAccessorDeclaration(n) || t.isClassStaticBlockDeclaration(n);
}

/** Visits `node`'s descendants in source order, not entering nested functions. */
export function walk(t: TS, node: ts.Node, visit: (n: ts.Node) => void): void {
  t.forEachChild(node, (child) => {
    visit(child);
    if (!isFunctionBoundary(t, child)) walk(t, child, visit);
  });
}

/**
 * Name resolution without a type checker: which binding identifier an identifier refers to,
 * by walking its enclosing scopes (blocks, functions, for-statements, catch clauses, the file).
 */
export class Scopes {
  private readonly declarations = new Map<ts.Node, Map<string, ts.Identifier>>();

  constructor(private readonly t: TS) {}

  /** The binding identifier `id` refers to; null for globals. */
  resolve(id: ts.Identifier): ts.Identifier | null {
    for (let a: ts.Node | undefined = id.parent; a; a = a.parent) {
      const d = this.declaredIn(a).get(id.text);
      if (d) return d;
    }
    return null;
  }

  /** The node whose scope declares `binding`. */
  scopeOf(binding: ts.Identifier): ts.Node | null {
    for (let a: ts.Node | undefined = binding.parent; a; a = a.parent) if (this.declaredIn(a).get(binding.text) === binding) return a;
    return null;
  }

  /** Whether an identifier is a reference to a value (not a property name, label, type or key). */
  isReference(id: ts.Identifier): boolean {
    const t = this.t;
    const p = id.parent;
    if (t.isPropertyAccessExpression(p) && p.name === id || t.isQualifiedName(p) && p.right === id) return false;
    if ((t.isPropertyAssignment(p) || t.isMethodDeclaration(p) || t.isPropertyDeclaration(p) || t.isGetAccessorDeclaration(p) ||
      t.isSetAccessorDeclaration(p) || t.isPropertySignature(p) || t.isMethodSignature(p) || t.isEnumMember(p)) && p.name === id) return false;
    if (t.isBindingElement(p) && p.propertyName === id) return false;
    if ((t.isImportSpecifier(p) || t.isExportSpecifier(p)) && p.propertyName === id) return false;
    if (t.isLabeledStatement(p) || t.isBreakOrContinueStatement(p)) return false;
    for (let a: ts.Node = p; a && !t.isSourceFile(a); a = a.parent) {
      if (t.isTypeNode(a) && !t.isExpressionWithTypeArguments(a)) return false;
      if (t.isStatement(a) || t.isExpressionStatement(a)) break;
    }
    return true;
  }

  private declaredIn(scope: ts.Node): Map<string, ts.Identifier> {
    let m = this.declarations.get(scope);
    if (!m) { m = this.collect(scope); this.declarations.set(scope, m); }
    return m;
  }

  private collect(scope: ts.Node): Map<string, ts.Identifier> {
    const t = this.t;
    const m = new Map<string, ts.Identifier>();
    const add = (name: ts.BindingName | undefined) => { if (name) for (const id of bindingNames(t, name)) if (!m.has(id.text)) m.set(id.text, id); };
    const statements = (list: readonly ts.Statement[], file: boolean) => {
      for (const s of list) {
        if (t.isVariableStatement(s) && (file || isBlockScoped(t, s.declarationList))) s.declarationList.declarations.forEach((d) => add(d.name));
        else if ((t.isFunctionDeclaration(s) || t.isClassDeclaration(s) || t.isEnumDeclaration(s)) && s.name) add(s.name);
        else if (t.isImportDeclaration(s) && s.importClause) {
          const c = s.importClause;
          add(c.name);
          if (c.namedBindings && t.isNamespaceImport(c.namedBindings)) add(c.namedBindings.name);
          else if (c.namedBindings) c.namedBindings.elements.forEach((e) => add(e.name));
        }
      }
    };
    if (t.isSourceFile(scope)) statements(scope.statements, true);
    else if (t.isBlock(scope) || t.isModuleBlock(scope)) statements(scope.statements, false);
    else if (t.isCaseBlock(scope)) scope.clauses.forEach((c) => statements(c.statements, false));
    else if ((t.isForStatement(scope) || t.isForOfStatement(scope) || t.isForInStatement(scope)) && scope.initializer &&
      t.isVariableDeclarationList(scope.initializer) && isBlockScoped(t, scope.initializer)) {
      scope.initializer.declarations.forEach((d) => add(d.name));
    } else if (t.isCatchClause(scope) && scope.variableDeclaration) add(scope.variableDeclaration.name);
    else if (isFunctionBoundary(t, scope)) {
      const fn = scope as ts.FunctionLikeDeclaration;
      fn.parameters?.forEach((p) => add(p.name));
      if ((t.isFunctionExpression(fn)) && fn.name) add(fn.name);
      // `var` is function-scoped: every var declaration in the body, outside nested functions.
      walk(t, scope, (n) => { if (t.isVariableDeclarationList(n) && !isBlockScoped(t, n)) n.declarations.forEach((d) => add(d.name)); });
    } else if (t.isClassExpression(scope) && scope.name) add(scope.name);
    return m;
  }
}

export function isBlockScoped(t: TS, list: ts.VariableDeclarationList): boolean {
  return (list.flags & (t.NodeFlags.Let | t.NodeFlags.Const | t.NodeFlags.Using | t.NodeFlags.AwaitUsing)) !== 0;
}

/** The identifiers a binding name (possibly a destructuring pattern) declares. */
export function bindingNames(t: TS, name: ts.BindingName): ts.Identifier[] {
  if (t.isIdentifier(name)) return [name];
  const out: ts.Identifier[] = [];
  for (const e of name.elements) if (!t.isOmittedExpression(e)) out.push(...bindingNames(t, e.name));
  return out;
}

/**
 * A written property of `this` (`this.step = ...` in a compiled method). Deeper chains and other
 * objects are not state: reading them before the statement could throw where the code would not.
 */
export type PropertyTarget = ts.PropertyAccessExpression;

export function isThisProperty(t: TS, e: ts.Expression): e is PropertyTarget {
  return t.isPropertyAccessExpression(e) && !e.questionDotToken && t.isIdentifier(e.name) && e.expression.kind === t.SyntaxKind.ThisKeyword;
}

/** The variables and properties an assignment target (possibly a destructuring pattern) writes. */
export function assignmentTargets(t: TS, e: ts.Expression): (ts.Identifier | PropertyTarget)[] {
  if (t.isIdentifier(e)) return [e];
  if (t.isPropertyAccessExpression(e)) return isThisProperty(t, e) ? [e] : [];
  if (t.isParenthesizedExpression(e) || t.isNonNullExpression(e)) return assignmentTargets(t, e.expression);
  if (t.isBinaryExpression(e) && e.operatorToken.kind === t.SyntaxKind.EqualsToken) return assignmentTargets(t, e.left);
  if (t.isSpreadElement(e) || t.isSpreadAssignment(e)) return assignmentTargets(t, e.expression);
  if (t.isArrayLiteralExpression(e)) return e.elements.flatMap((x) => assignmentTargets(t, x));
  if (t.isObjectLiteralExpression(e)) {
    return e.properties.flatMap((p) => {
      if (t.isShorthandPropertyAssignment(p)) return [p.name];
      if (t.isPropertyAssignment(p)) return assignmentTargets(t, p.initializer);
      if (t.isSpreadAssignment(p)) return assignmentTargets(t, p.expression);
      return [];
    });
  }
  return [];
}

/** What one node (not its descendants) writes: assignments, ++/--, for-of/in targets. */
export function writesOf(t: TS, n: ts.Node): (ts.Identifier | PropertyTarget)[] {
  const k = t.SyntaxKind;
  if (t.isBinaryExpression(n) && n.operatorToken.kind >= k.FirstAssignment && n.operatorToken.kind <= k.LastAssignment) return assignmentTargets(t, n.left);
  if ((t.isPrefixUnaryExpression(n) || t.isPostfixUnaryExpression(n)) && (n.operator === k.PlusPlusToken || n.operator === k.MinusMinusToken)) {
    return assignmentTargets(t, n.operand);
  }
  if ((t.isForOfStatement(n) || t.isForInStatement(n)) && !t.isVariableDeclarationList(n.initializer)) return assignmentTargets(t, n.initializer);
  return [];
}
