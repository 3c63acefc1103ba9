import { Graph, KilnError, type Attrs, type Node, type Value } from '../ir/index.js';
import type { Storage } from '../runtime/index.js';
import { opObservers } from './apply.js';
import { Tensor } from './tensor.js';
import { currentTrace, type TraceState } from './trace-state.js';
import { Variable } from './variable.js';

/** A concrete tensor a recorded graph reads, pinned so later disposal cannot take it away. */
export interface Binding {
  readonly param: Value;
  readonly tensor: Tensor;
  readonly storage: Storage;
}

/**
 * What one GradientTape recorded. Eagerly, each executed op becomes a node of the tape's own
 * graph, whose leaves are parameters bound to the concrete tensors read; inside a trace, the
 * tape remembers which nodes of the trace's graph were added while it was recording.
 */
export class Recording {
  readonly graph: Graph;
  /** Eager: the value of each recorded tensor (variables only by the storage that was read). */
  private readonly values = new Map<Tensor, Value>();
  /** Eager: values by storage and shape, so a tensor that shares a recorded one's storage is recognized. */
  private readonly byStorage = new Map<Storage, Value[]>();
  readonly bindings: Binding[] = [];
  /** Eager: the concrete output of each recorded node. */
  readonly outputs = new Map<Value, Tensor>();
  /** Traced: [start, end) node ranges of the trace graph recorded. */
  private readonly ranges: [number, number][] = [];
  /** Traced: where the range being recorded now began (null while not recording or paused). */
  private openedAt: number | null = null;

  constructor(readonly trace: TraceState | null) {
    this.graph = trace ? trace.graph : new Graph('tape');
  }

  /** Eager recording of one executed op. */
  recordOp(op: string, inputs: readonly Tensor[], attrs: Attrs, output: Tensor): void {
    const values = inputs.map((t) => this.valueOf(t) ?? this.bind(t));
    const v = this.graph.add(op, values, attrs);
    this.remember(output, v, output.storage(op).retain());
    this.outputs.set(v, output);
  }

  private bind(t: Tensor): Value {
    const param = this.graph.parameter({ shape: t.shape, dtype: t.dtype });
    this.remember(t, param, t.storage('GradientTape').retain());
    return param;
  }

  private remember(t: Tensor, v: Value, storage: Storage): void {
    if (!(t instanceof Variable)) this.values.set(t, v);
    const list = this.byStorage.get(storage) ?? [];
    list.push(v);
    this.byStorage.set(storage, list);
    this.bindings.push({ param: v, tensor: t, storage });
  }

  /** The recorded value of a tensor, if it was recorded (eager) or belongs to the trace (or is captured by it). */
  valueOf(t: Tensor): Value | undefined {
    if (this.trace) return t.value ? (t.trace === this.trace ? t.value : undefined) : this.trace.captures.get(t);
    if (!t.slot) return undefined;
    // A variable is the value bound to its current storage; after an assignment, a read binds anew.
    if (t instanceof Variable) {
      const storage = t.slot.storage;
      return this.bindings.findLast((b) => b.tensor === t && b.storage === storage && b.param.node.op === 'parameter')?.param;
    }
    const direct = this.values.get(t);
    if (direct) return direct;
    const shape = t.shape.join();
    const found = this.byStorage.get(t.slot.storage)?.filter((v) => v.type.shape.join() === shape && v.type.dtype === t.dtype);
    return found?.[found.length - 1];
  }

  /** Eager: binds a watched tensor now, so it is a recorded value even if no op reads it (gradient(x, x)). */
  watch(t: Tensor): void {
    if (!this.trace && t.slot && !this.valueOf(t)) this.bind(t);
  }

  /** All values a source stands for: every recorded read of a variable, or the tensor's own value. */
  sourceValues(source: Tensor): Value[] {
    if (source instanceof Variable) {
      if (this.trace) return this.nodes().filter((n) => n.op === 'readVariable' && n.attrs.variable === source).map((n) => n.output);
      return this.bindings.filter((b) => b.tensor === source && b.param.node.op === 'parameter').map((b) => b.param);
    }
    const v = this.valueOf(source);
    return v ? [v] : [];
  }

  /** Traced: starts (or, after a pause, resumes) a range of recorded nodes. */
  beginTraced(): void {
    this.openedAt = this.graph.nodes.length;
  }

  /** Traced: closes the open range, so nodes made until the next begin are not recorded. */
  endTraced(): void {
    if (this.openedAt !== null) this.ranges.push([this.openedAt, this.graph.nodes.length]);
    this.openedAt = null;
  }

  /** The recorded nodes in topological order. */
  nodes(): Node[] {
    if (!this.trace) return this.graph.nodes;
    return this.ranges.flatMap(([a, b]) => this.graph.nodes.slice(a, b));
  }

  release(): void {
    for (const b of this.bindings) b.storage.release();
    this.bindings.length = 0;
    this.values.clear();
    this.byStorage.clear();
    this.outputs.clear();
  }
}

const recordingTapes = new Set<Recording>();

/** Eager ops are recorded by every tape currently inside `record`. */
opObservers.add((op, inputs, attrs, output) => {
  if (output.value) return;
  for (const r of recordingTapes) if (!r.trace) r.recordOp(op, inputs, attrs, output);
});

/** Runs `fn` with `recording` active; eager ops and trace nodes made meanwhile are recorded. */
export function recordInto<T>(recording: Recording, fn: () => T): T {
  const trace = currentTrace();
  if (recording.trace !== trace) {
    throw new KilnError(`a GradientTape made ${recording.trace ? 'inside' : 'outside'} a compiled function cannot record ${trace ? 'inside' : 'outside'} one; make the tape where it records`, { op: 'GradientTape.record' });
  }
  // record() inside the same tape's record() is already recorded.
  if (recordingTapes.has(recording)) return fn();
  if (trace) recording.beginTraced();
  recordingTapes.add(recording);
  try {
    return fn();
  } finally {
    recordingTapes.delete(recording);
    if (trace) recording.endTraced();
  }
}

/** Runs `fn` with every tape paused (tf's stop_recording); traced tapes skip the nodes it adds. */
export function pauseRecording<T>(fn: () => T): T {
  const paused = [...recordingTapes];
  recordingTapes.clear();
  for (const r of paused) if (r.trace) r.endTraced();
  try {
    return fn();
  } finally {
    for (const r of paused) {
      if (r.trace) r.beginTraced();
      recordingTapes.add(r);
    }
  }
}

/** Eager tapes that are recording right now (an outer tape must see an inner tape's gradient ops). */
export function eagerTapesRecording(): boolean {
  for (const r of recordingTapes) if (!r.trace) return true;
  return false;
}
