import * as kiln from '../../api/index.js';
import type { Tensor } from '../../api/index.js';
import { factorRange, RandomImageTransform, transformRows, type Factor, type RandomTransformArgs } from './image-preprocessing.js';

export interface RandomTranslationArgs extends RandomTransformArgs {
  readonly heightFactor?: Factor;
  readonly widthFactor?: Factor;
}

/**
 * Shifts each image by a random fraction of its height and width while training (Keras's
 * RandomTranslation): `heightFactor` 0.1 shifts by up to 10% of the height, up or down; a pair
 * [lower, upper] sets the range (negative shifts up or left). Inference passes inputs through.
 */
export class RandomTranslation extends RandomImageTransform {
  readonly heightFactor: [number, number];
  readonly widthFactor: [number, number];

  constructor(heightFactor: Factor | RandomTranslationArgs, widthFactor?: Factor, args: RandomTranslationArgs = {}) {
    const options = typeof heightFactor === 'object' && !Array.isArray(heightFactor) ? (heightFactor as RandomTranslationArgs) : args;
    super(options, 'RandomTranslation');
    const height = options === args ? (heightFactor as Factor) : options.heightFactor ?? 0;
    this.heightFactor = factorRange(height, 'heightFactor', this.op);
    this.widthFactor = factorRange(options === args ? widthFactor ?? 0 : options.widthFactor ?? 0, 'widthFactor', this.op);
  }

  protected override transforms(batch: number, height: number, width: number): Tensor {
    // The output at (x, y) reads the input at (x - dx, y - dy): the image moves by (dx, dy).
    const dy = kiln.mul(this.draw(batch, this.heightFactor), height);
    const dx = kiln.mul(this.draw(batch, this.widthFactor), width);
    return transformRows(batch, [1, 0, kiln.neg(dx), 0, 1, kiln.neg(dy), 0, 0]);
  }
}
