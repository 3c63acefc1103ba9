import * as kiln from '../../api/index.js';
import { KilnError, type Tensor } from '../../api/index.js';

/** How points outside the image are filled (Keras's fill_mode). */
export type FillMode = 'constant' | 'nearest' | 'reflect' | 'wrap';
/** How an image is sampled between pixels (Keras's interpolation). */
export type Interpolation = 'nearest' | 'bilinear';

export interface AffineTransformOptions {
  readonly interpolation?: Interpolation;
  readonly fillMode?: FillMode;
  /** The value of points outside the image with fillMode 'constant' (default 0). */
  readonly fillValue?: number;
}

const FILL_MODES: readonly FillMode[] = ['constant', 'nearest', 'reflect', 'wrap'];
const INTERPOLATIONS: readonly Interpolation[] = ['nearest', 'bilinear'];

export function checkFillMode(mode: string, op: string): FillMode {
  if (!(FILL_MODES as readonly string[]).includes(mode)) throw new KilnError(`fillMode must be one of ${FILL_MODES.join(', ')}; got '${mode}'`, { op });
  return mode as FillMode;
}

export function checkInterpolation(mode: string, op: string): Interpolation {
  if (!(INTERPOLATIONS as readonly string[]).includes(mode)) throw new KilnError(`interpolation must be one of ${INTERPOLATIONS.join(', ')}; got '${mode}'`, { op });
  return mode as Interpolation;
}

/**
 * One integer coordinate (a float tensor) mapped into [0, size) by the fill mode, with a mask of
 * the points that read the image (all of them but the outside ones in mode 'constant'):
 * reflect is (d c b a | a b c d | d c b a), wrap (a b c d | a b c d | a b c d), nearest
 * (a a a a | a b c d | d d d d).
 */
function mapCoordinate(i: Tensor, size: number, mode: FillMode): { index: Tensor; inside: Tensor | null } {
  const last = size - 1;
  switch (mode) {
    case 'constant':
      return { index: kiln.clipByValue(i, 0, last), inside: kiln.logicalAnd(kiln.greaterEqual(i, 0), kiln.lessEqual(i, last)) };
    case 'nearest':
      return { index: kiln.clipByValue(i, 0, last), inside: null };
    case 'wrap':
      return { index: kiln.mod(i, size), inside: null };
    case 'reflect': {
      const t = kiln.mod(i, 2 * size);
      return { index: kiln.where(kiln.less(t, size), t, kiln.sub(2 * size - 1, t)), inside: null };
    }
  }
}

/**
 * Applies a projective transform to each image of a batch, as Keras's
 * `ops.image.affine_transform` (TensorFlow's ImageProjectiveTransformV3): `images` is
 * [batch, height, width, channels], `transforms` [batch, 8] rows `a0 a1 a2 b0 b1 b2 c0 c1` that
 * map each output point (x, y) (x the column) to the input point
 * ((a0·x + a1·y + a2) / k, (b0·x + b1·y + b2) / k) with k = c0·x + c1·y + 1.
 * Built from elementwise ops and gathers, so it runs inside a compiled step.
 */
export function affineTransform(images: Tensor, transforms: Tensor, options: AffineTransformOptions = {}): Tensor {
  const op = 'affineTransform';
  const interpolation = checkInterpolation(options.interpolation ?? 'bilinear', op);
  const fillMode = checkFillMode(options.fillMode ?? 'constant', op);
  const fillValue = options.fillValue ?? 0;
  if (images.rank !== 4) throw new KilnError(`images must be [batch, height, width, channels], got shape [${images.shape.join(', ')}]`, { op });
  const [batch, height, width, channels] = images.shape as [number, number, number, number];
  if (transforms.rank !== 2 || transforms.shape[0] !== batch || transforms.shape[1] !== 8) {
    throw new KilnError(`transforms must be [${batch}, 8] (one row per image), got shape [${transforms.shape.join(', ')}]`, { op });
  }
  // Every coordinate below is [batch, height, width]; the output's columns x and rows y broadcast.
  const x = kiln.reshape(kiln.range(0, width), [1, 1, width]);
  const y = kiln.reshape(kiln.range(0, height), [1, height, 1]);
  const row = (k: number) => kiln.reshape(kiln.slice(transforms, [0, k], [batch, 1]), [batch, 1, 1]);
  const [a0, a1, a2, b0, b1, b2, c0, c1] = [0, 1, 2, 3, 4, 5, 6, 7].map(row) as [Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor];
  const k = kiln.add(kiln.add(kiln.mul(c0, x), kiln.mul(c1, y)), 1);
  const sourceX = kiln.div(kiln.add(kiln.add(kiln.mul(a0, x), kiln.mul(a1, y)), a2), k);
  const sourceY = kiln.div(kiln.add(kiln.add(kiln.mul(b0, x), kiln.mul(b1, y)), b2), k);

  const pixels = kiln.reshape(images, [batch * height * width, channels]);
  // Indices in int32: float32 would round them past 2^24 pixels.
  const imageStart = kiln.reshape(kiln.range(0, batch * height * width, height * width, 'int32'), [batch, 1, 1]);
  // The pixels at integer points (ix, iy): [batch, height, width, channels].
  const read = (ix: Tensor, iy: Tensor): Tensor => {
    const cx = mapCoordinate(ix, width, fillMode), cy = mapCoordinate(iy, height, fillMode);
    const flat = kiln.add(kiln.add(imageStart, kiln.mul(kiln.cast(cy.index, 'int32'), width)), kiln.cast(cx.index, 'int32'));
    const values = kiln.gather(pixels, flat, 0);
    if (!cx.inside || !cy.inside) return values;
    return kiln.where(kiln.expandDims(kiln.logicalAnd(cx.inside, cy.inside), 3), values, fillValue);
  };
  if (interpolation === 'nearest') return read(kiln.round(sourceX), kiln.round(sourceY));
  const x0 = kiln.floor(sourceX), y0 = kiln.floor(sourceY);
  const x1 = kiln.add(x0, 1), y1 = kiln.add(y0, 1);
  // The weights of the right and lower neighbours, [batch, height, width, 1].
  const fx = kiln.expandDims(kiln.sub(sourceX, x0), 3), fy = kiln.expandDims(kiln.sub(sourceY, y0), 3);
  const top = kiln.add(kiln.mul(read(x0, y0), kiln.sub(1, fx)), kiln.mul(read(x1, y0), fx));
  const bottom = kiln.add(kiln.mul(read(x0, y1), kiln.sub(1, fx)), kiln.mul(read(x1, y1), fx));
  return kiln.add(kiln.mul(top, kiln.sub(1, fy)), kiln.mul(bottom, fy));
}
