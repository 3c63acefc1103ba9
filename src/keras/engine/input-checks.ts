import { KilnError, Tensor } from '../../api/index.js';
import * as losses from '../losses/index.js';
import { asList } from './data-adapter.js';
import { formatShape, traceSpecs, type Shape } from './keras-tensor.js';
import type { Model, ModelIO } from './model.js';

/** The input shapes a model has committed to (functional inputs, or a built Sequential's), if any. */
function expectedInputs(model: Model): Shape[] | null {
  if (model.graph) return model.graph.inputs.map((t) => t.shape);
  return model.batchInputShape ? [model.batchInputShape] : null;
}

function isSparseCrossentropy(loss: losses.Loss): boolean {
  return loss instanceof losses.SparseCategoricalCrossentropy
    || (loss instanceof losses.LossFunctionWrapper && loss.fn === losses.sparseCategoricalCrossentropy);
}

/**
 * Checks data against the model once, before any step: x against the input shapes the model
 * was built for, and, for sparse categorical cross-entropy, that every label is an integer
 * class index below the model's number of outputs (read back once, not per step).
 */
export async function checkData(model: Model, x: ModelIO, y: ModelIO, op: string): Promise<void> {
  const xs = asList(x);
  const expected = expectedInputs(model);
  if (expected) {
    if (expected.length !== xs.length) throw new KilnError(`model '${model.name}' has ${expected.length} inputs, but x holds ${xs.length}`, { op });
    xs.forEach((t, i) => {
      const e = expected[i]!;
      if (t.rank !== e.length || e.some((d, j) => d !== null && d !== t.shape[j])) {
        const which = xs.length > 1 ? `x[${i}]` : 'x';
        throw new KilnError(`${which} has shape [${t.shape.join(',')}], but model '${model.name}' was built for inputs of shape ${formatShape(e)}`, { op });
      }
    });
  }
  const lossList = model.compiledLosses;
  if (lossList.length !== 1 || !isSparseCrossentropy(lossList[0]!) || !(y instanceof Tensor)) return;
  // The number of classes is the output's last axis, found by tracing the model on x's shapes (nothing runs).
  const specs = xs.map((t) => ({ shape: [null, ...t.shape.slice(1)] as Shape, dtype: t.dtype }));
  const out = traceSpecs((ts) => model.apply<Tensor | Tensor[]>(x instanceof Tensor ? ts[0]! : ts, { training: false }), specs, model.name);
  const classes = out[0]?.shape.at(-1);
  if (typeof classes !== 'number' || out.length !== 1) return;
  const labels = await y.data();
  for (let i = 0; i < labels.length; i++) {
    const v = Number(labels[i]);
    if (!Number.isInteger(v) || v < 0 || v >= classes) {
      throw new KilnError(`sparse categorical cross-entropy needs integer class labels in [0, ${classes}) for the model's ${classes} outputs; `
        + `label ${i} is ${v}`, { op });
    }
  }
}
