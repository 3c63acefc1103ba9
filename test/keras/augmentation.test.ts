import { describe, expect, it } from 'vitest';
import * as kiln from '../../src/index.js';
import { keras } from '../../src/index.js';

/**
 * Keras's random image layers (RandomTranslation, RandomRotation, RandomZoom) and the
 * affine transform they resample with, against values worked out by hand.
 */

const { layers } = keras;

/** A [1, h, w, 1] image holding 1, 2, 3, ... row by row. */
const counting = (h: number, w: number) => kiln.reshape(kiln.range(1, h * w + 1), [1, h, w, 1]);
/** The [h, w] planes of a [b, h, w, 1] batch, as nested arrays. */
async function planes(t: kiln.Tensor): Promise<number[][][]> {
  const [b, h, w] = t.shape as [number, number, number];
  return (await kiln.reshape(t, [b, h, w]).array()) as number[][][];
}
/** A translation by (dx, dy) pixels in affineTransform's layout. */
const shiftBy = (dx: number, dy: number) => kiln.tensor([[1, 0, -dx, 0, 1, -dy, 0, 0]]);

describe('affineTransform', () => {
  const image = counting(4, 4);

  it('moves an image by whole pixels, filling the uncovered points by the fill mode', async () => {
    const expected = {
      constant: [[0, 0, 0, 0], [0, 0, 0, 0], [0, 1, 2, 3], [0, 5, 6, 7]],
      // (a a a a | a b c d | d d d d)
      nearest: [[1, 1, 2, 3], [1, 1, 2, 3], [1, 1, 2, 3], [5, 5, 6, 7]],
      // (d c b a | a b c d | d c b a): rows -2, -1 read rows 1, 0; column -1 reads column 0
      reflect: [[5, 5, 6, 7], [1, 1, 2, 3], [1, 1, 2, 3], [5, 5, 6, 7]],
      // (a b c d | a b c d | a b c d): rows -2, -1 read rows 2, 3; column -1 reads column 3
      wrap: [[12, 9, 10, 11], [16, 13, 14, 15], [4, 1, 2, 3], [8, 5, 6, 7]],
    };
    for (const [fillMode, want] of Object.entries(expected)) {
      for (const interpolation of ['bilinear', 'nearest'] as const) {
        const out = layers.affineTransform(image, shiftBy(1, 2), { fillMode: fillMode as keras.layers.FillMode, interpolation });
        expect(out.shape).toEqual([1, 4, 4, 1]);
        expect((await planes(out))[0], `${fillMode}, ${interpolation}`).toEqual(want);
      }
    }
  });

  it('fills with fillValue in mode constant', async () => {
    const out = layers.affineTransform(image, shiftBy(-3, 0), { fillMode: 'constant', fillValue: -1 });
    expect((await planes(out))[0]).toEqual([[4, -1, -1, -1], [8, -1, -1, -1], [12, -1, -1, -1], [16, -1, -1, -1]]);
  });

  it('interpolates between pixels: bilinear averages, nearest rounds', async () => {
    const row = kiln.reshape(kiln.tensor([10, 20, 30, 40]), [1, 1, 4, 1]);
    expect((await planes(layers.affineTransform(row, shiftBy(0.5, 0), { fillMode: 'constant' })))[0]).toEqual([[5, 15, 25, 35]]);
    expect((await planes(layers.affineTransform(row, shiftBy(0.25, 0), { fillMode: 'nearest' })))[0]).toEqual([[10, 17.5, 27.5, 37.5]]);
    expect((await planes(layers.affineTransform(row, shiftBy(0.6, 0), { fillMode: 'constant', interpolation: 'nearest' })))[0]).toEqual([[0, 10, 20, 30]]);
  });

  it('transforms each image of a batch by its own row, each channel alike', async () => {
    const two = kiln.tile(kiln.reshape(kiln.range(1, 5), [1, 2, 2, 1]), [2, 1, 1, 2]);
    const out = layers.affineTransform(two, kiln.tensor([[1, 0, 0, 0, 1, 0, 0, 0], [1, 0, 1, 0, 1, 0, 0, 0]]), { fillMode: 'constant' });
    expect(out.shape).toEqual([2, 2, 2, 2]);
    expect(await out.array()).toEqual([[[[1, 1], [2, 2]], [[3, 3], [4, 4]]], [[[2, 2], [0, 0]], [[4, 4], [0, 0]]]]);
  });

  it('rejects images that are not [batch, height, width, channels] and transforms that are not [batch, 8]', () => {
    expect(() => layers.affineTransform(kiln.zeros([4, 4]), shiftBy(0, 0))).toThrow(/images must be \[batch, height, width, channels\]/);
    expect(() => layers.affineTransform(kiln.zeros([2, 4, 4, 1]), shiftBy(0, 0))).toThrow(/transforms must be \[2, 8\]/);
    expect(() => layers.affineTransform(image, shiftBy(0, 0), { fillMode: 'mirror' as keras.layers.FillMode })).toThrow(/fillMode must be one of/);
  });

  it('passes gradients back to the pixels it reads', async () => {
    const w = new kiln.Variable(kiln.scalar(1));
    const tape = new kiln.GradientTape();
    const total = tape.record(() => kiln.sum(layers.affineTransform(kiln.mul(image, w), shiftBy(1, 2), { fillMode: 'constant' })));
    const [grad] = tape.gradient(total, [w]);
    // d/dw of the sum is the sum of the pixels still inside: rows 0-1, columns 0-2.
    expect((await grad!.data())[0]).toBeCloseTo(1 + 2 + 3 + 5 + 6 + 7, 4);
  });
});

