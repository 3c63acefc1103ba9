import { KilnError, Tensor, type DType } from '../../api/index.js';
import { Graph } from '../../ir/index.js';
import { pauseRecording, TraceState, withTrace } from '../../trace/index.js';
import type { Layer } from './layer.js';

/** A shape whose batch axis may be unknown (`null`), as Keras's `(None, 784)`. */
export type Shape = (number | null)[];

/**
 * A symbolic tensor of the functional API: the output of `keras.Input` or of a layer applied to
 * one. It carries a shape and dtype and the layer call that made it; models replay those calls.
 */
export class KerasTensor {
  constructor(
    readonly shape: Shape,
    readonly dtype: DType,
    /** The layer call that produced it, and which of that call's outputs it is. */
    readonly node: CallNode,
    readonly index: number,
  ) {}

  get rank(): number {
    return this.shape.length;
  }

  toString(): string {
    return `KerasTensor(shape=${formatShape(this.shape)}, dtype=${this.dtype}, from=${this.node.layer.name})`;
  }
}

/** One application of a layer to symbolic inputs (Keras's Node). */
export class CallNode {
  outputs: KerasTensor[] = [];
  constructor(
    readonly layer: Layer,
    /** The inputs, flattened; `single` says whether the layer got one tensor or a list. */
    readonly inputs: readonly KerasTensor[],
    readonly single: boolean,
    /** Arguments given explicitly at the call (`{ training: true }`), replayed every run. */
    readonly kwargs: Readonly<Record<string, unknown>>,
  ) {}
}

export function formatShape(shape: Shape | null | undefined): string {
  if (!shape) return '?';
  const dims = shape.map((d) => (d === null ? 'None' : String(d)));
  return `(${dims.join(', ')}${dims.length === 1 ? ',' : ''})`;
}

export function isKerasTensorInput(x: unknown): x is KerasTensor | readonly KerasTensor[] {
  return x instanceof KerasTensor || (Array.isArray(x) && x.length > 0 && x.every((t) => t instanceof KerasTensor));
}

/** The batch size used for an unknown batch axis while shapes are worked out by tracing. */
const PLACEHOLDER_BATCH = 2;

export interface TensorSpec { readonly shape: Shape; readonly dtype: DType }

/**
 * Runs `fn` on placeholder tensors in a throwaway trace (nothing executes) and returns the
 * shapes and dtypes of what it returns. An unknown batch axis in the inputs stays unknown in
 * the outputs' first axis. Layers built on the way build eagerly (Layer.apply does so in an init scope).
 */
export function traceSpecs(fn: (inputs: Tensor[]) => Tensor | readonly Tensor[], specs: readonly TensorSpec[], name = 'shape_inference'): TensorSpec[] {
  const graph = new Graph(name);
  const state = new TraceState(graph, name, true);
  const unknownBatch = specs.some((s) => s.shape[0] === null);
  const outputs = pauseRecording(() => withTrace(state, () => {
    const placeholders = specs.map((s) => {
      const shape = s.shape.map((d, i) => {
        if (d !== null) return d;
        if (i === 0) return PLACEHOLDER_BATCH;
        throw new KilnError(`shape ${formatShape(s.shape)} has an unknown axis ${i}; only the batch axis (0) may be unknown`, { op: name });
      });
      return new Tensor({ shape, dtype: s.dtype }, null, graph.parameter({ shape, dtype: s.dtype }), state);
    });
    const out = fn(placeholders);
    return out instanceof Tensor ? [out] : [...out];
  }));
  return outputs.map((t) => {
    if (!(t instanceof Tensor)) throw new KilnError(`expected the call to return tensors, got ${typeof t}`, { op: name });
    const shape: Shape = [...t.shape];
    if (unknownBatch && shape.length > 0) shape[0] = null;
    return { shape, dtype: t.dtype };
  });
}
