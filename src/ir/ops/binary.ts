import { alu, type AluOp, type Expr } from '../expr.js';
import type { OpDef } from '../op-def.js';
import { elementwise, type DTypeRule } from './elementwise.js';
import { KilnError } from '../error.js';
import { broadcastShapes, type TensorType } from '../tensor-type.js';

/** Floor modulo: the result takes the divisor's sign, as in TensorFlow and Python. */
export function floorMod(a: number, b: number): number {
  const r = a % b;
  return r !== 0 && (r < 0) !== (b < 0) ? r + b : r;
}

function binary(name: string, accepts: DTypeRule, ref: (a: number, b: number) => number, op: AluOp | ((a: Expr, b: Expr) => Expr)): OpDef {
  return elementwise({
    name, arity: 2, accepts, ref: () => ref,
    expr: ([a, b]) => (typeof op === 'function' ? op(a!, b!) : alu(op, [a!, b!])),
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
  binary('add', 'numeric', (a, b) => a + b, 'add'),
  binary('sub', 'numeric', (a, b) => a - b, 'sub'),
  binary('mul', 'numeric', (a, b) => a * b, 'mul'),
  elementwise({
    name: 'div', arity: 2, accepts: 'numeric',
    // int32 / int32 is floor division, as in TensorFlow.js.
    ref: (_a, dtype) => (dtype === 'int32' ? (a, b) => Math.floor(a / b) : (a, b) => a / b),
    expr: ([a, b]) => alu(a!.dtype === 'int32' ? 'idiv' : 'div', [a!, b!]),
  }),
  binary('floorDiv', 'numeric', (a, b) => Math.floor(a / b), 'idiv'),
  binary('mod', 'numeric', floorMod, 'mod'),
  binary('pow', 'numeric', (a, b) => a ** b, 'pow'),
  binary('maximum', 'numeric', (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.max(a, b)), 'max'),
  binary('minimum', 'numeric', (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.min(a, b)), 'min'),
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
    }),
    infer(ins) {
      const [c, a, b] = ins as [TensorType, TensorType, TensorType];
      if (c.dtype !== 'bool') throw new KilnError(`condition must be bool, got ${c.dtype}`, { op: 'where' });
      if (a.dtype !== b.dtype) throw new KilnError(`branches must have the same dtype, got ${a.dtype} and ${b.dtype}`, { op: 'where' });
      return { shape: broadcastShapes('where', ins.map((t) => t.shape)), dtype: a.dtype };
    },
  },
];
