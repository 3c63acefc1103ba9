import { allocLike, castScalar, type HostArray } from '../dtype.js';
import type { HostTensor } from '../op-def.js';
import { sizeOf, type TensorType } from '../tensor-type.js';

/** Calls `f` with each coordinate of `shape` in row-major order (the array is reused). */
export function forEachCoord(shape: readonly number[], f: (coords: number[], flat: number) => void): void {
  const size = sizeOf(shape);
  const c = new Array<number>(shape.length).fill(0);
  for (let i = 0; i < size; i++) {
    f(c, i);
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++c[d]! < shape[d]!) break;
      c[d] = 0;
    }
  }
}

/** Reference evaluation by output coordinate: `value(coords)` for every output element. */
export function evalByCoords(ins: readonly HostTensor[], out: TensorType, value: (coords: number[]) => number): HostArray {
  const result = allocLike(ins, out.dtype, sizeOf(out.shape));
  forEachCoord(out.shape, (c, i) => { result[i] = castScalar(value(c), out.dtype); });
  return result;
}

/** Element of `t` at coordinates `coords`. */
export function at(t: HostTensor, coords: readonly number[]): number {
  let flat = 0;
  const shape = t.type.shape;
  for (let d = 0; d < shape.length; d++) flat = flat * shape[d]! + coords[d]!;
  return t.data[flat]!;
}
