import * as kiln from '../../api/index.js';
import { KilnError, type Tensor } from '../../api/index.js';
import type { Shape } from '../engine/keras-tensor.js';
import { Layer, type CallArgs, type LayerArgs } from '../engine/layer.js';
import { affineTransform, checkFillMode, checkInterpolation, type FillMode, type Interpolation } from './affine-transform.js';
import { SeedGenerator } from './seed-generator.js';

/** A factor: x means the range [-x, x]; a pair is [lower, upper]. */
export type Factor = number | readonly [number, number];

export interface RandomTransformArgs extends LayerArgs {
  /** Default 'reflect', as Keras. */
  readonly fillMode?: FillMode;
  /** Default 'bilinear'. */
  readonly interpolation?: Interpolation;
  readonly seed?: number;
  /** The value outside the image with fillMode 'constant' (default 0). */
  readonly fillValue?: number;
}

/** A factor as [lower, upper], each within [-bound, bound]. */
export function factorRange(factor: Factor, name: string, op: string, bound = 1): [number, number] {
  const [lower, upper] = typeof factor === 'number' ? [-Math.abs(factor), Math.abs(factor)] : factor;
  if (![lower, upper].every((f) => typeof f === 'number' && Number.isFinite(f) && f >= -bound && f <= bound) || lower! > upper!) {
    throw new KilnError(`${name} must be a number or a [lower, upper] pair with -${bound} <= lower <= upper <= ${bound}, got ${JSON.stringify(factor)}`, { op });
  }
  return [lower!, upper!];
}

/**
 * The base of Keras's random image layers: while training, each image of the batch gets its own
 * random projective transform (`transforms` makes them) and is resampled with
 * `affineTransform`; at inference the layer passes its input through. Images are
 * [batch, height, width, channels], or one image [height, width, channels] (channels_last).
 */
export abstract class RandomImageTransform extends Layer {
  readonly fillMode: FillMode;
  readonly interpolation: Interpolation;
  readonly fillValue: number;
  readonly seed: number | undefined;
  protected generator: SeedGenerator | null = null;

  constructor(args: RandomTransformArgs, protected readonly op: string) {
    super(args);
    this.fillMode = checkFillMode(args.fillMode ?? 'reflect', op);
    this.interpolation = checkInterpolation(args.interpolation ?? 'bilinear', op);
    this.fillValue = args.fillValue ?? 0;
    this.seed = args.seed;
  }

  override build(inputShape: Shape): void {
    if (inputShape.length !== 3 && inputShape.length !== 4) {
      throw new KilnError(`expects images [batch, height, width, channels] or one image [height, width, channels], got shape [${inputShape.join(', ')}]`, { op: this.op });
    }
    this.generator = new SeedGenerator(this.seed, this.op);
  }

  override call(inputs: Tensor, args: CallArgs = {}): Tensor {
    if (!args.training) return inputs;
    const images = inputs.rank === 3 ? kiln.expandDims(inputs, 0) : inputs;
    const [batch, height, width] = images.shape as [number, number, number, number];
    const transforms = this.transforms(batch, height, width);
    const out = affineTransform(images, transforms, { interpolation: this.interpolation, fillMode: this.fillMode, fillValue: this.fillValue });
    return inputs.rank === 3 ? kiln.squeeze(out, 0) : out;
  }

  /** One random transform per image: [batch, 8] rows in affineTransform's layout. */
  protected abstract transforms(batch: number, height: number, width: number): Tensor;

  /** Uniform draws in [lower, upper), [batch, 1]. */
  protected draw(batch: number, [lower, upper]: readonly [number, number]): Tensor {
    return this.generator!.uniform([batch, 1], lower, upper);
  }
}

/** Rows of transforms from [batch, 1] columns (numbers broadcast). */
export function transformRows(batch: number, columns: readonly (Tensor | number)[]): Tensor {
  return kiln.concat(columns.map((c) => (typeof c === 'number' ? kiln.fill([batch, 1], c) : c)), 1);
}
