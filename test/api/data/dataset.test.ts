import { describe, expect, it } from 'vitest';
import * as kiln from '../../../src/index.js';

/** kiln.data.Dataset: slicing, shuffling (seeded), batching, map, take/skip/repeat, cardinality, memory. */

const { Dataset } = kiln.data;
const rowsOf = (t: kiln.Tensor): number[][] => t.arraySync() as number[][];
const flat = (t: kiln.Tensor): number[] => Array.from(t.dataSync());
const firsts = (ds: Iterable<kiln.Tensor>): number[] => [...ds].map((t) => flat(t)[0]!);

describe('Dataset.fromTensorSlices', () => {
  const x = kiln.tensor([[0, 1], [2, 3], [4, 5], [6, 7], [8, 9]]);
  const y = kiln.tensor([0, 1, 2, 3, 4], undefined, 'int32');

  it('slices a tensor, a tuple and an object of tensors on dim 0', () => {
    const single = Dataset.fromTensorSlices(x).toArray();
    expect(single.length).toBe(5);
    expect(single[2]!.shape).toEqual([2]);
    expect(flat(single[2]!)).toEqual([4, 5]);
    const pairs = [...Dataset.fromTensorSlices([x, y])];
    const [xs, ys] = pairs[3]!;
    expect(flat(xs)).toEqual([6, 7]);
    expect(ys.shape).toEqual([]);
    expect(ys.dtype).toBe('int32');
    expect(flat(ys)).toEqual([3]);
    const dict = Dataset.fromTensorSlices({ image: x, label: y }).toArray();
    expect(Object.keys(dict[1]!)).toEqual(['image', 'label']);
    expect(flat(dict[1]!.label)).toEqual([1]);
  });

  it('knows its size, and rejects mismatched first dimensions and non-tensors', () => {
    expect(Dataset.fromTensorSlices(x).size).toBe(5);
    expect(Dataset.fromTensorSlices(x).cardinality()).toBe(5);
    expect(() => Dataset.fromTensorSlices([x, kiln.tensor([1, 2])])).toThrow(/same first dimension/);
    expect(() => Dataset.fromTensorSlices(kiln.scalar(1))).toThrow(kiln.KilnError);
    expect(() => Dataset.fromTensorSlices([x, 3] as unknown as kiln.Tensor[])).toThrow(/data\[1\] must be a tensor/);
  });
});

describe('batch, take, skip, repeat', () => {
  const x = kiln.range(0, 10);
  const y = kiln.range(0, 10, 1, 'int32').mul(10);

  it('batches keep the remainder unless dropRemainder', () => {
    const batches = [...Dataset.fromTensorSlices([x, y]).batch(4)];
    expect(batches.map(([xb]) => xb.shape[0])).toEqual([4, 4, 2]);
    expect(flat(batches[1]![0])).toEqual([4, 5, 6, 7]);
    expect(flat(batches[2]![1])).toEqual([80, 90]);
    expect(batches[2]![1].dtype).toBe('int32');
    const dropped = Dataset.fromTensorSlices(x).batch(4, { dropRemainder: true });
    expect(dropped.size).toBe(2);
    expect([...dropped].length).toBe(2);
    expect(Dataset.fromTensorSlices(x).batch(4).size).toBe(3);
  });

  it('take, skip and repeat, with their sizes', () => {
    const ds = Dataset.fromTensorSlices(x);
    expect(firsts(ds.take(3))).toEqual([0, 1, 2]);
    expect(firsts(ds.skip(7))).toEqual([7, 8, 9]);
    expect(firsts(ds.skip(2).take(2))).toEqual([2, 3]);
    expect(firsts(ds.take(2).repeat(3))).toEqual([0, 1, 0, 1, 0, 1]);
    expect(ds.take(3).size).toBe(3);
    expect(ds.take(30).size).toBe(10);
    expect(ds.take(-1).size).toBe(10);
    expect(ds.skip(4).size).toBe(6);
    expect(ds.repeat(2).size).toBe(20);
    expect(ds.repeat().size).toBe(Infinity);
    expect(firsts(ds.repeat().take(12))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]);
    expect(() => ds.repeat().toArray()).toThrow(/forever/);
    expect(() => ds.batch(0)).toThrow(kiln.KilnError);
  });
});

