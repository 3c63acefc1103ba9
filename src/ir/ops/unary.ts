import { alu, constant, where, type Expr, cast as castExpr } from '../expr.js';
import { isDType } from '../dtype.js';
import { KilnError } from '../error.js';
import type { OpDef } from '../op-def.js';
import { elementwise, type DTypeRule } from './elementwise.js';

/** Round half to even, as TensorFlow's round does. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

export function sigmoidRef(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

function unary(name: string, accepts: DTypeRule, ref: (x: number) => number, expr: (x: Expr) => Expr): OpDef {
  return elementwise({ name, arity: 1, accepts, ref: () => ref, expr: ([x]) => expr(x!) });
}

const zero = (x: Expr): Expr => constant(0, x.dtype);
const one = (x: Expr): Expr => constant(1, x.dtype);

export const unaryOps: OpDef[] = [
  unary('neg', 'numeric', (x) => -x, (x) => alu('neg', [x])),
  unary('abs', 'numeric', Math.abs, (x) => alu('abs', [x])),
  unary('sign', 'numeric', Math.sign, (x) => alu('sign', [x])),
  unary('floor', 'float', Math.floor, (x) => alu('floor', [x])),
  unary('ceil', 'float', Math.ceil, (x) => alu('ceil', [x])),
  unary('round', 'float', roundHalfEven, (x) => alu('round', [x])),
  unary('sqrt', 'float', Math.sqrt, (x) => alu('sqrt', [x])),
  unary('rsqrt', 'float', (x) => 1 / Math.sqrt(x), (x) => alu('rsqrt', [x])),
  unary('exp', 'float', Math.exp, (x) => alu('exp', [x])),
  unary('log', 'float', Math.log, (x) => alu('log', [x])),
  unary('log1p', 'float', Math.log1p, (x) => alu('log1p', [x])),
  unary('sin', 'float', Math.sin, (x) => alu('sin', [x])),
  unary('cos', 'float', Math.cos, (x) => alu('cos', [x])),
  unary('tanh', 'float', Math.tanh, (x) => alu('tanh', [x])),
  unary('sigmoid', 'float', sigmoidRef, (x) => alu('sigmoid', [x])),
  unary('square', 'numeric', (x) => x * x, (x) => alu('mul', [x, x])),
  unary('reciprocal', 'float', (x) => 1 / x, (x) => alu('div', [one(x), x])),
  unary('relu', 'numeric', (x) => (x > 0 ? x : 0), (x) => where(alu('gt', [x, zero(x)]), x, zero(x))),
  unary('elu', 'float', (x) => (x > 0 ? x : Math.expm1(x)), (x) => where(alu('gt', [x, zero(x)]), x, alu('sub', [alu('exp', [x]), one(x)]))),
  unary('softplus', 'float', (x) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x))),
    (x) => alu('add', [alu('max', [x, zero(x)]), alu('log1p', [alu('exp', [alu('neg', [alu('abs', [x])])])])])),
  // Identity forward; gradient derivation treats it as a constant.
  unary('stopGradient', 'any', (x) => x, (x) => x),
  unary('identity', 'any', (x) => x, (x) => x),
  unary('logicalNot', 'bool', (x) => (x ? 0 : 1), (x) => alu('not', [x])),
  elementwise({
    name: 'leakyRelu', arity: 1, accepts: 'float',
    ref: (a) => (x) => (x > 0 ? x : (a.alpha as number) * x),
    expr: ([x], a) => where(alu('gt', [x!, constant(0)]), x!, alu('mul', [x!, constant(a.alpha as number)])),
  }),
  elementwise({
    name: 'cast', arity: 1, accepts: 'any',
    outDtype: (_d, a) => {
      if (!isDType(a.dtype)) throw new KilnError(`unknown dtype '${String(a.dtype)}'`, { op: 'cast' });
      return a.dtype;
    },
    // float → int truncates toward zero, anything → bool is "not zero", as in TensorFlow.
    ref: () => (x) => x,
    expr: ([x], _a, out) => castExpr(x!, out),
  }),
];
