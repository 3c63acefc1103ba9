/**
 * Node.js module hooks (registered by `kiln/autograph`): modules that compile functions with
 * kiln get their control flow converted by AutoGraph as they load. TypeScript is compiled here
 * too (TypeScript's transpileModule), so `node --import kiln/autograph app.ts` runs as is;
 * under tsx (`tsx --import kiln/autograph app.ts`) these hooks run before tsx's, and a module
 * they do not convert keeps tsx's output.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { autographSource, mayNeedAutograph } from './transform.js';
import { tsMorph } from './ts-morph.js';

interface ResolveContext { readonly conditions: readonly string[]; readonly parentURL?: string | undefined }
interface ResolveResult { readonly url: string; readonly format?: string | null | undefined; readonly shortCircuit?: boolean }
interface LoadContext { readonly format?: string | null | undefined; readonly conditions: readonly string[] }
interface LoadResult { readonly format: string | null | undefined; readonly source?: string | ArrayBuffer | Uint8Array | null | undefined; readonly shortCircuit?: boolean }

const SCRIPT = /\.(?:[cm]?[jt]s|tsx)$/;
const TYPESCRIPT = /\.(?:m?ts|tsx)$/;

const code = (e: unknown): unknown => (e as { code?: unknown } | null)?.code;

// kiln's own modules (src/ or dist/, two folders up) are never converted.
const kilnRoot = new URL('../..', import.meta.url).href;

/** Without tsx, `./model.js` may name `./model.ts` (TypeScript's NodeNext convention). */
export async function resolve(specifier: string, context: ResolveContext, nextResolve: (s: string, c: ResolveContext) => Promise<ResolveResult>): Promise<ResolveResult> {
  try {
    return await nextResolve(specifier, context);
  } catch (e) {
    if (code(e) !== 'ERR_MODULE_NOT_FOUND' || !/^(?:\.{1,2}\/|file:)/.test(specifier) || !/\.m?js$/.test(specifier)) throw e;
    for (const ts of specifier.endsWith('.mjs') ? ['.mts'] : ['.ts', '.tsx']) {
      try {
        return await nextResolve(specifier.replace(/\.m?js$/, ts), context);
      } catch { /* try the next extension */ }
    }
    throw e;
  }
}

export async function load(url: string, context: LoadContext, nextLoad: (u: string, c: LoadContext) => Promise<LoadResult>): Promise<LoadResult> {
  if (!url.startsWith('file:') || url.includes('/node_modules/') || url.startsWith(kilnRoot) || !SCRIPT.test(new URL(url).pathname)) return nextLoad(url, context);
  const path = fileURLToPath(url);
  let previous: LoadResult | null = null;
  try {
    previous = await nextLoad(url, context);
  } catch (e) {
    // Plain Node (20) has no TypeScript: these hooks compile it.
    if (code(e) !== 'ERR_UNKNOWN_FILE_EXTENSION' || !TYPESCRIPT.test(path)) throw e;
  }
  if (previous && previous.format !== 'module' && previous.format !== 'commonjs') return previous;
  const original = await readFile(path, 'utf8');
  const converted = mayNeedAutograph(original) ? autographSource(original, path).code : original;
  // A module that converts is loaded as an ES module (kiln is one), even where tsx would make it CommonJS.
  if (previous && converted === original) return previous;
  const source = TYPESCRIPT.test(path) ? transpile(converted, path) : converted;
  return { format: 'module', source, shortCircuit: true };
}

function transpile(source: string, fileName: string): string {
  const { ts } = tsMorph();
  return ts.transpileModule(source, {
    fileName,
    compilerOptions: {
      module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, useDefineForClassFields: true,
      inlineSourceMap: true, inlineSources: true, jsx: ts.JsxEmit.ReactJSX,
    },
  }).outputText;
}
