import * as kiln from '../../api/index.js';
import { KilnError, Tensor, type CompiledFunction } from '../../api/index.js';
import * as losses from '../losses/index.js';
import * as metrics from '../metrics/index.js';
import * as optimizers from '../optimizers/index.js';
import { resolveOutputs, type OutputTarget, type PerOutput } from './compile-outputs.js';
import { FunctionalGraph } from './functional.js';
import { KerasTensor, traceSpecs, type Shape } from './keras-tensor.js';
import { Layer, type CallArgs } from './layer.js';
import { summarize } from './summary.js';
import { evaluateModel, fitModel, predictModel, type EvaluateOptions, type FitOptions, type PredictOptions } from './training.js';
import type { History } from '../callbacks/index.js';
import { loadWeights, saveWeights } from './weights-io.js';

/** A model's inputs or outputs: one tensor, or one per input/output. */
export type ModelIO = Tensor | Tensor[];
/** One batch as the steps see it: [x, y] or [x, y, sampleWeight]. */
export type StepData = [x: ModelIO, y: ModelIO, sampleWeight?: Tensor];
/** A dataset element: an [x, y] or [x, y, sampleWeight] batch. */
export type BatchData = readonly [x: ModelIO, y: ModelIO, sampleWeight?: Tensor];
/** What a step returns: a tensor per logged value (loss and metrics). */
export type StepLogs = Record<string, Tensor>;

export interface ModelArgs {
  /** For a functional model: the keras.Input tensors, and the outputs of layers applied to them. */
  readonly inputs?: KerasTensor | readonly KerasTensor[];
  readonly outputs?: KerasTensor | readonly KerasTensor[];
  readonly name?: string;
  readonly trainable?: boolean;
}

export interface CompileArgs {
  /** A name ('adam', 'sgd', 'rmsprop', ...) or an Optimizer; 'rmsprop' by default (as Keras). */
  readonly optimizer?: optimizers.OptimizerIdentifier;
  /**
   * A name, Loss object or function. For several outputs: one for all, a list in output order, or
   * a record keyed by output name (outputs given none are not in the loss).
   */
  readonly loss?: PerOutput<losses.LossIdentifier | null>;
  /** Several outputs: each output's loss is scaled by its weight (default 1) in the total. */
  readonly lossWeights?: readonly number[] | Readonly<Record<string, number>>;
  /**
   * Metric names, objects or functions. For several outputs, a flat list applies to each output
   * (logged as `<output>_<metric>`); or a list of lists in output order, or a record by output name.
   */
  readonly metrics?: PerOutput<metrics.MetricIdentifier | readonly metrics.MetricIdentifier[]>;
}

interface Compiled {
  readonly optimizer: optimizers.Optimizer;
  readonly losses: readonly losses.Loss[];
  readonly metrics: readonly metrics.Metric[];
  readonly lossTracker: metrics.Mean;
  /** For models with several outputs: what each output contributes and logs. */
  readonly outputs: readonly OutputTarget[] | null;
}

/**
 * A layer with training: `compile`, `fit`, `evaluate`, `predict`. Functional when built from
 * `{ inputs, outputs }`; otherwise a subclass overrides `call` (and may override `trainStep`,
 * `testStep`, `predictStep` and the `metrics` getter). The steps run through `kiln.compile`.
 */
export class Model extends Layer {
  /** Set by a callback to end `fit` after the current step. */
  stopTraining = false;
  /** The compiled train step (made by the first fit), exposed so its traces can be inspected. */
  trainFunction: CompiledFunction<(data: StepData) => StepLogs> | null = null;
  testFunction: CompiledFunction<(data: StepData) => StepLogs> | null = null;
  predictFunction: CompiledFunction<(x: ModelIO) => ModelIO> | null = null;
  /** Whether a functional model returns one tensor (not a list). */
  #singleOutput = true;
  #graph: FunctionalGraph | null = null;
  #compiled: Compiled | null = null;

