import { KilnError } from '../ir/index.js';
import { applyOp, pauseRecording, Tensor, withCustomGradient, type GradFunc } from '../trace/index.js';
import { toTensor, type TensorLike } from './convert.js';
import { GradientTape } from './gradient-tape.js';

function checkConnected(g: Tensor | null, i: number): Tensor {
  if (!g) {
    throw new KilnError(`cannot compute the gradient of y = f(x) with respect to argument ${i}: y does not depend on it. Make sure f encloses every operation from x to y`, { op: 'grad' });
  }
  return g;
}

function checkScalarTarget(y: Tensor, dy: Tensor | undefined, op: string): void {
  if (!(y instanceof Tensor)) throw new KilnError(`f must return a tensor, got ${typeof y}`, { op });
  if (dy === undefined && y.rank !== 0 && y.size !== 1) {
    // As tf.grad: a non-scalar y is summed (its cotangent is ones) unless dy is given.
  }
}

function gradsOf(f: (...xs: Tensor[]) => Tensor, xs: readonly Tensor[], dy: Tensor | undefined, op: string): { value: Tensor; grads: Tensor[] } {
  const tape = new GradientTape();
  tape.watch([...xs]);
  const value = tape.record(() => f(...xs));
  checkScalarTarget(value, dy, op);
  const grads = tape.gradient(value, [...xs], dy ? { outputGradients: dy } : {});
  return { value, grads: grads.map(checkConnected) };
}

/** `grad(f)(x)`: the gradient of f at x (as tf.grad). */
export function grad(f: (x: Tensor) => Tensor): (x: TensorLike, dy?: TensorLike) => Tensor {
  return (x, dy) => gradsOf(f, [toTensor(x, 'x', 'grad')], dy === undefined ? undefined : toTensor(dy, 'dy', 'grad'), 'grad').grads[0]!;
}

/** `grads(f)([a, b])`: the gradients of f with respect to each argument (as tf.grads). */
export function grads(f: (...xs: Tensor[]) => Tensor): (args: readonly TensorLike[], dy?: TensorLike) => Tensor[] {
  return (args, dy) => gradsOf(f, args.map((a, i) => toTensor(a, `args[${i}]`, 'grads')), dy === undefined ? undefined : toTensor(dy, 'dy', 'grads'), 'grads').grads;
}

/** `valueAndGrad(f)(x)`: `{ value: f(x), grad }` (as tf.valueAndGrad). */
export function valueAndGrad(f: (x: Tensor) => Tensor): (x: TensorLike, dy?: TensorLike) => { value: Tensor; grad: Tensor } {
  return (x, dy) => {
    const r = gradsOf(f, [toTensor(x, 'x', 'valueAndGrad')], dy === undefined ? undefined : toTensor(dy, 'dy', 'valueAndGrad'), 'valueAndGrad');
    return { value: r.value, grad: r.grads[0]! };
  };
}

/** `valueAndGrads(f)([a, b])`: `{ value, grads }` (as tf.valueAndGrads). */
export function valueAndGrads(f: (...xs: Tensor[]) => Tensor): (args: readonly TensorLike[], dy?: TensorLike) => { value: Tensor; grads: Tensor[] } {
  return (args, dy) => gradsOf(f, args.map((a, i) => toTensor(a, `args[${i}]`, 'valueAndGrads')), dy === undefined ? undefined : toTensor(dy, 'dy', 'valueAndGrads'), 'valueAndGrads');
}

/** The identity whose gradient is zero: nothing flows back through it. */
export function stopGradient(x: TensorLike): Tensor {
  return applyOp('stopGradient', [toTensor(x, 'x', 'stopGradient')]);
}

/** What a customGrad function returns: its value and the function giving its gradients. */
export interface CustomGradientResult {
  readonly value: Tensor;
  readonly gradFunc: GradFunc;
}

/** Saves tensors for a customGrad's gradFunc (tf.GradSaveFunc). */
export type GradSaveFunc = (tensors: Tensor[]) => void;

/**
 * A function with a user-supplied gradient (as tf.customGrad): `f(...inputs, save)` returns
 * `{ value, gradFunc }`; `gradFunc(dy, saved)` returns one cotangent per input. One input may be
 * written `(x, save) => ...` without annotations; more inputs are typed as `(a: Tensor, b: Tensor, save: GradSaveFunc)`.
 */
export function customGrad(f: (x: Tensor, save: GradSaveFunc) => CustomGradientResult): (x: TensorLike) => Tensor;
export function customGrad<A extends Tensor[]>(f: (...args: [...A, GradSaveFunc]) => CustomGradientResult): (...inputs: { [K in keyof A]: TensorLike }) => Tensor;
export function customGrad(f: (...args: never) => CustomGradientResult): (...inputs: never) => Tensor {
  return (...inputs: TensorLike[]): Tensor => {
    const xs = inputs.map((x, i) => toTensor(x, `inputs[${i}]`, 'customGrad'));
    let saved: Tensor[] = [];
    const save = (tensors: Tensor[]) => { saved = tensors; };
    const result = pauseRecording(() => (f as (...a: unknown[]) => CustomGradientResult)(...xs, save));
    if (!result || !(result.value instanceof Tensor) || typeof result.gradFunc !== 'function') {
      throw new KilnError('the function must return { value: Tensor, gradFunc: (dy, saved) => Tensor[] }', { op: 'customGrad' });
    }
    return withCustomGradient(result.value, xs, saved, result.gradFunc);
  };
}
