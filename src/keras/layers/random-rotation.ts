import * as kiln from '../../api/index.js';
import type { Tensor } from '../../api/index.js';
import { factorRange, RandomImageTransform, transformRows, type Factor, type RandomTransformArgs } from './image-preprocessing.js';

export interface RandomRotationArgs extends RandomTransformArgs {
  readonly factor?: Factor;
}

/**
 * Rotates each image about its centre by a random angle while training (Keras's
 * RandomRotation): `factor` is a fraction of a full turn, 0.1 rotating by up to ±36°; a pair
 * [lower, upper] sets the range (positive turns counter-clockwise). Inference passes inputs through.
 */
export class RandomRotation extends RandomImageTransform {
  readonly factor: [number, number];

  constructor(factor: Factor | RandomRotationArgs, args: RandomRotationArgs = {}) {
    const options = typeof factor === 'object' && !Array.isArray(factor) ? (factor as RandomRotationArgs) : args;
    super(options, 'RandomRotation');
    this.factor = factorRange(options === args ? (factor as Factor) : options.factor ?? 0, 'factor', this.op);
  }

  protected override transforms(batch: number, height: number, width: number): Tensor {
    const angle = kiln.mul(this.draw(batch, this.factor), 2 * Math.PI);
    const cos = kiln.cos(angle), sin = kiln.sin(angle);
    // The offsets that keep the centre ((w-1)/2, (h-1)/2) where it is.
    const [w, h] = [width - 1, height - 1];
    const xOffset = kiln.div(kiln.sub(w, kiln.sub(kiln.mul(cos, w), kiln.mul(sin, h))), 2);
    const yOffset = kiln.div(kiln.sub(h, kiln.add(kiln.mul(sin, w), kiln.mul(cos, h))), 2);
    return transformRows(batch, [cos, kiln.neg(sin), xOffset, sin, cos, yOffset, 0, 0]);
  }
}
