import * as kiln from '../src/index.js';
const { keras } = kiln;
const { layers } = keras;

const model = new keras.Sequential([
  new layers.Dense(8, { inputShape: [4], activation: 'relu' }),
  new layers.BatchNormalization(),
  new layers.Dropout(0.5),
  new layers.Dense(3, { activation: 'softmax' }),
]);
model.summary();
model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
const x = kiln.randomNormal([100, 4], { seed: 1 });
const y = kiln.tensor(Array.from({ length: 100 }, (_, i) => i % 3), [100], 'int32');
const t0 = Date.now();
const h = await model.fit(x, y, { epochs: 3, batchSize: 32, validationSplit: 0.2, verbose: 2 });
console.log(h.history, model.trainFunction?.traceCount, Date.now() - t0, 'ms');
console.log(await model.evaluate(x, y));
console.log(model.predict(x).shape);
console.log(kiln.memory());

const inputs = keras.Input({ shape: [6] });
const f = new layers.Dense(5, { activation: 'relu' }).apply(inputs);
const out = new layers.Dense(2).apply(new layers.Dropout(0.5).apply(f));
const fm = new keras.Model({ inputs, outputs: out });
fm.summary();
