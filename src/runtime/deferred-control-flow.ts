import type { DType, VariableRef } from '../ir/index.js';
import type { Backend, ContinuationScope } from './backend.js';
import type { CondStep, VariableResolver, VariableUse, WhileStep } from './executable.js';
import { Storage, type VariableSlot } from './storage.js';

/**
 * Control-flow steps on a backend without synchronous reads (webgpu): the decision and what
 * follows from it run as a continuation (`Backend.defer`) while the call returns at once.
 */

interface SlotType {
  readonly dtype: DType;
  readonly size: number;
}

/**
 * The variables a deferred step uses, as they are when the step is reached: the continuation
 * reads and assigns private slots, so later calls cannot change what it sees. A variable it may
 * assign gets new storage at once (later reads see it), filled when the continuation ends:
 * with the new value, or with the old one if it failed, so nothing is half-applied.
 */
class VariableSnapshot {
  private entries: { slot: VariableSlot; original: Storage; fresh: Storage | null }[] = [];
  private readonly slots = new Map<VariableRef, VariableSlot>();

  constructor(uses: readonly VariableUse[], private readonly outer: VariableResolver, backend: Backend) {
    for (const { ref, assigned } of uses) {
      const live = outer(ref);
      const original = live.storage.retain();
      const slot: VariableSlot = { storage: original.retain() };
      let fresh: Storage | null = null;
      if (assigned) {
        fresh = new Storage(backend, backend.allocate(original.buffer.dtype, original.buffer.size));
        live.storage = fresh.retain();
        // The variable's own reference to the old value (the snapshot holds two more).
        original.release();
      }
      this.entries.push({ slot, original, fresh });
      this.slots.set(ref, slot);
    }
  }

  readonly resolve: VariableResolver = (ref) => this.slots.get(ref) ?? this.outer(ref);

  /** Fills the variables' new storage (new values when `ok`, the old ones otherwise) and lets go; once. */
  finish(backend: Backend, ok: boolean): void {
    const entries = this.entries;
    this.entries = [];
    try {
      for (const e of entries) if (e.fresh) backend.copy!((ok ? e.slot.storage : e.original).buffer, e.fresh.buffer);
    } finally {
      for (const e of entries) { e.slot.storage.release(); e.original.release(); e.fresh?.release(); }
    }
  }
}

/** Reads a predicate back inside a continuation, after the work it deferred itself. */
async function decide(scope: ContinuationScope, backend: Backend, pred: Storage): Promise<boolean> {
  await scope.settle();
  const values = await scope.run(() => backend.read(pred.buffer));
  return values[0] !== 0;
}

/**
 * Defers a step: allocates its outputs (returned now), retains what it reads, and schedules
 * `compute`, whose results are copied into the outputs when it is done.
 */
function deferStep(
  backend: Backend, inputs: readonly Storage[], outTypes: readonly SlotType[], uses: readonly VariableUse[], variable: VariableResolver,
  compute: (scope: ContinuationScope, vars: VariableResolver) => Promise<Storage[]>,
): Storage[] {
  const outputs = outTypes.map((t) => new Storage(backend, backend.allocate(t.dtype, t.size)));
  const held = [...inputs, ...outputs].map((s) => s.retain());
  const snapshot = new VariableSnapshot(uses, variable, backend);
  // What the call recorded up to this step goes first.
  backend.flush?.();
  backend.defer!(async (scope) => {
    let results: Storage[] = [];
    try {
      results = await compute(scope, snapshot.resolve);
      await scope.settle();
      scope.run(() => {
        results.forEach((r, k) => backend.copy!(r.buffer, outputs[k]!.buffer));
        snapshot.finish(backend, true);
      });
    } catch (e) {
      quietly(() => scope.run(() => snapshot.finish(backend, false)));
      throw e;
    } finally {
      quietly(() => scope.run(() => { for (const s of [...results, ...held]) s.release(); }));
    }
  }, outputs.map((o) => o.buffer));
  return outputs;
}

/** Cleanup after a failure: the failure is the error to report, not what cleaning up hits. */
function quietly(fn: () => void): void {
  try { fn(); } catch { /* keep the first error */ }
}

/** A cond whose predicate is read back later: the taken branch runs in the continuation. */
export function deferCond(step: CondStep, pred: Storage, inputs: readonly Storage[], outTypes: readonly SlotType[], variable: VariableResolver, backend: Backend): Storage[] {
  return deferStep(backend, [pred, ...inputs], outTypes, step.variables, variable, async (scope, vars) => {
    const branch = (await decide(scope, backend, pred)) ? step.branches[0] : step.branches[1];
    return scope.run(() => branch.run(inputs, vars));
  });
}

/** A while of unknown trip count: each iteration's condition is read back, then its body runs. */
export function deferWhile(step: WhileStep, inputs: readonly Storage[], outTypes: readonly SlotType[], variable: VariableResolver, backend: Backend): Storage[] {
  return deferStep(backend, inputs, outTypes, step.variables, variable, async (scope, vars) => {
    const n = step.loopVarCount;
    const captured = inputs.slice(n);
    let state = inputs.slice(0, n).map((s) => s.retain());
    try {
      for (let i = 0; step.maximumIterations === null || i < step.maximumIterations; i++) {
        const [go] = scope.run(() => step.condition.run([...state, ...captured], vars));
        let proceed: boolean;
        try {
          proceed = await decide(scope, backend, go!);
        } finally {
          scope.run(() => go!.release());
        }
        if (!proceed) break;
        const next = scope.run(() => step.body.run([...state, ...captured], vars));
        const done = state;
        state = next;
        scope.run(() => { for (const v of done) v.release(); });
      }
    } catch (e) {
      scope.run(() => { for (const v of state) v.release(); });
      throw e;
    }
    return state;
  });
}
