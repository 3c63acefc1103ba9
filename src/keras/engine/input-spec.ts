import { KilnError } from '../../api/index.js';
import { formatShape, type Shape } from './keras-tensor.js';

/** Constraints a layer puts on its input once built (Keras's InputSpec). */
export interface InputSpec {
  readonly minRank?: number;
  readonly rank?: number;
  /** Required sizes by axis (negative axes count from the end). */
  readonly axes?: Readonly<Record<number, number>>;
}

/** Checks an input shape against a layer's expected input shape and input spec; a KilnError naming the layer. */
export function checkInputShape(layer: { readonly name: string }, shape: Shape, expected: Shape | null, spec: InputSpec | null): void {
  const fail = (why: string) => new KilnError(`input shape ${formatShape(shape)} is incompatible with layer '${layer.name}' (${layer.constructor.name}): ${why}`, { op: `${layer.name}.apply` });
  if (expected) {
    if (expected.length !== shape.length) throw fail(`expected rank ${expected.length}, shape ${formatShape(expected)}`);
    expected.forEach((d, i) => {
      if (d !== null && shape[i] !== null && d !== shape[i]) throw fail(`expected shape ${formatShape(expected)}`);
    });
  }
  if (!spec) return;
  if (spec.rank !== undefined && shape.length !== spec.rank) throw fail(`expected rank ${spec.rank}, got rank ${shape.length}`);
  if (spec.minRank !== undefined && shape.length < spec.minRank) throw fail(`expected rank >= ${spec.minRank}, got rank ${shape.length}`);
  for (const [key, size] of Object.entries(spec.axes ?? {})) {
    const axis = Number(key) < 0 ? shape.length + Number(key) : Number(key);
    if (shape[axis] !== null && shape[axis] !== size) throw fail(`expected axis ${key} to have size ${size}, got ${shape[axis]}`);
  }
}
