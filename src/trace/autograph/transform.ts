import { Analysis } from './analysis.js';
import { AG, Emitter } from './emit.js';
import { isFunctionBoundary, Scopes } from './scopes.js';
import { tsMorph, type ts } from './ts-morph.js';

/** AutoGraph's source transform (ts-morph 28, which bundles the TypeScript 6 compiler API). */

export interface AutographOptions {
  /** The module the runtime (`ag__`) is imported from when the file imports no kiln namespace (default 'kiln'). */
  readonly runtimeModule?: string;
  /** More module specifiers that are kiln (besides 'kiln', 'kiln/...' and paths to a checkout's src/index or dist/index). */
  readonly kilnModules?: readonly string[];
}

/** Whether an import specifier names kiln: the package, or its entry in a checkout (tests, examples). */
export function isKilnModule(specifier: string, extra: readonly string[] = []): boolean {
  return specifier === 'kiln' || specifier.startsWith('kiln/') || extra.includes(specifier) ||
    /(?:^|\/)(?:src|dist)\/index(?:\.[cm]?[jt]s)?$/.test(specifier);
}

export interface AutographResult {
  readonly code: string;
  /** How many functions were converted (0: `code` is the input, unchanged). */
  readonly converted: number;
}

/** The directive that marks a function, or a whole file, for conversion. */
export const DIRECTIVE = 'use kiln';

type Project = InstanceType<ReturnType<typeof tsMorph>['Project']>;
let project: Project | null = null;

function parse(code: string, fileName: string): { file: ts.SourceFile; dispose: () => void } {
  const morph = tsMorph();
  project ??= new morph.Project({ useInMemoryFileSystem: true, skipLoadingLibFiles: true, compilerOptions: { allowJs: true } });
  const ext = /\.[cm]?[jt]sx?$/.exec(fileName)?.[0] ?? '.ts';
  const sf = project.createSourceFile(`/autograph/input${ext.replace(/^\.[cm]/, '.')}`, code, { overwrite: true });
  return { file: sf.compilerNode, dispose: () => project!.removeSourceFile(sf) };
}

function syntaxErrors(file: ts.SourceFile): boolean {
  return ((file as unknown as { parseDiagnostics?: readonly unknown[] }).parseDiagnostics?.length ?? 0) > 0;
}

