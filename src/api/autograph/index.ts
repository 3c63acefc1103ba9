/**
 * `kiln.autograph`: the runtime of AutoGraph's converted code, and its tools. The source
 * transform (`node --import kiln/autograph`, the `kiln/autograph/vite` plugin) rewrites `if`,
 * `while`, `for` and `for..of` in compiled functions into these calls; each decides at run
 * time: a bool tensor while tracing becomes kiln.cond / kiln.whileLoop, anything else is JS.
 */
import { KilnError } from '../../ir/index.js';
import { AG } from '../../trace/autograph/emit.js';
import { autographFunctionSource } from '../../trace/autograph/transform.js';
import './iterate.js';

export { ifStmt } from './if-statement.js';
export { whileStmt, forStmt, forOf, type LoopOptions } from './loops.js';
export { and, or, not, notAny, ifExp } from './values.js';
export { hostCondition } from './host-condition.js';
export type { GetVars, SetVars } from './state.js';

/**
 * Options for the loop whose body this call starts (as tf.autograph.experimental.set_loop_options):
 * the transform moves them into the loop. Anywhere else it does nothing.
 */
export function setLoopOptions(options: { readonly maximumIterations?: number }): void {
  void options;
}

/** The converted source of a function, as the AutoGraph transform writes it (for reading; as tf.autograph.to_code). */
export function toCode(fn: (...args: never[]) => unknown): string {
  if (typeof fn !== 'function') throw new KilnError(`expects a function, got ${typeof fn}`, { op: 'autograph.toCode' });
  // A compiled function shows the function it compiled (as tf.autograph.to_code takes a tf.function).
  if ('original' in fn && 'traceCount' in fn && typeof fn.original === 'function') return toCode(fn.original as (...args: never[]) => unknown);
  const source = Function.prototype.toString.call(fn);
  // Already converted as its module loaded: that is the code that runs.
  if (source.includes(`${AG}.`)) return source;
  return autographFunctionSource(source);
}
