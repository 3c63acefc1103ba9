import { KilnError } from '../../api/index.js';
import * as losses from '../losses/index.js';
import * as metrics from '../metrics/index.js';

/** One value for every output, a list in output order, or a record keyed by output name (Keras's structures). */
export type PerOutput<T> = T | readonly T[] | Readonly<Record<string, T>>;

/** What compile resolved for one output of a model with several. */
export interface OutputTarget {
  readonly name: string;
  /** Null when this output has no loss (it is then not trained through the compiled loss). */
  readonly loss: losses.Loss | null;
  readonly weight: number;
  /** Logs `<name>_loss`. */
  readonly lossTracker: metrics.Mean | null;
  /** Logged as `<name>_<metric>` when named by string or function. */
  readonly metrics: readonly metrics.Metric[];
}

export interface OutputSpecArgs {
  readonly loss?: PerOutput<losses.LossIdentifier | null>;
  readonly lossWeights?: readonly number[] | Readonly<Record<string, number>>;
  readonly metrics?: PerOutput<metrics.MetricIdentifier | readonly metrics.MetricIdentifier[]>;
}

const isRecord = (v: unknown): v is Readonly<Record<string, unknown>> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;

/** Per output, from a list in output order or a record by name; `fallback` for outputs a record leaves out. */
function perOutput<T>(what: string, value: readonly T[] | Readonly<Record<string, T>>, names: readonly string[], fallback: T): T[] {
  if (Array.isArray(value)) {
    if (value.length !== names.length) {
      throw new KilnError(`${what}: a list needs one entry per output; the model has ${names.length} outputs (${names.join(', ')}), the list has ${value.length}`, { op: 'compile' });
    }
    return [...(value as readonly T[])];
  }
  const record = value as Readonly<Record<string, T>>;
  const unknown = Object.keys(record).filter((k) => !names.includes(k));
  if (unknown.length) throw new KilnError(`${what}: no output named ${unknown.map((k) => `'${k}'`).join(', ')}; the model's outputs are ${names.map((n) => `'${n}'`).join(', ')}`, { op: 'compile' });
  return names.map((n) => (n in record ? record[n]! : fallback));
}

/** A metric for one output: names and functions get the output's name in front, as Keras logs them. */
function metricFor(output: string, id: metrics.MetricIdentifier, lossHint: losses.LossIdentifier | undefined): metrics.Metric {
  if (id instanceof metrics.Metric) return id;
  const base = typeof id === 'string' ? id : (id.name || 'mean_metric_wrapper');
  return metrics.get(id, lossHint, `${output}_${base}`);
}

/**
 * Resolves compile's loss, lossWeights and metrics for a model with several outputs, as Keras
 * does: a single loss applies to every output and the total is the weighted sum; a flat metric
 * list applies to every output (metric objects cannot be shared between outputs: give them per
 * output); lists go in output order; records are keyed by output name.
 */
export function resolveOutputs(args: OutputSpecArgs, names: readonly string[]): OutputTarget[] {
  const lossIds: (losses.LossIdentifier | null)[] = args.loss === undefined ? names.map(() => null)
    : Array.isArray(args.loss) || isRecord(args.loss) ? perOutput('loss', args.loss as readonly (losses.LossIdentifier | null)[], names, null)
      : names.map(() => args.loss as losses.LossIdentifier);
  const weights = args.lossWeights === undefined ? names.map(() => 1) : perOutput('lossWeights', args.lossWeights, names, 1);
  weights.forEach((w, i) => {
    if (typeof w !== 'number' || !Number.isFinite(w)) throw new KilnError(`lossWeights for output '${names[i]}' must be a finite number, got ${String(w)}`, { op: 'compile' });
  });
  const m = args.metrics;
  let metricIds: (readonly metrics.MetricIdentifier[])[];
  if (m === undefined) metricIds = names.map(() => []);
  else if (isRecord(m)) metricIds = perOutput('metrics', m as Readonly<Record<string, metrics.MetricIdentifier | readonly metrics.MetricIdentifier[]>>, names, []).map(asList);
  else if (Array.isArray(m) && m.some((e) => Array.isArray(e))) metricIds = perOutput('metrics', m as readonly (readonly metrics.MetricIdentifier[])[], names, []).map(asList);
  else {
    const flat = asList(m as metrics.MetricIdentifier | readonly metrics.MetricIdentifier[]);
    const shared = flat.find((id) => id instanceof metrics.Metric);
    if (shared) {
      throw new KilnError(`metric object '${(shared as metrics.Metric).name}' in a flat list would be shared by the model's ${names.length} outputs; `
        + `give metrics per output: a list of lists in output order or a record keyed by ${names.map((n) => `'${n}'`).join(', ')}`, { op: 'compile' });
    }
    metricIds = names.map(() => flat);
  }
  return names.map((name, i) => {
    const hint = lossIds[i] ?? undefined;
    const loss = hint === undefined ? null : losses.get(hint);
    return {
      name,
      loss,
      weight: weights[i]!,
      lossTracker: loss ? new metrics.Mean({ name: `${name}_loss` }, 'down') : null,
      metrics: metricIds[i]!.map((id) => metricFor(name, id, hint)),
    };
  });
}

function asList(m: metrics.MetricIdentifier | readonly metrics.MetricIdentifier[] | null | undefined): readonly metrics.MetricIdentifier[] {
  if (m === null || m === undefined) return [];
  return Array.isArray(m) ? (m as readonly metrics.MetricIdentifier[]) : [m as metrics.MetricIdentifier];
}