  constructor(args: ModelArgs = {}) {
    super({ ...(args.name ? { name: args.name } : {}), ...(args.trainable === undefined ? {} : { trainable: args.trainable }) });
    if (args.inputs !== undefined || args.outputs !== undefined) {
      if (args.inputs === undefined || args.outputs === undefined) throw new KilnError('a functional model needs both inputs and outputs', { op: 'Model' });
      const inputs = args.inputs instanceof KerasTensor ? [args.inputs] : [...args.inputs];
      const outputs = args.outputs instanceof KerasTensor ? [args.outputs] : [...args.outputs];
      this.#graph = new FunctionalGraph(inputs, outputs, this.name);
      this.#singleOutput = args.outputs instanceof KerasTensor;
      this.adopt(this.#graph.layers);
      if (args.inputs instanceof KerasTensor) this.batchInputShape = inputs[0]!.shape;
      this.built = true;
    }
  }

  protected override defaultName(): string {
    return this.constructor === Model ? 'functional' : super.defaultName();
  }

  /** A functional model's symbolic inputs and outputs (empty for other models). */
  get inputs(): KerasTensor[] {
    return this.#graph ? [...this.#graph.inputs] : [];
  }

  get outputs(): KerasTensor[] {
    return this.#graph ? [...this.#graph.outputs] : [];
  }

  /** @internal The functional graph, for functional models. */
  get graph(): FunctionalGraph | null {
    return this.#graph;
  }

  override get layers(): Layer[] {
    const own = this.trackedLayers();
    const all = this.#graph ? [...new Set([...this.#graph.layers, ...own])] : own;
    this.adopt(all);
    return all;
  }

  /** A layer by name, or by index in `layers`. */
  getLayer(nameOrIndex: string | number): Layer {
    const layers = this.layers;
    const found = typeof nameOrIndex === 'number' ? layers[nameOrIndex] : layers.find((l) => l.name === nameOrIndex);
    if (!found) {
      throw new KilnError(`no layer ${JSON.stringify(nameOrIndex)} in model '${this.name}'; its layers: ${layers.map((l) => `'${l.name}'`).join(', ')}`, { op: 'getLayer' });
    }
    return found;
  }

  override call(inputs: ModelIO, args: CallArgs = {}): ModelIO {
    if (!this.#graph) throw new KilnError(`model '${this.name}' (${this.constructor.name}) has no inputs/outputs graph; a subclass must implement call()`, { op: 'Model.call' });
    const out = this.#graph.run(inputs instanceof Tensor ? [inputs] : inputs, args, this.name);
    return this.#singleOutput ? out[0]! : out;
  }

  /** Builds a subclassed model by running `call` on symbolic inputs of this shape (the batch axis may be null). */
  override build(inputShape: Shape | Shape[]): void {
    if (this.#graph) return;
    const single = !Array.isArray(inputShape[0]);
    const shapes = (single ? [inputShape as Shape] : (inputShape as Shape[])).map((s): Shape => [null, ...s.slice(1)]);
    traceSpecs((ts) => this.call(single ? ts[0]! : ts, { training: false }), shapes.map((shape) => ({ shape, dtype: 'float32' as const })), this.name);
  }

  // ---- compile and the steps ----

  /** Sets the optimizer, loss and metrics; unknown names throw here, before any step. */
  compile(args: CompileArgs = {}): void {
    const optimizer = optimizers.get(args.optimizer ?? 'rmsprop');
    const lossTracker = new metrics.Mean({ name: 'loss' }, 'down');
    const names = this.outputNamesFor(args.loss);
    if (names.length > 1) {
      const outputs = resolveOutputs(args, names);
      const resolved = outputs.flatMap((o) => (o.loss ? [o.loss] : []));
      this.#compiled = { optimizer, losses: resolved, metrics: outputs.flatMap((o) => o.metrics), lossTracker, outputs };
    } else {
      const lossList = args.loss === undefined || args.loss === null ? [] : Array.isArray(args.loss) ? args.loss : [args.loss as losses.LossIdentifier];
      if (isPlainRecord(args.loss) || isPlainRecord(args.metrics) || args.lossWeights !== undefined) {
        throw new KilnError(`model '${this.name}' has one output: give loss and metrics directly, not per output`, { op: 'compile' });
      }
      const resolved = lossList.filter((l): l is losses.LossIdentifier => l !== null).map((l) => losses.get(l));
      const lossHint = lossList.length === 1 ? lossList[0] ?? undefined : undefined;
      const metricList = ((args.metrics ?? []) as readonly metrics.MetricIdentifier[]).map((m) => metrics.get(m, lossHint));
      this.#compiled = { optimizer, losses: resolved, metrics: metricList, lossTracker, outputs: null };
    }
    this.trainFunction = null;
    this.testFunction = null;
    this.predictFunction = null;
  }

  /**
   * Output names as Keras logs them: a functional model's output layers; otherwise, when compile
   * is given a list of several losses, `output_1`, `output_2`, ...
   */
  private outputNamesFor(loss: CompileArgs['loss']): string[] {
    if (this.#graph && !this.#singleOutput) return this.#graph.outputs.map((t) => t.node.layer.name);
    if (Array.isArray(loss) && loss.length > 1) return loss.map((_, i) => `output_${i + 1}`);
    return [];
  }

  get isCompiled(): boolean {
    return this.#compiled !== null;
  }

  /** @internal The compiled configuration; a KilnError naming `op` before compile. */
  compiled(op: string): Compiled {
    if (!this.#compiled) throw new KilnError(`model '${this.name}' must be compiled first: call model.compile({ optimizer, loss, metrics })`, { op });
    return this.#compiled;
  }

  get optimizer(): optimizers.Optimizer {
    return this.compiled('optimizer').optimizer;
  }

  /** The compiled losses (one per output, or one for all). */
  get compiledLosses(): readonly losses.Loss[] {
    return this.#compiled?.losses ?? [];
  }

  /** The metrics reset at each epoch and each evaluate, whose results the steps log. */
  get metrics(): metrics.Metric[] {
    const c = this.#compiled;
    if (!c) return [];
    const perOutputLosses = (c.outputs ?? []).flatMap((o) => (o.lossTracker ? [o.lossTracker] : []));
    return [c.lossTracker, ...perOutputLosses, ...c.metrics];
  }

  get metricsNames(): string[] {
    return this.metrics.map((m) => m.name);
  }

  resetMetrics(): void {
    for (const m of this.metrics) m.resetState();
  }

  /** The total loss: the compiled loss of each output plus the losses layers added. */
  computeLoss(args: { x?: ModelIO; y: ModelIO; yPred: ModelIO; sampleWeight?: Tensor; training?: boolean }): Tensor {
    const c = this.compiled('computeLoss');
    const ys = args.y instanceof Tensor ? [args.y] : args.y;
    const preds = args.yPred instanceof Tensor ? [args.yPred] : args.yPred;
    const terms: Tensor[] = [];
    if (c.outputs) {
      if (ys.length !== c.outputs.length || preds.length !== c.outputs.length) {
        throw new KilnError(`the model has ${c.outputs.length} outputs (${c.outputs.map((o) => o.name).join(', ')}) but ${ys.length} targets and ${preds.length} predictions were given`, { op: 'computeLoss' });
      }
      c.outputs.forEach((o, i) => {
        if (!o.loss) return;
        const term = o.loss.call(ys[i]!, preds[i]!, args.sampleWeight);
        o.lossTracker!.updateState(term, batchSizeOf(preds[i]!));
        terms.push(o.weight === 1 ? term : kiln.mul(term, o.weight));
      });
    } else if (c.losses.length > 0) {
      if (ys.length !== preds.length) throw new KilnError(`the model has ${preds.length} outputs but ${ys.length} targets were given`, { op: 'computeLoss' });
      if (c.losses.length !== 1 && c.losses.length !== preds.length) throw new KilnError(`${c.losses.length} losses for ${preds.length} outputs`, { op: 'computeLoss' });
      preds.forEach((p, i) => terms.push((c.losses[i] ?? c.losses[0]!).call(ys[i]!, p, args.sampleWeight)));
    }
    terms.push(...this.losses);
    if (terms.length === 0) throw new KilnError(`model '${this.name}' has no loss to minimize: compile it with a loss`, { op: 'computeLoss' });
    return terms.reduce((a, b) => kiln.add(a, b));
  }

  /** Updates the compiled metrics with a batch and returns every metric's result. */
  computeMetrics(_x: ModelIO, y: ModelIO, yPred: ModelIO, sampleWeight?: Tensor): StepLogs {
    const c = this.compiled('computeMetrics');
    if (c.outputs) {
      const ys = y instanceof Tensor ? [y] : y;
      const preds = yPred instanceof Tensor ? [yPred] : yPred;
      c.outputs.forEach((o, i) => { for (const m of o.metrics) m.updateState(ys[i]!, preds[i]!, sampleWeight); });
    } else if (c.metrics.length > 0) {
      if (!(y instanceof Tensor) || !(yPred instanceof Tensor)) throw new KilnError('compiled metrics support single-output models only', { op: 'computeMetrics' });
      for (const m of c.metrics) m.updateState(y, yPred, sampleWeight);
    }
    return this.getMetricsResult();
  }

  getMetricsResult(): StepLogs {
    return Object.fromEntries(this.metrics.map((m) => [m.name, m.result()]));
  }

  /** One training step (Keras's train_step): forward under a tape, loss, gradients, update, metrics. */
  trainStep(data: StepData): StepLogs {
    const [x, y, sampleWeight] = data;
    const c = this.compiled('trainStep');
    const tape = new kiln.GradientTape();
    let yPred: ModelIO = [];
    const loss = tape.record(() => {
      yPred = this.apply<ModelIO>(x, { training: true });
      return this.computeLoss({ x, y, yPred, ...(sampleWeight ? { sampleWeight } : {}), training: true });
    });
    c.lossTracker.updateState(loss, batchSizeOf(x));
    const weights = this.trainableWeights;
    if (weights.length > 0) {
      const grads = tape.gradient(loss, weights);
      c.optimizer.applyGradients(grads.map((g, i) => [g, weights[i]!] as const));
    }
    return this.computeMetrics(x, y, yPred, sampleWeight);
  }

  /** One evaluation step: forward in inference mode, loss and metrics. */
  testStep(data: StepData): StepLogs {
    const [x, y, sampleWeight] = data;
    const c = this.compiled('testStep');
    const yPred = this.apply<ModelIO>(x, { training: false });
    const loss = this.computeLoss({ x, y, yPred, ...(sampleWeight ? { sampleWeight } : {}), training: false });
    c.lossTracker.updateState(loss, batchSizeOf(x));
    return this.computeMetrics(x, y, yPred, sampleWeight);
  }

  /** One prediction step: the forward pass in inference mode. */
  predictStep(x: ModelIO): ModelIO {
    return this.apply<ModelIO>(x, { training: false });
  }

  /** @internal The compiled steps, made on first use (as Keras's make_train_function). */
  makeTrainFunction(): CompiledFunction<(data: StepData) => StepLogs> {
    return (this.trainFunction ??= kiln.compile((data: StepData) => this.trainStep(data), { name: 'trainStep' }));
  }

  makeTestFunction(): CompiledFunction<(data: StepData) => StepLogs> {
    return (this.testFunction ??= kiln.compile((data: StepData) => this.testStep(data), { name: 'testStep' }));
  }

  makePredictFunction(): CompiledFunction<(x: ModelIO) => ModelIO> {
    return (this.predictFunction ??= kiln.compile((x: ModelIO) => this.predictStep(x), { name: 'predictStep' }));
  }

  // ---- training loops, summary, weights ----

  /** Trains for `epochs` over (x, y) in batches, or over a kiln.data.Dataset of [x, y] batches. */
  fit(x: ModelIO, y: ModelIO, options?: FitOptions): Promise<History>;
  fit(dataset: Iterable<BatchData>, options?: FitOptions): Promise<History>;
  fit(x: ModelIO | Iterable<BatchData>, y?: ModelIO | FitOptions, options?: FitOptions): Promise<History> {
    return fitModel(this, x, y, options);
  }

  /** The loss and metrics over (x, y): `{ loss, accuracy, ... }`. */
  evaluate(x: ModelIO, y: ModelIO, options?: EvaluateOptions): Promise<Record<string, number>>;
  evaluate(dataset: Iterable<BatchData>, options?: EvaluateOptions): Promise<Record<string, number>>;
  evaluate(x: ModelIO | Iterable<BatchData>, y?: ModelIO | EvaluateOptions, options?: EvaluateOptions): Promise<Record<string, number>> {
    return evaluateModel(this, x, y, options);
  }

  /** The outputs for x, computed in batches by the compiled predict step. */
  predict<R extends ModelIO = Tensor>(x: ModelIO, options: PredictOptions = {}): NoInfer<R> {
    return predictModel(this, x, options) as R;
  }

  /** The summary table (layer, output shape, parameters; totals), printed and returned. */
  summary(options: { print?: boolean } = {}): string {
    const text = summarize(this);
    if (options.print ?? true) console.log(text);
    return text;
  }

  /** Writes every weight to a safetensors file, atomically. */
  saveWeights(path: string): Promise<void> {
    return saveWeights(this, path);
  }

  /** Reads weights from a safetensors file; nothing changes unless every name, shape and dtype matches. */
  loadWeights(path: string): Promise<void> {
    return loadWeights(this, path);
  }
}

/** The number of samples in a batch (the first input's first axis). */
export function batchSizeOf(x: ModelIO): number {
  const first = x instanceof Tensor ? x : x[0];
  return first?.shape[0] ?? 0;
}

function isPlainRecord(v: unknown): boolean {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;
}
