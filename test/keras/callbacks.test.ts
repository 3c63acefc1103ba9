import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import * as kiln from '../../src/index.js';
import { keras } from '../../src/index.js';

/** Callbacks driven by a small fit loop over a fake model, as Model.fit drives them. */

const { callbacks } = keras;
type Logs = keras.callbacks.Logs;

/** A model with one weight; getWeights returns the variable itself, as TensorFlow.js does. */
class FakeModel implements keras.callbacks.CallbackModel {
  stopTraining = false;
  readonly w = new kiln.Variable(kiln.scalar(0), { name: 'fake_w' });
  readonly saved: string[] = [];
  metrics = [{ name: 'accuracy', direction: 'up' as const }, { name: 'mse', direction: 'down' as const }];
  getWeights(): kiln.Tensor[] { return [this.w]; }
  setWeights(weights: kiln.Tensor[]): void { this.w.assign(weights[0]!); }
  async saveWeights(path: string): Promise<void> { this.saved.push(path); }
  async weight(): Promise<number> { return (await this.w.data())[0]!; }
}

/** Runs `epochs` epochs of two batches; epoch e sets the weight to e and logs `epochLogs(e)`. */
async function fakeFit(model: FakeModel, cbs: keras.callbacks.CallbackHooks[], epochs: number, epochLogs: (e: number) => Logs) {
  model.stopTraining = false;
  const list = new callbacks.CallbackList(cbs, { model, params: { epochs, steps: 2 }, addHistory: true });
  await list.onTrainBegin();
  for (let e = 0; e < epochs; e++) {
    await list.onEpochBegin(e);
    for (let b = 0; b < 2; b++) {
      await list.onTrainBatchBegin(b);
      kiln.tidy(() => { model.w.assign(kiln.scalar(e)); });
      await list.onTrainBatchEnd(b, { loss: epochLogs(e).loss ?? 0 });
    }
    await list.onEpochEnd(e, epochLogs(e));
    if (model.stopTraining) break;
  }
  await list.onTrainEnd();
  return list.history!;
}

describe('History and CallbackList', () => {
  it('records every epoch, calls hooks in order (plain objects and async hooks too)', async () => {
    const model = new FakeModel();
    const events: string[] = [];
    const plain = {
      onTrainBegin: () => { events.push('train_begin'); },
      onEpochEnd: async (epoch: number, logs?: Logs) => { await new Promise((r) => setTimeout(r, 1)); events.push(`epoch_end ${epoch} ${logs!.loss}`); },
      onBatchEnd: (batch: number) => { events.push(`batch_end ${batch}`); },
      onTrainEnd: () => { events.push('train_end'); },
    };
    class Recorder extends callbacks.Callback {
      override onEpochBegin(epoch: number): void { events.push(`recorder epoch_begin ${epoch} of ${this.params.epochs} model:${this.model === model}`); }
    }
    const history = await fakeFit(model, [plain, new Recorder()], 2, (e) => ({ loss: 1 / (e + 1), val_loss: 2 - e }));
    expect(history).toBeInstanceOf(callbacks.History);
    expect(history.epoch).toEqual([0, 1]);
    expect(history.history).toEqual({ loss: [1, 0.5], val_loss: [2, 1] });
    expect(events).toEqual([
      'train_begin', 'recorder epoch_begin 0 of 2 model:true', 'batch_end 0', 'batch_end 1', 'epoch_end 0 1',
      'recorder epoch_begin 1 of 2 model:true', 'batch_end 0', 'batch_end 1', 'epoch_end 1 0.5', 'train_end',
    ]);
  });

  it('rejects what is not a callback', () => {
    expect(() => new callbacks.CallbackList([42 as unknown as keras.callbacks.CallbackHooks])).toThrow(kiln.KilnError);
    expect(() => new callbacks.CallbackList([{ onEpochEnd: 'soon' } as unknown as keras.callbacks.CallbackHooks])).toThrow(/'onEpochEnd' must be a function/);
  });
});

