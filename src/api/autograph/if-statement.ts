import type { DType } from '../../ir/index.js';
import { Tensor } from '../../trace/index.js';
import { cond } from '../control-flow.js';
import { zeros } from '../creation.js';
import {
  autographError, DTypeRetry, FillRetry, firstIteration, HostLeaf, HostLeaves, mapLeaves, mismatch, nesting, RETURN_VALUE, sameTensorType, varPath,
  type GetVars, type LeafPath, type SetVars,
} from './state.js';
import { defaultDType, hostToTensor, scalarCondition, staged, truthy } from './values.js';

type Branch = 'if' | 'else';

/**
 * `if (c) { then } else { else }` as AutoGraph writes it. On a bool tensor while tracing,
 * both branches are traced into one kiln.cond over the variables they assign (TensorFlow's
 * `if_stmt`); on anything else it is a plain JS `if`.
 */
export function ifStmt(c: unknown, thenFn: () => void, elseFn: (() => void) | null, getVars: GetVars, setVars: SetVars, names: readonly string[]): void {
  if (staged(c)) {
    stagedIf(scalarCondition(c, 'if statement'), thenFn, elseFn, getVars, setVars, names);
    return;
  }
  if (truthy(c, 'if statement')) thenFn();
  else elseFn?.();
}

function undefinedIn(label: string, branch: Branch): Error {
  if (label === RETURN_VALUE) return autographError(`A value must also be returned from the ${branch} branch.`);
  return autographError(`'${label}' must also be initialized in the ${branch} branch`);
}

/** One traced branch's variables: each leaf a tensor or an interned HostLeaf. */
class BranchOutputs {
  readonly leaves = new Map<string, Tensor | HostLeaf>();
  readonly nestings: string[] = [];
}

function stagedIf(pred: Tensor, thenFn: () => void, elseFn: (() => void) | null, getVars: GetVars, setVars: SetVars, names: readonly string[]): void {
  const init = getVars();
  const initLeaves = new Map<string, unknown>();
  init.forEach((v, i) => mapLeaves(v, varPath(i, names), (x, p) => initLeaves.set(p.key, x)));
  const hints = new Map<string, DType>();
  const fills = new Map<string, FillRetry>();
  for (let attempt = 0; ; attempt++) {
    const host = new HostLeaves();
    let first: BranchOutputs | null = null;

    const encode = (x: unknown, p: LeafPath, branch: Branch): Tensor | HostLeaf => {
      if (x instanceof Tensor) return x;
      const fill = fills.get(p.key);
      if (x === undefined && fill) return zeros(fill.shape, fill.dtype);
      if (typeof x === 'number' || typeof x === 'boolean') {
        const hint = hints.get(p.key);
        if (hint) return hostToTensor(x, hint, p.label);
        const before = initLeaves.get(p.key);
        if (before instanceof Tensor) return hostToTensor(x, before.dtype, p.label);
        const other = first?.leaves.get(p.key);
        if (branch === 'else' && other instanceof Tensor) return hostToTensor(x, other.dtype, p.label);
        if (branch === 'else' && other instanceof HostLeaf && other.value !== x) throw new DTypeRetry(p.key, defaultDType(x));
      }
      return host.of(x);
    };

    const run = (fn: (() => void) | null, branch: Branch) => (): unknown[] => {
      setVars(init);
      fn?.();
      const out = new BranchOutputs();
      const encoded = getVars().map((v, i) => {
        out.nestings.push(nesting(v));
        return mapLeaves(v, varPath(i, names), (x, p) => {
          const e = encode(x, p, branch);
          out.leaves.set(p.key, e);
          return e;
        });
      });
      if (branch === 'if') first = out;
      else compareBranches(first!, out, names, hints);
      return encoded;
    };

    try {
      const result = cond(pred, run(thenFn, 'if'), run(elseFn, 'else'));
      setVars(result.map((v, i) => mapLeaves(v, varPath(i, names), (x) => (x instanceof HostLeaf ? x.value : x))));
      return;
    } catch (e) {
      setVars(init);
      if (e instanceof DTypeRetry && attempt < 16) { hints.set(e.key, e.dtype); continue; }
      if (e instanceof FillRetry && attempt < 16) { fills.set(e.key, e); continue; }
      throw e;
    }
  }
}

const where = { before: 'in the if branch', after: 'in the else branch' };

function compareBranches(a: BranchOutputs, b: BranchOutputs, names: readonly string[], hints: ReadonlyMap<string, DType>): void {
  a.nestings.forEach((n, i) => {
    if (n !== b.nestings[i]) throw autographError(`'${names[i]}' must have the same nested structure in the if and else branches`);
  });
  for (const [key, x] of a.leaves) {
    const y = b.leaves.get(key)!;
    const label = labelOf(key, names);
    const ux = x instanceof HostLeaf && x.value === undefined;
    const uy = y instanceof HostLeaf && y.value === undefined;
    if (ux && uy) continue;
    if (ux || uy) {
      const defined = ux ? y : x;
      if (firstIteration.depth > 0 && defined instanceof Tensor) throw new FillRetry(key, defined.shape, defined.dtype);
      throw undefinedIn(label, ux ? 'if' : 'else');
    }
    if (x instanceof Tensor && y instanceof Tensor) {
      sameTensorType(label, x, y, { ...where, hint: 'kiln compiles for static shapes, so both branches must give it the same shape' });
    } else if (x instanceof HostLeaf && y instanceof Tensor) {
      // A JS number from the first branch: trace again with the second branch's dtype.
      if ((typeof x.value === 'number' || typeof x.value === 'boolean') && !hints.has(key)) throw new DTypeRetry(key, y.dtype);
      throw mismatch(label, x.value, y, where);
    } else if (x !== y) {
      throw mismatch(label, x instanceof HostLeaf ? x.value : x, y instanceof HostLeaf ? y.value : y, where);
    }
  }
}

/** `2[0].w` with names [a, b, state] → `state[0].w`. */
export function labelOf(key: string, names: readonly string[]): string {
  const m = /^(\d+)(.*)$/.exec(key);
  return m ? `${names[Number(m[1])] ?? `#${m[1]}`}${m[2]}` : key;
}
