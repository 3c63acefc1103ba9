import { KilnError } from '../../api/index.js';
import type { CallbackHooks, CallbackModel, CallbackParams, Logs } from './callback.js';
import { History } from './history.js';

const HOOKS = [
  'onTrainBegin', 'onTrainEnd', 'onEpochBegin', 'onEpochEnd', 'onBatchBegin', 'onBatchEnd', 'onTrainBatchBegin', 'onTrainBatchEnd',
  'onTestBegin', 'onTestEnd', 'onTestBatchBegin', 'onTestBatchEnd', 'onPredictBegin', 'onPredictEnd', 'onPredictBatchBegin', 'onPredictBatchEnd',
] as const;

type Hooked = Required<Pick<CallbackHooks, (typeof HOOKS)[number]>>;

function checkCallback(cb: unknown, i: number): CallbackHooks {
  if (typeof cb !== 'object' || cb === null) throw new KilnError(`callback ${i} must be a Callback or an object of hooks, got ${cb === null ? 'null' : typeof cb}`, { op: 'CallbackList' });
  for (const name of [...HOOKS, 'setModel', 'setParams']) {
    const hook = (cb as Record<string, unknown>)[name];
    if (hook !== undefined && typeof hook !== 'function') throw new KilnError(`callback ${i}: '${name}' must be a function, got ${typeof hook}`, { op: 'CallbackList' });
  }
  return cb as CallbackHooks;
}

/**
 * The callbacks of one fit/evaluate/predict call, called in order and awaited one by one.
 * Plain objects with some hooks are accepted beside Callback objects; a plain object's
 * onBatchBegin/onBatchEnd also serve as its training-batch hooks, as in Keras.
 */
export class CallbackList {
  readonly callbacks: CallbackHooks[];
  /** The History this list added (`addHistory`), else the first History among the callbacks. */
  readonly history: History | null;

  constructor(callbacks: readonly CallbackHooks[] = [], options: { model?: CallbackModel; params?: CallbackParams; addHistory?: boolean } = {}) {
    if (!Array.isArray(callbacks)) throw new KilnError(`expects an array of callbacks, got ${typeof callbacks}`, { op: 'CallbackList' });
    this.callbacks = callbacks.map(checkCallback);
    if (options.addHistory) this.callbacks.push(new History());
    this.history = (options.addHistory ? this.callbacks.at(-1) : this.callbacks.find((c) => c instanceof History)) as History | undefined ?? null;
    if (options.model) this.setModel(options.model);
    if (options.params) this.setParams(options.params);
  }

  append(callback: CallbackHooks): void {
    this.callbacks.push(checkCallback(callback, this.callbacks.length));
  }

  setModel(model: CallbackModel): void {
    for (const cb of this.callbacks) cb.setModel?.(model);
  }

  setParams(params: CallbackParams): void {
    for (const cb of this.callbacks) cb.setParams?.(params);
  }

  private async call<K extends keyof Hooked>(name: K, fallback: keyof Hooked | null, ...args: Parameters<Hooked[K]>): Promise<void> {
    for (const cb of this.callbacks) {
      const hook = (cb[name] ?? (fallback ? cb[fallback] : undefined)) as ((...a: Parameters<Hooked[K]>) => void | Promise<void>) | undefined;
      if (hook) await hook.apply(cb, args);
    }
  }

  onTrainBegin(logs: Logs = {}): Promise<void> { return this.call('onTrainBegin', null, logs); }
  onTrainEnd(logs: Logs = {}): Promise<void> { return this.call('onTrainEnd', null, logs); }
  onEpochBegin(epoch: number, logs: Logs = {}): Promise<void> { return this.call('onEpochBegin', null, epoch, logs); }
  onEpochEnd(epoch: number, logs: Logs = {}): Promise<void> { return this.call('onEpochEnd', null, epoch, logs); }
  onTrainBatchBegin(batch: number, logs: Logs = {}): Promise<void> { return this.call('onTrainBatchBegin', 'onBatchBegin', batch, logs); }
  onTrainBatchEnd(batch: number, logs: Logs = {}): Promise<void> { return this.call('onTrainBatchEnd', 'onBatchEnd', batch, logs); }
  onTestBegin(logs: Logs = {}): Promise<void> { return this.call('onTestBegin', null, logs); }
  onTestEnd(logs: Logs = {}): Promise<void> { return this.call('onTestEnd', null, logs); }
  onTestBatchBegin(batch: number, logs: Logs = {}): Promise<void> { return this.call('onTestBatchBegin', null, batch, logs); }
  onTestBatchEnd(batch: number, logs: Logs = {}): Promise<void> { return this.call('onTestBatchEnd', null, batch, logs); }
  onPredictBegin(logs: Logs = {}): Promise<void> { return this.call('onPredictBegin', null, logs); }
  onPredictEnd(logs: Logs = {}): Promise<void> { return this.call('onPredictEnd', null, logs); }
  onPredictBatchBegin(batch: number, logs: Logs = {}): Promise<void> { return this.call('onPredictBatchBegin', null, batch, logs); }
  onPredictBatchEnd(batch: number, logs: Logs = {}): Promise<void> { return this.call('onPredictBatchEnd', null, batch, logs); }
}
