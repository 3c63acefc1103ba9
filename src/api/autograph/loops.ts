import { Graph, KilnError, type DType } from '../../ir/index.js';
import { currentTrace, Tensor, TraceState, withTrace } from '../../trace/index.js';
import { whileLoop } from '../control-flow.js';
import { toTensor } from '../convert.js';
import { zeros } from '../creation.js';
import { gather, unstack } from '../ops/shape.js';
import {
  autographError, DTypeRetry, firstIteration, mapLeaves, nesting, RETURN_VALUE, sameTensorType, varPath, type GetVars, type LeafPath, type SetVars,
} from './state.js';
import { and, describeValue, hostToTensor, defaultDType, isTensorLoopCondition, scalarCondition, staged, truthy, type Statement } from './values.js';

/** Options for a converted loop, set with `kiln.autograph.setLoopOptions` as the first statement of its body. */
export interface LoopOptions {
  /** Bounds the loop (and makes it differentiable), as tf.autograph.experimental.set_loop_options. */
  readonly maximumIterations?: number;
}

/** `while (test) body` as AutoGraph writes it: a kiln.whileLoop when the test is a tensor while tracing. */
export function whileStmt(test: () => unknown, body: () => void, getVars: GetVars, setVars: SetVars, names: readonly string[], options: LoopOptions = {}): void {
  loop('while loop', test, body, null, getVars, setVars, names, options);
}

/** `for (init; test; update) body`, with `init` run before (so its variables are loop variables). */
export function forStmt(test: (() => unknown) | null, body: () => void, update: (() => void) | null, getVars: GetVars, setVars: SetVars, names: readonly string[], options: LoopOptions = {}): void {
  loop('for loop', test ?? (() => true), body, update, getVars, setVars, names, options);
}

/**
 * `for (const x of iterable) body`. A tensor is iterated along dimension 0: while tracing, one
 * kiln.whileLoop over an index with the body traced once; any other iterable is a JS loop,
 * unrolled into the trace. `extraTest` is the generated `break`/`return` check.
 */
export function forOf<T>(iterable: Iterable<T> | Tensor, body: (item: T | Tensor) => void, extraTest: (() => unknown) | null, getVars: GetVars, setVars: SetVars, names: readonly string[], options: LoopOptions = {}): void {
  if (iterable instanceof Tensor) {
    if (iterable.rank === 0) throw autographError(`cannot iterate over a scalar tensor (${iterable.describe()}); a tensor is iterated along dimension 0`);
    if (currentTrace()) {
      const n = iterable.shape[0]!;
      stagedLoop({
        where: 'for loop', getVars, setVars, names, options,
        extra: [toTensor(0, 'index', 'autograph', 'int32')],
        test: ([i]) => and(() => i!.less(n), () => (extraTest ? extraTest() : true)),
        body: ([i]) => { body(gather(iterable, i!)); return [i!.add(1)]; },
      });
      return;
    }
    for (const row of unstack(iterable)) {
      if (extraTest && !truthy(extraTest(), 'for loop')) break;
      body(row);
    }
    return;
  }
  for (const item of iterable) {
    if (extraTest) {
      const go = extraTest();
      if (staged(go)) {
        throw autographError('a break or return inside a loop over a JS iterable depends on a tensor condition; ' +
          'iterate over a tensor instead (a JS array is unrolled while tracing, so its loop cannot stop on a tensor)');
      }
      if (!truthy(go, 'for loop')) break;
    }
    body(item);
  }
}

function changedToTensor(where: Statement): KilnError {
  return autographError(`the condition of a ${where} started as a JS value, then changed to a tensor. This happens when a variable in the condition ` +
    'becomes a tensor in the body, or when a break or return inside the loop depends on a tensor condition; make the condition a tensor from the start ' +
    '(e.g. initialize the loop variable with kiln.scalar) to make it a graph loop');
}

