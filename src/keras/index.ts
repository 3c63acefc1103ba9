/**
 * The Keras-style frontend (`kiln/keras`, also `kiln.keras`): layers, Sequential, functional and
 * subclassed models with compile/fit/evaluate/predict, losses, metrics, optimizers, callbacks,
 * initializers and data sets.
 */
export const version = '0.1.0';
export * as losses from './losses/index.js';
export * as metrics from './metrics/index.js';
export * as optimizers from './optimizers/index.js';
export * as callbacks from './callbacks/index.js';
export * as datasets from './datasets/index.js';
export * as layers from './layers/index.js';
export * as activations from './layers/activations.js';
export * as initializers from './engine/initializers.js';
export { Layer, type LayerArgs, type CallArgs, type AddWeightOptions } from './engine/layer.js';
export type { InputSpec } from './engine/input-spec.js';
export { Model, type ModelArgs, type CompileArgs, type ModelIO, type StepData, type StepLogs, type BatchData } from './engine/model.js';
export { Sequential } from './engine/sequential.js';
export { Input, InputLayer, type InputOptions } from './engine/input-layer.js';
export { KerasTensor, type Shape } from './engine/keras-tensor.js';
export type { FitOptions, EvaluateOptions, PredictOptions, ValidationData } from './engine/training.js';
export type { Verbosity } from './engine/progress.js';
