import { KilnError } from '../../api/index.js';
import { BinaryCrossentropy, CategoricalCrossentropy, MeanAbsoluteError, MeanSquaredError, SparseCategoricalCrossentropy } from './classes.js';
import { Loss, LossFunctionWrapper, type LossFunction } from './loss.js';

/** A loss by name ('mse', 'sparse_categorical_crossentropy', 'SparseCategoricalCrossentropy', ...), object or function. */
export type LossIdentifier = string | Loss | LossFunction;

const BY_NAME: Readonly<Record<string, () => Loss>> = {
  mean_squared_error: () => new MeanSquaredError(),
  mean_absolute_error: () => new MeanAbsoluteError(),
  binary_crossentropy: () => new BinaryCrossentropy(),
  categorical_crossentropy: () => new CategoricalCrossentropy(),
  sparse_categorical_crossentropy: () => new SparseCategoricalCrossentropy(),
};
const ALIASES: Readonly<Record<string, string>> = { mse: 'mean_squared_error', mae: 'mean_absolute_error' };

/** 'meanSquaredError', 'MeanSquaredError' and 'mean_squared_error' all match. */
const normalize = (name: string): string => name.replace(/_/g, '').toLowerCase();
const lookup = new Map<string, string>([
  ...Object.keys(BY_NAME).map((k) => [normalize(k), k] as [string, string]),
  ...Object.entries(ALIASES).map(([alias, k]) => [normalize(alias), k] as [string, string]),
]);

/** Resolves a loss identifier as keras.losses.get does; unknown names throw, listing the known ones. */
export function get(identifier: LossIdentifier): Loss {
  if (identifier instanceof Loss) return identifier;
  if (typeof identifier === 'function') return new LossFunctionWrapper(identifier);
  if (typeof identifier === 'string') {
    const key = lookup.get(normalize(identifier));
    if (key) return BY_NAME[key]!();
    const known = [...Object.keys(ALIASES), ...Object.keys(BY_NAME)].map((k) => `'${k}'`).join(', ');
    throw new KilnError(`unknown loss '${identifier}'; known losses: ${known} (or a Loss object, or a function (yTrue, yPred) => Tensor)`, { op: 'losses.get' });
  }
  throw new KilnError(`expects a loss name, Loss object or function, got ${identifier === null ? 'null' : typeof identifier}`, { op: 'losses.get' });
}
