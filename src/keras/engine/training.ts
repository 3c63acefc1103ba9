import * as kiln from '../../api/index.js';
import { KilnError, Tensor } from '../../api/index.js';
import { Callback, CallbackList, type CallbackHooks, type History, type Logs } from '../callbacks/index.js';
import { asList, DatasetBatches, disposeBatch, sampleCount, splitLast, TensorBatches, type Batch, type BatchSource } from './data-adapter.js';
import { checkData } from './input-checks.js';
import type { BatchData, Model, ModelIO, StepData, StepLogs } from './model.js';
import { ProgressDisplay, type Verbosity } from './progress.js';

/** Data given as (x, y[, sampleWeight]) tensors, or as a dataset of such batches. */
export type ValidationData = BatchData | Iterable<BatchData>;

export interface FitOptions {
  readonly epochs?: number;
  /** Samples per step (default 32); ignored for datasets, which are batched already. */
  readonly batchSize?: number;
  readonly verbose?: Verbosity;
  readonly callbacks?: readonly CallbackHooks[];
  /** The last fraction of (x, y), taken before shuffling, held out for validation. */
  readonly validationSplit?: number;
  /** Validation data; overrides validationSplit. */
  readonly validationData?: ValidationData;
  readonly validationBatchSize?: number;
  /** Shuffle the samples before each epoch (default true; datasets shuffle themselves). */
  readonly shuffle?: boolean;
  /** The epoch to start from (to resume training). */
  readonly initialEpoch?: number;
  readonly sampleWeight?: Tensor;
  /** Steps per epoch for a dataset (needed when it repeats forever). */
  readonly stepsPerEpoch?: number;
}

export interface EvaluateOptions {
  readonly batchSize?: number;
  readonly verbose?: Verbosity;
  readonly callbacks?: readonly CallbackHooks[];
  readonly sampleWeight?: Tensor;
}

export interface PredictOptions {
  readonly batchSize?: number;
}

type DataArg = ModelIO | Iterable<BatchData>;

function isDataset(x: unknown): x is Iterable<BatchData> {
  return typeof x === 'object' && x !== null && !(x instanceof Tensor) && !Array.isArray(x) && typeof (x as Iterable<unknown>)[Symbol.iterator] === 'function';
}

function positiveInt(op: string, name: string, value: number | undefined, fallback: number, min = 1): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < min) throw new KilnError(`${name} must be an integer >= ${min}, got ${String(value)}`, { op });
  return v;
}

/** Reads a step's logs back: one number per entry (the mean of a non-scalar value). */
async function readLogs(logs: StepLogs | Record<string, unknown>): Promise<Logs> {
  const out: Logs = {};
  for (const [k, v] of Object.entries(logs)) {
    if (v instanceof Tensor) {
      const data = await v.data();
      out[k] = data.length === 1 ? Number(data[0]) : Array.from(data, Number).reduce((a, b) => a + b, 0) / Math.max(1, data.length);
    } else if (typeof v === 'number') out[k] = v;
  }
  return out;
}

const BATCH_HOOKS = ['onBatchBegin', 'onBatchEnd', 'onTrainBatchBegin', 'onTrainBatchEnd'] as const;
const TEST_BATCH_HOOKS = ['onTestBatchBegin', 'onTestBatchEnd'] as const;

/** Whether a callback does anything per batch (only then are a step's logs read back every step). */
function usesHooks(callbacks: readonly CallbackHooks[], names: readonly (keyof CallbackHooks)[]): boolean {
  const base = Callback.prototype as unknown as Record<string, unknown>;
  return callbacks.some((cb) => names.some((n) => {
    const hook = (cb as Record<string, unknown>)[n];
    return typeof hook === 'function' && hook !== base[n];
  }));
}

interface Sources {
  readonly train: BatchSource;
  readonly val: BatchSource | null;
  /** Tensors made here (validation splits), disposed when fit ends. */
  readonly made: Tensor[];
}

