import { extendOp, KilnError, type Value } from '../ir/index.js';
import { applyOp } from './apply.js';
import { Tensor } from './tensor.js';
import { currentTrace } from './trace-state.js';

/** A user gradient: the cotangent of the output and the saved tensors → a cotangent per input. */
export type GradFunc = (dy: Tensor, saved: Tensor[]) => Tensor | Tensor[];

/** Gradient functions by the output they belong to (a concrete Tensor, or a traced Value). */
const gradFuncs = new WeakMap<object, { fn: GradFunc; inputs: number }>();

/**
 * The identity on `value`, differentiated with `gradFunc` instead of through `value`'s own
 * computation (tf.customGrad). `inputs` are what gradFunc returns cotangents for.
 */
export function withCustomGradient(value: Tensor, inputs: readonly Tensor[], saved: readonly Tensor[], gradFunc: GradFunc): Tensor {
  // Recorded like any op (eager tapes observe it; traced tapes' ranges hold the node), so the gradient reaches `inputs`.
  const out = applyOp('customGradient', [value, ...inputs, ...saved], { inputs: inputs.length });
  gradFuncs.set(out.value ?? out, { fn: gradFunc, inputs: inputs.length });
  return out;
}

extendOp('customGradient', {
  vjp: (_g, c) => {
    const y = c.y() as unknown;
    const entry = gradFuncs.get(y as object);
    if (!entry) throw new KilnError('the gradient function of this customGrad output is no longer available', { op: 'customGrad' });
    const trace = currentTrace();
    const asTensor = (v: unknown): Tensor => (v instanceof Tensor ? v : new Tensor((v as Value).type, null, v as Value, trace));
    const n = entry.inputs;
    const total = c.inTypes.length;
    const saved = Array.from({ length: total - 1 - n }, (_, i) => asTensor(c.x(1 + n + i)));
    const result = entry.fn(asTensor(c.dy), saved);
    const grads = Array.isArray(result) ? result : [result];
    if (grads.length !== n) throw new KilnError(`gradFunc returned ${grads.length} gradient(s) for ${n} input(s)`, { op: 'customGrad' });
    const back = grads.map((t) => (t.value ?? t) as unknown as typeof c.dy);
    return [null, ...back, ...saved.map(() => null)];
  },
});
