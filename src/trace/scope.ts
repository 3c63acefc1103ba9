/**
 * Tensor bookkeeping for `tidy` and `memory()`: every concrete tensor made inside a scope is
 * disposed when the scope ends, unless it is part of the scope's result.
 */
export interface Disposable {
  dispose(): void;
  readonly isDisposed: boolean;
}

const scopes: Set<Disposable>[] = [];
export const liveTensors = { count: 0 };

export function track(t: Disposable): void {
  liveTensors.count++;
  scopes[scopes.length - 1]?.add(t);
}

export function untrack(t: Disposable): void {
  liveTensors.count--;
  for (const s of scopes) s.delete(t);
}

/** Keeps `t` alive past the innermost scope (as tf.keep does). */
export function keep<T extends Disposable>(t: T): T {
  for (const s of scopes) s.delete(t);
  return t;
}

export function startScope(): void {
  scopes.push(new Set());
}

/** Ends the innermost scope, disposing what it made except `kept`; kept tensors move to the outer scope. */
export function endScope(kept: ReadonlySet<Disposable>): void {
  const scope = scopes.pop();
  if (!scope) return;
  for (const t of scope) {
    if (kept.has(t)) scopes[scopes.length - 1]?.add(t);
    else if (!t.isDisposed) t.dispose();
  }
}
