export { Layer, type LayerArgs, type CallArgs, type AddWeightOptions } from '../engine/layer.js';
export type { InputSpec } from '../engine/input-spec.js';
export { InputLayer, type InputOptions } from '../engine/input-layer.js';
export { Dense, Activation, Flatten, Reshape, type DenseArgs, type ReshapeArgs } from './core.js';
export { Dropout, type DropoutArgs } from './dropout.js';
export { BatchNormalization, type BatchNormalizationArgs } from './normalization.js';
export { Conv2D, type Conv2DArgs } from './convolutional.js';
export { MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D, GlobalMaxPooling2D, type Pooling2DArgs } from './pooling.js';
export { Add, Multiply, Concatenate, type ConcatenateArgs } from './merging.js';