/** Checks the data and options and cuts the batches, all before any step runs. */
async function prepareFit(model: Model, x: DataArg, y: ModelIO | undefined, options: FitOptions, batchSize: number): Promise<Sources> {
  const made: Tensor[] = [];
  if (isDataset(x)) {
    if (options.validationSplit) throw new KilnError('validationSplit is not supported for datasets; pass validationData', { op: 'fit' });
    return { train: new DatasetBatches(x, 'fit', options.stepsPerEpoch ?? null), val: await validationSource(model, options, batchSize), made };
  }
  if (y === undefined) throw new KilnError('fit(x, y, options) needs targets y (or a dataset of [x, y] batches)', { op: 'fit' });
  sampleCount('fit', [['x', x], ['y', y], ['sampleWeight', options.sampleWeight]]);
  const split = options.validationSplit ?? 0;
  if (!(split >= 0 && split < 1)) throw new KilnError(`validationSplit must be in [0, 1), got ${split}`, { op: 'fit' });
  await checkData(model, x, y, 'fit');
  let trainData: [ModelIO, ModelIO, Tensor | undefined] = [x, y, options.sampleWeight];
  let val = await validationSource(model, options, batchSize);
  if (!val && split > 0) {
    const parts = splitLast(x, y, options.sampleWeight, split);
    for (const part of [parts.train, parts.val]) for (const v of part) if (v) made.push(...asList(v));
    trainData = parts.train;
    val = new TensorBatches(parts.val[0], parts.val[1], parts.val[2], options.validationBatchSize ?? batchSize);
  }
  return { train: new TensorBatches(trainData[0], trainData[1], trainData[2], batchSize), val, made };
}

async function validationSource(model: Model, options: FitOptions, batchSize: number): Promise<BatchSource | null> {
  const v = options.validationData;
  if (v === undefined || v === null) return null;
  if (isDataset(v)) return new DatasetBatches(v, 'fit (validationData)');
  if (!Array.isArray(v) || v.length < 2) throw new KilnError('validationData must be [x, y], [x, y, sampleWeight] or a dataset', { op: 'fit' });
  const [vx, vy, vw] = v as [ModelIO, ModelIO, Tensor | undefined];
  await checkData(model, vx, vy, 'fit (validationData)');
  return new TensorBatches(vx, vy, vw, options.validationBatchSize ?? batchSize);
}

/** What a loop over batches does around each step. */
interface StepHooks {
  /** Whether begin/end are wanted (they make every step's logs be read back). */
  readonly batchHooks: boolean;
  begin(step: number): Promise<void>;
  end(step: number, logs: Logs): Promise<void>;
  /** Checked after each step (fit's model.stopTraining). */
  stop?(): boolean;
}

/**
 * Runs a compiled step over the batches; returns the last step's logs, read back (the metrics
 * accumulate over the loop, so they are the loop's), and the number of steps. A step's logs are
 * read back only for batch hooks or a progress redraw.
 */
async function runSteps(step: (data: StepData) => StepLogs, batches: Iterable<Batch>, hooks: StepHooks, progress: ProgressDisplay | null): Promise<{ logs: Logs; steps: number }> {
  let last: StepLogs | null = null;
  let steps = 0;
  try {
    for (const batch of batches) {
      if (hooks.batchHooks) await hooks.begin(steps);
      let logs: StepLogs;
      try {
        logs = step(batch.data);
      } finally {
        disposeBatch(batch);
      }
      if (last) kiln.dispose(last);
      last = logs;
      const wanted = progress?.wantsBatchLogs(steps) ?? false;
      const read = hooks.batchHooks || wanted ? await readLogs(logs) : null;
      progress?.batch(steps, wanted ? read : null);
      if (hooks.batchHooks) await hooks.end(steps, read ?? {});
      steps++;
      if (hooks.stop?.()) break;
    }
    return { logs: last ? await readLogs(last) : {}, steps };
  } finally {
    if (last) kiln.dispose(last);
  }
}

/** One epoch of compiled train steps. */
function trainEpoch(model: Model, source: BatchSource, shuffle: boolean, callbacks: CallbackList, batchHooks: boolean, progress: ProgressDisplay | null): Promise<{ logs: Logs; steps: number }> {
  return runSteps(model.makeTrainFunction(), source.epoch(shuffle), {
    batchHooks,
    begin: (i) => callbacks.onTrainBatchBegin(i),
    end: (i, logs) => callbacks.onTrainBatchEnd(i, logs),
    stop: () => model.stopTraining,
  }, progress);
}

