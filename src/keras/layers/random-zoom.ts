import * as kiln from '../../api/index.js';
import type { Tensor } from '../../api/index.js';
import { factorRange, RandomImageTransform, transformRows, type Factor, type RandomTransformArgs } from './image-preprocessing.js';

export interface RandomZoomArgs extends RandomTransformArgs {
  readonly heightFactor?: Factor;
  /** Default: none, which zooms the width as much as the height (keeping the aspect ratio). */
  readonly widthFactor?: Factor | null;
}

/**
 * Zooms each image about its centre by a random factor while training (Keras 3's RandomZoom):
 * a factor f in the drawn range scales the sampled area by 1 + f, so positive values zoom out
 * and negative ones zoom in; 0.1 draws from [-10%, +10%]. Inference passes inputs through.
 */
export class RandomZoom extends RandomImageTransform {
  readonly heightFactor: [number, number];
  readonly widthFactor: [number, number] | null;

  constructor(heightFactor: Factor | RandomZoomArgs, widthFactor?: Factor | null, args: RandomZoomArgs = {}) {
    const options = typeof heightFactor === 'object' && !Array.isArray(heightFactor) ? (heightFactor as RandomZoomArgs) : args;
    super(options, 'RandomZoom');
    this.heightFactor = factorRange(options === args ? (heightFactor as Factor) : options.heightFactor ?? 0, 'heightFactor', this.op);
    const width = options === args ? widthFactor : options.widthFactor;
    this.widthFactor = width === undefined || width === null ? null : factorRange(width, 'widthFactor', this.op);
  }

  protected override transforms(batch: number, height: number, width: number): Tensor {
    const zoomY = kiln.add(this.draw(batch, this.heightFactor), 1);
    const zoomX = this.widthFactor ? kiln.add(this.draw(batch, this.widthFactor), 1) : zoomY;
    // The offsets that keep the centre where it is.
    const xOffset = kiln.mul(kiln.sub(1, zoomX), (width - 1) / 2);
    const yOffset = kiln.mul(kiln.sub(1, zoomY), (height - 1) / 2);
    return transformRows(batch, [zoomX, 0, xOffset, 0, zoomY, yOffset, 0, 0]);
  }
}
