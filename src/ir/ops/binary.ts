import { alu, type AluOp, type Expr } from '../expr.js';
import type { OpDef, VjpContext } from '../op-def.js';
import type { Grad } from './vjp-helpers.js';
import { elementwise, type DTypeRule } from './elementwise.js';
import { KilnError } from '../error.js';
import { broadcastShapes, type TensorType } from '../tensor-type.js';

/** Floor modulo: the result takes the divisor's sign, as in TensorFlow and Python. */
export function floorMod(a: number, b: number): number {
  const r = a % b;
  return r !== 0 && (r < 0) !== (b < 0) ? r + b : r;
}

/**
 * int32 power that wraps like repeated int32 multiplication (a float64 power rounds past 2^53).
 * Negative exponents, which TensorFlow rejects for integers, give the truncated float result.
 */
export function intPow(a: number, b: number): number {
  if (b < 0) return Math.trunc(a ** b) | 0;
  let result = 1;
  for (let base = a | 0, e = b; e > 0; e = Math.floor(e / 2), base = Math.imul(base, base)) {
    if (e % 2 === 1) result = Math.imul(result, base);
  }
  return result;
}

/** Cotangents of a binary op's inputs at the broadcast output shape; reduced back by `binary`. */
type BinaryVjp = <V>(g: Grad<V>, c: VjpContext<V>) => [V | null, V | null];

type BinaryRef = (a: number, b: number) => number;

/** `ref` may differ by dtype where float64 arithmetic would not give int32 results (products wrap). */
function binary(name: string, accepts: DTypeRule, ref: BinaryRef | { readonly float32: BinaryRef; readonly int32: BinaryRef }, op: AluOp | ((a: Expr, b: Expr) => Expr), vjp?: BinaryVjp): OpDef {
  return elementwise({
    name, arity: 2, accepts, ref: (_attrs, dtype) => (typeof ref === 'function' ? ref : dtype === 'int32' ? ref.int32 : ref.float32),
    expr: ([a, b]) => (typeof op === 'function' ? op(a!, b!) : alu(op, [a!, b!])),
    ...(vjp ? { vjp: (g, c) => vjp(g, c).map((ct, i) => (ct === null ? null : g.unbroadcast(ct, c.inTypes[i]!.shape))) } : {}),
  });
}

function comparison(name: string, ref: (a: number, b: number) => boolean, op: AluOp, accepts: DTypeRule = 'any'): OpDef {
  return elementwise({
    name, arity: 2, accepts, outDtype: () => 'bool',
    ref: () => (a, b) => (ref(a, b) ? 1 : 0),
    expr: ([a, b]) => alu(op, [a!, b!]),
  });
}

export const binaryOps: OpDef[] = [
  binary('add', 'numeric', (a, b) => a + b, 'add', (_g, c) => [c.dy, c.dy]),
  binary('sub', 'numeric', (a, b) => a - b, 'sub', (g, c) => [c.dy, g.neg(c.dy)]),
  binary('mul', 'numeric', { float32: (a, b) => a * b, int32: Math.imul }, 'mul', (g, c) => [g.mul(c.dy, c.x(1)), g.mul(c.dy, c.x(0))]),
  elementwise({
    name: 'div', arity: 2, accepts: 'numeric',
    // int32 / int32 is floor division, as in TensorFlow.js.
    ref: (_a, dtype) => (dtype === 'int32' ? (a, b) => Math.floor(a / b) : (a, b) => a / b),
    expr: ([a, b]) => alu(a!.dtype === 'int32' ? 'idiv' : 'div', [a!, b!]),
    vjp: (g, c) => [
      g.unbroadcast(g.div(c.dy, c.x(1)), c.inTypes[0]!.shape),
      g.unbroadcast(g.neg(g.div(g.mul(c.dy, c.x(0)), g.op('square', [c.x(1)]))), c.inTypes[1]!.shape),
    ],
  }),
  binary('floorDiv', 'numeric', (a, b) => Math.floor(a / b), 'idiv', () => [null, null]),
  binary('mod', 'numeric', floorMod, 'mod', (g, c) => [c.dy, g.neg(g.mul(c.dy, g.op('floorDiv', [c.x(0), c.x(1)])))]),
  binary('pow', 'numeric', { float32: (a, b) => a ** b, int32: intPow }, 'pow', (g, c) => [
    g.mul(g.mul(c.dy, c.x(1)), g.op('pow', [c.x(0), g.sub(c.x(1), g.c(1))])),
    g.mul(g.mul(c.dy, c.y()), g.where(g.op('greater', [c.x(0), g.c(0)]), g.op('log', [c.x(0)]), g.c(0))),
  ]),
  // Ties send the gradient to the first input, as TensorFlow's Maximum/Minimum gradients do.
  binary('maximum', 'numeric', (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.max(a, b)), 'max', (g, c) => {
    const first = g.op('greaterEqual', [c.x(0), c.x(1)]);
    return [g.mask(first, c.dy), g.where(first, g.c(0), c.dy)];
  }),
  binary('minimum', 'numeric', (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.min(a, b)), 'min', (g, c) => {
    const first = g.op('lessEqual', [c.x(0), c.x(1)]);
    return [g.mask(first, c.dy), g.where(first, g.c(0), c.dy)];
  }),
  comparison('equal', (a, b) => a === b, 'eq'),
  comparison('notEqual', (a, b) => a !== b, 'ne'),
  comparison('less', (a, b) => a < b, 'lt'),
  comparison('lessEqual', (a, b) => a <= b, 'le'),
  comparison('greater', (a, b) => a > b, 'gt'),
  comparison('greaterEqual', (a, b) => a >= b, 'ge'),
  comparison('logicalAnd', (a, b) => a !== 0 && b !== 0, 'and', 'bool'),
  comparison('logicalOr', (a, b) => a !== 0 || b !== 0, 'or', 'bool'),
  {
    ...elementwise({
      name: 'where', arity: 3, accepts: 'any', sameDtype: false,
      ref: () => (c, a, b) => (c ? a : b),
      expr: ([c, a, b]) => alu('where', [c!, a!, b!], a!.dtype),
      vjp: (g, c) => [null, g.unbroadcast(g.mask(c.x(0), c.dy), c.inTypes[1]!.shape), g.unbroadcast(g.where(c.x(0), g.c(0), c.dy), c.inTypes[2]!.shape)],
    }),
    infer(ins) {
      const [c, a, b] = ins as [TensorType, TensorType, TensorType];
      if (c.dtype !== 'bool') throw new KilnError(`condition must be bool, got ${c.dtype}`, { op: 'where' });
      if (a.dtype !== b.dtype) throw new KilnError(`branches must have the same dtype, got ${a.dtype} and ${b.dtype}`, { op: 'where' });
      return { shape: broadcastShapes('where', ins.map((t) => t.shape)), dtype: a.dtype };
    },
  },
];
