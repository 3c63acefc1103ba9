export { Loss, LossFunctionWrapper, type LossFunction, type LossOptions } from './loss.js';
export {
  MeanSquaredError, MeanAbsoluteError, BinaryCrossentropy, CategoricalCrossentropy, SparseCategoricalCrossentropy,
  type CrossentropyLossOptions,
} from './classes.js';
export {
  meanSquaredError, meanAbsoluteError, binaryCrossentropy, categoricalCrossentropy, sparseCategoricalCrossentropy,
  EPSILON, type CrossentropyOptions,
} from './functions.js';
export { get, type LossIdentifier } from './get.js';
export { squeezeOrExpandToSameRank, reduceWeighted, type Reduction } from './reduction.js';
// Keras's short aliases.
export { meanSquaredError as mse, meanAbsoluteError as mae } from './functions.js';
