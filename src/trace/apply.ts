import { getOp, Graph, KilnError, userLocation, type Attrs, type OpDef, type TensorType, type Value } from '../ir/index.js';
import type { Executable } from '../runtime/index.js';
import { currentBackend } from './backends.js';
import { EagerCache } from './eager-cache.js';
import { compileGraph } from './pipeline.js';
import { Tensor } from './tensor.js';
import { currentTrace, type TraceState } from './trace-state.js';
import { Variable, variableSlot } from './variable.js';

/** Called after every eager op (GradientTape records through this). */
export type OpObserver = (op: string, inputs: readonly Tensor[], attrs: Attrs, output: Tensor) => void;
export const opObservers = new Set<OpObserver>();

/** Applies a primitive: adds a node to the graph being traced, or runs it eagerly. */
export function applyOp(op: string, inputs: readonly Tensor[], attrs: Attrs = {}): Tensor {
  const trace = currentTrace();
  const out = trace ? applySymbolic(trace, op, inputs, attrs) : applyEager(op, inputs, attrs);
  if (opObservers.size) for (const observe of opObservers) observe(op, inputs, attrs, out);
  return out;
}

/** The Value of a tensor inside a trace: its own, a variable read, or a capture of a concrete tensor. */
export function valueOf(trace: TraceState, t: Tensor, op: string): Value {
  if (t.value) {
    if (t.trace === trace) return t.value;
    if (trace.parent && trace.encloses(t.trace)) return captureFromParent(trace, valueOf(trace.parent, t, op));
    throw new KilnError(`tensor ${t.describe()} was made while tracing '${t.trace?.functionName}' and cannot be used outside that trace; return it from the function instead`, { op });
  }
  if (t instanceof Variable) {
    if (!trace.parent || trace.innerVariables.has(t)) return trace.graph.readVariable(t, userLocation());
    let p = trace.variableParams.get(t);
    if (!p) {
      p = captureFromParent(trace, valueOf(trace.parent, t, op));
      trace.variableParams.set(t, p);
    }
    return p;
  }
  t.storage(op); // throws for disposed tensors
  // Inside a subgraph, concrete tensors are captured by the outermost trace and passed down.
  if (trace.parent) return captureFromParent(trace, valueOf(trace.parent, t, op));
  let v = trace.captures.get(t);
  if (!v) {
    v = trace.graph.parameter({ shape: t.shape, dtype: t.dtype }, `capture`);
    trace.captures.set(t, v);
  }
  return v;
}

/** A parameter of a subgraph standing for a value of its enclosing graph. */
function captureFromParent(trace: TraceState, outer: Value): Value {
  let v = trace.outerCaptures.get(outer);
  if (!v) {
    v = trace.graph.parameter(outer.type, 'capture');
    trace.outerCaptures.set(outer, v);
  }
  return v;
}

function applySymbolic(trace: TraceState, op: string, inputs: readonly Tensor[], attrs: Attrs): Tensor {
  const location = userLocation();
  const values = inputs.map((t) => valueOf(trace, t, op));
  const v = trace.graph.add(op, values, attrs, location);
  return new Tensor(v.type, null, v, trace);
}

interface EagerEntry {
  readonly executable: Executable;
  readonly type: TensorType;
  /** The op's value check with its normalized attributes, when it has one. */
  readonly checkValues: ((read: (input: number) => ArrayLike<number>) => void) | null;
}

const eagerCache = new EagerCache<EagerEntry>();

/** An eager op is a one-node graph, compiled once per (op, attributes, input types). */
function applyEager(op: string, inputs: readonly Tensor[], attrs: Attrs): Tensor {
  const backend = currentBackend();
  let entry = eagerCache.get(backend.name, op, attrs, inputs);
  if (!entry) {
    for (const t of inputs) if (!(t instanceof Tensor)) throw new KilnError(`expects tensors, got ${typeof t}`, { op });
    const graph = new Graph(op);
    const params = inputs.map((t) => graph.parameter({ shape: t.shape, dtype: t.dtype }));
    const out = graph.add(op, params, attrs);
    graph.outputs = [out];
    const def: OpDef = getOp(op);
    const check = def.checkValues?.bind(def);
    const types = params.map((p) => p.type);
    const checkValues = check ? (read: (input: number) => ArrayLike<number>) => check(read, types, out.node.attrs) : null;
    entry = { executable: compileGraph(graph, backend).executable, type: out.type, checkValues };
    eagerCache.set(backend.name, op, attrs, inputs, entry);
  }
  const storages = inputs.map((t) => t.storageOn(backend, op));
  // Only where reading back is cheap and synchronous; WebGPU skips it, as TF's GPU kernels do.
  if (entry.checkValues && backend.name !== 'webgpu') entry.checkValues((i) => storages[i]!.backend.readSync(storages[i]!.buffer));
  const [storage] = entry.executable.run(storages, variableSlot);
  return new Tensor(entry.type, { storage: storage! });
}
