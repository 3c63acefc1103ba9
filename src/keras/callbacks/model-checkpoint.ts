import { KilnError } from '../../api/index.js';
import { Callback, type Logs } from './callback.js';
import { formatPath } from './format-path.js';
import { checkMode, monitorDirection, type MonitorMode } from './monitor.js';
import { importNodeModule } from '../../ir/index.js';

export interface ModelCheckpointOptions {
  /** The quantity that decides the best model with saveBestOnly (default 'val_loss'). */
  readonly monitor?: string;
  readonly verbose?: number;
  /** Save only when the monitored quantity improves (default false). */
  readonly saveBestOnly?: boolean;
  /** Save with model.saveWeights (default true; false saves with model.save). */
  readonly saveWeightsOnly?: boolean;
  readonly mode?: MonitorMode;
  /** 'epoch' (default), or a number of batches. */
  readonly saveFreq?: 'epoch' | number;
  /** With saveBestOnly, a first value to beat. */
  readonly initialValueThreshold?: number;
}

/** Creates the folder a file goes in (Node only; elsewhere saving decides). */
async function ensureFolder(path: string): Promise<void> {
  if (typeof process === 'undefined' || !process.versions?.node) return;
  const { mkdir } = await importNodeModule<typeof import('node:fs/promises')>('node:fs/promises');
  const { dirname } = await importNodeModule<typeof import('node:path')>('node:path');
  const dir = dirname(path);
  if (dir && dir !== '.') await mkdir(dir, { recursive: true });
}

/**
 * Saves the model's weights after every epoch (or every `saveFreq` batches). The filepath may
 * hold fields like `{epoch:02d}` (1-based, as Keras) and `{val_loss:.2f}` from the logs.
 */
export class ModelCheckpoint extends Callback {
  readonly filepath: string;
  readonly monitor: string;
  readonly verbose: number;
  readonly saveBestOnly: boolean;
  readonly saveWeightsOnly: boolean;
  readonly mode: MonitorMode;
  readonly saveFreq: 'epoch' | number;
  best: number | null;
  private direction: 'min' | 'max' | null = null;
  private currentEpoch = 0;
  private batchesSeen = 0;

  constructor(filepath: string, options: ModelCheckpointOptions = {}) {
    super();
    if (typeof filepath !== 'string' || filepath === '') throw new KilnError(`filepath must be a non-empty string, got ${JSON.stringify(filepath)}`, { op: 'ModelCheckpoint' });
    this.filepath = filepath;
    this.monitor = options.monitor ?? 'val_loss';
    this.verbose = options.verbose ?? 0;
    this.saveBestOnly = options.saveBestOnly ?? false;
    this.saveWeightsOnly = options.saveWeightsOnly ?? true;
    this.mode = checkMode(options.mode ?? 'auto', 'ModelCheckpoint');
    this.saveFreq = options.saveFreq ?? 'epoch';
    if (this.saveFreq !== 'epoch' && !(Number.isInteger(this.saveFreq) && this.saveFreq > 0)) {
      throw new KilnError(`saveFreq must be 'epoch' or a positive integer, got ${JSON.stringify(this.saveFreq)}`, { op: 'ModelCheckpoint' });
    }
    this.best = options.initialValueThreshold ?? null;
  }

  override onEpochBegin(epoch: number): void {
    this.currentEpoch = epoch;
  }

  override async onTrainBatchEnd(batch: number, logs: Logs = {}): Promise<void> {
    if (this.saveFreq === 'epoch') return;
    this.batchesSeen++;
    if (this.batchesSeen % this.saveFreq === 0) await this.save(this.currentEpoch, batch, logs);
  }

  override async onEpochEnd(epoch: number, logs: Logs = {}): Promise<void> {
    if (this.saveFreq === 'epoch') await this.save(epoch, null, logs);
  }

  private async save(epoch: number, batch: number | null, logs: Logs): Promise<void> {
    const model = this.requireModel('ModelCheckpoint.save');
    const path = formatPath(this.filepath, { ...logs, epoch: epoch + 1, ...(batch === null ? {} : { batch: batch + 1 }) });
    if (this.saveBestOnly) {
      const current = logs[this.monitor];
      if (current === undefined) {
        console.warn(`kiln: can save the best model only with '${this.monitor}' available; available: ${Object.keys(logs).join(', ')}; skipping`);
        return;
      }
      this.direction ??= monitorDirection(this.monitor, this.mode, model, 'min', 'ModelCheckpoint');
      const improved = this.best === null || (this.direction === 'max' ? current > this.best : current < this.best);
      if (!improved) {
        if (this.verbose > 0) console.log(`\nEpoch ${epoch + 1}: ${this.monitor} did not improve from ${this.best!.toFixed(5)}`);
        return;
      }
      if (this.verbose > 0) console.log(`\nEpoch ${epoch + 1}: ${this.monitor} improved from ${this.best === null ? 'inf' : this.best.toFixed(5)} to ${current.toFixed(5)}, saving model to ${path}`);
      this.best = current;
    } else if (this.verbose > 0) {
      console.log(`\nEpoch ${epoch + 1}: saving model to ${path}`);
    }
    const saver = this.saveWeightsOnly ? model.saveWeights : model.save;
    if (!saver) {
      throw new KilnError(`the model has no ${this.saveWeightsOnly ? 'saveWeights' : 'save'}(path) method`, { op: 'ModelCheckpoint' });
    }
    await ensureFolder(path);
    await saver.call(model, path);
  }
}
