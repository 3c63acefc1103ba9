import { dispose, tidy, type Tensor } from '../../api/index.js';
import { Callback, type CallbackModel, type Logs } from './callback.js';
import { checkMode, monitorDirection, type MonitorMode } from './monitor.js';

export interface EarlyStoppingOptions {
  /** The logged quantity to watch (default 'val_loss'). */
  readonly monitor?: string;
  /** The least change that counts as an improvement (default 0). */
  readonly minDelta?: number;
  /** Epochs without improvement before stopping (default 0). */
  readonly patience?: number;
  readonly verbose?: number;
  readonly mode?: MonitorMode;
  /** A value to beat: without improving on it, patience keeps running out. */
  readonly baseline?: number | null;
  /** At the end of training, set the weights of the best epoch (default false). */
  readonly restoreBestWeights?: boolean;
  /** Epochs to wait before watching (default 0). */
  readonly startFromEpoch?: number;
}

/** Stops training when the monitored quantity has stopped improving (Keras 3's semantics). */
export class EarlyStopping extends Callback {
  readonly monitor: string;
  readonly patience: number;
  readonly verbose: number;
  readonly baseline: number | null;
  readonly restoreBestWeights: boolean;
  readonly startFromEpoch: number;
  readonly mode: MonitorMode;
  wait = 0;
  stoppedEpoch = 0;
  best: number | null = null;
  bestEpoch = 0;
  private minDelta: number;
  private direction: 'min' | 'max' | null = null;
  private bestWeights: Tensor[] | null = null;

  constructor(options: EarlyStoppingOptions = {}) {
    super();
    this.monitor = options.monitor ?? 'val_loss';
    this.minDelta = Math.abs(options.minDelta ?? 0);
    this.patience = options.patience ?? 0;
    this.verbose = options.verbose ?? 0;
    this.mode = checkMode(options.mode ?? 'auto', 'EarlyStopping');
    this.baseline = options.baseline ?? null;
    this.restoreBestWeights = options.restoreBestWeights ?? false;
    this.startFromEpoch = options.startFromEpoch ?? 0;
  }

  override onTrainBegin(): void {
    // Instances may be reused across fit calls.
    this.wait = 0;
    this.stoppedEpoch = 0;
    this.best = null;
    this.bestEpoch = 0;
    this.setBestWeights(null);
  }

  override onEpochEnd(epoch: number, logs: Logs = {}): void {
    const model = this.requireModel('onEpochEnd');
    this.direction ??= monitorDirection(this.monitor, this.mode, model, 'error', 'EarlyStopping');
    const current = logs[this.monitor];
    if (current === undefined) {
      console.warn(`kiln: EarlyStopping is conditioned on '${this.monitor}', which is not available; available: ${Object.keys(logs).join(', ')}`);
      return;
    }
    if (epoch < this.startFromEpoch) return;
    // If the best weights were never set, the current ones are the best.
    if (this.restoreBestWeights && this.bestWeights === null) {
      this.setBestWeights(snapshot(model));
      this.bestEpoch = epoch;
    }
    this.wait += 1;
    if (this.isImprovement(current, this.best)) {
      this.best = current;
      this.bestEpoch = epoch;
      if (this.restoreBestWeights) this.setBestWeights(snapshot(model));
      // Restart the wait only when both the baseline and the previous best are beaten.
      if (this.baseline === null || this.isImprovement(current, this.baseline)) this.wait = 0;
      return;
    }
    if (this.wait >= this.patience && epoch > 0) {
      this.stoppedEpoch = epoch;
      model.stopTraining = true;
    }
  }

  override onTrainEnd(): void {
    if (this.stoppedEpoch > 0 && this.verbose > 0) console.log(`Epoch ${this.stoppedEpoch + 1}: early stopping`);
    // Keras 3 restores the best weights at the end of training, stopped early or not.
    if (this.restoreBestWeights && this.bestWeights !== null) {
      if (this.verbose > 0) console.log(`Restoring model weights from the end of the best epoch: ${this.bestEpoch + 1}.`);
      this.requireModel('onTrainEnd').setWeights(this.bestWeights);
    }
  }

  private isImprovement(value: number, reference: number | null): boolean {
    if (reference === null) return true;
    return this.direction === 'max' ? value - this.minDelta > reference : value + this.minDelta < reference;
  }

  private setBestWeights(weights: Tensor[] | null): void {
    if (this.bestWeights) dispose(this.bestWeights);
    this.bestWeights = weights;
  }
}

/** Copies of the model's weights that later updates cannot change. */
function snapshot(model: CallbackModel): Tensor[] {
  return tidy(() => model.getWeights().map((w) => w.clone()));
}
