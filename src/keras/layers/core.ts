import * as kiln from '../../api/index.js';
import { KilnError, type Tensor, type Variable } from '../../api/index.js';
import type { InitializerLike } from '../engine/initializers.js';
import type { Shape } from '../engine/keras-tensor.js';
import { Layer, type LayerArgs } from '../engine/layer.js';
import * as activations from './activations.js';

export interface DenseArgs extends LayerArgs {
  /** A name ('relu', 'softmax', ...) or a function; none (linear) by default. */
  readonly activation?: activations.ActivationIdentifier;
  readonly useBias?: boolean;
  readonly kernelInitializer?: InitializerLike;
  readonly biasInitializer?: InitializerLike;
}

/** The last axis of a built input shape, which must be known. */
export function knownAxis(layer: Layer, shape: Shape, axis = -1): number {
  const dim = shape[axis < 0 ? shape.length + axis : axis];
  if (typeof dim !== 'number') throw new KilnError(`axis ${axis} of the input must be known to build, got shape [${shape.join(',')}]`, { op: `${layer.name}.build` });
  return dim;
}

/** `activation(inputs · kernel + bias)` on the last axis: `new Dense(10, { activation: 'softmax' })`. */
export class Dense extends Layer {
  readonly units: number;
  readonly activation: activations.ActivationFunction;
  readonly useBias: boolean;
  kernel!: Variable;
  bias: Variable | null = null;
  private readonly kernelInitializer: InitializerLike;
  private readonly biasInitializer: InitializerLike;

  constructor(units: number | (DenseArgs & { readonly units: number }), args: DenseArgs = {}) {
    const options = typeof units === 'number' ? args : units;
    super(options);
    this.units = typeof units === 'number' ? units : units.units;
    if (!Number.isInteger(this.units) || this.units < 1) throw new KilnError(`units must be a positive integer, got ${this.units}`, { op: 'Dense' });
    this.activation = activations.get(options.activation);
    this.useBias = options.useBias ?? true;
    this.kernelInitializer = options.kernelInitializer ?? 'glorotUniform';
    this.biasInitializer = options.biasInitializer ?? 'zeros';
  }

  override build(inputShape: Shape): void {
    const inputDim = knownAxis(this, inputShape);
    this.kernel = this.addWeight({ name: 'kernel', shape: [inputDim, this.units], initializer: this.kernelInitializer });
    if (this.useBias) this.bias = this.addWeight({ name: 'bias', shape: [this.units], initializer: this.biasInitializer });
    this.inputSpec = { minRank: 2, axes: { [-1]: inputDim } };
  }

  override call(inputs: Tensor): Tensor {
    // Inputs of rank > 2 are multiplied on their last axis (as a tensordot), batch axes kept.
    const x = inputs.rank === 2 ? inputs : kiln.reshape(inputs, [-1, inputs.shape[inputs.rank - 1]!]);
    let y = kiln.matMul(x, this.kernel);
    if (this.bias) y = kiln.add(y, this.bias);
    if (inputs.rank !== 2) y = kiln.reshape(y, [...inputs.shape.slice(0, -1), this.units]);
    return this.activation(y);
  }
}

/** Applies an activation function: `new Activation('relu')`. */
export class Activation extends Layer {
  readonly activation: activations.ActivationFunction;

  constructor(activation: activations.ActivationIdentifier | (LayerArgs & { readonly activation: activations.ActivationIdentifier }), args: LayerArgs = {}) {
    const options = typeof activation === 'object' ? activation : args;
    super(options);
    this.activation = activations.get(typeof activation === 'object' ? activation.activation : activation);
  }

  override call(inputs: Tensor): Tensor {
    return this.activation(inputs);
  }
}

/** Flattens each sample to one axis: [batch, d1, d2, ...] → [batch, d1·d2·...]. */
export class Flatten extends Layer {
  override call(inputs: Tensor): Tensor {
    if (inputs.rank === 0) throw new KilnError('expects a batched input of rank >= 1, got a scalar', { op: `${this.name}.call` });
    const size = inputs.shape.slice(1).reduce((a, b) => a * b, 1);
    return kiln.reshape(inputs, [inputs.shape[0]!, size]);
  }
}

export interface ReshapeArgs extends LayerArgs {
  readonly targetShape?: readonly number[];
}

/** Reshapes each sample to `targetShape` (one entry may be -1): `new Reshape([7, 7, 1])`. */
export class Reshape extends Layer {
  readonly targetShape: readonly number[];

  constructor(targetShape: readonly number[] | ReshapeArgs, args: LayerArgs = {}) {
    const options = Array.isArray(targetShape) ? args : (targetShape as ReshapeArgs);
    super(options);
    const target = Array.isArray(targetShape) ? targetShape : (targetShape as ReshapeArgs).targetShape;
    if (!target || target.some((d) => !Number.isInteger(d) || d < -1) || target.filter((d) => d === -1).length > 1) {
      throw new KilnError(`targetShape must be an array of positive integers with at most one -1, got ${JSON.stringify(target)}`, { op: 'Reshape' });
    }
    this.targetShape = [...target];
  }

  override call(inputs: Tensor): Tensor {
    const size = inputs.shape.slice(1).reduce((a, b) => a * b, 1);
    const known = this.targetShape.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
    const fits = this.targetShape.includes(-1) ? known > 0 && size % known === 0 : known === size;
    if (!fits) {
      throw new KilnError(`cannot reshape a sample of shape [${inputs.shape.slice(1).join(',')}] (${size} values) to [${this.targetShape.join(',')}]`, { op: `${this.name}.call` });
    }
    return kiln.reshape(inputs, [inputs.shape[0]!, ...this.targetShape]);
  }
}
