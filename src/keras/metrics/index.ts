export { Metric, type MetricOptions, type MetricDirection } from './metric.js';
export { Mean, MeanMetricWrapper } from './mean.js';
export {
  Accuracy, BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy,
  accuracy, binaryAccuracy, categoricalAccuracy, sparseCategoricalAccuracy,
} from './accuracy.js';
export { get, type MetricIdentifier } from './get.js';