describe('RandomTranslation', () => {
  it('with a fixed factor, shifts by exactly that fraction of the height and width while training', async () => {
    // [0.5, 0.5] of 4 rows: down 2; [0.25, 0.25] of 4 columns: right 1.
    const layer = new layers.RandomTranslation([0.5, 0.5], [0.25, 0.25], { fillMode: 'constant', seed: 1 });
    const out = layer.apply(counting(4, 4), { training: true }) as kiln.Tensor;
    expect((await planes(out))[0]).toEqual([[0, 0, 0, 0], [0, 0, 0, 0], [0, 1, 2, 3], [0, 5, 6, 7]]);
    // One image without the batch axis, [height, width, channels], as Keras accepts.
    const one = layer.apply(kiln.reshape(counting(4, 4), [4, 4, 1]), { training: true }) as kiln.Tensor;
    expect(one.shape).toEqual([4, 4, 1]);
    expect(await kiln.reshape(one, [4, 4]).array()).toEqual([[0, 0, 0, 0], [0, 0, 0, 0], [0, 1, 2, 3], [0, 5, 6, 7]]);
  });

  it('passes its input through at inference', async () => {
    const layer = new layers.RandomTranslation(0.5, 0.5);
    const image = counting(4, 4);
    expect(layer.apply(image) as kiln.Tensor).toBe(image);
    expect(layer.apply(image, { training: false }) as kiln.Tensor).toBe(image);
  });

  it('shifts each image of a batch by its own whole number of pixels within the factor', async () => {
    const [b, n] = [16, 8];
    const image = kiln.tile(counting(n, n), [b, 1, 1, 1]);
    const layer = new layers.RandomTranslation(0.25, 0.25, { fillMode: 'constant', interpolation: 'nearest', seed: 3 });
    const out = await planes(layer.apply(image, { training: true }) as kiln.Tensor);
    const source = (await planes(counting(n, n)))[0]!;
    const shifts = out.map((plane) => {
      // The shift that explains every pixel: (dx, dy) within ±2, the rest zeros.
      for (let dy = -2; dy <= 2; dy++) {
        for (let dx = -2; dx <= 2; dx++) {
          if (plane.every((row, y) => row.every((v, x) => v === (source[y - dy]?.[x - dx] ?? 0)))) return `${dx},${dy}`;
        }
      }
      return 'none';
    });
    expect(shifts).not.toContain('none');
    expect(new Set(shifts).size).toBeGreaterThan(3);
  });

  it('draws a reproducible sequence from its seed, new values on each call, compiled or not', async () => {
    const image = kiln.tile(counting(6, 6), [4, 1, 1, 1]);
    const draw = async (layer: keras.layers.RandomTranslation) => [
      await (layer.apply(image, { training: true }) as kiln.Tensor).data(),
      await (layer.apply(image, { training: true }) as kiln.Tensor).data(),
    ];
    const [a1, a2] = await draw(new layers.RandomTranslation(0.3, 0.3, { seed: 5 }));
    const [b1, b2] = await draw(new layers.RandomTranslation(0.3, 0.3, { seed: 5 }));
    expect(b1).toEqual(a1);
    expect(b2).toEqual(a2);
    expect(a2).not.toEqual(a1);

    const layer = new layers.RandomTranslation(0.3, 0.3, { seed: 5 });
    const step = kiln.compile((x: kiln.Tensor) => layer.apply(x, { training: true }) as kiln.Tensor);
    const c1 = await step(image).data(), c2 = await step(image).data();
    expect(step.traceCount).toBe(1);
    expect(c2).not.toEqual(c1);
    for (let i = 0; i < c1.length; i++) expect(c1[i]).toBeCloseTo(a1![i]!, 4);
  });

  it('takes its arguments as Keras does, and rejects factors outside [-1, 1]', () => {
    const layer = new layers.RandomTranslation({ heightFactor: 0.1, widthFactor: [-0.2, 0.3] });
    expect(layer.heightFactor).toEqual([-0.1, 0.1]);
    expect(layer.widthFactor).toEqual([-0.2, 0.3]);
    expect(layer.fillMode).toBe('reflect');
    expect(layer.interpolation).toBe('bilinear');
    expect(() => new layers.RandomTranslation(1.5, 0)).toThrow(/heightFactor must be/);
    expect(() => new layers.RandomTranslation(0.1, [0.3, 0.2])).toThrow(/widthFactor must be/);
    expect(() => (new layers.RandomTranslation(0.1, 0.1)).apply(kiln.zeros([2, 4]), { training: true })).toThrow(/expects images/);
  });

  it('trains inside a model: fit uses the shifted images, predict the plain ones', async () => {
    const model = new keras.Sequential([
      new layers.RandomTranslation(0.25, 0.25, { fillMode: 'constant', inputShape: [4, 4, 1] }),
      new layers.Flatten(),
      new layers.Dense(2, { activation: 'softmax' }),
    ]);
    expect(model.countParams()).toBe(34);
    model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy' });
    const x = kiln.tile(counting(4, 4), [8, 1, 1, 1]).div(16), y = kiln.tensor([0, 1, 0, 1, 0, 1, 0, 1], [8], 'int32');
    const history = await model.fit(x, y, { epochs: 2, batchSize: 4, verbose: 0 });
    expect(history.history.loss!.every(Number.isFinite)).toBe(true);
    expect(model.trainFunction!.traceCount).toBe(1);
    const flat = new keras.Sequential([new layers.Flatten({ inputShape: [4, 4, 1] }), new layers.Dense(2, { activation: 'softmax' })]);
    flat.build([null, 4, 4, 1]);
    flat.setWeights(model.getWeights());
    expect(await model.predict(x).data()).toEqual(await flat.predict(x).data());
  });
});

