// Each layer's forward pass (and, for Dense, Conv2D and BatchNormalization, its gradients)
// against values worked out by hand; Dropout's scaling and training flag; BatchNormalization's
// moving statistics; weights, names and the trainable flag.
import { describe, expect, it } from 'vitest';
import * as kiln from '../../src/index.js';
import { expectClose } from '../ops/close.js';

const { keras } = kiln;
const { layers } = keras;
const values = async (t: kiln.Tensor) => Array.from(await t.data());

describe('Dense', () => {
  const make = () => {
    const dense = new layers.Dense(3, { activation: 'relu' });
    dense.build([null, 2]);
    dense.setWeights([kiln.tensor([[1, 0, -1], [2, 1, 0]]), kiln.tensor([0.5, 0, -0.5])]);
    return dense;
  };

  it('computes relu(x·W + b)', async () => {
    const y = make().apply(kiln.tensor([[1, 2], [0, -1]]));
    expect(y.shape).toEqual([2, 3]);
    // [1,2]·W = [5, 2, -1] (+b → [5.5, 2, -1.5]); [0,-1]·W = [-2, -1, 0] (+b → [-1.5, -1, -0.5]).
    expect(await values(y)).toEqual([5.5, 2, 0, 0, 0, 0]);
  });

  it('has kernel and bias gradients x^T·(relu mask) and the mask summed', async () => {
    const dense = make();
    const tape = new kiln.GradientTape();
    const loss = tape.record(() => kiln.sum(dense.apply(kiln.tensor([[1, 2]]))));
    const [dk, db] = tape.gradient(loss, [dense.kernel, dense.bias!]);
    expect(await values(dk!)).toEqual([1, 1, 0, 2, 2, 0]);
    expect(await values(db!)).toEqual([1, 1, 0]);
  });

  it('builds lazily with a glorotUniform kernel and zero bias, and applies to the last axis of rank-3 inputs', async () => {
    const dense = new layers.Dense(50);
    expect(dense.built).toBe(false);
    const y = dense.apply(kiln.ones([2, 4, 100]));
    expect(y.shape).toEqual([2, 4, 50]);
    expect(dense.weights.map((w) => w.shape)).toEqual([[100, 50], [50]]);
    const limit = Math.sqrt(6 / 150);
    const k = await values(dense.kernel);
    expect(Math.max(...k.map(Math.abs))).toBeLessThanOrEqual(limit);
    expect(Math.max(...k.map(Math.abs))).toBeGreaterThan(limit * 0.9);
    expect(await values(dense.bias!)).toEqual(new Array(50).fill(0));
  });

  it('rejects an input whose last axis differs from the built one', () => {
    const dense = make();
    expect(() => dense.apply(kiln.ones([1, 3]))).toThrow(/expected axis -1 to have size 2, got 3/);
  });
});

describe('Conv2D', () => {
  const x = kiln.tensor(Array.from({ length: 9 }, (_, i) => i + 1), [1, 3, 3, 1]);
  const make = (padding: 'valid' | 'same') => {
    const conv = new layers.Conv2D(1, 2, { padding });
    conv.build([null, 3, 3, 1]);
    conv.setWeights([kiln.tensor([[[[1]], [[0]]], [[[0]], [[-1]]]]), kiln.tensor([0.5])]);
    return conv;
  };

  it("'valid': each output is x[i][j] - x[i+1][j+1] + bias", async () => {
    const y = make('valid').apply(x);
    expect(y.shape).toEqual([1, 2, 2, 1]);
    expect(await values(y)).toEqual([-3.5, -3.5, -3.5, -3.5]);
  });

  it("'same' keeps the spatial size (padding at the bottom and right)", async () => {
    const y = make('same').apply(x);
    expect(y.shape).toEqual([1, 3, 3, 1]);
    // Last row and column see zeros where x[i+1][j+1] falls outside.
    expect(await values(y)).toEqual([-3.5, -3.5, 3.5, -3.5, -3.5, 6.5, 7.5, 8.5, 9.5]);
  });

  it('has kernel gradients summing the inputs under each tap, and bias gradient the output count', async () => {
    const conv = make('valid');
    const tape = new kiln.GradientTape();
    const loss = tape.record(() => kiln.sum(conv.apply(x)));
    const [dk, db] = tape.gradient(loss, [conv.kernel, conv.bias!]);
    expect(dk!.shape).toEqual([2, 2, 1, 1]);
    expect(await values(dk!)).toEqual([1 + 2 + 4 + 5, 2 + 3 + 5 + 6, 4 + 5 + 7 + 8, 5 + 6 + 8 + 9]);
    expect(await values(db!)).toEqual([4]);
  });

  it('uses glorot fans with the receptive field, strides and an activation', async () => {
    const conv = new layers.Conv2D(8, [3, 3], { strides: 2, activation: 'relu' });
    const y = conv.apply(kiln.randomNormal([2, 9, 9, 4], { seed: 3 }));
    expect(y.shape).toEqual([2, 4, 4, 8]);
    expect(Math.min(...await values(y))).toBe(0);
    const limit = Math.sqrt(6 / (9 * 4 + 9 * 8));
    expect(Math.max(...(await values(conv.kernel)).map(Math.abs))).toBeLessThanOrEqual(limit);
    expect(conv.countParams()).toBe(3 * 3 * 4 * 8 + 8);
  });
});

