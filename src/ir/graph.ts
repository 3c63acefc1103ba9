import type { Attrs, HostTensor, VariableRef } from './op-def.js';
import { KilnError } from './error.js';
import { getOp } from './registry.js';
import type { TensorType } from './tensor-type.js';

/** One tensor of the graph, produced by exactly one node (as its `index`-th output). */
export class Value {
  constructor(readonly id: number, readonly type: TensorType, readonly node: Node, readonly index = 0) {}
}

/** One operation: a primitive applied to values, with attributes. Control flow has several outputs. */
export class Node {
  readonly outputs: readonly Value[];
  constructor(
    readonly id: number,
    readonly op: string,
    readonly inputs: readonly Value[],
    readonly attrs: Attrs,
    types: readonly TensorType[],
    /** The previous stateful node in program order, for stateful nodes (an ordering edge). */
    readonly after: Node | null = null,
    /** The user's file:line that created this node, when known. */
    readonly location?: string,
    /** Ids of the outputs after the first (the first output's id is the node's). */
    extraIds: readonly number[] = [],
  ) {
    this.outputs = types.map((t, i) => new Value(i === 0 ? id : extraIds[i - 1]!, t, this, i));
  }

  /** The first (usually the only) output. */
  get output(): Value {
    return this.outputs[0]!;
  }
}

/** Whether a node has an effect (state, or control flow around stateful subgraphs): never removed or merged. */
export function isEffectful(node: Node): boolean {
  const def = getOp(node.op);
  return def.stateful === true || def.isStateful?.(node.attrs) === true;
}

/**
 * An SSA dataflow graph: parameters, nodes in topological order, outputs. Parameters and
 * constants are nodes too (ops `parameter` and `constant`), so every value has a producer.
 */
export class Graph {
  readonly nodes: Node[] = [];
  readonly params: Value[] = [];
  outputs: Value[] = [];
  private nextId = 0;
  private lastEffect: Node | null = null;

  constructor(readonly name = 'main') {}

  /** Adds a node after inferring its type; throws a KilnError on bad input, adding nothing. */
  add(op: string, inputs: readonly Value[], attrs: Attrs = {}, location?: string, id?: number): Value {
    return this.addNode(op, inputs, attrs, location, id === undefined ? undefined : [id]).output;
  }

  /** Adds a node and returns it (with all its outputs); `ids` fixes the output ids (copies keep them). */
  addNode(op: string, inputs: readonly Value[], attrs: Attrs = {}, location?: string, ids?: readonly number[]): Node {
    const def = getOp(op);
    const types = inputs.map((v) => v.type);
    if (def.arity >= 0 && inputs.length !== def.arity) {
      throw new KilnError(`expects ${def.arity} input(s), got ${inputs.length}`, { op });
    }
    if (def.normalize) attrs = def.normalize(types, attrs);
    const outTypes = def.inferOutputs ? def.inferOutputs(types, attrs) : [def.infer(types, attrs)];
    const outIds = outTypes.map((_, i) => ids?.[i] ?? this.nextId++);
    for (const i of outIds) if (i >= this.nextId) this.nextId = i + 1;
    const stateful = def.stateful || def.isStateful?.(attrs) === true;
    const node = new Node(outIds[0]!, op, inputs, attrs, outTypes, stateful ? this.lastEffect : null, location, outIds.slice(1));
    if (stateful) this.lastEffect = node;
    this.nodes.push(node);
    return node;
  }

  /** Adds a copy of another graph's node, keeping its ids, with new inputs (passes rebuild graphs so). */
  copyNode(node: Node, inputs: readonly Value[]): Value {
    return this.copyNodeWithOutputs(node, inputs).output;
  }

  copyNodeWithOutputs(node: Node, inputs: readonly Value[]): Node {
    const copy = this.addNode(node.op, inputs, node.attrs, node.location, node.outputs.map((v) => v.id));
    if (node.op === 'parameter') this.params[node.attrs.index as number] = copy.output;
    return copy;
  }

  parameter(type: TensorType, name?: string): Value {
    const v = this.add('parameter', [], { index: this.params.length, shape: type.shape, dtype: type.dtype, name: name ?? null });
    this.params[v.node.attrs.index as number] = v;
    return v;
  }

  constant(value: HostTensor, location?: string): Value {
    return this.add('constant', [], { value }, location);
  }

  readVariable(variable: VariableRef, location?: string): Value {
    return this.add('readVariable', [], { variable }, location);
  }

  /** Number of nodes that read each value (graph outputs count as readers). */
  useCounts(): Map<Value, number> {
    const uses = new Map<Value, number>();
    for (const n of this.nodes) for (const v of n.inputs) uses.set(v, (uses.get(v) ?? 0) + 1);
    for (const v of this.outputs) uses.set(v, (uses.get(v) ?? 0) + 1);
    return uses;
  }

  /** Variables this graph reads or writes, in first-touch order. */
  variables(): VariableRef[] {
    const seen = new Map<number, VariableRef>();
    for (const n of this.nodes) {
      const v = n.attrs.variable as VariableRef | undefined;
      if (v && !seen.has(v.id)) seen.set(v.id, v);
    }
    return [...seen.values()];
  }
}