/**
 * The loop condition's first value. While tracing, it is computed in a scratch graph: a tensor
 * condition is traced again inside the loop, and the graph should not keep this copy.
 */
function firstTest(test: () => unknown): unknown {
  const parent = currentTrace();
  if (!parent) return test();
  return withTrace(new TraceState(new Graph('autograph_first_test'), parent.functionName, false, false, parent), test);
}

function loop(where: Statement, test: () => unknown, body: () => void, update: (() => void) | null, getVars: GetVars, setVars: SetVars, names: readonly string[], options: LoopOptions): void {
  let go = firstTest(test);
  if (isTensorLoopCondition(go, where) && currentTrace()) {
    stagedLoop({
      where, getVars, setVars, names, options, extra: [],
      test: () => test(),
      body: () => { body(); update?.(); return []; },
    });
    return;
  }
  for (;;) {
    if (isTensorLoopCondition(go, where) && currentTrace()) throw changedToTensor(where);
    if (!truthy(go, where)) return;
    body();
    update?.();
    go = test();
  }
}

interface StagedLoop {
  readonly where: Statement;
  readonly getVars: GetVars;
  readonly setVars: SetVars;
  readonly names: readonly string[];
  readonly options: LoopOptions;
  /** The runtime's own leading loop variables (the index of a for-of over a tensor). */
  readonly extra: readonly Tensor[];
  /** The loop condition, with the user's variables already set. */
  readonly test: (extra: readonly Tensor[]) => unknown;
  /** Runs one iteration, with the user's variables already set; returns the next `extra`. */
  readonly body: (extra: readonly Tensor[]) => Tensor[];
}

/** The user's variables as whileLoop's flat list of tensors, and how to put them back. */
interface LoopState {
  readonly structure: unknown[];
  readonly leaves: Tensor[];
  /** Keys of leaves that entered as JS numbers (their dtype is a guess, retried on a mismatch). */
  readonly fromNumbers: Set<string>;
}

const beforeAfter = { before: 'before the loop', after: 'after one iteration' };

function stagedLoop(L: StagedLoop): void {
  const init = L.getVars();
  const defaults = initialValues(L, init);
  const hints = new Map<string, DType>();
  for (let attempt = 0; ; attempt++) {
    try {
      const state = entryState(defaults, L.names, hints);
      const k = L.extra.length;
      const dummy = k + state.leaves.length === 0 ? [toTensor(0, 'unused', 'autograph', 'int32')] : [];
      const unflatten = (vars: readonly Tensor[]): unknown[] => state.structure.map((s) => mapLeaves(s, { key: '', label: '' }, (x) => vars[x as number]));
      const result = whileLoop(
        (...vars) => {
          L.setVars(unflatten(vars.slice(k)));
          const go = L.test(vars.slice(0, k));
          return isTensorLoopCondition(go, L.where) ? scalarCondition(go, L.where) : Boolean(go);
        },
        (...vars) => {
          L.setVars(unflatten(vars.slice(k)));
          const extra = L.body(vars.slice(0, k));
          return [...extra, ...exitLeaves(L.getVars(), state, L.names), ...dummy];
        },
        [...L.extra, ...state.leaves, ...dummy],
        L.options.maximumIterations === undefined ? {} : { maximumIterations: L.options.maximumIterations },
      );
      L.setVars(unflatten(result.slice(k)));
      return;
    } catch (e) {
      L.setVars(init);
      if (e instanceof DTypeRetry && attempt < 16) { hints.set(e.key, e.dtype); continue; }
      throw e;
    }
  }
}

