import type * as TsMorph from 'ts-morph';

export type Morph = typeof TsMorph;
export type { ts } from 'ts-morph';

let loaded: Morph | null = null;

/**
 * ts-morph (with the TypeScript compiler it bundles) is loaded on first use only: it is large,
 * and only the AutoGraph transform needs it, never a program that merely imports kiln.
 */
export function tsMorph(): Morph {
  if (loaded) return loaded;
  const nodeModule = typeof process === 'object' ? process.getBuiltinModule?.('node:module') : undefined;
  if (!nodeModule) throw new Error('kiln AutoGraph needs Node.js >= 20.16 (process.getBuiltinModule) to load ts-morph');
  loaded = nodeModule.createRequire(import.meta.url)('ts-morph') as Morph;
  return loaded;
}
