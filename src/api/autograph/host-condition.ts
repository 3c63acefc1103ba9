import { currentTrace } from '../../trace/index.js';
import { isBoolTensor, readCondition, scalarCondition } from './values.js';
import { autographError } from './state.js';

/**
 * The condition of an `if`/`while`/`for`/`do` the transform left as JS (it holds await, yield,
 * var, or a jump to a label or a JS-only statement): a bool tensor there would be an object,
 * always true, so while tracing it is an error, and eagerly its value.
 */
export function hostCondition(c: unknown): unknown {
  if (!isBoolTensor(c)) return c;
  if (currentTrace()) {
    throw autographError('this statement stays JS (it contains await, yield, var, a labeled jump or a jump out of a switch), but its condition is a tensor; ' +
      'use kiln.cond / kiln.whileLoop, or restructure it');
  }
  return readCondition(scalarCondition(c, 'if statement'), 'statement');
}