/** Keras's fit: epochs of compiled train steps, validation, callbacks and progress; returns the History. */
export async function fitModel(model: Model, x: DataArg, yOrOptions: ModelIO | FitOptions | undefined, maybeOptions: FitOptions | undefined): Promise<History> {
  const dataset = isDataset(x);
  const options: FitOptions = (dataset ? (yOrOptions as FitOptions | undefined) : maybeOptions) ?? {};
  const y = dataset ? undefined : (yOrOptions as ModelIO | undefined);
  model.compiled('fit');
  const epochs = positiveInt('fit', 'epochs', options.epochs, 1, 0);
  const batchSize = positiveInt('fit', 'batchSize', options.batchSize, 32);
  const initialEpoch = positiveInt('fit', 'initialEpoch', options.initialEpoch, 0, 0);
  const userCallbacks = options.callbacks ?? [];
  const sources = await prepareFit(model, x, y, options, batchSize);
  const progress = await ProgressDisplay.create(options.verbose ?? 'auto', epochs);
  const callbacks = new CallbackList(userCallbacks, { addHistory: true, model, params: { epochs, steps: sources.train.steps, verbose: options.verbose === 'auto' ? 1 : options.verbose ?? 1 } });
  const batchHooks = usesHooks(userCallbacks, BATCH_HOOKS);
  model.stopTraining = false;
  try {
    await callbacks.onTrainBegin();
    for (let epoch = initialEpoch; epoch < epochs && !model.stopTraining; epoch++) {
      model.resetMetrics();
      await callbacks.onEpochBegin(epoch);
      progress?.epochBegin(epoch, sources.train.steps);
      const { logs: epochLogs, steps } = await trainEpoch(model, sources.train, options.shuffle ?? true, callbacks, batchHooks, progress);
      if (sources.val) {
        const valLogs = await runEvaluation(model, sources.val, null);
        for (const [k, v] of Object.entries(valLogs)) epochLogs[`val_${k}`] = v;
      }
      progress?.epochEnd(epoch, steps, epochLogs);
      await callbacks.onEpochEnd(epoch, epochLogs);
    }
    await callbacks.onTrainEnd();
  } finally {
    progress?.close();
    kiln.dispose(sources.made);
  }
  return callbacks.history!;
}

/** Runs the compiled test step over every batch; the logs after the last one. */
async function runEvaluation(model: Model, source: BatchSource, callbacks: CallbackList | null, testBatchHooks = false, progress: ProgressDisplay | null = null): Promise<Logs> {
  model.resetMetrics();
  await callbacks?.onTestBegin();
  progress?.epochBegin(0, source.steps);
  let run: { logs: Logs; steps: number };
  try {
    run = await runSteps(model.makeTestFunction(), source.epoch(false), {
      batchHooks: testBatchHooks && callbacks !== null,
      begin: (i) => callbacks!.onTestBatchBegin(i),
      end: (i, logs) => callbacks!.onTestBatchEnd(i, logs),
    }, progress);
  } catch (e) {
    progress?.close();
    throw e;
  }
  progress?.epochEnd(0, run.steps, run.logs);
  await callbacks?.onTestEnd(run.logs);
  return run.logs;
}

/** Keras's evaluate: the loss and metrics over the data, as numbers. */
export async function evaluateModel(model: Model, x: DataArg, yOrOptions: ModelIO | EvaluateOptions | undefined, maybeOptions: EvaluateOptions | undefined): Promise<Record<string, number>> {
  const dataset = isDataset(x);
  const options: EvaluateOptions = (dataset ? (yOrOptions as EvaluateOptions | undefined) : maybeOptions) ?? {};
  model.compiled('evaluate');
  const batchSize = positiveInt('evaluate', 'batchSize', options.batchSize, 32);
  let source: BatchSource;
  if (dataset) source = new DatasetBatches(x, 'evaluate');
  else {
    const y = yOrOptions as ModelIO | undefined;
    if (y === undefined) throw new KilnError('evaluate(x, y, options) needs targets y (or a dataset of [x, y] batches)', { op: 'evaluate' });
    await checkData(model, x, y, 'evaluate');
    source = new TensorBatches(x, y, options.sampleWeight, batchSize, 'evaluate');
  }
  const userCallbacks = options.callbacks ?? [];
  const verbose = options.verbose ?? 'auto';
  const callbacks = new CallbackList(userCallbacks, { model, params: { steps: source.steps, verbose: verbose === 'auto' ? 1 : verbose } });
  const progress = await ProgressDisplay.create(verbose, null);
  return runEvaluation(model, source, callbacks, usesHooks(userCallbacks, TEST_BATCH_HOOKS), progress);
}

/** Keras's predict: the compiled predict step over batches, the outputs joined along the batch axis. */
export function predictModel(model: Model, x: ModelIO, options: PredictOptions): ModelIO {
  const batchSize = positiveInt('predict', 'batchSize', options.batchSize, 32);
  const source = new TensorBatches(x, undefined, undefined, batchSize, 'predict');
  const step = model.makePredictFunction();
  const parts: Tensor[][] = [];
  let single = true;
  for (const batch of source.epoch(false)) {
    try {
      const out = step(batch.data[0]);
      single = out instanceof Tensor;
      parts.push(asList(out));
    } finally {
      disposeBatch(batch);
    }
  }
  if (parts.length === 1) return single ? parts[0]![0]! : parts[0]!;
  const joined = parts[0]!.map((_, o) => kiln.concat(parts.map((p) => p[o]!), 0));
  for (const p of parts) kiln.dispose(p);
  return single ? joined[0]! : joined;
}
