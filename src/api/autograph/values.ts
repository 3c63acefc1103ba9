import { KilnError, shapeString, type DType } from '../../ir/index.js';
import { currentTrace, Tensor } from '../../trace/index.js';
import { toTensor } from '../convert.js';
import { logicalAnd, logicalNot, logicalOr } from '../ops/elementwise.js';
import { reshape } from '../ops/shape.js';
import { cond } from '../control-flow.js';

/**
 * The values AutoGraph's generated code works with. Only a bool tensor drives graph control
 * flow; any other value (a JS value, or a non-bool tensor, which is an object) keeps JS
 * semantics, so `if (mask)` presence checks on optional tensors still work.
 */

export type Statement = 'if statement' | 'while loop' | 'for loop' | 'conditional expression';

/** A bool tensor: graph control flow when traced, its value when eager. */
export function isBoolTensor(x: unknown): x is Tensor {
  return x instanceof Tensor && x.dtype === 'bool';
}

/** The scalar form of a bool tensor condition; anything but one element is a KilnError. */
export function scalarCondition(t: Tensor, where: Statement): Tensor {
  if (t.size !== 1) {
    throw new KilnError(`the condition of a ${where} is a bool tensor of shape ${shapeString(t.shape)}; a tensor condition must hold one element ` +
      `(reduce it with .any() or .all(); to test whether an optional tensor is present, compare it with undefined)`, { op: 'autograph' });
  }
  return t.rank === 0 ? t : reshape(t, []);
}

/** Whether a loop's condition is a tensor; a non-bool tensor there is an error (it would never end as a JS object). */
export function isTensorLoopCondition(x: unknown, where: Statement): x is Tensor {
  if (x instanceof Tensor && x.dtype !== 'bool') {
    throw new KilnError(`the condition of a ${where} is a ${x.describe()} tensor; a tensor condition must be bool (use a comparison such as x.greater(0))`, { op: 'autograph' });
  }
  return x instanceof Tensor;
}

/** JS truthiness, reading the value of a concrete bool tensor. */
export function truthy(x: unknown, where: Statement): boolean {
  if (!isBoolTensor(x)) return Boolean(x);
  if (x.isSymbolic) throw new KilnError(`internal: a symbolic condition in a JS ${where}`, { op: 'autograph' });
  return readCondition(scalarCondition(x, where), where);
}

/**
 * The value of an eager bool scalar condition. A backend that reads back only asynchronously
 * (webgpu) cannot give it to a JS statement: that is a KilnError saying what to do instead.
 */
export function readCondition(t: Tensor, where: string): boolean {
  const backend = t.storage('autograph').backend;
  if (backend.defer) {
    throw new KilnError(`the condition of this ${where} is a tensor, which the ${backend.name} backend cannot read back synchronously outside a compiled function; ` +
      'compile the function (kiln.compile) so the statement becomes graph control flow, or await the value (`(await cond.data())[0]`) and branch on that', { op: 'autograph' });
  }
  return t.dataSync()[0] !== 0;
}

/** Whether `x` is a bool tensor that must become graph control flow: inside a trace, any bool tensor (a Variable too). */
export function staged(x: unknown): x is Tensor {
  return isBoolTensor(x) && currentTrace() !== null;
}

/** `a && b`: logicalAnd on bool tensors, JS otherwise. */
export function and<A, B>(a: () => A, b: () => B): A | B | Tensor {
  const x = a();
  if (isBoolTensor(x)) {
    const y = b();
    if (isBoolTensor(y)) return logicalAnd(x, y);
    return truthyHost(y) ? x : y;
  }
  return x ? b() : x;
}

/** `a || b`: logicalOr on bool tensors, JS otherwise. */
export function or<A, B>(a: () => A, b: () => B): A | B | Tensor {
  const x = a();
  if (isBoolTensor(x)) {
    const y = b();
    if (isBoolTensor(y)) return logicalOr(x, y);
    return truthyHost(y) ? y : x;
  }
  return x ? x : b();
}

/** `!x`: logicalNot on a bool tensor, JS otherwise. */
export function not(x: unknown): boolean | Tensor {
  return isBoolTensor(x) ? logicalNot(x) : !x;
}

/** True when none of the flags (break/continue/return) is set; a tensor when any flag is one. */
export function notAny(flags: readonly unknown[]): boolean | Tensor {
  const tensors: Tensor[] = [];
  for (const f of flags) {
    if (isBoolTensor(f)) tensors.push(f);
    else if (f) return false;
  }
  if (tensors.length === 0) return true;
  return logicalNot(tensors.reduce((a, b) => logicalOr(a, b)));
}

/** `c ? a() : b()`: kiln.cond on a traced bool tensor. */
export function ifExp<T>(c: unknown, a: () => T, b: () => T): T {
  if (staged(c)) return cond(scalarCondition(c, 'conditional expression'), a, b);
  return truthy(c, 'conditional expression') ? a() : b();
}

function truthyHost(x: unknown): boolean {
  return x instanceof Tensor ? true : Boolean(x);
}

/** The dtype a JS number or boolean takes when it becomes a tensor, unless a hint says otherwise. */
export function defaultDType(x: number | boolean): DType {
  return typeof x === 'boolean' ? 'bool' : 'float32';
}

export function hostToTensor(x: number | boolean, dtype: DType, name: string): Tensor {
  if (typeof x === 'boolean' && dtype !== 'bool' || typeof x === 'number' && dtype === 'bool') {
    throw new KilnError(`'${name}' is ${typeof x} ${String(x)} here but a ${dtype} tensor elsewhere`, { op: 'autograph' });
  }
  return toTensor(x, name, 'autograph', dtype);
}

/** What a value is, for messages. */
export function describeValue(x: unknown): string {
  if (x instanceof Tensor) return `a ${x.describe()} tensor`;
  if (x === undefined) return 'undefined';
  if (x === null) return 'null';
  if (Array.isArray(x)) return `an array of length ${x.length}`;
  if (typeof x === 'object') return 'an object';
  return `${typeof x} ${typeof x === 'string' ? JSON.stringify(x) : String(x)}`;
}
