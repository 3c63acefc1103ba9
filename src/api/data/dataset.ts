import { KilnError } from '../../ir/index.js';
import { Tensor } from '../../trace/index.js';
import { scalar, tensor } from '../creation.js';
import { dispose, tidy } from '../memory.js';
import { gather, stack } from '../ops/shape.js';
import { checkElement, leaves, withLeaves, type Element } from './element.js';
import { iterationSeed, seededRandom } from './random.js';

/** The tensors a dataset slices, and how many rows they have. */
class Source {
  constructor(readonly structure: Element, readonly tensors: readonly Tensor[], readonly length: number) {}
}

/** Row `index` of a source, not yet sliced: batching rows of one source is a single gather per tensor. */
class Row {
  constructor(readonly source: Source, readonly index: number) {}
}

/** What flows between stages: a row reference, or an element whose tensors belong to the next stage. */
type Item = Row | Element;

/** The arguments of a map function: an array element is spread (as tf.data does with tuples); anything else is one argument. */
export type MapArgs<T extends Element> = T extends readonly Element[] ? T : [T];

export interface ShuffleOptions {
  /** The same seed gives the same order (default: a random seed per dataset). */
  readonly seed?: number;
  /** Draw a new order every time the dataset is iterated (default true). */
  readonly reshuffleEachIteration?: boolean;
}

function rows(source: Source, index: number | readonly number[]): Element {
  return tidy(() => {
    const at = typeof index === 'number' ? scalar(index, 'int32') : tensor(Int32Array.from(index), [index.length], 'int32');
    return withLeaves(source.structure, source.tensors.map((t) => gather(t, at)));
  });
}

const materialize = (item: Item): Element => (item instanceof Row ? rows(item.source, item.index) : item);
const release = (item: Item): void => { if (!(item instanceof Row)) dispose(item); };

/** Stacks items into one batch element: one gather per tensor when they are rows of one source. */
function collate(items: readonly Item[]): Element {
  const first = items[0]!;
  if (first instanceof Row && items.every((i) => i instanceof Row && i.source === first.source)) {
    return rows(first.source, items.map((i) => (i as Row).index));
  }
  const elements = items.map(materialize);
  try {
    const parts = elements.map((e) => leaves(e));
    const columns = parts[0]!.map((_, j) => parts.map((p, i) => {
      const t = p[j];
      if (!t || p.length !== parts[0]!.length || t.shape.join() !== parts[0]![j]!.shape.join()) {
        throw new KilnError(`cannot batch elements of different structures or shapes: element 0 has ${parts[0]!.map((x) => x.describe()).join(', ')}, element ${i} has ${p.map((x) => x.describe()).join(', ')}`, { op: 'Dataset.batch' });
      }
      return t;
    }));
    return withLeaves(elements[0]!, columns.map((c) => stack(c, 0)));
  } finally {
    elements.forEach(release);
  }
}

/** The id the next tensor will get: tensors with smaller ids existed before. */
const nextTensorId = (): number => new Tensor({ shape: [], dtype: 'float32' }, null).id;

/** Applies a map function; inputs it does not return are freed, tensors from outside it are copied. */
function applyMap<T extends Element, U extends Element>(fn: (...args: MapArgs<T>) => U, item: Item): U {
  const input = materialize(item) as T;
  const inputs = new Set(leaves(input));
  const mark = nextTensorId();
  const output = checkElement(tidy(() => (Array.isArray(input) ? fn(...(input as MapArgs<T>)) : fn(...([input] as MapArgs<T>)))), 'Dataset.map', 'the map function\'s result') as U;
  const outs = leaves(output);
  for (const t of inputs) if (!outs.includes(t)) t.dispose();
  return withLeaves(output, outs.map((t) => (inputs.has(t) || t.id >= mark ? t : t.clone())));
}

function positiveInteger(op: string, name: string, n: unknown): number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) throw new KilnError(`${name} must be a positive integer, got ${String(n)}`, { op });
  return n;
}

function countArg(op: string, n: unknown): number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < -1) throw new KilnError(`count must be an integer >= -1 (-1: all), got ${String(n)}`, { op });
  return n;
}

/**
 * A lazy input pipeline, as tf.data.Dataset: iterate it with `for..of`. Each element is made
 * when it is reached, and its tensors belong to the caller (dispose them, or use kiln.tidy).
 */
export class Dataset<T extends Element = Element> implements Iterable<T> {
  /** @internal Use Dataset.fromTensorSlices and the transformations. */
  private constructor(private readonly items: () => Generator<Item>, readonly size: number | null) {}

  /** The rows of `data` (a tensor, an array or an object of tensors with one first dimension), one element each. */
  static fromTensorSlices<const T extends Element>(data: T): Dataset<T> {
    const tensors = leaves(checkElement(data, 'Dataset.fromTensorSlices', 'data'));
    const n = tensors[0]!.shape[0];
    for (const t of tensors) {
      if (t.isSymbolic) throw new KilnError(`cannot slice ${t.describe()}, a tensor of a function being compiled`, { op: 'Dataset.fromTensorSlices' });
      if (t.rank === 0 || t.shape[0] !== n) {
        throw new KilnError(`every tensor must have the same first dimension; got ${tensors.map((x) => x.describe()).join(', ')}`, { op: 'Dataset.fromTensorSlices' });
      }
    }
    const source = new Source(data, tensors, n!);
    return new Dataset<T>(function* () { for (let i = 0; i < source.length; i++) yield new Row(source, i); }, n!);
  }

