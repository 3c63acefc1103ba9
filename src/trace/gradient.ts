import { Graph, printGraph, type GraphBuilder, type HostTensor, type TensorType, type Value } from '../ir/index.js';
import { deriveGradients } from '../passes/index.js';
import { Storage, type Executable } from '../runtime/index.js';
import { applyOp, valueOf } from './apply.js';
import { currentBackend } from './backends.js';
import { compileGraph } from './pipeline.js';
import { eagerTapesRecording, type Recording } from './tape.js';
import { Tensor } from './tensor.js';
import { variableSlot } from './variable.js';

function scalar(value: number, dtype: HostTensor['type']['dtype']): HostTensor {
  const data = dtype === 'float32' ? new Float32Array([value]) : dtype === 'int32' ? new Int32Array([value]) : new Uint8Array([value]);
  return { type: { shape: [], dtype }, data };
}

/** A builder that appends to a graph (inside a trace, or the gradient graph of an eager tape). */
function graphBuilder(graph: Graph): GraphBuilder<Value> {
  let location: string | undefined;
  return {
    at: (loc) => { location = loc; },
    op: (name, inputs, attrs = {}) => graph.add(name, inputs, attrs, location),
    opOutputs: (name, inputs, attrs = {}) => [...graph.addNode(name, inputs, attrs, location).outputs],
    constant: (value, dtype = 'float32') => graph.constant(scalar(value, dtype)),
    typeOf: (v) => v.type,
  };
}

/** A builder that runs ops eagerly, so tapes recording around it see them (nested tapes). */
const eagerBuilder: GraphBuilder<Tensor> = {
  op: (name, inputs, attrs = {}) => applyOp(name, inputs, attrs),
  constant: (value, dtype = 'float32') => {
    const backend = currentBackend();
    return new Tensor({ shape: [], dtype }, { storage: new Storage(backend, backend.upload(dtype, scalar(value, dtype).data)) });
  },
  typeOf: (t) => ({ shape: t.shape, dtype: t.dtype }),
};

interface CachedGradient {
  readonly executable: Executable;
  /** Recorded values bound to the gradient program's parameters, by id. */
  readonly bound: readonly number[];
  /** For each source, the program output holding its gradient, or -1 (unconnected). */
  readonly outputOf: readonly number[];
  readonly outputTypes: readonly TensorType[];
}

const gradientCache = new Map<string, CachedGradient>();

/**
 * Gradients of `target` with respect to each source's values, derived by the gradient pass
 * over what `recording` recorded. Inside a trace the backward nodes join the traced graph;
 * eagerly they form a graph of their own, compiled once per recorded structure and cached.
 */
export function computeGradients(recording: Recording, target: Value, sources: readonly (readonly Value[])[], seed: Tensor | null): (Tensor | null)[] {
  const nodes = recording.nodes();
  if (recording.trace) {
    const trace = recording.trace;
    const grads = deriveGradients({
      nodes, target, sources, builder: graphBuilder(trace.graph), forward: (v) => v,
      // A concrete seed is captured like any tensor the trace reads.
      ...(seed ? { seed: valueOf(trace, seed, 'GradientTape.gradient') } : {}),
    });
    return grads.map((v) => (v ? new Tensor(v.type, null, v, trace) : null));
  }
  // Op by op when an outer tape must record the gradient's ops, or a user gradient function must run.
  if (eagerTapesRecording() || nodes.some((n) => n.op === 'customGradient')) {
    const tensorOf = (v: Value) => {
      const b = recording.bindings.find((x) => x.param === v)!;
      // A tensor disposed since it was recorded, or a variable assigned since, is read from the
      // storage the tape pinned: the value the forward pass used.
      return !b.tensor.isDisposed && b.tensor.slot?.storage === b.storage ? b.tensor : new Tensor(v.type, { storage: b.storage.retain() });
    };
    return deriveGradients({ nodes, target, sources, builder: eagerBuilder, forward: tensorOf, ...(seed ? { seed } : {}) });
  }
  return runCompiledGradient(recording, target, sources, seed);
}

function runCompiledGradient(recording: Recording, target: Value, sources: readonly (readonly Value[])[], seed: Tensor | null): (Tensor | null)[] {
  const backend = currentBackend();
  const key = `${backend.name}|${printGraph(recording.graph, { locations: false })}|${target.id}|${sources.map((g) => g.map((v) => v.id).join(',')).join(';')}|${seed ? `seed${seed.shape}` : ''}`;
  let entry = gradientCache.get(key);
  if (!entry) {
    const graph = new Graph('gradient');
    const bound: number[] = [];
    const params = new Map<Value, Value>();
    const forward = (v: Value) => {
      let p = params.get(v);
      if (!p) { p = graph.parameter(v.type); params.set(v, p); bound.push(v.id); }
      return p;
    };
    const seedParam = seed ? graph.parameter({ shape: seed.shape, dtype: seed.dtype }) : null;
    const grads = deriveGradients({ nodes: recording.nodes(), target, sources, builder: graphBuilder(graph), forward, ...(seedParam ? { seed: seedParam } : {}) });
    const outputOf: number[] = [];
    graph.outputs = [];
    for (const gv of grads) {
      outputOf.push(gv ? graph.outputs.length : -1);
      if (gv) graph.outputs.push(gv);
    }
    entry = { executable: compileGraph(graph, backend).executable, bound, outputOf, outputTypes: graph.outputs.map((v) => v.type) };
    gradientCache.set(key, entry);
  }
  const storageOf = new Map<number, Tensor['slot']>();
  for (const b of recording.bindings) storageOf.set(b.param.id, { storage: b.storage });
  const inputs = entry.bound.map((id) => storageOf.get(id)!.storage);
  // The seed parameter was made before any forward value was bound, so it comes first.
  const outs = entry.executable.run(seed ? [seed.storageOn(backend, 'gradient'), ...inputs] : inputs, variableSlot);
  return entry.outputOf.map((i) => (i < 0 ? null : new Tensor(entry!.outputTypes[i]!, { storage: outs[i]! })));
}
