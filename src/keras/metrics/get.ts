import { KilnError, type Tensor } from '../../api/index.js';
import * as losses from '../losses/index.js';
import { Accuracy, BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy } from './accuracy.js';
import { MeanMetricWrapper } from './mean.js';
import { Metric } from './metric.js';

/** A metric by name ('accuracy', 'mse', 'sparse_categorical_accuracy', ...), object or per-sample function. */
export type MetricIdentifier = string | Metric | ((yTrue: Tensor, yPred: Tensor) => Tensor);

type Factory = (name: string) => Metric;

const BY_NAME: Readonly<Record<string, Factory>> = {
  binary_accuracy: (name) => new BinaryAccuracy({ name }),
  categorical_accuracy: (name) => new CategoricalAccuracy({ name }),
  sparse_categorical_accuracy: (name) => new SparseCategoricalAccuracy({ name }),
  mean_squared_error: (name) => new MeanMetricWrapper(losses.meanSquaredError, { name }, 'down'),
  mean_absolute_error: (name) => new MeanMetricWrapper(losses.meanAbsoluteError, { name }, 'down'),
  binary_crossentropy: (name) => new MeanMetricWrapper(losses.binaryCrossentropy, { name }, 'down'),
  categorical_crossentropy: (name) => new MeanMetricWrapper(losses.categoricalCrossentropy, { name }, 'down'),
  sparse_categorical_crossentropy: (name) => new MeanMetricWrapper(losses.sparseCategoricalCrossentropy, { name }, 'down'),
};
const ALIASES: Readonly<Record<string, string>> = { mse: 'mean_squared_error', mae: 'mean_absolute_error' };

const normalize = (name: string): string => name.replace(/_/g, '').toLowerCase();
const lookup = new Map<string, string>([
  ...Object.keys(BY_NAME).map((k) => [normalize(k), k] as [string, string]),
  ...Object.entries(ALIASES).map(([alias, k]) => [normalize(alias), k] as [string, string]),
]);

/** The loss object behind a hint, or null when it names no known loss. */
function lossOf(hint: losses.LossIdentifier | undefined): losses.Loss | null {
  if (hint === undefined) return null;
  try {
    return losses.get(hint);
  } catch {
    return null;
  }
}

/**
 * 'accuracy' as Keras resolves it from the loss: sparse categorical cross-entropy gives
 * SparseCategoricalAccuracy, categorical gives CategoricalAccuracy, binary gives
 * BinaryAccuracy, anything else Accuracy (exact equality).
 */
function accuracyFor(name: string, lossHint: losses.LossIdentifier | undefined): Metric {
  const loss = lossOf(lossHint);
  const fn = loss instanceof losses.LossFunctionWrapper ? loss.fn : null;
  if (loss instanceof losses.SparseCategoricalCrossentropy || fn === losses.sparseCategoricalCrossentropy) return new SparseCategoricalAccuracy({ name });
  if (loss instanceof losses.CategoricalCrossentropy || fn === losses.categoricalCrossentropy) return new CategoricalAccuracy({ name });
  if (loss instanceof losses.BinaryCrossentropy || fn === losses.binaryCrossentropy) return new BinaryAccuracy({ name });
  return new Accuracy({ name });
}

/**
 * Resolves a metric identifier as keras.metrics.get (and compile) do. A name makes a new
 * metric named as written (or `name`); `lossHint` is the model's loss, which decides what
 * 'accuracy' means.
 */
export function get(identifier: MetricIdentifier, lossHint?: losses.LossIdentifier, name?: string): Metric {
  if (identifier instanceof Metric) return identifier;
  if (typeof identifier === 'function') return new MeanMetricWrapper(identifier, name === undefined ? {} : { name });
  if (typeof identifier === 'string') {
    if (identifier === 'accuracy' || identifier === 'acc') return accuracyFor(name ?? identifier, lossHint);
    const key = lookup.get(normalize(identifier));
    if (key) return BY_NAME[key]!(name ?? identifier);
    const known = ['accuracy', 'acc', ...Object.keys(ALIASES), ...Object.keys(BY_NAME)].map((k) => `'${k}'`).join(', ');
    throw new KilnError(`unknown metric '${identifier}'; known metrics: ${known} (or a Metric object, or a function (yTrue, yPred) => Tensor)`, { op: 'metrics.get' });
  }
  throw new KilnError(`expects a metric name, Metric object or function, got ${identifier === null ? 'null' : typeof identifier}`, { op: 'metrics.get' });
}
