// The README's first command: a compiled function, its result, and the IR kiln made of it.
import * as kiln from '../src/index.js';

const w = kiln.variable(kiln.randomNormal([3, 2], { seed: 1 }), true, 'w');
const b = kiln.variable(kiln.zeros([2]), true, 'b');

const predict = kiln.compile(function predict(x: kiln.Tensor) {
  return kiln.softmax(kiln.relu(kiln.matMul(x, w).add(b)));
});

const x = kiln.tensor([[1, 2, 3], [4, 5, 6]]);
console.log('predict(x) =');
console.log(predict(x).toString());
const cf = predict.concrete(x);
console.log('\nThe traced graph:');
console.log(cf.graph.toString({ stage: 'traced' }));
console.log('\nAfter the passes:');
console.log(cf.graph.toString());
console.log(`\n${cf.stats.kernels} kernels; the first one, as generated JavaScript:`);
console.log(cf.kernels[0]!.source);
