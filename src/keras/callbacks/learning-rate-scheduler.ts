import { KilnError } from '../../api/index.js';
import { Callback, type CallbackModel, type Logs } from './callback.js';

/** A schedule: the learning rate of an epoch (from 0), given the current one. */
export type Schedule = (epoch: number, learningRate: number) => number;

/** What learning-rate callbacks need from a model: its optimizer's learning rate, readable and settable. */
export interface OptimizerModel extends CallbackModel {
  readonly optimizer: { learningRate: number };
}

/** The model's optimizer, or a clear error when the model has none (it was not compiled). */
export function optimizerOf(model: CallbackModel, op: string): { learningRate: number } {
  const optimizer = (model as Partial<OptimizerModel>).optimizer;
  if (!optimizer || typeof optimizer.learningRate !== 'number') throw new KilnError('the model has no optimizer with a learningRate; compile it first', { op });
  return optimizer;
}

/**
 * Sets the learning rate at the start of each epoch to `schedule(epoch, learningRate)` (Keras's
 * LearningRateScheduler) and logs it as `learning_rate` at the epoch's end. The optimizer keeps
 * its rate in a variable, so the compiled train step reads the new rate without retracing.
 */
export class LearningRateScheduler extends Callback {
  readonly schedule: Schedule;
  readonly verbose: number;

  constructor(schedule: Schedule, verbose = 0) {
    super();
    if (typeof schedule !== 'function') throw new KilnError(`schedule must be a function (epoch, learningRate) => learningRate, got ${typeof schedule}`, { op: 'LearningRateScheduler' });
    this.schedule = schedule;
    this.verbose = verbose;
  }

  override onEpochBegin(epoch: number): void {
    const optimizer = optimizerOf(this.requireModel('onEpochBegin'), 'LearningRateScheduler');
    const lr = this.schedule(epoch, optimizer.learningRate);
    if (typeof lr !== 'number' || !Number.isFinite(lr)) throw new KilnError(`the schedule must return a finite number, got ${String(lr)} for epoch ${epoch}`, { op: 'LearningRateScheduler' });
    optimizer.learningRate = lr;
    if (this.verbose > 0) console.log(`\nEpoch ${epoch + 1}: LearningRateScheduler setting learning rate to ${lr}.`);
  }

  override onEpochEnd(_epoch: number, logs?: Logs): void {
    if (logs) logs.learning_rate = optimizerOf(this.requireModel('onEpochEnd'), 'LearningRateScheduler').learningRate;
  }
}
