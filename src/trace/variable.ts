import { Graph, KilnError, sizeOf, type TensorType, type Value, type VariableRef } from '../ir/index.js';
import type { Storage, VariableSlot } from '../runtime/index.js';
import { currentBackend } from './backends.js';
import { rehome } from './rehome.js';
import { compileGraph } from './pipeline.js';
import { keep } from './scope.js';
import { Tensor } from './tensor.js';
import { currentTrace, type TraceState } from './trace-state.js';

const usedNames = new Map<string, number>();

function uniqueName(base: string): string {
  const n = usedNames.get(base) ?? 0;
  usedNames.set(base, n + 1);
  return n === 0 ? base : `${base}_${n}`;
}

export interface VariableOptions {
  readonly trainable?: boolean;
  readonly name?: string;
}

/**
 * A mutable tensor. Inside compiled functions it is captured by reference: every call reads
 * its current value, and assignments update it in program order.
 */
export class Variable extends Tensor implements VariableRef {
  readonly name: string;
  trainable: boolean;

  constructor(initial: Tensor, options: VariableOptions = {}) {
    const trace = currentTrace();
    if (trace && !trace.allowVariableCreation) {
      // tf.function: "only supports singleton tf.Variables created on the first call".
      const when = trace.liftingRetrace
        ? `creates a new variable on every call: it created one again when traced a second time (a first trace that creates variables is traced again without them)`
        : `created a variable while tracing a new input signature`;
      throw new KilnError(`compiled function '${trace.functionName}' ${when}; variables may be created on the first call only. ` +
        `Create them outside the function, or on first use only (\`if (v === null) v = new kiln.Variable(...)\`)`, { op: 'Variable' });
    }
    const storage = initialStorage(initial, trace);
    super({ shape: initial.shape, dtype: initial.dtype }, { storage });
    keep(this);
    this.name = uniqueName(options.name ?? 'Variable');
    this.trainable = options.trainable ?? true;
    trace?.createdVariables.push(this);
  }

  get type(): TensorType {
    return { shape: this.shape, dtype: this.dtype };
  }

  /** @internal */
  get varSlot(): VariableSlot {
    this.storage('Variable');
    return this.slot!;
  }

  override describe(): string {
    return `variable '${this.name}' ${super.describe()}`;
  }
}

/** A variable's slot for a run on the current backend (its value moved there first if need be). */
export function variableSlot(ref: VariableRef): VariableSlot {
  const v = ref as Variable;
  const slot = v.varSlot;
  const backend = currentBackend();
  if (slot.storage.backend !== backend) rehome(slot, backend, v.describe(), 'readVariable');
  return slot;
}

/** The initial value's storage; a symbolic initial value is computed now, outside the trace. */
function initialStorage(initial: Tensor, trace: TraceState | null): Storage {
  if (!(initial instanceof Tensor)) throw new KilnError(`expects a tensor initial value`, { op: 'Variable' });
  if (!initial.value) return initial.storageOn(currentBackend(), 'Variable').retain();
  if (!trace || initial.trace !== trace) throw new KilnError(`initial value ${initial.describe()} belongs to another trace`, { op: 'Variable' });
  return evaluateDetached(trace, initial.value);
}

/** Runs the part of a trace's graph that computes `value`, now. Like TF's init_scope lifting. */
function evaluateDetached(trace: TraceState, value: Value): Storage {
  const needed = new Set<Value>();
  const stack = [value];
  while (stack.length) {
    const v = stack.pop()!;
    if (needed.has(v)) continue;
    needed.add(v);
    stack.push(...v.node.inputs);
  }
  const captured = new Map<Value, Tensor>();
  for (const [t, v] of trace.captures) captured.set(v, t);
  const graph = new Graph('initializer');
  const map = new Map<Value, Value>();
  const inputs: Tensor[] = [];
  for (const node of trace.graph.nodes) {
    const v = node.output;
    if (!needed.has(v)) continue;
    if (node.op === 'parameter') {
      const t = captured.get(v);
      if (!t) throw new KilnError(`a variable's initial value may not depend on the compiled function's arguments`, { op: 'Variable' });
      map.set(v, graph.parameter(v.type));
      inputs.push(t);
    } else {
      map.set(v, graph.add(node.op, node.inputs.map((i) => map.get(i)!), node.attrs, node.location));
    }
  }
  graph.outputs = [map.get(value)!];
  const { executable } = compileGraph(graph, currentBackend());
  const [storage] = executable.run(inputs.map((t) => t.storageOn(currentBackend(), 'Variable')), variableSlot);
  executable.dispose();
  if (storage!.buffer.size !== sizeOf(value.type.shape)) throw new Error('kiln: initializer size mismatch');
  return storage!;
}
