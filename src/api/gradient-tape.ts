import { KilnError } from '../ir/index.js';
import { computeGradients, currentTrace, pauseRecording, recordInto, Recording, Tensor, Variable } from '../trace/index.js';
import { zerosLike } from './creation.js';

export interface GradientOptions {
  /** The target's cotangent (TF's output_gradients); ones when absent. */
  readonly outputGradients?: Tensor;
  /** What an unconnected source gets: null (TF's None, the default) or zeros. */
  readonly unconnectedGradients?: 'none' | 'zero';
}

/**
 * Records operations in `record(fn)` so `gradient()` can differentiate them. Eagerly it
 * records executed ops; inside kiln.compile it marks the traced nodes, and the gradient graph
 * becomes part of the compiled function.
 */
export class GradientTape {
  readonly persistent: boolean;
  private recording: Recording | null = null;
  private readonly watched = new Set<Tensor>();
  private spent = false;

  constructor(options: { persistent?: boolean } = {}) {
    this.persistent = options.persistent ?? false;
  }

  private active(op: string): Recording {
    if (this.spent) throw new KilnError('this non-persistent GradientTape already computed its gradient; use { persistent: true } to call gradient() more than once', { op });
    this.recording ??= new Recording(currentTrace());
    return this.recording;
  }

  /** Runs `fn`, recording its operations (trainable variables are watched automatically). */
  record<T>(fn: () => T): T {
    return recordInto(this.active('GradientTape.record'), fn);
  }

  /** Also differentiate with respect to these tensors (plain tensors are not watched otherwise). */
  watch(...tensors: (Tensor | readonly Tensor[])[]): void {
    const recording = this.active('GradientTape.watch');
    for (const t of tensors.flat()) {
      if (!(t instanceof Tensor)) throw new KilnError(`expects tensors, got ${typeof t}`, { op: 'GradientTape.watch' });
      this.watched.add(t);
      recording.watch(t);
    }
  }

  /** Runs `fn` without recording (tf's stop_recording). */
  stopRecording<T>(fn: () => T): T {
    return pauseRecording(fn);
  }

  /** Gradients of `target` with respect to each source, in the sources' structure (null where unconnected). */
  gradient(target: Tensor, sources: Tensor, options?: GradientOptions): Tensor | null;
  gradient(target: Tensor, sources: readonly Tensor[], options?: GradientOptions): (Tensor | null)[];
  gradient(target: Tensor, sources: Readonly<Record<string, Tensor>>, options?: GradientOptions): Record<string, Tensor | null>;
  gradient(target: Tensor, sources: Tensor | readonly Tensor[] | Readonly<Record<string, Tensor>>, options: GradientOptions = {}): unknown {
    const recording = this.active('GradientTape.gradient');
    if (!(target instanceof Tensor)) throw new KilnError(`target must be a tensor, got ${typeof target}`, { op: 'GradientTape.gradient' });
    const list = sources instanceof Tensor ? [sources] : Array.isArray(sources) ? [...sources] : Object.values(sources as Record<string, Tensor>);
    list.forEach((s, i) => {
      if (!(s instanceof Tensor)) throw new KilnError(`source ${i} is not a tensor (got ${s === null ? 'null' : typeof s})`, { op: 'GradientTape.gradient' });
    });
    const targetValue = recording.valueOf(target);
    const groups = list.map((s) => (this.differentiable(recording, s) ? recording.sourceValues(s) : []));
    const seed = options.outputGradients ?? null;
    let grads: (Tensor | null)[];
    try {
      grads = targetValue && target.dtype === 'float32' ? computeGradients(recording, targetValue, groups, seed) : list.map(() => null);
    } finally {
      if (!this.persistent) {
        this.spent = true;
        if (!recording.trace) recording.release();
      }
    }
    if (options.unconnectedGradients === 'zero') grads = grads.map((g, i) => g ?? zerosLike(list[i]!));
    if (sources instanceof Tensor) return grads[0];
    if (Array.isArray(sources)) return grads;
    return Object.fromEntries(Object.keys(sources).map((k, i) => [k, grads[i]]));
  }

  /** Sources TF would differentiate: watched tensors, trainable variables, and recorded results. */
  private differentiable(recording: Recording, s: Tensor): boolean {
    if (this.watched.has(s)) return true;
    if (s instanceof Variable) return s.trainable;
    const v = recording.valueOf(s);
    return v !== undefined && v.node.op !== 'parameter';
  }

  /** Frees what the tape holds (a persistent tape keeps its recording until this). */
  dispose(): void {
    if (this.recording && !this.recording.trace) this.recording.release();
    this.spent = true;
  }
}
