// Chapter 3-8: training loops written by hand, on MNIST digits.
//   1. A custom loop: a kiln.data pipeline (fromTensorSlices → shuffle → batch), a train step
//      compiled with kiln.compile (forward under a GradientTape, gradients, optimizer update,
//      metric updates: all one program), metrics reset at each epoch, and a compiled test step.
//      The model has Dropout and BatchNormalization, which behave differently in training.
//   2. A CustomModel that overrides trainStep (and testStep): `fit` still runs it compiled and
//      still resets the metrics it lists at each epoch.
// `npx tsx examples/custom-training.ts [--quick]` (--quick: 2,048 training digits, 2 epochs)
import * as kiln from '../src/index.js';
import { printer, runIfMain, type ExampleOptions } from './lib/cli.js';

const { keras } = kiln;
const { layers, losses, metrics, optimizers } = keras;

export interface EpochReport {
  readonly loss: number;
  readonly accuracy: number;
  readonly testAccuracy: number;
  /** Right after the first step of the epoch: the metrics' results, and the batch's own loss and accuracy. */
  readonly firstBatch: { readonly meanLoss: number; readonly batchLoss: number; readonly accuracy: number; readonly batchAccuracy: number };
}

export interface CustomTrainingResult {
  readonly loop: { readonly epochs: EpochReport[]; readonly trainTraces: number; readonly testTraces: number };
  readonly customModel: { readonly history: Record<string, number[]>; readonly traceCount: number; readonly testAccuracy: number };
}

const BATCH = 64;
const scalarOf = async (t: kiln.Tensor) => (await t.data())[0]!;

async function customLoop(train: [kiln.Tensor, kiln.Tensor], test: [kiln.Tensor, kiln.Tensor], epochs: number, log: (...parts: unknown[]) => void): Promise<CustomTrainingResult['loop']> {
  const model = new keras.Sequential([
    new layers.Flatten({ inputShape: [28, 28] }),
    new layers.Dense(128, { activation: 'relu' }),
    new layers.BatchNormalization(),
    new layers.Dropout(0.2),
    new layers.Dense(10),
  ]);
  const optimizer = new optimizers.Adam({ learningRate: 1e-3 });
  const lossFn = new losses.SparseCategoricalCrossentropy({ fromLogits: true });
  const trainLoss = new metrics.Mean({ name: 'loss' });
  const trainAccuracy = new metrics.SparseCategoricalAccuracy({ name: 'accuracy' });
  const testAccuracy = new metrics.SparseCategoricalAccuracy({ name: 'test_accuracy' });

  const trainStep = kiln.compile(function trainStep(x: kiln.Tensor, y: kiln.Tensor) {
    const tape = new kiln.GradientTape();
    let logits: kiln.Tensor | null = null;
    const loss = tape.record(() => {
      logits = model.apply(x, { training: true });
      return lossFn.call(y, logits);
    });
    const weights = model.trainableWeights;
    const grads = tape.gradient(loss, weights);
    optimizer.applyGradients(grads.map((g, i) => [g, weights[i]!] as const));
    trainLoss.updateState(loss);
    trainAccuracy.updateState(y, logits!);
    return { loss, batchAccuracy: kiln.mean(keras.metrics.sparseCategoricalAccuracy(y, logits!)) };
  });
  const testStep = kiln.compile(function testStep(x: kiln.Tensor, y: kiln.Tensor) {
    testAccuracy.updateState(y, model.apply(x, { training: false }));
    return testAccuracy.result();
  });

  const trainData = kiln.data.Dataset.fromTensorSlices(train).shuffle(1024, { seed: 1 }).batch(BATCH);
  const testData = kiln.data.Dataset.fromTensorSlices(test).batch(500);
  const reports: EpochReport[] = [];
  for (let epoch = 0; epoch < epochs; epoch++) {
    const started = Date.now();
    for (const m of [trainLoss, trainAccuracy, testAccuracy]) m.resetState();
    let firstBatch: EpochReport['firstBatch'] | null = null;
    for (const [x, y] of trainData) {
      const out = trainStep(x, y);
      firstBatch ??= {
        meanLoss: await scalarOf(trainLoss.result()), batchLoss: await scalarOf(out.loss),
        accuracy: await scalarOf(trainAccuracy.result()), batchAccuracy: await scalarOf(out.batchAccuracy),
      };
      kiln.dispose([x, y, out.loss, out.batchAccuracy]);
    }
    for (const [x, y] of testData) {
      kiln.dispose([testStep(x, y), x, y]);
    }
    const report = { loss: await scalarOf(trainLoss.result()), accuracy: await scalarOf(trainAccuracy.result()), testAccuracy: await scalarOf(testAccuracy.result()), firstBatch: firstBatch! };
    reports.push(report);
    log(`epoch ${epoch + 1}/${epochs}: loss ${report.loss.toFixed(4)}, accuracy ${report.accuracy.toFixed(4)}, test accuracy ${report.testAccuracy.toFixed(4)}` +
      ` (after its first batch the metrics read loss ${report.firstBatch.meanLoss.toFixed(4)}, accuracy ${report.firstBatch.accuracy.toFixed(4)}: that batch alone) ${((Date.now() - started) / 1000).toFixed(1)}s`);
  }
  log(`trainStep traced ${trainStep.traceCount} time(s), testStep ${testStep.traceCount} time(s)`);
  return { epochs: reports, trainTraces: trainStep.traceCount, testTraces: testStep.traceCount };
}

