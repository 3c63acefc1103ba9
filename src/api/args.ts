import { isDType, KilnError, type DType } from '../ir/index.js';

/**
 * Checks of the non-tensor arguments of ops. JS lets a caller leave arguments out or pass the
 * wrong kind; each check turns that into a KilnError naming the op and the argument, before
 * anything is converted or run.
 */

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return JSON.stringify(value) ?? 'an array';
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'object') return value.constructor?.name && value.constructor !== Object ? `a ${value.constructor.name}` : 'an object';
  return String(value);
}

function missing(op: string, name: string): KilnError {
  return new KilnError(`missing argument '${name}'`, { op });
}

/** A list of integers (a shape, begin, size, reps, perm); `min` is the smallest entry allowed. */
export function intListArg(op: string, name: string, value: unknown, min = 0): number[] {
  if (value === undefined) throw missing(op, name);
  if (!Array.isArray(value) || value.some((d) => !Number.isInteger(d) || d < min)) {
    const what = min === 0 ? 'non-negative integers' : min === -1 ? 'integers >= -1' : 'integers';
    throw new KilnError(`argument '${name}' must be an array of ${what}, got ${describe(value)}`, { op });
  }
  return [...(value as number[])];
}

/** An integer or a list of integers (begin and size of slice, the axes of squeeze). */
export function intOrListArg(op: string, name: string, value: unknown, min = 0): number[] {
  return typeof value === 'number' ? intListArg(op, name, [value], min) : intListArg(op, name, value, min);
}

export function numberArg(op: string, name: string, value: unknown): number {
  if (value === undefined) throw missing(op, name);
  if (typeof value !== 'number') throw new KilnError(`argument '${name}' must be a number, got ${describe(value)}`, { op });
  return value;
}

export function dtypeArg(op: string, name: string, value: unknown): DType {
  if (value === undefined) throw missing(op, name);
  if (!isDType(value)) throw new KilnError(`unknown dtype ${describe(value)}; use 'float32', 'int32' or 'bool'`, { op });
  return value;
}

/** Present, whatever it is; the op checks its form. */
export function requiredArg<T>(op: string, name: string, value: T | undefined): T {
  if (value === undefined) throw missing(op, name);
  return value;
}