describe('BatchNormalization', () => {
  const x = kiln.tensor([[0, 10], [1, 20], [5, 60]]);
  // Per feature: mean [2, 30], biased variance [14/3, 1400/3].
  const mean = [2, 30];
  const variance = [14 / 3, 1400 / 3];
  const normalized = (xs: number[][], m: number[], v: number[]) => xs.flatMap((row) => row.map((a, j) => (a - m[j]!) / Math.sqrt(v[j]! + 1e-3)));
  const rows = [[0, 10], [1, 20], [5, 60]];

  it('in training normalizes with the batch statistics and moves the moving ones by 1 - momentum', async () => {
    const bn = new layers.BatchNormalization();
    const y = bn.apply(x, { training: true });
    expectClose(await values(y), normalized(rows, mean, variance), 1e-5, 'y', 1e-6);
    expectClose(await values(bn.movingMean), mean.map((m) => 0.01 * m), 1e-6);
    expectClose(await values(bn.movingVariance), variance.map((v) => 0.99 + 0.01 * v), 1e-6);
    expect(bn.trainableWeights.map((w) => w.shape)).toEqual([[2], [2]]);
    expect(bn.nonTrainableWeights.length).toBe(2);
  });

  it('in inference uses the moving statistics, gamma and beta, and leaves them alone', async () => {
    const bn = new layers.BatchNormalization({ momentum: 0.5, epsilon: 0.01 });
    bn.build([null, 2]);
    bn.setWeights([kiln.tensor([2, 3]), kiln.tensor([1, -1]), kiln.tensor([1, 2]), kiln.tensor([3.99, 8.99])]);
    const y = bn.apply(x);
    const expected = rows.flatMap((r) => [(r[0]! - 1) / 2 * 2 + 1, (r[1]! - 2) / 3 * 3 - 1]);
    expectClose(await values(y), expected, 1e-5);
    expect(await values(bn.movingMean)).toEqual([1, 2]);
  });

  it('uses inference behaviour when frozen, even when training', async () => {
    const bn = new layers.BatchNormalization();
    bn.trainable = false;
    const y = bn.apply(x, { training: true });
    expectClose(await values(y), rows.flat().map((a) => a / Math.sqrt(1 + 1e-3)), 1e-5);
    expect(await values(bn.movingMean)).toEqual([0, 0]);
    expect(bn.trainableWeights).toEqual([]);
  });

  it('has the batch-norm gradients for gamma, beta and the input', async () => {
    const bn = new layers.BatchNormalization();
    const w = kiln.tensor([[1, -1], [2, 0.5], [-3, 4]]);
    const xv = kiln.variable(x);
    const tape = new kiln.GradientTape();
    const loss = tape.record(() => kiln.sum(kiln.mul(bn.apply(xv, { training: true }), w)));
    const [dgamma, dbeta, dx] = tape.gradient(loss, [bn.gamma!, bn.beta!, xv]);
    const ws = [[1, -1], [2, 0.5], [-3, 4]];
    const xhat = rows.map((r) => r.map((a, j) => (a - mean[j]!) / Math.sqrt(variance[j]! + 1e-3)));
    const col = (j: number, f: (i: number) => number) => [0, 1, 2].reduce((s, i) => s + f(i), 0);
    expectClose(await values(dbeta!), [col(0, (i) => ws[i]![0]!), col(1, (i) => ws[i]![1]!)], 1e-6);
    expectClose(await values(dgamma!), [0, 1].map((j) => col(j, (i) => ws[i]![j]! * xhat[i]![j]!)), 1e-5);
    // dx = (w - mean(w) - xhat · mean(w · xhat)) / sqrt(var + eps), per feature.
    const expected = rows.flatMap((_, i) => [0, 1].map((j) => {
      const mw = col(j, (k) => ws[k]![j]!) / 3;
      const mwx = col(j, (k) => ws[k]![j]! * xhat[k]![j]!) / 3;
      return (ws[i]![j]! - mw - xhat[i]![j]! * mwx) / Math.sqrt(variance[j]! + 1e-3);
    }));
    expectClose(await values(dx!), expected, 1e-4, 'dx', 1e-6);
  });

  it('normalizes over all but the channel axis of NHWC inputs', async () => {
    const bn = new layers.BatchNormalization({ center: false, scale: false });
    const y = bn.apply(kiln.tensor([1, 2, 3, 4, 5, 6, 7, 8], [2, 2, 1, 2]), { training: true });
    // Channel 0 holds 1,3,5,7 (mean 4, variance 5); channel 1 holds 2,4,6,8 (mean 5).
    expectClose(await values(y), [1, 2, 3, 4, 5, 6, 7, 8].map((v) => (v - (v % 2 ? 4 : 5)) / Math.sqrt(5 + 1e-3)), 1e-5);
    expect(bn.weights.length).toBe(2);
  });
});

