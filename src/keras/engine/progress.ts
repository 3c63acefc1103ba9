import type { SingleBar } from 'cli-progress';
import { importNodeModule } from '../../ir/index.js';

/** Keras's `verbose`: 0 silent, 1 a progress bar (one line per epoch when not on a terminal), 2 one line per epoch. */
export type Verbosity = 0 | 1 | 2 | 'auto';

/** A logged number as Keras prints it: 4 decimals, or exponent form for tiny values. */
export function formatValue(v: number): string {
  return v !== 0 && Math.abs(v) < 1e-3 ? v.toExponential(4) : v.toFixed(4);
}

export function formatLogs(logs: Readonly<Record<string, number>>): string {
  return Object.entries(logs).map(([k, v]) => ` - ${k}: ${formatValue(v)}`).join('');
}

function formatDuration(seconds: number): string {
  if (seconds >= 3600) return `${Math.floor(seconds / 3600)}:${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')}:${String(Math.floor(seconds % 60)).padStart(2, '0')}`;
  if (seconds >= 60) return `${Math.floor(seconds / 60)}:${String(Math.floor(seconds % 60)).padStart(2, '0')}`;
  return `${Math.round(seconds)}s`;
}

function perStep(seconds: number, steps: number): string {
  const ms = (seconds * 1000) / Math.max(1, steps);
  return ms >= 1000 ? `${(ms / 1000).toFixed(1)}s/step` : ms >= 1 ? `${Math.round(ms)}ms/step` : `${Math.round(ms * 1000)}us/step`;
}

const REDRAW_MS = 100;

interface Stdout { readonly isTTY?: boolean; write(s: string): boolean }

function stdout(): Stdout | null {
  const p = (globalThis as { process?: { stdout?: Stdout } }).process;
  return p?.stdout ?? null;
}

/**
 * Progress output of fit and evaluate. On a terminal with verbose 1, a live bar per epoch
 * (cli-progress) with steps, ETA and the running loss and metrics; otherwise one line per
 * epoch. The loop asks `wantsBatchLogs` before reading a step's logs back, so redraws cost a
 * readback only every 100 ms. Evaluate shows one bar with no epoch header, as Keras does.
 */
export class ProgressDisplay {
  private bar: SingleBar | null = null;
  private started = 0;
  private lastDraw = 0;
  private steps: number | null = null;

  private constructor(
    private readonly epochs: number,
    private readonly live: typeof import('cli-progress') | null,
    private readonly out: Stdout | null,
    private readonly epochHeaders: boolean,
  ) {}

  /** A display for `verbose`, or null when silent; `epochs` null for evaluate (no epoch headers). */
  static async create(verbose: Verbosity, epochs: number | null): Promise<ProgressDisplay | null> {
    if (verbose === 0) return null;
    const out = stdout();
    const live = (verbose === 1 || verbose === 'auto') && out?.isTTY ? await importNodeModule<typeof import('cli-progress')>('cli-progress') : null;
    return new ProgressDisplay(epochs ?? 1, live, out, epochs !== null);
  }

  epochBegin(epoch: number, steps: number | null): void {
    this.started = Date.now();
    this.lastDraw = 0;
    this.steps = steps;
    if (!this.live || !this.out) return;
    if (this.epochHeaders) this.out.write(`Epoch ${epoch + 1}/${this.epochs}\n`);
    this.bar = new this.live.SingleBar({
      format: '{value}/{total} {bar} {timing}{logs}',
      barCompleteChar: '━', barIncompleteChar: '─', barsize: 20, hideCursor: false,
      stream: this.out as unknown as NodeJS.WritableStream, clearOnComplete: false, stopOnComplete: false,
    });
    this.bar.start(steps ?? 0, 0, { timing: '', logs: '' });
  }

  /** Whether the next batch's logs would be shown (the live bar redraws at most every 100 ms, and on the last step). */
  wantsBatchLogs(step: number): boolean {
    if (!this.bar) return false;
    return Date.now() - this.lastDraw >= REDRAW_MS || (this.steps !== null && step + 1 >= this.steps);
  }

  /** Moves the bar to `step + 1` done; `logs` when they were read back for this step. */
  batch(step: number, logs: Readonly<Record<string, number>> | null): void {
    if (!this.bar) return;
    const done = step + 1;
    const elapsed = (Date.now() - this.started) / 1000;
    const eta = this.steps ? (elapsed / done) * (this.steps - done) : 0;
    if (this.steps === null) this.bar.setTotal(done);
    this.bar.update(done, { timing: this.steps ? formatDuration(eta) : formatDuration(elapsed), ...(logs ? { logs: formatLogs(logs) } : {}) });
    if (logs) this.lastDraw = Date.now();
  }

  epochEnd(epoch: number, steps: number, logs: Readonly<Record<string, number>>): void {
    const seconds = (Date.now() - this.started) / 1000;
    const timing = `${formatDuration(seconds)} ${perStep(seconds, steps)}`;
    if (this.bar) {
      this.bar.setTotal(steps);
      this.bar.update(steps, { timing, logs: formatLogs(logs) });
      this.bar.stop();
      this.bar = null;
      return;
    }
    const line = `${this.epochHeaders ? `Epoch ${epoch + 1}/${this.epochs} - ` : ''}${steps}/${steps} - ${timing}${formatLogs(logs)}`;
    if (this.out) this.out.write(`${line}\n`);
    else console.log(line);
  }

  /** Ends a bar left open by an error. */
  close(): void {
    this.bar?.stop();
    this.bar = null;
  }
}
