import * as kiln from '../../api/index.js';
import { KilnError, Tensor } from '../../api/index.js';
import type { ModelIO, StepData } from './model.js';

/** One batch for a step; `owned` batches were made here and are disposed after their step. */
export interface Batch {
  readonly data: StepData;
  readonly owned: boolean;
}

/** Where a loop's batches come from: tensors split into batches, or a dataset's elements. */
export interface BatchSource {
  /** Batches per epoch, when known (a dataset's count is known after its first pass). */
  readonly steps: number | null;
  epoch(shuffle: boolean): Iterable<Batch>;
}

export function asList(x: ModelIO): Tensor[] {
  return x instanceof Tensor ? [x] : [...x];
}

/** Checks that every array is a tensor and that all have the same number of samples; returns it. */
export function sampleCount(op: string, arrays: readonly (readonly [string, ModelIO | undefined])[]): number {
  let n: number | null = null;
  let first = '';
  for (const [name, value] of arrays) {
    if (value === undefined) continue;
    asList(value).forEach((t, i) => {
      const what = value instanceof Tensor ? name : `${name}[${i}]`;
      if (!(t instanceof Tensor)) throw new KilnError(`${what} must be a kiln.Tensor, got ${t === null ? 'null' : typeof t}`, { op });
      if (t.rank === 0) throw new KilnError(`${what} must have a batch axis, got a scalar`, { op });
      if (n === null) { n = t.shape[0]!; first = what; } else if (t.shape[0] !== n) {
        throw new KilnError(`${first} has ${n} samples but ${what} has ${t.shape[0]} (shape [${t.shape.join(',')}]); they must match along the first axis`, { op });
      }
    });
  }
  if (n === null) throw new KilnError('no input data', { op });
  return n;
}

/** A small seeded generator (mulberry32), so shuffles are reproducible from run to run. */
let shuffleState = 0x2545f491;
function nextRandom(): number {
  shuffleState = (shuffleState + 0x6d2b79f5) | 0;
  let t = shuffleState;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

function permutation(n: number, shuffle: boolean): Int32Array {
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  if (shuffle) {
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(nextRandom() * (i + 1));
      const t = p[i]!; p[i] = p[j]!; p[j] = t;
    }
  }
  return p;
}

/** Tensors cut into batches of `batchSize` (the last may be smaller), gathered by index so full batches share one shape. */
export class TensorBatches implements BatchSource {
  readonly n: number;
  readonly steps: number;

  constructor(readonly x: ModelIO, readonly y: ModelIO | undefined, readonly sampleWeight: Tensor | undefined, readonly batchSize: number, op = 'fit') {
    this.n = sampleCount(op, [['x', x], ['y', y], ['sampleWeight', sampleWeight]]);
    if (this.n === 0) throw new KilnError('the data has no samples', { op });
    this.steps = Math.ceil(this.n / batchSize);
  }

  *epoch(shuffle: boolean): Iterable<Batch> {
    if (!shuffle && this.n <= this.batchSize) {
      yield { data: this.pack(this.x, this.y ?? [], this.sampleWeight), owned: false };
      return;
    }
    const order = permutation(this.n, shuffle);
    for (let start = 0; start < this.n; start += this.batchSize) {
      const data = kiln.tidy(() => {
        const end = Math.min(start + this.batchSize, this.n);
        const idx = kiln.tensor(order.subarray(start, end), [end - start], 'int32');
        const take = (v: ModelIO) => (v instanceof Tensor ? kiln.gather(v, idx) : v.map((t) => kiln.gather(t, idx)));
        return this.pack(take(this.x), this.y === undefined ? [] : take(this.y), this.sampleWeight && kiln.gather(this.sampleWeight, idx));
      });
      yield { data, owned: true };
    }
  }

  private pack(x: ModelIO, y: ModelIO, sampleWeight: Tensor | undefined): StepData {
    return sampleWeight ? [x, y, sampleWeight] : [x, y];
  }
}

/** A kiln.data.Dataset (or any iterable) whose elements are [x, y] or [x, y, sampleWeight] batches, owned by the loop. */
export class DatasetBatches implements BatchSource {
  steps: number | null;

  constructor(readonly dataset: Iterable<unknown> & { cardinality?(): number | null }, readonly op: string, readonly stepsPerEpoch: number | null = null) {
    const n = typeof dataset.cardinality === 'function' ? dataset.cardinality() : null;
    if (stepsPerEpoch === null && n === Infinity) throw new KilnError('the dataset repeats forever; pass stepsPerEpoch', { op });
    this.steps = stepsPerEpoch ?? (n !== null && Number.isFinite(n) ? n : null);
  }

  *epoch(): Iterable<Batch> {
    let count = 0;
    if (this.stepsPerEpoch === 0) return;
    for (const element of this.dataset) {
      if (!Array.isArray(element) || element.length < 2 || element.length > 3) {
        kiln.dispose(element);
        throw new KilnError(`dataset elements must be [x, y] or [x, y, sampleWeight] batches, got ${Array.isArray(element) ? `an array of ${element.length}` : typeof element}`, { op: this.op });
      }
      try {
        sampleCount(this.op, [['x', element[0] as ModelIO], ['y', element[1] as ModelIO], ['sampleWeight', element[2] as Tensor | undefined]]);
      } catch (e) {
        kiln.dispose(element);
        throw e;
      }
      count++;
      yield { data: [...element] as StepData, owned: true };
      if (this.stepsPerEpoch !== null && count >= this.stepsPerEpoch) break;
    }
    if (this.stepsPerEpoch === null) this.steps = count;
  }
}

/** Splits off the last `fraction` of the samples (before any shuffling, as Keras) for validation. */
export function splitLast(x: ModelIO, y: ModelIO, sampleWeight: Tensor | undefined, fraction: number): { train: [ModelIO, ModelIO, Tensor | undefined]; val: [ModelIO, ModelIO, Tensor | undefined] } {
  const n = sampleCount('fit', [['x', x], ['y', y], ['sampleWeight', sampleWeight]]);
  const at = Math.floor(n * (1 - fraction));
  if (at <= 0 || at >= n) {
    throw new KilnError(`validationSplit ${fraction} of ${n} samples leaves ${at} for training and ${n - at} for validation; both must be at least 1`, { op: 'fit' });
  }
  const part = (t: Tensor, begin: number, size: number) => kiln.slice(t, [begin, ...t.shape.slice(1).map(() => 0)], [size, ...t.shape.slice(1)]);
  const cut = (v: ModelIO, begin: number, size: number): ModelIO => (v instanceof Tensor ? part(v, begin, size) : v.map((t) => part(t, begin, size)));
  return {
    train: [cut(x, 0, at), cut(y, 0, at), sampleWeight && part(sampleWeight, 0, at)],
    val: [cut(x, at, n - at), cut(y, at, n - at), sampleWeight && part(sampleWeight, at, n - at)],
  };
}

/** Disposes the tensors of a batch made for one step. */
export function disposeBatch(batch: Batch): void {
  if (batch.owned) kiln.dispose(batch.data);
}
