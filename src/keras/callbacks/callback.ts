import { KilnError, type Tensor } from '../../api/index.js';

/** The numbers a training loop reports: 'loss', 'accuracy', 'val_loss', ... */
export type Logs = Record<string, number>;

/** What callbacks need from a model; Model implements it. */
export interface CallbackModel {
  /** Set to true to stop `fit` after the current epoch. */
  stopTraining: boolean;
  getWeights(): Tensor[];
  setWeights(weights: Tensor[]): void;
  saveWeights?(path: string): Promise<void>;
  save?(path: string): Promise<void>;
  /** The compiled metrics; a metric's direction tells callbacks in mode 'auto' whether larger is better. */
  readonly metrics?: readonly { readonly name: string; readonly direction?: 'up' | 'down' | undefined }[];
}

/** What the training loop tells callbacks (Keras's `params`). */
export interface CallbackParams {
  readonly epochs?: number;
  /** Batches per epoch, when known. */
  readonly steps?: number | null;
  readonly verbose?: number;
}

type Hook<A extends unknown[]> = (...args: A) => void | Promise<void>;

/** The hooks a callback may define; each is optional and may be async. A plain object with some of them is a callback too. */
export interface CallbackHooks {
  setModel?(model: CallbackModel): void;
  setParams?(params: CallbackParams): void;
  onTrainBegin?: Hook<[logs?: Logs]>;
  onTrainEnd?: Hook<[logs?: Logs]>;
  onEpochBegin?: Hook<[epoch: number, logs?: Logs]>;
  onEpochEnd?: Hook<[epoch: number, logs?: Logs]>;
  /** Training batches (Keras's on_batch_begin, an alias of on_train_batch_begin). */
  onBatchBegin?: Hook<[batch: number, logs?: Logs]>;
  onBatchEnd?: Hook<[batch: number, logs?: Logs]>;
  onTrainBatchBegin?: Hook<[batch: number, logs?: Logs]>;
  onTrainBatchEnd?: Hook<[batch: number, logs?: Logs]>;
  onTestBegin?: Hook<[logs?: Logs]>;
  onTestEnd?: Hook<[logs?: Logs]>;
  onTestBatchBegin?: Hook<[batch: number, logs?: Logs]>;
  onTestBatchEnd?: Hook<[batch: number, logs?: Logs]>;
  onPredictBegin?: Hook<[logs?: Logs]>;
  onPredictEnd?: Hook<[logs?: Logs]>;
  onPredictBatchBegin?: Hook<[batch: number, logs?: Logs]>;
  onPredictBatchEnd?: Hook<[batch: number, logs?: Logs]>;
}

/**
 * The base of callbacks: every hook does nothing until overridden. Epoch and batch hooks
 * receive the index first, as in Keras: `onEpochEnd(epoch, logs)`.
 */
export class Callback<M extends CallbackModel = CallbackModel> implements CallbackHooks {
  model: M | null = null;
  params: CallbackParams = {};

  setModel(model: M): void {
    this.model = model;
  }

  setParams(params: CallbackParams): void {
    this.params = params;
  }

  /** The model, or a clear error when the callback was not attached to one. */
  protected requireModel(hook: string): M {
    if (!this.model) throw new KilnError(`${this.constructor.name} has no model; the training loop calls setModel(model) before ${hook}`, { op: hook });
    return this.model;
  }

  onTrainBegin(_logs?: Logs): void | Promise<void> {}
  onTrainEnd(_logs?: Logs): void | Promise<void> {}
  onEpochBegin(_epoch: number, _logs?: Logs): void | Promise<void> {}
  onEpochEnd(_epoch: number, _logs?: Logs): void | Promise<void> {}
  onBatchBegin(_batch: number, _logs?: Logs): void | Promise<void> {}
  onBatchEnd(_batch: number, _logs?: Logs): void | Promise<void> {}
  onTrainBatchBegin(batch: number, logs?: Logs): void | Promise<void> {
    return this.onBatchBegin(batch, logs);
  }
  onTrainBatchEnd(batch: number, logs?: Logs): void | Promise<void> {
    return this.onBatchEnd(batch, logs);
  }
  onTestBegin(_logs?: Logs): void | Promise<void> {}
  onTestEnd(_logs?: Logs): void | Promise<void> {}
  onTestBatchBegin(_batch: number, _logs?: Logs): void | Promise<void> {}
  onTestBatchEnd(_batch: number, _logs?: Logs): void | Promise<void> {}
  onPredictBegin(_logs?: Logs): void | Promise<void> {}
  onPredictEnd(_logs?: Logs): void | Promise<void> {}
  onPredictBatchBegin(_batch: number, _logs?: Logs): void | Promise<void> {}
  onPredictBatchEnd(_batch: number, _logs?: Logs): void | Promise<void> {}
}