describe('Dropout', () => {
  it('zeroes about `rate` of the values in training and scales survivors by 1/(1 - rate)', async () => {
    const y = await values(new layers.Dropout(0.25).apply(kiln.ones([4000]), { training: true }));
    const zeros = y.filter((v) => v === 0).length;
    expect(new Set(y.map((v) => v.toFixed(4)))).toEqual(new Set(['0.0000', (1 / 0.75).toFixed(4)]));
    expect(zeros / 4000).toBeGreaterThan(0.2);
    expect(zeros / 4000).toBeLessThan(0.3);
  });

  it('passes inputs through when not training, and gives zeros at rate 1', async () => {
    const x = kiln.tensor([1, 2, 3]);
    expect(await values(new layers.Dropout(0.5).apply(x))).toEqual([1, 2, 3]);
    expect(await values(new layers.Dropout(0.5).apply(x, { training: false }))).toEqual([1, 2, 3]);
    expect(await values(new layers.Dropout(1).apply(x, { training: true }))).toEqual([0, 0, 0]);
  });

  it('draws a new mask on every call of a compiled step, seeded or not', async () => {
    for (const dropout of [new layers.Dropout(0.5), new layers.Dropout(0.5, { seed: 7 })]) {
      const step = kiln.compile((x: kiln.Tensor) => dropout.apply(x, { training: true }));
      const x = kiln.ones([64]);
      const a = await values(step(x));
      const b = await values(step(x));
      expect(step.traceCount).toBe(1);
      expect(a).not.toEqual(b);
    }
  });

  it('with a seed gives the same sequence of masks from a fresh layer', async () => {
    const masks = async () => {
      const d = new layers.Dropout(0.5, { seed: 11 });
      return [await values(d.apply(kiln.ones([32]), { training: true })), await values(d.apply(kiln.ones([32]), { training: true }))];
    };
    expect(await masks()).toEqual(await masks());
  });

  it('inherits the training flag from the outer call', async () => {
    const model = new keras.Sequential([new layers.Dropout(0.5, { inputShape: [100] })]);
    expect(await values(model.apply(kiln.ones([1, 100]), { training: true }))).toContain(0);
    expect(await values(model.apply(kiln.ones([1, 100])))).not.toContain(0);
  });
});