describe('EarlyStopping', () => {
  it("stops after `patience` epochs without improvement: Keras's example runs 4 epochs", async () => {
    const model = new FakeModel();
    const history = await fakeFit(model, [new callbacks.EarlyStopping({ monitor: 'loss', patience: 3 })], 10, (e) => ({ loss: 1 + e }));
    expect(history.history.loss!.length).toBe(4);
  });

  it('patience 0 stops at the first epoch that does not improve; minDelta demands a margin', async () => {
    const losses = [1, 0.5, 0.45, 0.2, 0.1];
    const plain = await fakeFit(new FakeModel(), [new callbacks.EarlyStopping()], 5, (e) => ({ val_loss: losses[e]! }));
    expect(plain.epoch.length).toBe(5);
    const es = new callbacks.EarlyStopping({ minDelta: 0.1 });
    const withDelta = await fakeFit(new FakeModel(), [es], 5, (e) => ({ val_loss: losses[e]! }));
    expect(withDelta.epoch).toEqual([0, 1, 2]);
    expect(es.stoppedEpoch).toBe(2);
  });

  it('restores the best weights at the end of training, stopped early or not', async () => {
    const model = new FakeModel();
    const losses = [3, 1, 2, 2.5, 4];
    const es = new callbacks.EarlyStopping({ patience: 2, restoreBestWeights: true });
    const history = await fakeFit(model, [es], 5, (e) => ({ val_loss: losses[e]! }));
    expect(history.epoch).toEqual([0, 1, 2, 3]);
    expect(es.bestEpoch).toBe(1);
    expect(await model.weight()).toBe(1);
    // Not stopped: the best epoch's weights are still restored (Keras 3).
    const m2 = new FakeModel();
    await fakeFit(m2, [new callbacks.EarlyStopping({ patience: 10, restoreBestWeights: true })], 3, (e) => ({ val_loss: [2, 1, 3][e]! }));
    expect(await m2.weight()).toBe(1);
  });

  it("mode 'auto' maximizes accuracy metrics; a baseline must be beaten; startFromEpoch waits", async () => {
    const acc = [0.5, 0.6, 0.55, 0.58];
    const h = await fakeFit(new FakeModel(), [new callbacks.EarlyStopping({ monitor: 'val_accuracy', patience: 1 })], 4, (e) => ({ val_accuracy: acc[e]! }));
    expect(h.epoch).toEqual([0, 1, 2]);
    // A flat 0.5 never beats the baseline, so the first epoch's improvement does not reset the wait.
    const flat = () => ({ val_accuracy: 0.5 });
    expect((await fakeFit(new FakeModel(), [new callbacks.EarlyStopping({ monitor: 'val_accuracy', patience: 2 })], 10, flat)).epoch).toEqual([0, 1, 2]);
    expect((await fakeFit(new FakeModel(), [new callbacks.EarlyStopping({ monitor: 'val_accuracy', patience: 2, baseline: 0.9 })], 10, flat)).epoch).toEqual([0, 1]);
    const late = await fakeFit(new FakeModel(), [new callbacks.EarlyStopping({ monitor: 'loss', startFromEpoch: 3 })], 10, (e) => ({ loss: e }));
    expect(late.epoch).toEqual([0, 1, 2, 3, 4]);
  });

  it("uses the model's metric directions, and asks for a mode when it cannot tell", async () => {
    const h = await fakeFit(new FakeModel(), [new callbacks.EarlyStopping({ monitor: 'val_mse' })], 5, (e) => ({ val_mse: [3, 2, 2.5, 1, 0][e]! }));
    expect(h.epoch).toEqual([0, 1, 2]);
    await expect(fakeFit(new FakeModel(), [new callbacks.EarlyStopping({ monitor: 'val_f1' })], 2, () => ({ val_f1: 1 }))).rejects.toThrow(/mode: 'max'/);
    const max = await fakeFit(new FakeModel(), [new callbacks.EarlyStopping({ monitor: 'val_f1', mode: 'max' })], 5, (e) => ({ val_f1: [1, 2, 1, 3, 4][e]! }));
    expect(max.epoch).toEqual([0, 1, 2]);
  });

  it('warns and goes on when the monitored value is missing', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const h = await fakeFit(new FakeModel(), [new callbacks.EarlyStopping()], 3, (e) => ({ loss: e }));
    expect(h.epoch.length).toBe(3);
    expect(String(warn.mock.calls[0]![0])).toMatch(/'val_loss'.*available: loss/);
    warn.mockRestore();
  });

  it('frees the weight snapshots it replaces', async () => {
    const model = new FakeModel();
    const es = new callbacks.EarlyStopping({ patience: 100, restoreBestWeights: true });
    await fakeFit(model, [es], 2, (e) => ({ val_loss: 10 - e }));
    const before = kiln.memory().numTensors;
    await fakeFit(model, [es], 6, (e) => ({ val_loss: 10 - e }));
    expect(kiln.memory().numTensors).toBe(before);
  });
});

