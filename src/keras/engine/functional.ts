import * as kiln from '../../api/index.js';
import { KilnError, type Tensor } from '../../api/index.js';
import { formatShape, KerasTensor, type CallNode } from './keras-tensor.js';
import type { CallArgs, Layer } from './layer.js';

/**
 * The graph of a functional model: the layer calls between its symbolic inputs and outputs,
 * in an order where every call comes after the calls that make its inputs. Running the model
 * replays these calls on real tensors; a layer called twice (shared) runs twice with one set of weights.
 */
export class FunctionalGraph {
  readonly inputs: readonly KerasTensor[];
  readonly outputs: readonly KerasTensor[];
  /** The calls to replay, in order (input layers excluded). */
  readonly nodes: readonly CallNode[];
  /** Input layers first, then each layer at its first call. */
  readonly layers: readonly Layer[];

  constructor(inputs: readonly KerasTensor[], outputs: readonly KerasTensor[], modelName: string) {
    const op = `Model '${modelName}'`;
    inputs.forEach((t, i) => {
      if (!(t instanceof KerasTensor)) throw new KilnError(`inputs[${i}] is not a symbolic tensor from keras.Input`, { op });
    });
    outputs.forEach((t, i) => {
      if (!(t instanceof KerasTensor)) throw new KilnError(`outputs[${i}] is not a symbolic tensor (the result of applying layers to keras.Input tensors)`, { op });
    });
    if (new Set(inputs).size !== inputs.length) throw new KilnError('the same input is listed twice in inputs', { op });
    this.inputs = inputs;
    this.outputs = outputs;
    const given = new Set(inputs);
    const order: CallNode[] = [];
    const done = new Set<CallNode>();
    const visit = (node: CallNode): void => {
      if (done.has(node)) return;
      done.add(node);
      if (node.outputs.every((t) => given.has(t))) return;
      if (node.inputs.length === 0) {
        throw new KilnError(`graph disconnected: output ${formatShape(node.outputs[0]?.shape)} of '${node.layer.name}' is needed but is not among the model's inputs`, { op });
      }
      for (const t of node.inputs) if (!given.has(t)) visit(t.node);
      order.push(node);
    };
    for (const t of outputs) if (!given.has(t)) visit(t.node);
    this.nodes = order;
    this.layers = [...new Set<Layer>([...inputs.map((t) => t.node.layer), ...order.map((n) => n.layer)])];
  }

  /** Runs the graph on tensors for its inputs; returns one tensor per output. */
  run(tensors: readonly Tensor[], args: CallArgs, modelName: string): Tensor[] {
    if (tensors.length !== this.inputs.length) {
      throw new KilnError(`model '${modelName}' has ${this.inputs.length} inputs, but was called with ${tensors.length}`, { op: `${modelName}.apply` });
    }
    const values = new Map<KerasTensor, Tensor>();
    this.inputs.forEach((kt, i) => values.set(kt, conformInput(kt, tensors[i]!, i, modelName)));
    for (const node of this.nodes) {
      const given = node.inputs.map((kt) => values.get(kt)!);
      const out = node.layer.apply<Tensor | Tensor[]>(node.single ? given[0]! : given, { ...args, ...node.kwargs });
      const list = Array.isArray(out) ? out : [out];
      node.outputs.forEach((kt, i) => values.set(kt, list[i]!));
    }
    return this.outputs.map((kt) => values.get(kt)!);
  }

  /** True when the graph is a plain chain (one input, one output, each layer called once on the previous one's output). */
  get isChain(): boolean {
    if (this.inputs.length !== 1 || this.outputs.length !== 1) return false;
    let previous: KerasTensor = this.inputs[0]!;
    for (const node of this.nodes) {
      if (node.inputs.length !== 1 || node.inputs[0] !== previous || node.outputs.length !== 1 || node.layer.inboundNodes.length !== 1) return false;
      previous = node.outputs[0]!;
    }
    return previous === this.outputs[0];
  }

  /** The calls whose outputs feed `layer`'s calls, as Keras's summary names them: `dense[0][0]`. */
  connections(layer: Layer): string[] {
    const names: string[] = [];
    for (const node of this.nodes) {
      if (node.layer !== layer) continue;
      for (const t of node.inputs) names.push(`${t.node.layer.name}[${t.node.layer.inboundNodes.indexOf(t.node)}][${t.index}]`);
    }
    return names;
  }
}

/** Checks a tensor against an Input's shape, casting int32 to a float32 input (as Keras converts inputs). */
function conformInput(kt: KerasTensor, t: Tensor, index: number, modelName: string): Tensor {
  const fits = t.rank === kt.rank && kt.shape.every((d, i) => d === null || d === t.shape[i]);
  if (!fits) {
    throw new KilnError(`model '${modelName}' expects input ${index} of shape ${formatShape(kt.shape)}, got ${t.dtype}[${t.shape.join(',')}]`, { op: `${modelName}.apply` });
  }
  return t.dtype !== kt.dtype && kt.dtype === 'float32' ? kiln.cast(t, 'float32') : t;
}
