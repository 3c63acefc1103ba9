/**
 * Imports a module only Node has (node:os, worker_threads, fs, Dawn's binding, cli-progress)
 * by a specifier bundlers cannot see, so a browser build of kiln neither resolves nor bundles
 * it; callers reach it only after checking they run in Node (or catch the failure).
 */
export function importNodeModule<T>(specifier: string): Promise<T> {
  return import(/* @vite-ignore */ /* webpackIgnore: true */ specifier) as Promise<T>;
}