/** Cheap test before parsing: can this file hold anything to convert? */
export function mayNeedAutograph(code: string): boolean {
  return /\bcompile\s*\(|\bcompile\s+as\b|@\s*(?:[\w$]+\s*\.\s*)?compiled\b|['"]use kiln['"]/.test(code);
}

function hasDirective(t: typeof ts, statements: readonly ts.Statement[]): boolean {
  for (const s of statements) {
    if (!t.isExpressionStatement(s) || !t.isStringLiteral(s.expression)) return false;
    if (s.expression.text === DIRECTIVE) return true;
  }
  return false;
}

interface KilnImports {
  /** Namespace imports (`import * as kiln from ...`), by local name, to their module. */
  readonly namespaces: Map<string, string>;
  /** Local names of `compile` and `compiled` imported by name, to their module. */
  readonly compile: Map<string, string>;
  readonly compiled: Map<string, string>;
}

function importsOf(t: typeof ts, file: ts.SourceFile, extra: readonly string[]): KilnImports {
  const out: KilnImports = { namespaces: new Map(), compile: new Map(), compiled: new Map() };
  for (const s of file.statements) {
    if (!t.isImportDeclaration(s) || !s.importClause || !t.isStringLiteral(s.moduleSpecifier) || !isKilnModule(s.moduleSpecifier.text, extra)) continue;
    const from = s.moduleSpecifier.text;
    const b = s.importClause.namedBindings;
    if (b && t.isNamespaceImport(b)) out.namespaces.set(b.name.text, from);
    else if (b) {
      for (const e of b.elements) {
        const name = (e.propertyName ?? e.name).text;
        if (name === 'compile') out.compile.set(e.name.text, from);
        if (name === 'compiled') out.compiled.set(e.name.text, from);
      }
    }
  }
  return out;
}

/** The module `expr` (`kiln.compile`, `compile`, `kiln.compiled`) comes from, when it names kiln's `name`. */
function kilnModuleOf(t: typeof ts, expr: ts.Expression, name: 'compile' | 'compiled', imports: KilnImports): string | null {
  if (t.isPropertyAccessExpression(expr) && expr.name.text === name && t.isIdentifier(expr.expression)) return imports.namespaces.get(expr.expression.text) ?? null;
  if (t.isIdentifier(expr)) return imports[name].get(expr.text) ?? null;
  return null;
}

/** The functions to convert: passed to compile(), decorated with @compiled, or marked 'use kiln'; with their kiln module. */
function findRoots(t: typeof ts, file: ts.SourceFile, extra: readonly string[]): { roots: ts.Node[]; module: string | null } {
  const imports = importsOf(t, file, extra);
  const scopes = new Scopes(t);
  const roots = new Set<ts.Node>();
  let module: string | null = null;
  const fileLevel = hasDirective(t, file.statements);
  const visit = (n: ts.Node, inFunction: boolean): void => {
    if (t.isCallExpression(n) && n.arguments.length > 0) {
      const from = kilnModuleOf(t, n.expression, 'compile', imports);
      if (from !== null) {
        const fn = functionOf(t, scopes, n.arguments[0]!);
        if (fn) { roots.add(fn); module ??= from; }
      }
    }
    if (t.isDecorator(n) && t.isMethodDeclaration(n.parent)) {
      const from = kilnModuleOf(t, n.expression, 'compiled', imports);
      if (from !== null) { roots.add(n.parent); module ??= from; }
    }
    if (isFunctionBoundary(t, n)) {
      const body = (n as ts.FunctionLikeDeclaration).body;
      if (fileLevel && !inFunction || body && t.isBlock(body) && hasDirective(t, body.statements)) roots.add(n);
    }
    t.forEachChild(n, (c) => visit(c, inFunction || isFunctionBoundary(t, n)));
  };
  visit(file, false);
  // A root inside another is converted with it.
  const outer = [...roots].filter((r) => ![...roots].some((o) => o !== r && o.pos <= r.pos && r.end <= o.end));
  module ??= [...imports.namespaces.values(), ...imports.compile.values(), ...imports.compiled.values()][0] ?? null;
  return { roots: outer.sort((a, b) => a.pos - b.pos), module };
}

/** The function an argument of compile() stands for: a function expression, or the name of one declared in the file. */
function functionOf(t: typeof ts, scopes: Scopes, arg: ts.Expression): ts.Node | null {
  while (t.isParenthesizedExpression(arg) || t.isAsExpression(arg) || t.isSatisfiesExpression(arg)) arg = arg.expression;
  if (t.isArrowFunction(arg) || t.isFunctionExpression(arg)) return arg;
  if (!t.isIdentifier(arg)) return null;
  const d = scopes.resolve(arg);
  if (!d) return null;
  if (t.isFunctionDeclaration(d.parent) && d.parent.body) return d.parent;
  if (t.isVariableDeclaration(d.parent) && d.parent.initializer && (t.isArrowFunction(d.parent.initializer) || t.isFunctionExpression(d.parent.initializer))) {
    return d.parent.initializer;
  }
  return null;
}

/**
 * Converts the control flow of the functions kiln compiles in one module's source (TypeScript
 * or JavaScript) into calls of `kiln.autograph`'s runtime, imported as `ag__` from the module
 * the file imports kiln from. Line numbers are kept. Returns the input when nothing converts.
 */
export function autographSource(code: string, fileName = 'input.ts', options: AutographOptions = {}): AutographResult {
  if (!mayNeedAutograph(code)) return { code, converted: 0 };
  const { ts: t } = tsMorph();
  const { file, dispose } = parse(code, fileName);
  try {
    // A syntax error is the compiler's to report, on the code as written.
    if (syntaxErrors(file)) return { code, converted: 0 };
    const { roots, module } = findRoots(t, file, options.kilnModules ?? []);
    if (roots.length === 0) return { code, converted: 0 };
    const emitter = new Emitter(new Analysis(t, file), code);
    let out = '';
    let at = 0;
    for (const r of roots) {
      out += code.slice(at, r.pos) + emitter.root(r);
      at = r.end;
    }
    out += code.slice(at);
    const runtime = `import { autograph as ${AG} } from ${JSON.stringify(module ?? options.runtimeModule ?? 'kiln')};`;
    // After a #! line; otherwise on line 1, so every line keeps its number.
    const shebang = /^#![^\n]*\n/.exec(out)?.[0] ?? '';
    return { code: `${shebang}${runtime} ${out.slice(shebang.length)}`, converted: roots.length };
  } catch (e) {
    throw new Error(`kiln AutoGraph could not convert ${fileName}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  } finally {
    dispose();
  }
}

/** The converted source of one function, for display (kiln.autograph.toCode). */
export function autographFunctionSource(source: string): string {
  const { ts: t } = tsMorph();
  for (const [prefix, suffix] of [['(', ')'], ['({', '})'], ['(class { ', ' })']] as const) {
    const { file, dispose } = parse(`${prefix}${source}${suffix}`, 'function.ts');
    try {
      if (syntaxErrors(file)) continue;
      let fn: ts.Node | null = null;
      const find = (n: ts.Node): void => { if (!fn && isFunctionBoundary(t, n)) fn = n; else if (!fn) t.forEachChild(n, find); };
      find(file);
      if (!fn) continue;
      const text = new Emitter(new Analysis(t, file), file.text).root(fn);
      return text.trimStart();
    } finally {
      dispose();
    }
  }
  throw new Error('kiln.autograph.toCode: cannot parse the function source');
}
