// Chapter 3-7: custom layers. A `SimpleDense` layer (weights made in `build`, from the shape of
// the first input; the computation in `call`) and a `ComputeSum` layer with a non-trainable
// weight, then SimpleDense in a Sequential model and in a functional model (keras.Input +
// apply), each trained briefly on MNIST digits with fit.
// `npx tsx examples/custom-layers.ts [--quick]`
import * as kiln from '../src/index.js';
import { printer, runIfMain, type ExampleOptions } from './lib/cli.js';

const { keras } = kiln;
const { layers, losses, optimizers } = keras;

/** y = activation(x·W + b), as API.md and Keras's subclassing guide write it. */
export class SimpleDense extends keras.Layer {
  W!: kiln.Variable;
  b!: kiln.Variable;

  constructor(readonly units: number, readonly activation?: (x: kiln.Tensor) => kiln.Tensor) {
    super();
  }

  override build(inputShape: number[]) {
    this.W = this.addWeight({ shape: [inputShape.at(-1)!, this.units], initializer: 'randomNormal' });
    this.b = this.addWeight({ shape: [this.units], initializer: 'zeros' });
  }

  override call(inputs: kiln.Tensor) {
    const y = kiln.matMul(inputs, this.W).add(this.b);
    return this.activation ? this.activation(y) : y;
  }
}

/** Keeps a running sum of its inputs in a weight that training never changes. */
export class ComputeSum extends keras.Layer {
  total!: kiln.Variable;

  override build(inputShape: number[]) {
    this.total = this.addWeight({ shape: [inputShape.at(-1)!], initializer: 'zeros', trainable: false });
  }

  override call(inputs: kiln.Tensor) {
    this.total.assignAdd(kiln.sum(inputs, 0));
    return this.total;
  }
}

export interface TrainedModel {
  readonly summary: string;
  readonly losses: number[];
  readonly testAccuracy: number;
  readonly traceCount: number;
}

export interface CustomLayersResult {
  /** Weights before and after the first call (SimpleDense builds lazily). */
  readonly weightsBeforeCall: number;
  readonly weightShapes: number[][];
  /** ComputeSum's output after two calls on ones([2, 2]), and its weight counts. */
  readonly sums: number[][];
  readonly computeSumWeights: { readonly trainable: number; readonly nonTrainable: number };
  readonly sequential: TrainedModel;
  readonly functional: TrainedModel;
}

async function train(model: kiln.keras.Model, x: kiln.Tensor, y: kiln.Tensor, test: [kiln.Tensor, kiln.Tensor], epochs: number, verbose: boolean): Promise<TrainedModel> {
  model.compile({
    optimizer: new optimizers.Adam({ learningRate: 1e-3 }),
    loss: new losses.SparseCategoricalCrossentropy({ fromLogits: true }),
    metrics: ['accuracy'],
  });
  const history = await model.fit(x, y, { epochs, batchSize: 32, verbose: verbose ? 2 : 0 });
  const evaluation = await model.evaluate(test[0], test[1]);
  return { summary: model.summary({ print: verbose }), losses: history.history.loss!, testAccuracy: evaluation.accuracy!, traceCount: model.trainFunction!.traceCount };
}

export async function main(options: ExampleOptions = {}): Promise<CustomLayersResult> {
  const log = printer(options);
  const verbose = options.verbose !== false;

  log('── A layer builds its weights on its first call ──');
  const layer = new SimpleDense(4);
  const weightsBeforeCall = layer.weights.length;
  const out = layer.apply(kiln.ones([2, 3]));
  const weightShapes = layer.weights.map((w) => [...w.shape]);
  log(`new SimpleDense(4) has ${weightsBeforeCall} weights; after a call on ones([2, 3]): ${layer.weights.map((w) => `${w.name} [${w.shape}]`).join(', ')}; output [${out.shape}]`);

  const summer = new ComputeSum();
  const sums = [await summer.apply(kiln.ones([2, 2])).array(), await summer.apply(kiln.ones([2, 2])).array()] as number[][];
  const computeSumWeights = { trainable: summer.trainableWeights.length, nonTrainable: summer.nonTrainableWeights.length };
  log(`ComputeSum on ones([2, 2]) twice: [${sums[0]}] then [${sums[1]}]; ${computeSumWeights.trainable} trainable, ${computeSumWeights.nonTrainable} non-trainable weight`);

  const [[trainX, trainY], [testX, testY]] = await keras.datasets.mnist.loadData();
  const n = options.quick ? 1024 : 8000;
  const epochs = options.quick ? 2 : 5;
  const [x, y] = [kiln.slice(trainX, [0, 0, 0], [n, 28, 28]), kiln.slice(trainY, [0], [n])];
  kiln.dispose([trainX, trainY]);
  log(`\n── Sequential: Flatten → SimpleDense(64, relu) → SimpleDense(10), ${n} digits, ${epochs} epochs ──`);
  const sequentialModel = new keras.Sequential([new layers.Flatten({ inputShape: [28, 28] }), new SimpleDense(64, kiln.relu), new SimpleDense(10)]);
  const sequential = await train(sequentialModel, x, y, [testX, testY], epochs, verbose);
  log(`test accuracy ${sequential.testAccuracy.toFixed(3)}`);

  log(`\n── Functional: keras.Input([784]) → SimpleDense(64, relu) → SimpleDense(10) ──`);
  const inputs = keras.Input({ shape: [784] });
  const hidden = new SimpleDense(64, kiln.relu).apply(inputs);
  const outputs = new SimpleDense(10).apply(hidden);
  const functionalModel = new keras.Model({ inputs, outputs, name: 'simple_mlp' });
  const functional = await train(functionalModel, x.reshape([n, 784]), y, [testX.reshape([-1, 784]), testY], epochs, verbose);
  log(`test accuracy ${functional.testAccuracy.toFixed(3)}`);

  return { weightsBeforeCall, weightShapes, sums, computeSumWeights, sequential, functional };
}

runIfMain(import.meta.url, main);