describe('shape layers and activations', () => {
  it('Flatten, Reshape, Activation, MaxPooling2D', async () => {
    const x = kiln.tensor(Array.from({ length: 16 }, (_, i) => i - 8), [1, 4, 4, 1]);
    expect(new layers.Flatten().apply(x).shape).toEqual([1, 16]);
    expect(new layers.Reshape([2, 8]).apply(x).shape).toEqual([1, 2, 8]);
    expect(new layers.Reshape([-1, 4]).apply(x).shape).toEqual([1, 4, 4]);
    expect(await values(new layers.Activation('relu').apply(kiln.tensor([-1, 2])))).toEqual([0, 2]);
    const pooled = new layers.MaxPooling2D().apply(x);
    expect(pooled.shape).toEqual([1, 2, 2, 1]);
    expect(await values(pooled)).toEqual([-3, -1, 5, 7]);
    expect(new layers.MaxPooling2D({ poolSize: 2, strides: 1 }).apply(x).shape).toEqual([1, 3, 3, 1]);
    expect(() => new layers.Reshape([3, 5]).apply(x)).toThrow(/cannot reshape a sample of shape \[4,4,1\]/);
    expect(() => new layers.Activation('nope')).toThrow(/unknown activation "nope"/);
  });
});

describe('initializers', () => {
  const { initializers } = keras;

  it('resolve by camelCase or snake_case name and as objects; seeded ones repeat', async () => {
    expect(await values(initializers.get('ones').call([2]))).toEqual([1, 1]);
    expect(await values(initializers.get('zeros').call([2], 'int32'))).toEqual([0, 0]);
    const a = await values(new initializers.GlorotNormal({ seed: 5 }).call([20, 20]));
    expect(await values(initializers.get(new initializers.GlorotNormal({ seed: 5 })).call([20, 20]))).toEqual(a);
    expect(await values(initializers.get('glorot_normal').call([20, 20]))).not.toEqual(a);
    expect(() => initializers.get('glorotUniformish')).toThrow(/unknown initializer/);
  });

  it('have Keras scales', async () => {
    const std = (xs: number[]) => Math.sqrt(xs.reduce((s, v) => s + v * v, 0) / xs.length);
    const he = await values(new initializers.HeNormal({ seed: 1 }).call([200, 100]));
    expect(std(he)).toBeGreaterThan(Math.sqrt(2 / 200) * 0.95);
    expect(std(he)).toBeLessThan(Math.sqrt(2 / 200) * 1.05);
    expect(Math.max(...he.map(Math.abs))).toBeLessThanOrEqual(2 * Math.sqrt(2 / 200) / 0.87962566103423978 + 1e-6);
    const hu = await values(new initializers.HeUniform({ seed: 1 }).call([200, 100]));
    expect(Math.max(...hu.map(Math.abs))).toBeLessThanOrEqual(Math.sqrt(6 / 200));
    const rn = await values(initializers.get('randomNormal').call([100, 100]));
    expect(std(rn)).toBeGreaterThan(0.045);
    expect(std(rn)).toBeLessThan(0.055);
    const ru = await values(initializers.get('random_uniform').call([1000]));
    expect(Math.max(...ru.map(Math.abs))).toBeLessThanOrEqual(0.05);
  });
});

