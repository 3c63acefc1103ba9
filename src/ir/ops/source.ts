import { allocLike, type DType } from '../dtype.js';
import { KilnError, shapeString } from '../error.js';
import { alu, constant, flatIndex, int, mul, type Expr } from '../expr.js';
import type { HostTensor, OpDef, VariableRef } from '../op-def.js';
import { randomUniform01 } from '../random-bits.js';
import { sameType, sizeOf, type TensorType } from '../tensor-type.js';

/** Ops with no tensor inputs but a seed: parameters, constants, random numbers, variable state. */

export const parameterOp: OpDef = {
  name: 'parameter', kind: 'source', arity: 0,
  infer: (_ins, attrs) => ({ shape: attrs.shape as number[], dtype: attrs.dtype as DType }),
  evaluate() { throw new Error('parameters are bound by the evaluator'); },
};

export const constantOp: OpDef = {
  name: 'constant', kind: 'source', arity: 0,
  infer: (_ins, attrs) => (attrs.value as HostTensor).type,
  evaluate: (_ins, attrs) => (attrs.value as HostTensor).data,
  element(ctx) {
    const value = ctx.attrs.value as HostTensor;
    // Scalars are inlined into kernels; larger constants are buffers (see codegen/lower).
    return constant(value.data[0]!, value.type.dtype);
  },
};

function checkSeed(op: string, seed: { dtype: DType; shape: readonly number[] }): void {
  if (seed.dtype !== 'int32' || seed.shape.length !== 0) {
    throw new KilnError(`expects an int32 scalar seed, got ${seed.dtype}${shapeString(seed.shape)}`, { op });
  }
}

/** Uniform in [0, 1): element i is randomUniform01(seed, i). */
export const randomUniformOp: OpDef = {
  name: 'randomUniform', kind: 'source', arity: 1, random: true,
  infer([seed], attrs) {
    checkSeed('randomUniform', seed!);
    return { shape: attrs.shape as number[], dtype: 'float32' };
  },
  evaluate([seed], _attrs, out) {
    const s = seed!.data[0]!;
    const data = allocLike([], 'float32', sizeOf(out.shape));
    for (let i = 0; i < data.length; i++) data[i] = randomUniform01(s, i);
    return data;
  },
  element: (ctx) => alu('rand', [ctx.load(0, []), flatIndex(ctx.coords, ctx.out.shape)]),
};

/** Standard normal by Box-Muller over the uniform stream's elements 2i and 2i+1. */
export const randomNormalOp: OpDef = {
  name: 'randomNormal', kind: 'source', arity: 1, random: true,
  infer([seed], attrs) {
    checkSeed('randomNormal', seed!);
    return { shape: attrs.shape as number[], dtype: 'float32' };
  },
  evaluate([seed], _attrs, out) {
    const s = seed!.data[0]!;
    const data = allocLike([], 'float32', sizeOf(out.shape));
    for (let i = 0; i < data.length; i++) {
      const u1 = Math.fround(randomUniform01(s, 2 * i));
      const u2 = Math.fround(randomUniform01(s, 2 * i + 1));
      data[i] = Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
    }
    return data;
  },
  element(ctx) {
    const seed = ctx.load(0, []);
    const i2 = mul(flatIndex(ctx.coords, ctx.out.shape), int(2));
    const u1 = alu('rand', [seed, i2]);
    const u2 = alu('rand', [seed, alu('add', [i2, int(1)])]);
    const radius: Expr = alu('sqrt', [mul(constant(-2), alu('log', [alu('sub', [constant(1), u1])]))]);
    return mul(radius, alu('cos', [mul(constant(2 * Math.PI), u2)]));
  },
};

export const readVariableOp: OpDef = {
  name: 'readVariable', kind: 'state', arity: 0, stateful: true,
  infer: (_ins, attrs) => (attrs.variable as VariableRef).type,
  evaluate() { throw new Error('variables are bound by the evaluator'); },
};

/** Writes a value into a variable; its output is the value written. */
export const assignVariableOp: OpDef = {
  name: 'assignVariable', kind: 'state', arity: 1, stateful: true,
  infer([value], attrs) {
    const v = attrs.variable as VariableRef;
    if (!sameType(value!, v.type)) {
      const full = (t: TensorType) => `${t.dtype}${shapeString(t.shape)}`;
      throw new KilnError(`cannot assign a ${full(value!)} value to variable '${v.name}' of type ${full(v.type)}`, { op: 'assign' });
    }
    return v.type;
  },
  evaluate: ([value]) => value!.data.slice(),
};

export const sourceOps: OpDef[] = [parameterOp, constantOp, randomUniformOp, randomNormalOp, readVariableOp, assignVariableOp];
