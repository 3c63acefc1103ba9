import type { Attrs, HostTensor, VariableRef } from './op-def.js';
import { KilnError } from './error.js';
import { getOp } from './registry.js';
import type { TensorType } from './tensor-type.js';

/** One tensor of the graph, produced by exactly one node. */
export class Value {
  constructor(readonly id: number, readonly type: TensorType, readonly node: Node) {}
}

/** One operation: a primitive applied to values, with attributes. */
export class Node {
  readonly output: Value;
  constructor(
    readonly id: number,
    readonly op: string,
    readonly inputs: readonly Value[],
    readonly attrs: Attrs,
    type: TensorType,
    /** The previous stateful node in program order, for stateful nodes (an ordering edge). */
    readonly after: Node | null = null,
    /** The user's file:line that created this node, when known. */
    readonly location?: string,
  ) {
    this.output = new Value(id, type, this);
  }
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
    const def = getOp(op);
    const types = inputs.map((v) => v.type);
    if (def.arity >= 0 && inputs.length !== def.arity) {
      throw new KilnError(`expects ${def.arity} input(s), got ${inputs.length}`, { op });
    }
    if (def.normalize) attrs = def.normalize(types, attrs);
    const type = def.infer(types, attrs);
    const nodeId = id ?? this.nextId++;
    if (nodeId >= this.nextId) this.nextId = nodeId + 1;
    const node = new Node(nodeId, op, inputs, attrs, type, def.stateful ? this.lastEffect : null, location);
    if (def.stateful) this.lastEffect = node;
    this.nodes.push(node);
    return node.output;
  }

  /** Adds a copy of another graph's node, keeping its id, with new inputs (passes rebuild graphs so). */
  copyNode(node: Node, inputs: readonly Value[]): Value {
    const v = this.add(node.op, inputs, node.attrs, node.location, node.id);
    if (node.op === 'parameter') this.params[node.attrs.index as number] = v;
    return v;
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
