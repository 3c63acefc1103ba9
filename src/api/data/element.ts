import { KilnError } from '../../ir/index.js';
import { Tensor } from '../../trace/index.js';

/** One dataset element: a tensor, or arrays and plain objects of them. */
export type Element = Tensor | readonly Element[] | { readonly [key: string]: Element };

const isPlainObject = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && Object.getPrototypeOf(x) === Object.prototype;

/** The tensors of an element, depth first (arrays in order, objects in key order). */
export function leaves(element: Element, out: Tensor[] = []): Tensor[] {
  if (element instanceof Tensor) out.push(element);
  else if (Array.isArray(element)) for (const e of element) leaves(e as Element, out);
  else for (const e of Object.values(element)) leaves(e as Element, out);
  return out;
}

/** The element's structure with its tensors replaced, in `leaves` order, by `next()`. */
export function rebuild<T extends Element>(structure: T, next: () => Tensor): T {
  if (structure instanceof Tensor) return next() as T;
  if (Array.isArray(structure)) return structure.map((e: Element) => rebuild(e, next)) as unknown as T;
  return Object.fromEntries(Object.entries(structure).map(([k, e]) => [k, rebuild(e as Element, next)])) as T;
}

/** The element's structure with `values` (in `leaves` order) put in place of its tensors. */
export function withLeaves<T extends Element>(structure: T, values: readonly Tensor[]): T {
  let i = 0;
  return rebuild(structure, () => values[i++]!);
}

/** Checks that `x` is an element: tensors, arrays and plain objects of them, nothing else. */
export function checkElement(x: unknown, op: string, path = 'element'): Element {
  if (x instanceof Tensor) return x;
  if (Array.isArray(x)) {
    if (x.length === 0) throw new KilnError(`${path} is an empty array; elements must hold tensors`, { op });
    x.forEach((e, i) => checkElement(e, op, `${path}[${i}]`));
    return x as Element;
  }
  if (isPlainObject(x)) {
    if (Object.keys(x).length === 0) throw new KilnError(`${path} is an empty object; elements must hold tensors`, { op });
    for (const [k, e] of Object.entries(x)) checkElement(e, op, `${path}.${k}`);
    return x as Element;
  }
  throw new KilnError(`${path} must be a tensor, or an array or plain object of tensors, got ${x === null ? 'null' : typeof x}`, { op });
}