describe('ModelCheckpoint', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-ckpt-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('formats {epoch:02d} (1-based) and {val_loss:.2f} and saves every epoch through saveWeights', async () => {
    const model = new FakeModel();
    const ckpt = new callbacks.ModelCheckpoint(join(dir, 'run1/w-{epoch:02d}-{val_loss:.2f}.safetensors'));
    await fakeFit(model, [ckpt], 3, (e) => ({ val_loss: 1 / (e + 1) }));
    expect(model.saved.map((p) => p.slice(dir.length + 1))).toEqual(['run1/w-01-1.00.safetensors', 'run1/w-02-0.50.safetensors', 'run1/w-03-0.33.safetensors']);
    expect(readdirSync(dir)).toContain('run1'); // the folder is made before saving
  });

  it('saveBestOnly saves only improvements of the monitored value, in the right direction', async () => {
    const model = new FakeModel();
    const ckpt = new callbacks.ModelCheckpoint('best-{epoch}.w', { saveBestOnly: true });
    await fakeFit(model, [ckpt], 5, (e) => ({ val_loss: [3, 2, 2.5, 1, 1][e]! }));
    expect(model.saved).toEqual(['best-1.w', 'best-2.w', 'best-4.w']);
    expect(ckpt.best).toBe(1);
    const byAcc = new FakeModel();
    await fakeFit(byAcc, [new callbacks.ModelCheckpoint('acc-{epoch}-{val_accuracy:.3f}', { saveBestOnly: true, monitor: 'val_accuracy' })], 4, (e) => ({ val_accuracy: [0.5, 0.4, 0.7, 0.6][e]! }));
    expect(byAcc.saved).toEqual(['acc-1-0.500', 'acc-3-0.700']);
  });

  it('saveFreq in batches, {batch}, and clear errors', async () => {
    const model = new FakeModel();
    await fakeFit(model, [new callbacks.ModelCheckpoint('b-{epoch}-{batch}', { saveFreq: 3 })], 3, () => ({ loss: 0 }));
    expect(model.saved).toEqual(['b-2-1', 'b-3-2']);
    const noSave = { stopTraining: false, getWeights: () => [], setWeights: () => {} };
    const list = new callbacks.CallbackList([new callbacks.ModelCheckpoint('x', { saveWeightsOnly: false })], { model: noSave });
    await expect(list.onEpochEnd(0, {})).rejects.toThrow(/no save\(path\) method/);
    await expect(new callbacks.CallbackList([new callbacks.ModelCheckpoint('{nope}')], { model }).onEpochEnd(0, { loss: 1 })).rejects.toThrow(/'\{nope\}'/);
  });

  it('formatPath follows Python format specs', () => {
    const f = callbacks.formatPath;
    expect(f('{epoch:03d}_{loss:.4f}_{acc:.2e}_{x}', { epoch: 7, loss: 0.123456, acc: 0.000015, x: 2.5 })).toBe('007_0.1235_1.50e-05_2.5');
    expect(f('{{literal}}-{a:6.2f}-{b:05.1f}', { a: -1.5, b: -2.26 })).toBe('{literal}- -1.50--02.3');
  });
});