describe('Layer', () => {
  class ComputeSum extends keras.Layer {
    total!: kiln.Variable;
    override build(inputShape: (number | null)[]) {
      this.total = this.addWeight({ shape: [inputShape.at(-1)!], initializer: 'zeros', trainable: false });
    }
    override call(inputs: kiln.Tensor) {
      this.total.assignAdd(kiln.sum(inputs, 0));
      return kiln.add(this.total, 0);
    }
  }

  it('holds a non-trainable weight (keras-io ComputeSum)', async () => {
    const layer = new ComputeSum();
    expect(await values(layer.apply(kiln.ones([2, 2])))).toEqual([2, 2]);
    expect(await values(layer.apply(kiln.ones([2, 2])))).toEqual([4, 4]);
    expect([layer.weights.length, layer.nonTrainableWeights.length, layer.trainableWeights.length]).toEqual([1, 1, 0]);
  });

  class Linear extends keras.Layer {
    w!: kiln.Variable; b!: kiln.Variable;
    constructor(readonly units = 32) { super(); }
    override build(inputShape: (number | null)[]) {
      this.w = this.addWeight({ shape: [inputShape.at(-1)!, this.units], initializer: 'randomNormal' });
      this.b = this.addWeight({ shape: [this.units], initializer: 'zeros' });
    }
    override call(inputs: kiln.Tensor) { return kiln.add(kiln.matMul(inputs, this.w), this.b); }
  }
  class MLPBlock extends keras.Layer {
    linear1 = new Linear(32); linear2 = new Linear(32); linear3 = new Linear(1);
    override call(inputs: kiln.Tensor) {
      this.addLoss(kiln.mul(kiln.sum(inputs), 0.01));
      return this.linear3.apply(kiln.relu(this.linear2.apply(kiln.relu(this.linear1.apply(inputs)))));
    }
  }

  it('tracks sublayers held in properties, builds them lazily, and resets losses per outermost call', async () => {
    const mlp = new MLPBlock();
    expect(mlp.weights.length).toBe(0);
    const y = mlp.apply(kiln.ones([3, 64]));
    expect(y.shape).toEqual([3, 1]);
    expect(mlp.weights.length).toBe(6);
    expect(mlp.trainableWeights.length).toBe(6);
    expect(mlp.layers.map((l) => l.name)).toEqual(['linear', 'linear_1', 'linear_2']);
    expect(mlp.losses.length).toBe(1);
    mlp.apply(kiln.ones([3, 64]));
    expect(mlp.losses.length).toBe(1);
    expectClose(await values(mlp.losses[0]!), [1.92], 1e-6);
    mlp.trainable = false;
    expect(mlp.trainableWeights.length).toBe(0);
    expect(mlp.linear1.trainable).toBe(false);
  });

  it('reports its weights with paths and counts its parameters', () => {
    const mlp = new MLPBlock();
    expect(() => mlp.countParams()).toThrow(/not built/);
    mlp.apply(kiln.ones([1, 4]));
    expect([...mlp.weightPaths().values()]).toEqual(['linear/variable', 'linear/variable_1', 'linear_1/variable', 'linear_1/variable_1', 'linear_2/variable', 'linear_2/variable_1']);
    expect(mlp.countParams()).toBe(4 * 32 + 32 + 32 * 32 + 32 + 32 + 1);
  });

  it('a build that throws leaves no weights behind', () => {
    class Picky extends keras.Layer {
      kernel!: kiln.Variable;
      override build(inputShape: (number | null)[]) {
        this.kernel = this.addWeight({ name: 'kernel', shape: [inputShape.at(-1)!, 2] });
        if (inputShape.at(-1) !== 3) throw new kiln.KilnError('needs 3 features');
      }
      override call(x: kiln.Tensor) { return kiln.matMul(x, this.kernel); }
    }
    const layer = new Picky();
    expect(() => layer.apply(kiln.ones([1, 4]))).toThrow(/needs 3 features/);
    expect([layer.built, layer.weights.length]).toEqual([false, 0]);
    expect(layer.apply(kiln.ones([1, 3])).shape).toEqual([1, 2]);
    expect([...layer.weightPaths().values()]).toEqual(['kernel']);
  });

  it('getWeights returns copies and setWeights checks every shape before assigning', async () => {
    const dense = new layers.Dense(2);
    dense.build([null, 2]);
    const before = dense.getWeights();
    dense.kernel.assign(kiln.ones([2, 2]));
    expect(await values(before[0]!)).not.toEqual([1, 1, 1, 1]);
    expect(() => dense.setWeights([kiln.zeros([2, 2]), kiln.zeros([3])])).toThrow(/value 1 is float32\[3\], but weight 'bias.*float32\[2\]/);
    expect(await values(dense.kernel)).toEqual([1, 1, 1, 1]);
  });
});
