// Sequential, functional and subclassed models: building, naming, layers and weights, the
// summary table, and calls on data.
import { describe, expect, it } from 'vitest';
import * as kiln from '../../src/index.js';

const { keras } = kiln;
const { layers } = keras;
const values = async (t: kiln.Tensor) => Array.from(await t.data());

describe('Sequential', () => {
  it('builds at once from the first layer\'s inputShape and names layers per model', () => {
    const make = () => new keras.Sequential([
      new layers.Dense(4, { inputShape: [3], activation: 'relu' }),
      new layers.Dense(2),
    ]);
    const a = make();
    const b = make();
    for (const m of [a, b]) {
      expect(m.built).toBe(true);
      expect(m.layers.map((l) => l.name)).toEqual(['dense', 'dense_1']);
      expect(m.countParams()).toBe(3 * 4 + 4 + 4 * 2 + 2);
      expect(m.weights.length).toBe(4);
    }
    expect(a.getLayer('dense_1')).toBe(a.layers[1]);
    expect(a.getLayer(0)).toBe(a.layers[0]);
    expect(() => a.getLayer('dense_7')).toThrow(/no layer "dense_7" in model 'sequential'; its layers: 'dense', 'dense_1'/);
    expect(a.apply(kiln.ones([5, 3])).shape).toEqual([5, 2]);
  });

  it('builds lazily on its first call, and add() extends it', () => {
    const model = new keras.Sequential();
    model.add(new layers.Dense(8));
    expect(model.built).toBe(false);
    expect(model.apply(kiln.ones([2, 5])).shape).toEqual([2, 8]);
    expect(model.built).toBe(true);
    expect(model.batchInputShape).toEqual([null, 5]);
    model.add(new layers.Dense(3));
    expect(model.apply(kiln.ones([2, 5])).shape).toEqual([2, 3]);
    expect(model.layers[1]!.outputShape).toEqual([null, 3]);
  });

  it('accepts keras.Input first, and rejects duplicate layer names', () => {
    const model = new keras.Sequential([keras.Input({ shape: [4] }), new layers.Dense(2)]);
    expect(model.built).toBe(true);
    expect(() => new keras.Sequential([new layers.Dense(2, { name: 'x' }), new layers.Dense(2, { name: 'x' })])).toThrow(/unique names; 'x' is used twice/);
  });

  it('summary: name (type), output shape, parameters, totals with sizes', () => {
    const model = new keras.Sequential([
      new layers.Conv2D(4, 3, { inputShape: [8, 8, 1], activation: 'relu' }),
      new layers.MaxPooling2D(),
      new layers.Flatten(),
      new layers.BatchNormalization(),
      new layers.Dense(10, { activation: 'softmax' }),
    ], { name: 'convnet' });
    const text = model.summary({ print: false });
    expect(text).toMatchInlineSnapshot(`
      "Model: "convnet"
      ┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓
      ┃ Layer (type)                             ┃ Output Shape           ┃       Param # ┃
      ┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩
      │ conv2d (Conv2D)                          │ (None, 6, 6, 4)        │            40 │
      ├──────────────────────────────────────────┼────────────────────────┼───────────────┤
      │ max_pooling2d (MaxPooling2D)             │ (None, 3, 3, 4)        │             0 │
      ├──────────────────────────────────────────┼────────────────────────┼───────────────┤
      │ flatten (Flatten)                        │ (None, 36)             │             0 │
      ├──────────────────────────────────────────┼────────────────────────┼───────────────┤
      │ batch_normalization (BatchNormalization) │ (None, 36)             │           144 │
      ├──────────────────────────────────────────┼────────────────────────┼───────────────┤
      │ dense (Dense)                            │ (None, 10)             │           370 │
      └──────────────────────────────────────────┴────────────────────────┴───────────────┘
       Total params: 554 (2.16 KB)
       Trainable params: 482 (1.88 KB)
       Non-trainable params: 72 (288.00 B)"
    `);
  });

  it('summary of an unbuilt model shows unknown shapes', () => {
    const model = new keras.Sequential([new layers.Dense(3)]);
    expect(model.summary({ print: false })).toContain('│ dense (Dense)                   │ ?                      │   0 (unbuilt) │');
  });
});

