import type { Attrs } from '../ir/index.js';
import { Tensor } from './tensor.js';

const shapeKeys = new WeakMap<readonly number[], string>();

/**
 * `shape.join(',')`, made once per shape array. Tensors from one op or one executable share
 * their type's shape array, so on the hot paths this is a lookup, and the same string object
 * comes back each time: V8 keeps its hash, so the Map lookups keyed by it cost no rehashing.
 */
export function shapeKey(shape: readonly number[]): string {
  let key = shapeKeys.get(shape);
  if (key === undefined) {
    key = shape.join(',');
    shapeKeys.set(shape, key);
  }
  return key;
}

function attrKey(attrs: Attrs): string {
  let key = '';
  for (const k in attrs) {
    const a = attrs[k];
    key += `${k}=${a instanceof Tensor ? `@${a.id}` : typeof a === 'object' && a !== null ? JSON.stringify(a) : String(a)};`;
  }
  return key;
}

interface TrieNode<E> {
  entry?: E;
  readonly next: Map<string, TrieNode<E>>;
}

function child<E>(node: TrieNode<E>, key: string): TrieNode<E> {
  let c = node.next.get(key);
  if (!c) {
    c = { next: new Map() };
    node.next.set(key, c);
  }
  return c;
}

/**
 * The cache of eager ops by (backend, op, attributes, input dtypes and shapes), as a trie with
 * one level per part. Building one concatenated string key per call and hashing it was about
 * 40% of an eager op's time; every key here is a constant or a memoized string instead.
 */
export class EagerCache<E> {
  private readonly root: TrieNode<E> = { next: new Map() };

  get(backend: string, op: string, attrs: Attrs, inputs: readonly Tensor[]): E | undefined {
    let node = this.root.next.get(backend)?.next.get(op)?.next.get(attrKey(attrs));
    for (let i = 0; node !== undefined && i < inputs.length; i++) {
      const t = inputs[i]!;
      node = node.next.get(t.dtype)?.next.get(shapeKey(t.shape));
    }
    return node?.entry;
  }

  set(backend: string, op: string, attrs: Attrs, inputs: readonly Tensor[], entry: E): void {
    let node = child(child(child(this.root, backend), op), attrKey(attrs));
    for (const t of inputs) node = child(child(node, t.dtype), shapeKey(t.shape));
    node.entry = entry;
  }
}
