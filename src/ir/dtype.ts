/** The element types kiln computes with. `bool` is stored as one byte per element. */
export type DType = 'float32' | 'int32' | 'bool';

export type TypedArray = Float32Array | Int32Array | Uint8Array;

/** Host-side data of the reference evaluator, which may compute float32 tensors in float64. */
export type HostArray = TypedArray | Float64Array;

export const DTYPES: readonly DType[] = ['float32', 'int32', 'bool'];

export function isDType(x: unknown): x is DType {
  return x === 'float32' || x === 'int32' || x === 'bool';
}

export function allocArray(dtype: DType, size: number): TypedArray {
  switch (dtype) {
    case 'float32': return new Float32Array(size);
    case 'int32': return new Int32Array(size);
    case 'bool': return new Uint8Array(size);
  }
}

/** An output array for the reference evaluator: float64 when any float input is. */
export function allocLike(ins: readonly { data: HostArray }[], dtype: DType, size: number): HostArray {
  if (dtype === 'float32' && ins.some((t) => t.data instanceof Float64Array)) return new Float64Array(size);
  return allocArray(dtype, size);
}

export function bytesPerElement(dtype: DType): number {
  return dtype === 'bool' ? 1 : 4;
}

/** Short names used by the IR printer: f32, i32, bool. */
export function dtypeShortName(dtype: DType): string {
  return dtype === 'float32' ? 'f32' : dtype === 'int32' ? 'i32' : 'bool';
}

/** Converts a JS number to what an element of `dtype` stores. */
export function castScalar(x: number, dtype: DType): number {
  if (dtype === 'float32') return x; // the array stores it; a float64 reference keeps it exact
  if (dtype === 'int32') return Number.isFinite(x) ? Math.trunc(x) | 0 : 0;
  return x !== 0 ? 1 : 0; // NaN is not zero, so true (as TensorFlow's cast)
}

/** The result dtype of mixing two dtypes in arithmetic (TF.js-style upcasting). */
export function upcast(a: DType, b: DType): DType {
  if (a === b) return a;
  if (a === 'float32' || b === 'float32') return 'float32';
  return 'int32';
}
