import * as kiln from '../src/index.js';
const { keras } = kiln;
const { layers } = keras;
const model = new keras.Sequential([new layers.Dense(8, { inputShape: [2], activation: 'relu' }), new layers.Dense(1)]);
model.compile({ optimizer: 'adam', loss: 'mse', metrics: ['mae'] });
const x = kiln.randomUniform([4096, 2], { seed: 1 });
const y = kiln.randomUniform([4096, 1], { seed: 2 });
await model.fit(x, y, { epochs: 2, batchSize: 16, validationSplit: 0.1 });
console.log(await model.evaluate(x, y));
