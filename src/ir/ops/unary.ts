import { alu, constant, where, type Expr, cast as castExpr } from '../expr.js';
import { isDType } from '../dtype.js';
import { KilnError } from '../error.js';
import type { OpDef, VjpContext } from '../op-def.js';
import type { Grad } from './vjp-helpers.js';
import { elementwise, type DTypeRule } from './elementwise.js';

/** Round half to even, as TensorFlow's round does. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

export function sigmoidRef(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

/** The cotangent of a unary op's input; null where no gradient flows. */
type UnaryVjp = <V>(g: Grad<V>, c: VjpContext<V>) => V | null;

type UnaryRef = (x: number) => number;

/** `ref` may differ by dtype where float64 arithmetic would not give int32 results (products wrap). */
function unary(name: string, accepts: DTypeRule, ref: UnaryRef | { readonly float32: UnaryRef; readonly int32: UnaryRef }, expr: (x: Expr) => Expr, vjp?: UnaryVjp): OpDef {
  return elementwise({
    name, arity: 1, accepts, ref: (_attrs, dtype) => (typeof ref === 'function' ? ref : dtype === 'int32' ? ref.int32 : ref.float32), expr: ([x]) => expr(x!),
    ...(vjp ? { vjp: (g, c) => [vjp(g, c)] } : {}),
  });
}

const positive = <V>(g: Grad<V>, x: V): V => g.op('greater', [x, g.c(0)]);

const zero = (x: Expr): Expr => constant(0, x.dtype);
const one = (x: Expr): Expr => constant(1, x.dtype);

export const unaryOps: OpDef[] = [
  unary('neg', 'numeric', (x) => -x, (x) => alu('neg', [x]), (g, c) => g.neg(c.dy)),
  unary('abs', 'numeric', Math.abs, (x) => alu('abs', [x]), (g, c) => g.mul(c.dy, g.op('sign', [c.x(0)]))),
  unary('sign', 'numeric', Math.sign, (x) => alu('sign', [x]), () => null),
  unary('floor', 'float', Math.floor, (x) => alu('floor', [x]), () => null),
  unary('ceil', 'float', Math.ceil, (x) => alu('ceil', [x]), () => null),
  unary('round', 'float', roundHalfEven, (x) => alu('round', [x]), () => null),
  unary('sqrt', 'float', Math.sqrt, (x) => alu('sqrt', [x]), (g, c) => g.div(c.dy, g.mul(g.c(2), c.y()))),
  unary('rsqrt', 'float', (x) => 1 / Math.sqrt(x), (x) => alu('rsqrt', [x]), (g, c) => g.mul(g.mul(c.dy, g.c(-0.5)), g.mul(g.op('square', [c.y()]), c.y()))),
  unary('exp', 'float', Math.exp, (x) => alu('exp', [x]), (g, c) => g.mul(c.dy, c.y())),
  unary('log', 'float', Math.log, (x) => alu('log', [x]), (g, c) => g.div(c.dy, c.x(0))),
  unary('log1p', 'float', Math.log1p, (x) => alu('log1p', [x]), (g, c) => g.div(c.dy, g.add(c.x(0), g.c(1)))),
  unary('sin', 'float', Math.sin, (x) => alu('sin', [x]), (g, c) => g.mul(c.dy, g.op('cos', [c.x(0)]))),
  unary('cos', 'float', Math.cos, (x) => alu('cos', [x]), (g, c) => g.neg(g.mul(c.dy, g.op('sin', [c.x(0)])))),
  unary('tanh', 'float', Math.tanh, (x) => alu('tanh', [x]), (g, c) => g.mul(c.dy, g.sub(g.c(1), g.op('square', [c.y()])))),
  unary('sigmoid', 'float', sigmoidRef, (x) => alu('sigmoid', [x]), (g, c) => g.mul(c.dy, g.mul(c.y(), g.sub(g.c(1), c.y())))),
  unary('square', 'numeric', { float32: (x) => x * x, int32: (x) => Math.imul(x, x) }, (x) => alu('mul', [x, x]), (g, c) => g.mul(c.dy, g.mul(g.c(2), c.x(0)))),
  unary('reciprocal', 'float', (x) => 1 / x, (x) => alu('div', [one(x), x]), (g, c) => g.neg(g.mul(c.dy, g.op('square', [c.y()])))),
  unary('relu', 'numeric', (x) => (x > 0 ? x : 0), (x) => where(alu('gt', [x, zero(x)]), x, zero(x)), (g, c) => g.mask(positive(g, c.x(0)), c.dy)),
  unary('elu', 'float', (x) => (x > 0 ? x : Math.expm1(x)), (x) => where(alu('gt', [x, zero(x)]), x, alu('sub', [alu('exp', [x]), one(x)])), (g, c) => g.where(positive(g, c.x(0)), c.dy, g.mul(c.dy, g.add(c.y(), g.c(1))))),
  unary('softplus', 'float', (x) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x))),
    (x) => alu('add', [alu('max', [x, zero(x)]), alu('log1p', [alu('exp', [alu('neg', [alu('abs', [x])])])])]),
    (g, c) => g.mul(c.dy, g.op('sigmoid', [c.x(0)]))),
  // Identity forward; gradient derivation treats it as a constant.
  unary('stopGradient', 'any', (x) => x, (x) => x, () => null),
  unary('identity', 'any', (x) => x, (x) => x, (_g, c) => c.dy),
  unary('logicalNot', 'bool', (x) => (x ? 0 : 1), (x) => alu('not', [x]), () => null),
  elementwise({
    name: 'leakyRelu', arity: 1, accepts: 'float',
    ref: (a) => (x) => (x > 0 ? x : (a.alpha as number) * x),
    expr: ([x], a) => where(alu('gt', [x!, constant(0)]), x!, alu('mul', [x!, constant(a.alpha as number)])),
    vjp: (g, c) => [g.where(positive(g, c.x(0)), c.dy, g.mul(c.dy, g.c(c.attrs.alpha as number)))],
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
    vjp: (_g, c) => [c.inTypes[0]!.dtype === 'float32' && c.outType.dtype === 'float32' ? c.dy : null],
  }),
];
