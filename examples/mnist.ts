// The API's Keras program on real data: an MLP on the package's MNIST digits, trained by fit
// (one compiled train step), with validation, early stopping, evaluation and a summary.
// `npx tsx examples/mnist.ts` (EPOCHS=n to change the number of epochs).
import * as kiln from '../src/index.js';

const { keras } = kiln;
const { layers, losses, optimizers, callbacks } = keras;

const [[trainX, trainY], [testX, testY]] = await keras.datasets.mnist.loadData();

const model = new keras.Sequential([
  new layers.Flatten({ inputShape: [28, 28] }),
  new layers.Dense(128, { activation: 'relu' }),
  new layers.BatchNormalization(),
  new layers.Dropout(0.5),
  new layers.Dense(10, { activation: 'softmax' }),
]);
model.summary();
model.compile({
  optimizer: new optimizers.Adam({ learningRate: 1e-3 }),
  loss: new losses.SparseCategoricalCrossentropy({ fromLogits: false }),
  metrics: ['accuracy'],
});
const history = await model.fit(trainX, trainY, {
  epochs: Number(process.env.EPOCHS ?? 3), batchSize: 32, validationSplit: 0.2,
  callbacks: [new callbacks.EarlyStopping({ monitor: 'val_loss', patience: 2, restoreBestWeights: true })],
  verbose: 1,
});
console.log(`train step traced ${model.trainFunction!.traceCount} time(s); history:`, history.history);
const result = await model.evaluate(testX, testY);
console.log(`test loss ${result.loss!.toFixed(4)}, test accuracy ${result.accuracy!.toFixed(4)}`);
