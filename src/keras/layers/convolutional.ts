import * as kiln from '../../api/index.js';
import { KilnError, type Tensor, type Variable } from '../../api/index.js';
import type { InitializerLike } from '../engine/initializers.js';
import type { Shape } from '../engine/keras-tensor.js';
import { Layer, type LayerArgs } from '../engine/layer.js';
import * as activations from './activations.js';
import { knownAxis } from './core.js';

export type Pair = number | readonly [number, number];

export function pairOf(x: Pair, name: string, op: string): [number, number] {
  const p = typeof x === 'number' ? [x, x] : x;
  if (!Array.isArray(p) || p.length !== 2 || p.some((v) => !Number.isInteger(v) || v < 1)) {
    throw new KilnError(`${name} must be a positive integer or a pair of them, got ${JSON.stringify(x)}`, { op });
  }
  return [p[0]!, p[1]!];
}

export function checkPadding(padding: string, op: string): 'valid' | 'same' {
  if (padding !== 'valid' && padding !== 'same') throw new KilnError(`padding must be 'valid' or 'same', got ${JSON.stringify(padding)}`, { op });
  return padding;
}

export function checkChannelsLast(dataFormat: string | undefined, op: string): void {
  if (dataFormat !== undefined && dataFormat !== 'channels_last') throw new KilnError(`only dataFormat 'channels_last' (NHWC) is supported, got '${dataFormat}'`, { op });
}

export interface Conv2DArgs extends LayerArgs {
  readonly strides?: Pair;
  readonly padding?: 'valid' | 'same';
  readonly dilationRate?: Pair;
  readonly dataFormat?: 'channels_last';
  readonly activation?: activations.ActivationIdentifier;
  readonly useBias?: boolean;
  readonly kernelInitializer?: InitializerLike;
  readonly biasInitializer?: InitializerLike;
}

/** 2-D convolution over NHWC inputs with an HWIO kernel: `new Conv2D(32, 3, { activation: 'relu' })`. */
export class Conv2D extends Layer {
  readonly filters: number;
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: 'valid' | 'same';
  readonly dilationRate: [number, number];
  readonly activation: activations.ActivationFunction;
  readonly useBias: boolean;
  kernel!: Variable;
  bias: Variable | null = null;
  private readonly kernelInitializer: InitializerLike;
  private readonly biasInitializer: InitializerLike;

  constructor(filters: number | (Conv2DArgs & { readonly filters: number; readonly kernelSize: Pair }), kernelSize?: Pair, args: Conv2DArgs = {}) {
    const options = typeof filters === 'number' ? args : filters;
    super(options);
    this.filters = typeof filters === 'number' ? filters : filters.filters;
    if (!Number.isInteger(this.filters) || this.filters < 1) throw new KilnError(`filters must be a positive integer, got ${this.filters}`, { op: 'Conv2D' });
    this.kernelSize = pairOf((typeof filters === 'number' ? kernelSize : filters.kernelSize)!, 'kernelSize', 'Conv2D');
    this.strides = pairOf(options.strides ?? 1, 'strides', 'Conv2D');
    this.padding = checkPadding(options.padding ?? 'valid', 'Conv2D');
    this.dilationRate = pairOf(options.dilationRate ?? 1, 'dilationRate', 'Conv2D');
    checkChannelsLast(options.dataFormat, 'Conv2D');
    this.activation = activations.get(options.activation);
    this.useBias = options.useBias ?? true;
    this.kernelInitializer = options.kernelInitializer ?? 'glorotUniform';
    this.biasInitializer = options.biasInitializer ?? 'zeros';
  }

  override build(inputShape: Shape): void {
    if (inputShape.length !== 4) throw new KilnError(`expects NHWC inputs of rank 4, got shape [${inputShape.join(',')}]`, { op: `${this.name}.build` });
    const channels = knownAxis(this, inputShape);
    this.kernel = this.addWeight({ name: 'kernel', shape: [...this.kernelSize, channels, this.filters], initializer: this.kernelInitializer });
    if (this.useBias) this.bias = this.addWeight({ name: 'bias', shape: [this.filters], initializer: this.biasInitializer });
    this.inputSpec = { rank: 4, axes: { [-1]: channels } };
  }

  override call(inputs: Tensor): Tensor {
    let y = kiln.conv2d(inputs, this.kernel, this.strides, this.padding, 'NHWC', this.dilationRate);
    if (this.bias) y = kiln.add(y, this.bias);
    return this.activation(y);
  }
}