  /** Elements drawn at random from a buffer of `bufferSize` (tf.data's algorithm, with a seeded generator). */
  shuffle(bufferSize: number, options: ShuffleOptions = {}): Dataset<T> {
    const size = positiveInteger('Dataset.shuffle', 'bufferSize', bufferSize);
    const seed = options.seed ?? Math.floor(Math.random() * 2 ** 32);
    const reshuffle = options.reshuffleEachIteration ?? true;
    const upstream = this.items;
    let iteration = 0;
    return new Dataset<T>(function* () {
      const random = seededRandom(iterationSeed(seed, reshuffle ? iteration++ : 0));
      const input = upstream();
      const buffer: Item[] = [];
      let next = input.next();
      try {
        while (buffer.length < size && !next.done) { buffer.push(next.value); next = input.next(); }
        while (buffer.length > 0) {
          const j = Math.floor(random() * buffer.length);
          const out = buffer[j]!;
          if (!next.done) { buffer[j] = next.value; next = input.next(); } else { buffer[j] = buffer[buffer.length - 1]!; buffer.pop(); }
          yield out;
        }
      } finally {
        // An iteration stopped early frees what it holds.
        buffer.forEach(release);
        if (!next.done) release(next.value);
        input.return(undefined);
      }
    }, this.size);
  }

  /** Consecutive elements stacked on a new first axis; the last, smaller batch is kept unless `dropRemainder`. */
  batch(batchSize: number, options: { readonly dropRemainder?: boolean } = {}): Dataset<T> {
    const n = positiveInteger('Dataset.batch', 'batchSize', batchSize);
    const drop = options.dropRemainder ?? false;
    const upstream = this.items;
    const size = this.size === null || this.size === Infinity ? this.size : drop ? Math.floor(this.size / n) : Math.ceil(this.size / n);
    return new Dataset<T>(function* () {
      let group: Item[] = [];
      try {
        for (const item of upstream()) {
          group.push(item);
          if (group.length === n) { const full = group; group = []; yield collate(full); }
        }
        if (group.length > 0 && !drop) { const rest = group; group = []; yield collate(rest); }
      } finally {
        group.forEach(release);
      }
    }, size);
  }

  /** Each element transformed by `fn` (run eagerly; an array element is spread into its arguments). */
  map<const U extends Element>(fn: (...args: MapArgs<T>) => U): Dataset<U> {
    if (typeof fn !== 'function') throw new KilnError(`expects a function, got ${typeof fn}`, { op: 'Dataset.map' });
    const upstream = this.items;
    return new Dataset<U>(function* () { for (const item of upstream()) yield applyMap(fn, item); }, this.size);
  }

  /** The first `count` elements (-1: all). */
  take(count: number): Dataset<T> {
    const n = countArg('Dataset.take', count);
    const upstream = this.items;
    const size = n === -1 ? this.size : this.size === null ? null : Math.min(this.size, n);
    return new Dataset<T>(function* () {
      if (n === 0) return;
      let i = 0;
      for (const item of upstream()) {
        yield item;
        if (n !== -1 && ++i >= n) return;
      }
    }, size);
  }

  /** All but the first `count` elements (-1: none). */
  skip(count: number): Dataset<T> {
    const n = countArg('Dataset.skip', count);
    const upstream = this.items;
    const size = this.size === null ? null : n === -1 ? 0 : Math.max(0, this.size - n);
    return new Dataset<T>(function* () {
      let i = 0;
      for (const item of upstream()) {
        if (n === -1 || i++ < n) release(item);
        else yield item;
      }
    }, size);
  }

  /** The elements `count` times over (forever without a count, or with -1); a shuffle before it reshuffles each time. */
  repeat(count: number = -1): Dataset<T> {
    const n = countArg('Dataset.repeat', count);
    const upstream = this.items;
    const size = this.size === null ? null : this.size === 0 || n === 0 ? 0 : n === -1 ? Infinity : this.size * n;
    return new Dataset<T>(function* () {
      for (let r = 0; n === -1 || r < n; r++) {
        let any = false;
        for (const item of upstream()) { any = true; yield item; }
        if (!any) return;
      }
    }, size);
  }

  /** Accepted for tf.data parity; elements are made on demand, so there is nothing to prefetch. */
  prefetch(_bufferSize?: number): Dataset<T> {
    return this;
  }

  /** The number of elements: Infinity when it repeats forever, null when unknown (tf.data's cardinality). */
  cardinality(): number | null {
    return this.size;
  }

  *[Symbol.iterator](): Generator<T, void, undefined> {
    for (const item of this.items()) yield materialize(item) as T;
  }

  /** Every element, in an array (the dataset must be finite). */
  toArray(): T[] {
    if (this.size === Infinity) throw new KilnError('the dataset repeats forever; take(n) first', { op: 'Dataset.toArray' });
    return [...this];
  }
}