describe('functional Model', () => {
  it('replays the layer calls between keras.Input and the outputs', async () => {
    const inputs = keras.Input({ shape: [4] });
    const hidden = new layers.Dense(3, { activation: 'relu' }).apply(inputs);
    const outputs = new layers.Dense(2).apply(new layers.Dropout(0.5).apply(hidden));
    expect(hidden.shape).toEqual([null, 3]);
    const model = new keras.Model({ inputs, outputs });
    expect(model.name).toBe('functional');
    expect(model.layers.map((l) => l.constructor.name)).toEqual(['InputLayer', 'Dense', 'Dropout', 'Dense']);
    expect(model.layers.map((l) => l.name)).toEqual(['input_layer', 'dense', 'dropout', 'dense_1']);
    const x = kiln.randomNormal([5, 4], { seed: 2 });
    const [d1, d2] = [model.getLayer('dense'), model.getLayer('dense_1')] as kiln.keras.layers.Dense[];
    const manual = kiln.add(kiln.matMul(kiln.relu(kiln.add(kiln.matMul(x, d1!.kernel), d1!.bias!)), d2!.kernel), d2!.bias!);
    expect(await values(model.apply(x))).toEqual(await values(manual));
    expect(() => model.apply(kiln.ones([5, 3]))).toThrow(/input shape \(5, 3\) is incompatible with layer 'functional' \(Model\): expected shape \(None, 4\)/);
  });

  it('shares a layer between calls and takes several inputs and outputs', async () => {
    const a = keras.Input({ shape: [2], name: 'a' });
    const b = keras.Input({ shape: [2], name: 'b' });
    const shared = new layers.Dense(3, { useBias: false });
    const sum = new layers.Add().apply([shared.apply(a), shared.apply(b)]);
    const joined = new layers.Concatenate().apply([sum, a]);
    const model = new keras.Model({ inputs: [a, b], outputs: [sum, joined] });
    expect(model.weights.length).toBe(1);
    expect(joined.shape).toEqual([null, 5]);
    const [s, j] = model.apply<kiln.Tensor[]>([kiln.tensor([[1, 0]]), kiln.tensor([[0, 1]])]);
    const k = await values(shared.weights[0]!);
    expect(await values(s!)).toEqual([0, 1, 2].map((c) => k[c]! + k[3 + c]!));
    expect((await values(j!)).slice(3)).toEqual([1, 0]);
    const text = model.summary({ print: false });
    expect(text).toContain('Connected to');
    expect(text).toContain('│ dense (Dense)                   │ (None, 3)              │             6 │ a[0][0], b[0][0]');
    expect(() => new keras.Model({ inputs: a, outputs: sum })).toThrow(/graph disconnected: .*'b' is needed/);
  });

  it('nests a model as a layer', () => {
    const inner = new keras.Sequential([new layers.Dense(3, { inputShape: [2] })], { name: 'inner' });
    const inputs = keras.Input({ shape: [2] });
    const outputs = new layers.Dense(1).apply(inner.apply(inputs));
    const model = new keras.Model({ inputs, outputs });
    expect(model.layers.map((l) => l.name)).toEqual(['input_layer', 'inner', 'dense']);
    expect(model.countParams()).toBe(9 + 4);
    expect([...model.weightPaths().values()]).toEqual(['inner/dense/kernel', 'inner/dense/bias', 'dense/kernel', 'dense/bias']);
  });
});

describe('subclassed Model', () => {
  class TwoLayer extends keras.Model {
    hidden = new layers.Dense(4, { activation: 'relu' });
    out = new layers.Dense(2);
    override call(x: kiln.Tensor) {
      return this.out.apply(this.hidden.apply(x));
    }
  }

  it('tracks its layers, builds on the first call or by build(), and is named after its class', () => {
    const model = new TwoLayer();
    expect(model.name).toBe('two_layer');
    expect(model.weights.length).toBe(0);
    model.build([null, 3]);
    expect(model.built).toBe(true);
    expect(model.countParams()).toBe(3 * 4 + 4 + 4 * 2 + 2);
    expect(model.layers.map((l) => l.name)).toEqual(['dense', 'dense_1']);
    expect(model.apply(kiln.ones([2, 3])).shape).toEqual([2, 2]);
    expect(model.summary({ print: false })).toContain('│ dense_1 (Dense)                 │ (None, 2)              │            10 │');
  });

  it('setWeights/getWeights move every weight', async () => {
    const a = new TwoLayer();
    const b = new TwoLayer();
    a.build([null, 3]);
    b.build([null, 3]);
    b.setWeights(a.getWeights());
    const x = kiln.randomNormal([4, 3], { seed: 9 });
    expect(await values(b.apply(x))).toEqual(await values(a.apply(x)));
  });
});
