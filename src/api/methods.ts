import { KilnError, type DType } from '../ir/index.js';
import { fill } from './creation.js';
import { Tensor, Variable } from '../trace/index.js';
import { toTensor, type TensorLike } from './convert.js';
import * as ew from './ops/elementwise.js';
import * as lin from './ops/linalg.js';
import * as nn from './ops/nn.js';
import * as red from './ops/reduce.js';
import * as shp from './ops/shape.js';
import { applyOp } from '../trace/index.js';
import { tidy } from './memory.js';

type Axis = number | number[] | null;

declare module '../trace/tensor.js' {
  interface Tensor {
    add(b: TensorLike): Tensor; sub(b: TensorLike): Tensor; mul(b: TensorLike): Tensor; div(b: TensorLike): Tensor;
    floorDiv(b: TensorLike): Tensor; mod(b: TensorLike): Tensor; pow(b: TensorLike): Tensor;
    minimum(b: TensorLike): Tensor; maximum(b: TensorLike): Tensor; squaredDifference(b: TensorLike): Tensor;
    equal(b: TensorLike): Tensor; notEqual(b: TensorLike): Tensor; less(b: TensorLike): Tensor; lessEqual(b: TensorLike): Tensor;
    greater(b: TensorLike): Tensor; greaterEqual(b: TensorLike): Tensor; logicalAnd(b: TensorLike): Tensor; logicalOr(b: TensorLike): Tensor;
    neg(): Tensor; abs(): Tensor; sign(): Tensor; floor(): Tensor; ceil(): Tensor; round(): Tensor; square(): Tensor;
    sqrt(): Tensor; rsqrt(): Tensor; reciprocal(): Tensor; exp(): Tensor; log(): Tensor; log1p(): Tensor; sin(): Tensor; cos(): Tensor;
    tanh(): Tensor; sigmoid(): Tensor; relu(): Tensor; relu6(): Tensor; elu(): Tensor; softplus(): Tensor; logicalNot(): Tensor;
    leakyRelu(alpha?: number): Tensor; clipByValue(min: number, max: number): Tensor; cast(dtype: DType): Tensor;
    matMul(b: TensorLike, transposeA?: boolean, transposeB?: boolean): Tensor; dot(b: TensorLike): Tensor;
    sum(axis?: Axis, keepDims?: boolean): Tensor; mean(axis?: Axis, keepDims?: boolean): Tensor; max(axis?: Axis, keepDims?: boolean): Tensor;
    min(axis?: Axis, keepDims?: boolean): Tensor; prod(axis?: Axis, keepDims?: boolean): Tensor; logSumExp(axis?: Axis, keepDims?: boolean): Tensor;
    any(axis?: Axis, keepDims?: boolean): Tensor; all(axis?: Axis, keepDims?: boolean): Tensor;
    argMax(axis?: number): Tensor; argMin(axis?: number): Tensor;
    reshape(shape: readonly number[]): Tensor; transpose(perm?: readonly number[]): Tensor; expandDims(axis?: number): Tensor;
    squeeze(axis?: number | readonly number[]): Tensor; flatten(): Tensor;
    slice(begin: number | readonly number[], size?: number | readonly number[]): Tensor; gather(indices: TensorLike, axis?: number): Tensor;
    tile(reps: readonly number[]): Tensor; pad(paddings: readonly (readonly number[])[], constantValue?: number): Tensor;
    broadcastTo(shape: readonly number[]): Tensor; softmax(dim?: number): Tensor; logSoftmax(axis?: number): Tensor;
    conv2d(filter: TensorLike, strides: number | [number, number], pad: nn.Padding): Tensor;
    maxPool(filterSize: number | [number, number], strides: number | [number, number], pad: nn.Padding): Tensor;
    avgPool(filterSize: number | [number, number], strides: number | [number, number], pad: nn.Padding): Tensor;
    clone(): Tensor;
  }
}

declare module '../trace/variable.js' {
  interface Variable {
    /** Replaces the value; a shape or dtype mismatch throws and changes nothing. */
    assign(value: TensorLike): this;
    assignAdd(delta: TensorLike): this;
    assignSub(delta: TensorLike): this;
    /** Sets the element or sub-block at `indices` (TF's `v[i, j].assign(value)`). */
    assignAt(indices: readonly number[], value: TensorLike): this;
    read(): Tensor;
  }
}

type Method = (this: Tensor, ...args: never[]) => unknown;
const methods: Record<string, Method> = {};
const withSelf = (f: (x: Tensor, ...rest: never[]) => Tensor): Method => function (this: Tensor, ...rest: never[]) { return f(this, ...rest); };

for (const [name, f] of Object.entries({ ...ew, ...lin, ...red, ...shp })) {
  if (typeof f === 'function') methods[name] = withSelf(f as (x: Tensor, ...rest: never[]) => Tensor);
}
for (const name of ['softmax', 'logSoftmax', 'conv2d', 'maxPool', 'avgPool'] as const) methods[name] = withSelf(nn[name] as (x: Tensor, ...rest: never[]) => Tensor);
delete methods.where;
methods.flatten = function (this: Tensor) { return shp.reshape(this, [this.size]); };
methods.clone = function (this: Tensor) { return applyOp('identity', [this]); };
for (const [name, m] of Object.entries(methods)) {
  Object.defineProperty(Tensor.prototype, name, { value: m, writable: true, configurable: true });
}

function assignValue(v: Variable, value: Tensor): void {
  applyOp('assignVariable', [value], { variable: v }).dispose();
}

const variableMethods = {
  assign(this: Variable, value: TensorLike) {
    const t = toTensor(value, 'value', 'assign', this.dtype);
    try {
      assignValue(this, t);
    } finally {
      if (t !== value) t.dispose();
    }
    return this;
  },
  assignAdd(this: Variable, delta: TensorLike) {
    tidy(() => assignValue(this, ew.add(this, delta)));
    return this;
  },
  assignSub(this: Variable, delta: TensorLike) {
    tidy(() => assignValue(this, ew.sub(this, delta)));
    return this;
  },
  assignAt(this: Variable, indices: readonly number[], value: TensorLike) {
    tidy(() => {
      if (!Array.isArray(indices) || indices.some((i) => !Number.isInteger(i))) {
        throw new KilnError(`argument 'indices' must be an array of integers, got ${JSON.stringify(indices) ?? typeof indices}`, { op: 'assignAt' });
      }
      if (indices.length > this.rank) throw new KilnError(`${indices.length} indices for a rank-${this.rank} variable`, { op: 'assignAt' });
      const begin = this.shape.map((_, d) => indices[d] ?? 0);
      const block = this.shape.map((s, d) => (d < indices.length ? 1 : s));
      // Check bounds through slice's own validation, then place the block by padding.
      shp.slice(this, begin, block);
      const paddings = this.shape.map((s, d) => [begin[d]!, s - begin[d]! - block[d]!]);
      const placed = shp.pad(shp.broadcastTo(toTensor(value, 'value', 'assignAt', this.dtype), block), paddings);
      const mask = shp.pad(fill(block, 1, 'bool'), paddings);
      assignValue(this, ew.where(mask, placed, this));
    });
    return this;
  },
  read(this: Variable) {
    return applyOp('identity', [this]);
  },
};
for (const [name, m] of Object.entries(variableMethods)) {
  Object.defineProperty(Variable.prototype, name, { value: m, writable: true, configurable: true });
}
