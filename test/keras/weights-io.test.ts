// saveWeights / loadWeights in the safetensors format: the file layout, a round trip, and
// mismatches that leave every weight as it was.
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as kiln from '../../src/index.js';

const { keras } = kiln;
const { layers } = keras;
const values = async (t: kiln.Tensor) => Array.from(await t.data());

class Counter extends keras.Layer {
  count!: kiln.Variable;
  flag!: kiln.Variable;
  override build() {
    this.count = this.addWeight({ name: 'count', shape: [2], dtype: 'int32', trainable: false });
    this.flag = this.addWeight({ name: 'flag', shape: [], dtype: 'bool', trainable: false });
  }
  override call(x: kiln.Tensor) { return x; }
}

function model(units = 3): kiln.keras.Sequential {
  return new keras.Sequential([
    new layers.Dense(units, { inputShape: [2] }),
    new layers.BatchNormalization(),
    new Counter(),
  ]);
}

describe('saveWeights / loadWeights', () => {
  let dir: string;
  beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), 'kiln-weights-')); });
  afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

  it('writes a safetensors file: header length, JSON header of dtype/shape/offsets, raw data', async () => {
    const m = model();
    (m.getLayer('counter') as Counter).count.assign(kiln.tensor([7, -1], [2], 'int32'));
    const path = join(dir, 'a.safetensors');
    await m.saveWeights(path);
    expect((await readdir(dir)).filter((f) => f.includes('.tmp'))).toEqual([]);
    const bytes = new Uint8Array(await readFile(path));
    const length = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
    expect(length % 8).toBe(0);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + length))) as Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
    expect(Object.keys(header)).toEqual([
      '__metadata__', 'dense/kernel', 'dense/bias', 'batch_normalization/gamma', 'batch_normalization/beta',
      'batch_normalization/moving_mean', 'batch_normalization/moving_variance', 'counter/count', 'counter/flag',
    ]);
    expect(header['dense/kernel']).toEqual({ dtype: 'F32', shape: [2, 3], data_offsets: [0, 24] });
    expect(header['counter/count']).toEqual({ dtype: 'I32', shape: [2], data_offsets: [84, 92] });
    expect(header['counter/flag']).toEqual({ dtype: 'BOOL', shape: [], data_offsets: [92, 93] });
    expect(bytes.byteLength).toBe(8 + length + 93);
    const kernel = new Float32Array(bytes.slice(8 + length, 8 + length + 24).buffer);
    expect(Array.from(kernel)).toEqual(await values((m.getLayer('dense') as kiln.keras.layers.Dense).kernel));
  });

  it('round-trips every weight into another model of the same architecture', async () => {
    const a = model();
    (a.getLayer('counter') as Counter).count.assign(kiln.tensor([3, 4], [2], 'int32'));
    (a.getLayer('counter') as Counter).flag.assign(kiln.scalar(true));
    const path = join(dir, 'b.safetensors');
    await a.saveWeights(path);
    const b = model();
    expect(await Promise.all(b.weights.map(values))).not.toEqual(await Promise.all(a.weights.map(values)));
    await b.loadWeights(path);
    expect(await Promise.all(b.weights.map(values))).toEqual(await Promise.all(a.weights.map(values)));
    expect(b.weights.map((w) => w.dtype)).toEqual(a.weights.map((w) => w.dtype));
  });

  it('a mismatch in shape, name or dtype changes nothing and names the mismatch', async () => {
    const path = join(dir, 'c.safetensors');
    await model(3).saveWeights(path);
    const other = model(4);
    const before = await Promise.all(other.weights.map(values));
    await expect(other.loadWeights(path)).rejects.toThrow(/'dense\/kernel' has shape \[2,3\] in the file but \[2,4\] in the model/);
    expect(await Promise.all(other.weights.map(values))).toEqual(before);
    const fewer = new keras.Sequential([new layers.Dense(3, { inputShape: [2] })]);
    await expect(fewer.loadWeights(path)).rejects.toThrow(/the file has weights the model does not: 'batch_normalization\/gamma'/);
    const renamed = new keras.Sequential([new layers.Dense(3, { inputShape: [2], name: 'first' }), new layers.BatchNormalization(), new Counter()]);
    await expect(renamed.loadWeights(path)).rejects.toThrow(/the file has no weight 'first\/kernel'/);
    await expect(renamed.loadWeights(path)).rejects.toBeInstanceOf(kiln.KilnError);
  });

  it('rejects files that are not safetensors, and unbuilt models', async () => {
    const path = join(dir, 'junk.safetensors');
    await writeFile(path, new Uint8Array([255, 0, 0, 0, 0, 0, 0, 0, 1, 2]));
    await expect(model().loadWeights(path)).rejects.toThrow(/is not a valid safetensors file: its header length 255 runs past the end/);
    await expect(new keras.Sequential([new layers.Dense(2)]).loadWeights(path)).rejects.toThrow(/is not built/);
    await expect(model().loadWeights(join(dir, 'missing.safetensors'))).rejects.toThrow(/could not read/);
  });
});
