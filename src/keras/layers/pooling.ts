import * as kiln from '../../api/index.js';
import { KilnError, type Tensor } from '../../api/index.js';
import { Layer, type LayerArgs } from '../engine/layer.js';
import { checkChannelsLast, checkPadding, pairOf, type Pair } from './convolutional.js';

export interface Pooling2DArgs extends LayerArgs {
  /** Default 2 (a 2×2 window). */
  readonly poolSize?: Pair;
  /** Default: the pool size. */
  readonly strides?: Pair;
  readonly padding?: 'valid' | 'same';
  readonly dataFormat?: 'channels_last';
}

abstract class Pooling2D extends Layer {
  readonly poolSize: [number, number];
  readonly strides: [number, number];
  readonly padding: 'valid' | 'same';

  constructor(poolSize: Pair | Pooling2DArgs | undefined, args: Pooling2DArgs, op: string) {
    const options = poolSize !== undefined && typeof poolSize === 'object' && !Array.isArray(poolSize) ? (poolSize as Pooling2DArgs) : args;
    super(options);
    const size = poolSize !== undefined && (typeof poolSize === 'number' || Array.isArray(poolSize)) ? (poolSize as Pair) : options.poolSize ?? 2;
    this.poolSize = pairOf(size, 'poolSize', op);
    this.strides = pairOf(options.strides ?? this.poolSize, 'strides', op);
    this.padding = checkPadding(options.padding ?? 'valid', op);
    checkChannelsLast(options.dataFormat, op);
    this.inputSpec = { rank: 4 };
  }
}

/** The maximum over each window (NHWC): `new MaxPooling2D()` is a 2×2 window with stride 2. */
export class MaxPooling2D extends Pooling2D {
  constructor(poolSize?: Pair | Pooling2DArgs, args: Pooling2DArgs = {}) {
    super(poolSize, args, 'MaxPooling2D');
  }

  override call(inputs: Tensor): Tensor {
    return kiln.maxPool(inputs, this.poolSize, this.strides, this.padding);
  }
}

/** The mean over each window (NHWC). */
export class AveragePooling2D extends Pooling2D {
  constructor(poolSize?: Pair | Pooling2DArgs, args: Pooling2DArgs = {}) {
    super(poolSize, args, 'AveragePooling2D');
  }

  override call(inputs: Tensor): Tensor {
    return kiln.avgPool(inputs, this.poolSize, this.strides, this.padding);
  }
}

/** The mean over the spatial axes of NHWC inputs: [batch, h, w, c] → [batch, c]. */
export class GlobalAveragePooling2D extends Layer {
  override call(inputs: Tensor): Tensor {
    if (inputs.rank !== 4) throw new KilnError(`expects NHWC inputs of rank 4, got shape [${inputs.shape.join(',')}]`, { op: `${this.name}.call` });
    return kiln.mean(inputs, [1, 2]);
  }
}

/** The maximum over the spatial axes of NHWC inputs. */
export class GlobalMaxPooling2D extends Layer {
  override call(inputs: Tensor): Tensor {
    if (inputs.rank !== 4) throw new KilnError(`expects NHWC inputs of rank 4, got shape [${inputs.shape.join(',')}]`, { op: `${this.name}.call` });
    return kiln.max(inputs, [1, 2]);
  }
}
