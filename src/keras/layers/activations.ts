import * as kiln from '../../api/index.js';
import { KilnError, type Tensor } from '../../api/index.js';

/** An activation: a function of a tensor, or its Keras name ('relu', 'softmax', ...). */
export type ActivationFunction = (x: Tensor) => Tensor;
export type ActivationIdentifier = string | ActivationFunction;

export const linear: ActivationFunction = (x) => x;
export const relu: ActivationFunction = (x) => kiln.relu(x);
export const relu6: ActivationFunction = (x) => kiln.relu6(x);
export const sigmoid: ActivationFunction = (x) => kiln.sigmoid(x);
export const tanh: ActivationFunction = (x) => kiln.tanh(x);
export const softmax: ActivationFunction = (x) => kiln.softmax(x, -1);
export const logSoftmax: ActivationFunction = (x) => kiln.logSoftmax(x, -1);
export const elu: ActivationFunction = (x) => kiln.elu(x);
export const softplus: ActivationFunction = (x) => kiln.softplus(x);
export const exponential: ActivationFunction = (x) => kiln.exp(x);
/** Keras's leaky_relu default slope. */
export const leakyRelu: ActivationFunction = (x) => kiln.leakyRelu(x, 0.2);
export const silu: ActivationFunction = (x) => kiln.mul(x, kiln.sigmoid(x));
/** The tanh form (Keras's `gelu(approximate=True)`); kiln has no erf for the exact one. */
export const gelu: ActivationFunction = (x) =>
  kiln.mul(kiln.mul(x, 0.5), kiln.add(kiln.tanh(kiln.mul(kiln.add(x, kiln.mul(kiln.pow(x, 3), 0.044715)), Math.sqrt(2 / Math.PI))), 1));
export const hardSigmoid: ActivationFunction = (x) => kiln.clipByValue(kiln.add(kiln.div(x, 6), 0.5), 0, 1);
export const softsign: ActivationFunction = (x) => kiln.div(x, kiln.add(kiln.abs(x), 1));

const BY_NAME: Readonly<Record<string, ActivationFunction>> = {
  linear, relu, relu6, sigmoid, tanh, softmax, logsoftmax: logSoftmax, elu, softplus, exponential,
  leakyrelu: leakyRelu, silu, swish: silu, gelu, hardsigmoid: hardSigmoid, softsign,
};

/** Resolves an activation by name (camelCase or snake_case) or passes a function through; undefined/null is linear. */
export function get(identifier: ActivationIdentifier | null | undefined): ActivationFunction {
  if (identifier === undefined || identifier === null) return linear;
  if (typeof identifier === 'function') return identifier;
  const fn = typeof identifier === 'string' ? BY_NAME[identifier.replace(/_/g, '').toLowerCase()] : undefined;
  if (!fn) throw new KilnError(`unknown activation ${JSON.stringify(identifier)}; known: ${Object.keys(BY_NAME).join(', ')}, or a function`, { op: 'activations.get' });
  return fn;
}

/** The name an activation is shown with (a function's own name otherwise). */
export function nameOf(fn: ActivationFunction): string {
  for (const [name, f] of Object.entries(BY_NAME)) if (f === fn) return name;
  return fn.name || 'custom';
}