describe('shuffle', () => {
  const x = kiln.range(0, 20);
  const order = (ds: Iterable<kiln.Tensor>) => firsts(ds);

  it('is a permutation; the same seed gives the same order, another seed another', () => {
    const a = order(Dataset.fromTensorSlices(x).shuffle(20, { seed: 1 }));
    expect([...a].sort((p, q) => p - q)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(a).not.toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(order(Dataset.fromTensorSlices(x).shuffle(20, { seed: 1 }))).toEqual(a);
    expect(order(Dataset.fromTensorSlices(x).shuffle(20, { seed: 2 }))).not.toEqual(a);
  });

  it('reshuffles on each iteration (reproducibly) unless told not to', () => {
    const ds = Dataset.fromTensorSlices(x).shuffle(20, { seed: 5 });
    const first = order(ds);
    const second = order(ds);
    expect(second).not.toEqual(first);
    const again = Dataset.fromTensorSlices(x).shuffle(20, { seed: 5 });
    expect([order(again), order(again)]).toEqual([first, second]);
    const fixed = Dataset.fromTensorSlices(x).shuffle(20, { seed: 5, reshuffleEachIteration: false });
    expect(order(fixed)).toEqual(order(fixed));
    // repeat() after shuffle draws a new order per repetition, as tf.data does.
    const twice = order(Dataset.fromTensorSlices(x).shuffle(20, { seed: 5 }).repeat(2));
    expect(twice.slice(0, 20)).toEqual(first);
    expect(twice.slice(20)).toEqual(second);
  });

  it('a small buffer only moves elements locally', () => {
    const local = order(Dataset.fromTensorSlices(x).shuffle(2, { seed: 3 }));
    expect(local[0]!).toBeLessThanOrEqual(1);
    local.forEach((v, i) => expect(v).toBeLessThanOrEqual(i + 1));
  });

  it('shuffle then batch gives the shuffled rows, x and y still paired', () => {
    const y = kiln.range(0, 20).mul(-1);
    for (const [xb, yb] of Dataset.fromTensorSlices([x, y]).shuffle(8, { seed: 9 }).batch(6)) {
      expect(flat(yb)).toEqual(flat(xb).map((v) => (v === 0 ? -0 : -v)));
    }
  });
});

describe('map', () => {
  const x = kiln.tensor([[1, 2], [3, 4], [5, 6]]);
  const y = kiln.tensor([0, 1, 2], undefined, 'int32');

  it('spreads tuple elements into arguments and may change the structure', () => {
    const ds = Dataset.fromTensorSlices([x, y]).map((xi, yi) => ({ sum: xi.sum(), label: yi }));
    const out = ds.toArray();
    expect(out.map((e) => flat(e.sum)[0])).toEqual([3, 7, 11]);
    expect(out.map((e) => flat(e.label)[0])).toEqual([0, 1, 2]);
    expect(ds.size).toBe(3);
  });

  it('maps before and after batching', () => {
    const scaled = Dataset.fromTensorSlices(x).map((r) => r.div(2)).batch(2);
    expect(rowsOf(scaled.toArray()[0]!)).toEqual([[0.5, 1], [1.5, 2]]);
    const afterBatch = Dataset.fromTensorSlices([x, y]).batch(2).map((xb, yb) => [xb.mul(10), yb] as const);
    const [first] = afterBatch.toArray();
    expect(rowsOf(first![0])).toEqual([[10, 20], [30, 40]]);
    expect(flat(first![1])).toEqual([0, 1]);
  });

  it('a tensor from outside the map function is copied, so freeing a batch never frees it', () => {
    const outside = kiln.tensor([7]);
    for (const b of Dataset.fromTensorSlices(x).map(() => outside).batch(2)) b.dispose();
    expect(flat(outside)).toEqual([7]);
  });
});

describe('memory', () => {
  it('frees everything it made but the elements it yields, also when iteration stops early', () => {
    const x = kiln.randomUniform([50, 3], { seed: 1 });
    const y = kiln.range(0, 50, 1, 'int32');
    const pipeline = Dataset.fromTensorSlices([x, y]).shuffle(10, { seed: 1 }).map((a, b) => [a.mul(2), b] as const).batch(8).skip(1).take(4);
    for (const [xb, yb] of pipeline) { xb.dispose(); yb.dispose(); } // warm the kernel caches
    const before = kiln.memory().numTensors;
    for (const [xb, yb] of pipeline) { xb.dispose(); yb.dispose(); }
    expect(kiln.memory().numTensors).toBe(before);
    for (const [xb, yb] of Dataset.fromTensorSlices([x, y]).map((a, b) => [a.add(1), b] as const).shuffle(20, { seed: 2 })) {
      xb.dispose(); yb.dispose();
      break;
    }
    expect(kiln.memory().numTensors).toBe(before);
  });
});
