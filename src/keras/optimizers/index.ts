export { Optimizer, type OptimizerOptions, type GradientPair, type Slots } from './optimizer.js';
export { SGD, type SGDOptions } from './sgd.js';
export { RMSprop, type RMSpropOptions } from './rmsprop.js';
export { Adam, AdamW, type AdamOptions, type AdamWOptions } from './adam.js';
export { get, type OptimizerIdentifier } from './get.js';
export type { ClippingOptions } from './clipping.js';
