/** Keras's default names: the class name in snake case, made unique with `_1`, `_2`, ... */

/** `BatchNormalization` → `batch_normalization`, `Conv2D` → `conv2d` (Keras's to_snake_case). */
export function snakeCase(name: string): string {
  return name.replace(/(.)([A-Z][a-z]+)/g, '$1_$2').replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
}

/** Hands out unique names within one scope (a model, or the whole program for loose layers). */
export class NameScope {
  private readonly counts = new Map<string, number>();
  private readonly taken = new Set<string>();

  /** Marks a name as used (an explicit one, or one given earlier). */
  reserve(name: string): void {
    this.taken.add(name);
  }

  has(name: string): boolean {
    return this.taken.has(name);
  }

  /** `base`, then `base_1`, `base_2`, ..., skipping names already reserved. */
  unique(base: string): string {
    let n = this.counts.get(base) ?? 0;
    let name = n === 0 ? base : `${base}_${n}`;
    while (this.taken.has(name)) name = `${base}_${++n}`;
    this.counts.set(base, n + 1);
    this.taken.add(name);
    return name;
  }
}

/** Layers whose name is read before any model names them get a program-wide unique name. */
export const globalNames = new NameScope();
