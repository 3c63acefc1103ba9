// Models with several outputs: per-output losses, loss weights and metrics, logged as Keras
// logs them (`<output>_loss`, `<output>_<metric>`), against values computed here by hand.
import { describe, expect, it } from 'vitest';
import * as kiln from '../../src/index.js';

const { keras } = kiln;
const { layers } = keras;
const values = async (t: kiln.Tensor) => Array.from(await t.data());

function twoHeads() {
  const inputs = keras.Input({ shape: [3] });
  const hidden = new layers.Dense(8, { activation: 'relu', kernelInitializer: new keras.initializers.GlorotUniform({ seed: 1 }) }).apply(inputs);
  const reg = new layers.Dense(1, { name: 'reg', kernelInitializer: new keras.initializers.GlorotUniform({ seed: 2 }) }).apply(hidden);
  const cls = new layers.Dense(2, { name: 'cls', activation: 'softmax', kernelInitializer: new keras.initializers.GlorotUniform({ seed: 3 }) }).apply(hidden);
  return new keras.Model({ inputs, outputs: [reg, cls] });
}

function data(n: number) {
  const x = kiln.randomNormal([n, 3], { seed: 7 });
  const yReg = kiln.sum(x, 1, true);
  const yCls = kiln.cast(kiln.greater(kiln.gather(x, [0], 1).reshape([n]), 0), 'int32');
  return { x, yReg, yCls };
}

describe('a functional model with two outputs', () => {
  it('logs each output\'s loss and metrics, and the total is the weighted sum of the output losses', async () => {
    const model = twoHeads();
    model.compile({
      optimizer: new keras.optimizers.Adam({ learningRate: 0.01 }),
      loss: { reg: 'mse', cls: 'sparse_categorical_crossentropy' },
      lossWeights: { reg: 0.5, cls: 2 },
      metrics: { reg: ['mae'], cls: ['accuracy'] },
    });
    expect(model.metricsNames).toEqual(['loss', 'reg_loss', 'cls_loss', 'reg_mae', 'cls_accuracy']);
    const { x, yReg, yCls } = data(64);
    const history = await model.fit(x, [yReg, yCls], { epochs: 3, batchSize: 16, verbose: 0 });
    expect(Object.keys(history.history).sort()).toEqual(['cls_accuracy', 'cls_loss', 'loss', 'reg_loss', 'reg_mae']);
    expect(history.history.loss![2]).toBeLessThan(history.history.loss![0]!);
    expect(model.trainFunction!.traceCount).toBe(1);

    const result = await model.evaluate(x, [yReg, yCls], { batchSize: 64, verbose: 0 });
    expect(result.loss).toBeCloseTo(0.5 * result.reg_loss! + 2 * result.cls_loss!, 4);
    // By hand, from the model's predictions.
    const [pReg, pCls] = model.predict(x) as unknown as kiln.Tensor[];
    const reg = await values(pReg!);
    const cls = await values(pCls!);
    const t = await values(yReg);
    const labels = await values(yCls);
    const mse = t.reduce((a, v, i) => a + (reg[i]! - v) ** 2, 0) / t.length;
    const mae = t.reduce((a, v, i) => a + Math.abs(reg[i]! - v), 0) / t.length;
    const eps = 1e-7;
    const ce = labels.reduce((a, l, i) => a - Math.log(Math.min(1 - eps, Math.max(eps, cls[2 * i + l]!))), 0) / labels.length;
    const acc = labels.filter((l, i) => (cls[2 * i + 1]! > cls[2 * i]! ? 1 : 0) === l).length / labels.length;
    expect(result.reg_loss).toBeCloseTo(mse, 4);
    expect(result.reg_mae).toBeCloseTo(mae, 4);
    expect(result.cls_loss).toBeCloseTo(ce, 4);
    expect(result.cls_accuracy).toBeCloseTo(acc, 5);
  });

  it('applies a single loss and a flat metric list to every output, in output order', async () => {
    const inputs = keras.Input({ shape: [2] });
    const a = new layers.Dense(1, { name: 'a', kernelInitializer: 'ones' }).apply(inputs);
    const b = new layers.Dense(1, { name: 'b', kernelInitializer: 'zeros' }).apply(inputs);
    const model = new keras.Model({ inputs, outputs: [a, b] });
    model.compile({ optimizer: 'sgd', loss: 'mse', metrics: ['mae'] });
    expect(model.metricsNames).toEqual(['loss', 'a_loss', 'b_loss', 'a_mae', 'b_mae']);
    const x = kiln.tensor([[1, 2], [3, 4]]);
    const y = kiln.tensor([[1], [1]]);
    // a predicts 3 and 7 (errors 2, 6); b predicts 0 (errors 1, 1).
    const r = await model.evaluate(x, [y, y], { verbose: 0 });
    expect(r.a_loss).toBeCloseTo((4 + 36) / 2, 5);
    expect(r.b_loss).toBeCloseTo(1, 5);
    expect(r.a_mae).toBeCloseTo(4, 5);
    expect(r.b_mae).toBeCloseTo(1, 5);
    expect(r.loss).toBeCloseTo(21, 4);
  });

  it('trains only through outputs that have a loss', async () => {
    const inputs = keras.Input({ shape: [2] });
    const a = new layers.Dense(1, { name: 'a' }).apply(inputs);
    const b = new layers.Dense(1, { name: 'b' }).apply(inputs);
    const model = new keras.Model({ inputs, outputs: [a, b] });
    model.compile({ optimizer: 'sgd', loss: ['mse', null] });
    const before = await values(model.getLayer('b').weights[0]!);
    await model.fit(kiln.ones([4, 2]), [kiln.ones([4, 1]), kiln.ones([4, 1])], { epochs: 1, verbose: 0 });
    expect(await values(model.getLayer('b').weights[0]!)).toEqual(before);
    expect(model.metricsNames).toEqual(['loss', 'a_loss']);
  });

  it('rejects per-output structures that do not match the outputs, before any step', () => {
    const model = twoHeads();
    expect(() => model.compile({ loss: ['mse'] })).toThrow(/loss: a list needs one entry per output; the model has 2 outputs \(reg, cls\), the list has 1/);
    expect(() => model.compile({ loss: { reg: 'mse', nope: 'mse' } })).toThrow(/loss: no output named 'nope'; the model's outputs are 'reg', 'cls'/);
    expect(() => model.compile({ loss: 'mse', lossWeights: [1, 2, 3] })).toThrow(/lossWeights: a list needs one entry per output/);
    expect(() => model.compile({ loss: 'mse', metrics: [new keras.metrics.Mean()] })).toThrow(/would be shared by the model's 2 outputs/);
    expect(() => model.compile({ loss: 'mse', metrics: { cls: ['nonsense'] } })).toThrow(/unknown metric 'nonsense'/);
    const single = new keras.Sequential([new layers.Dense(1, { inputShape: [2] })]);
    expect(() => single.compile({ loss: { dense: 'mse' } })).toThrow(/has one output: give loss and metrics directly/);
  });
});