describe('RandomRotation', () => {
  it('with a factor of a quarter turn, rotates counter-clockwise about the centre', async () => {
    const layer = new layers.RandomRotation([0.25, 0.25], { interpolation: 'nearest', fillMode: 'constant' });
    const out = layer.apply(counting(3, 3), { training: true }) as kiln.Tensor;
    expect((await planes(out))[0]).toEqual([[3, 6, 9], [2, 5, 8], [1, 4, 7]]);
    const half = new layers.RandomRotation([-0.5, -0.5], { interpolation: 'nearest' }).apply(counting(3, 3), { training: true }) as kiln.Tensor;
    expect((await planes(half))[0]).toEqual([[9, 8, 7], [6, 5, 4], [3, 2, 1]]);
  });

  it('passes its input through at inference, and keeps the angle within the factor', async () => {
    const image = counting(3, 3);
    expect(new layers.RandomRotation(0.2).apply(image) as kiln.Tensor).toBe(image);
    // Up to a twentieth of a turn (18°) leaves the centre pixel and, with nearest sampling, its 4 neighbours.
    const out = await planes(new layers.RandomRotation(0.05, { interpolation: 'nearest', seed: 2 }).apply(kiln.tile(image, [8, 1, 1, 1]), { training: true }) as kiln.Tensor);
    for (const plane of out) expect([plane[0]![1], plane[1]![0], plane[1]![1], plane[1]![2], plane[2]![1]]).toEqual([2, 4, 5, 6, 8]);
  });
});

describe('RandomZoom', () => {
  const columns = kiln.reshape(kiln.tile(kiln.tensor([[0, 10, 20, 30, 40]]), [5, 1]), [1, 5, 5, 1]);

  it('with a positive factor zooms out: a factor of 1 shows twice the width and height', async () => {
    const out = new layers.RandomZoom([1, 1], null, { fillMode: 'constant' }).apply(columns, { training: true }) as kiln.Tensor;
    // Output column x reads input column 2x - 2; rows likewise, so the outer rows are outside.
    const inside = [0, 0, 20, 40, 0];
    expect((await planes(out))[0]).toEqual([[0, 0, 0, 0, 0], inside, inside, inside, [0, 0, 0, 0, 0]]);
  });

  it('with a negative factor zooms in, interpolating; widthFactor zooms the width apart', async () => {
    // Half the width about the centre: column x reads input column x/2 + 1.
    const out = new layers.RandomZoom([0, 0], [-0.5, -0.5]).apply(columns, { training: true }) as kiln.Tensor;
    for (const row of (await planes(out))[0]!) expect(row).toEqual([10, 15, 20, 25, 30]);
    expect(new layers.RandomZoom(0.3).apply(columns) as kiln.Tensor).toBe(columns);
  });
});