function entryState(values: readonly unknown[], names: readonly string[], hints: ReadonlyMap<string, DType>): LoopState {
  const leaves: Tensor[] = [];
  const fromNumbers = new Set<string>();
  const structure = values.map((v, i) => mapLeaves(v, varPath(i, names), (x, p) => {
    let t: Tensor;
    if (x instanceof Tensor) t = x;
    else if (typeof x === 'number' || typeof x === 'boolean') {
      t = hostToTensor(x, hints.get(p.key) ?? defaultDType(x), p.label);
      if (typeof x === 'number') fromNumbers.add(p.key);
    } else {
      throw autographError(`'${p.label}' is ${describeValue(x)} before the loop; the variables of a tensor loop must be tensors, numbers or booleans (or arrays and objects of them)`);
    }
    leaves.push(t);
    return leaves.length - 1;
  }));
  return { structure, leaves, fromNumbers };
}

function exitLeaves(values: readonly unknown[], state: LoopState, names: readonly string[]): Tensor[] {
  const out: Tensor[] = [];
  values.forEach((v, i) => {
    const p = varPath(i, names);
    if (nesting(v) !== nesting(state.structure[i])) throw autographError(`'${p.label}' does not have the same nested structure after one iteration`);
    mapLeaves(v, p, (x, q) => {
      const before = state.leaves[leafIndex(state.structure[i], q, p)]!;
      out.push(exitLeaf(x, before, q, state));
      return x;
    });
  });
  return out;
}

function leafIndex(structure: unknown, q: LeafPath, root: LeafPath): number {
  let index = -1;
  mapLeaves(structure, root, (x, p) => { if (p.key === q.key) index = x as number; return x; });
  return index;
}

function exitLeaf(x: unknown, before: Tensor, p: LeafPath, state: LoopState): Tensor {
  if (typeof x === 'number' || typeof x === 'boolean') return hostToTensor(x, before.dtype, p.label);
  if (!(x instanceof Tensor)) {
    throw autographError(`'${p.label}' is ${describeValue(x)} after one iteration; the variables of a tensor loop must stay tensors, numbers or booleans`);
  }
  if (x.dtype !== before.dtype && state.fromNumbers.has(p.key)) throw new DTypeRetry(p.key, x.dtype);
  sameTensorType(p.label, before, x, { ...beforeAfter, hint: 'kiln compiles for static shapes, so a loop variable keeps its shape' });
  return x;
}

/**
 * Variables undefined before the loop (the return value, a variable first assigned in the
 * body) get zeros of the type one iteration gives them, found by tracing the body once into a
 * scratch graph, as TensorFlow's AutoGraph does; their value is always written before it is read.
 */
function initialValues(L: StagedLoop, init: readonly unknown[]): unknown[] {
  const undefinedAt = init.flatMap((v, i) => (v === undefined ? [i] : []));
  if (undefinedAt.length === 0) return [...init];
  const parent = currentTrace()!;
  const scratch = new TraceState(new Graph('autograph_first_iteration'), parent.functionName, false, false, parent);
  let after: unknown[];
  firstIteration.depth++;
  try {
    after = withTrace(scratch, () => { L.setVars([...init]); L.body(L.extra); return L.getVars(); });
  } catch (e) {
    const name = L.names[undefinedAt[0]!]!;
    throw autographError(`'${name}' must be defined before the loop (kiln tried to define it from one iteration of the body, which failed: ${e instanceof Error ? e.message : String(e)})`);
  } finally {
    firstIteration.depth--;
    L.setVars([...init]);
  }
  const values = [...init];
  for (const i of undefinedAt) {
    const name = L.names[i]!;
    const v = after[i];
    if (v === undefined) {
      if (name === RETURN_VALUE) {
        throw autographError('a return statement cannot be placed inside this tensor loop; this may happen if the return depends on a JS condition (such as a hyperparameter) that is false');
      }
      throw autographError(`'${name}' must be defined before the loop`);
    }
    values[i] = mapLeaves(v, varPath(i, L.names), (x, p) => {
      if (x instanceof Tensor) return zeros(x.shape, x.dtype);
      if (typeof x === 'number' || typeof x === 'boolean') return x;
      throw autographError(`'${p.label}' must be defined before the loop (one iteration makes it ${describeValue(x)})`);
    });
  }
  return values;
}