/** Keras's "customizing what happens in fit" model: its own step and metrics, run by fit. */
class CustomModel extends keras.Model {
  lossTracker = new metrics.Mean({ name: 'loss' });
  accuracyTracker = new metrics.SparseCategoricalAccuracy({ name: 'accuracy' });
  lossFn = new losses.SparseCategoricalCrossentropy();

  override trainStep([x, y]: [kiln.Tensor, kiln.Tensor]) {
    const tape = new kiln.GradientTape();
    let probabilities: kiln.Tensor | null = null;
    const loss = tape.record(() => {
      probabilities = this.apply(x, { training: true });
      return this.lossFn.call(y, probabilities);
    });
    const weights = this.trainableWeights;
    const grads = tape.gradient(loss, weights);
    this.optimizer.applyGradients(grads.map((g, i) => [g, weights[i]!] as const));
    this.lossTracker.updateState(loss);
    this.accuracyTracker.updateState(y, probabilities!);
    return { loss: this.lossTracker.result(), accuracy: this.accuracyTracker.result() };
  }

  override testStep([x, y]: [kiln.Tensor, kiln.Tensor]) {
    const probabilities = this.apply(x, { training: false });
    this.lossTracker.updateState(this.lossFn.call(y, probabilities));
    this.accuracyTracker.updateState(y, probabilities);
    return { loss: this.lossTracker.result(), accuracy: this.accuracyTracker.result() };
  }

  // Listed here, they are reset at the start of each epoch and of each evaluate.
  override get metrics() {
    return [this.lossTracker, this.accuracyTracker];
  }
}

async function customModel(train: [kiln.Tensor, kiln.Tensor], test: [kiln.Tensor, kiln.Tensor], epochs: number, verbose: boolean): Promise<CustomTrainingResult['customModel']> {
  const inputs = keras.Input({ shape: [784] });
  const features = new layers.Dense(128, { activation: 'relu' }).apply(inputs);
  const outputs = new layers.Dense(10, { activation: 'softmax' }).apply(new layers.Dropout(0.2).apply(features));
  const model = new CustomModel({ inputs, outputs });
  model.compile({ optimizer: new optimizers.Adam({ learningRate: 1e-3 }) });
  const flat = (x: kiln.Tensor) => x.reshape([x.shape[0]!, 784]);
  const history = await model.fit(flat(train[0]), train[1], { epochs, batchSize: BATCH, validationData: [flat(test[0]), test[1]], verbose: verbose ? 1 : 0 });
  const evaluation = await model.evaluate(flat(test[0]), test[1]);
  return { history: history.history as Record<string, number[]>, traceCount: model.trainFunction!.traceCount, testAccuracy: evaluation.accuracy! };
}

export async function main(options: ExampleOptions = {}): Promise<CustomTrainingResult> {
  const log = printer(options);
  const [[trainX, trainY], test] = await keras.datasets.mnist.loadData();
  const n = options.quick ? 2048 : 8000;
  const epochs = options.quick ? 2 : 5;
  const train: [kiln.Tensor, kiln.Tensor] = [kiln.slice(trainX, [0, 0, 0], [n, 28, 28]), kiln.slice(trainY, [0], [n])];
  kiln.dispose([trainX, trainY]);

  log(`── 1. A custom training loop: ${n} digits in batches of ${BATCH}, ${epochs} epochs ──`);
  const loop = await customLoop(train, test, epochs, log);
  log(`\n── 2. A CustomModel overriding trainStep, trained by fit ──`);
  const custom = await customModel(train, test, epochs, options.verbose !== false);
  log(`trainStep traced ${custom.traceCount} time(s); test accuracy ${custom.testAccuracy.toFixed(4)}`);
  return { loop, customModel: custom };
}

runIfMain(import.meta.url, main);
