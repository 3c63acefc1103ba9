import { KilnError } from '../../api/index.js';
import { Callback, type Logs } from './callback.js';
import { optimizerOf } from './learning-rate-scheduler.js';
import { checkMode, type MonitorMode } from './monitor.js';

export interface ReduceLROnPlateauOptions {
  /** The logged quantity to watch (default 'val_loss'). */
  readonly monitor?: string;
  /** The new rate is the old one times this (default 0.1; must be below 1). */
  readonly factor?: number;
  /** Epochs without improvement before the rate drops (default 10). */
  readonly patience?: number;
  readonly verbose?: number;
  /** 'auto' maximizes a monitor whose name contains 'acc' and minimizes any other, as Keras. */
  readonly mode?: MonitorMode;
  /** The least change that counts as an improvement (default 1e-4). */
  readonly minDelta?: number;
  /** Epochs to wait after a drop before counting again (default 0). */
  readonly cooldown?: number;
  /** The rate never drops below this (default 0). */
  readonly minLr?: number;
}

/**
 * Multiplies the learning rate by `factor` once the monitored quantity has not improved for
 * `patience` epochs (Keras's ReduceLROnPlateau), then waits `cooldown` epochs before counting
 * again. Logs the rate of each epoch as `learning_rate`.
 */
export class ReduceLROnPlateau extends Callback {
  readonly monitor: string;
  readonly factor: number;
  readonly patience: number;
  readonly verbose: number;
  readonly mode: MonitorMode;
  readonly minDelta: number;
  readonly cooldown: number;
  readonly minLr: number;
  wait = 0;
  cooldownCounter = 0;
  best = Infinity;
  private maximize = false;

  constructor(options: ReduceLROnPlateauOptions = {}) {
    super();
    this.monitor = options.monitor ?? 'val_loss';
    this.factor = options.factor ?? 0.1;
    if (!(this.factor < 1)) throw new KilnError(`factor must be below 1 (the rate is multiplied by it), got ${this.factor}`, { op: 'ReduceLROnPlateau' });
    this.patience = options.patience ?? 10;
    this.verbose = options.verbose ?? 0;
    this.mode = checkMode(options.mode ?? 'auto', 'ReduceLROnPlateau');
    this.minDelta = options.minDelta ?? 1e-4;
    this.cooldown = options.cooldown ?? 0;
    this.minLr = options.minLr ?? 0;
    this.reset();
  }

  private reset(): void {
    this.maximize = this.mode === 'max' || (this.mode === 'auto' && this.monitor.includes('acc'));
    this.best = this.maximize ? -Infinity : Infinity;
    this.cooldownCounter = 0;
    this.wait = 0;
  }

  private improves(current: number): boolean {
    return this.maximize ? current > this.best + this.minDelta : current < this.best - this.minDelta;
  }

  override onTrainBegin(): void {
    this.reset();
  }

  override onEpochEnd(epoch: number, logs: Logs = {}): void {
    const optimizer = optimizerOf(this.requireModel('onEpochEnd'), 'ReduceLROnPlateau');
    logs.learning_rate = optimizer.learningRate;
    const current = logs[this.monitor];
    if (current === undefined) {
      console.warn(`kiln: ReduceLROnPlateau is conditioned on '${this.monitor}', which is not available; available: ${Object.keys(logs).join(', ')}`);
      return;
    }
    if (this.cooldownCounter > 0) {
      this.cooldownCounter -= 1;
      this.wait = 0;
    }
    if (this.improves(current)) {
      this.best = current;
      this.wait = 0;
    } else if (this.cooldownCounter === 0) {
      this.wait += 1;
      if (this.wait >= this.patience) {
        const old = optimizer.learningRate;
        // As Keras, compared in float32: the rate is stored as one.
        if (Math.fround(old) > Math.fround(this.minLr)) {
          const lr = Math.max(old * this.factor, this.minLr);
          optimizer.learningRate = lr;
          if (this.verbose > 0) console.log(`\nEpoch ${epoch + 1}: ReduceLROnPlateau reducing learning rate to ${lr}.`);
          this.cooldownCounter = this.cooldown;
          this.wait = 0;
        }
      }
    }
  }
}
