import type { ContinuationScope } from '../backend.js';

type Continuation = (scope: ContinuationScope) => Promise<void>;

type Item =
  | { readonly op: () => void }
  | { readonly continuation: Continuation; readonly failed: (error: unknown) => void };

/** Operations in issue order: the caller's, or the ones a continuation issues itself. */
class Lane {
  readonly items: Item[] = [];
  /** Set while the lane has items waiting behind a continuation. */
  draining: Promise<void> | null = null;
  /** The first failure of a continuation deferred in this lane, for the continuation around it. */
  failure: unknown = null;
  /** The clock when the continuation owning this lane started: what it made later is its own. */
  since = 0;
}

/**
 * Device queue operations (submissions, buffer writes, releases back to the pool) in the
 * order they were issued, with continuations (control-flow decisions waiting on a readback)
 * among them. While a continuation is pending, operations issued after it wait in a list and
 * are issued once it is done; a continuation's own operations go ahead, in a lane of their
 * own, and continuations deferred inside it (nested control flow) finish inside it.
 */
export class OrderedQueue {
  private readonly root = new Lane();
  private current: Lane = this.root;

  constructor(
    /** Submits what is recorded, in the current lane (called when a continuation's lane is entered and left). */
    private readonly flush: () => void,
    /** Receives the failure of a continuation deferred by the caller (not nested in another one). */
    private readonly failed: (error: unknown) => void,
    /** A counter that grows with each buffer made (see `release`). */
    private readonly clock: () => number,
  ) {}

  /** Whether operations issued now would wait for a pending continuation. */
  get holding(): boolean {
    return this.current.draining !== null;
  }

  /** Whether any continuation is pending. */
  get pending(): boolean {
    return this.root.draining !== null;
  }

  /** Issues `op` now, or after the continuations pending before it. */
  issue(op: () => void): void {
    const lane = this.current;
    if (lane.draining) lane.items.push({ op });
    else op();
  }

  /** `issue`, resolved once `op` has run (rejected if it threw). */
  issued(op: () => void): Promise<void> {
    const lane = this.current;
    if (!lane.draining) {
      try { op(); } catch (e) { return Promise.reject(e); }
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => lane.items.push({
      op: () => {
        try { op(); resolve(); } catch (e) { reject(e); }
      },
    }));
  }

  /**
   * Issues the release of a buffer made at `madeAt` (on `clock`). A continuation's own buffers
   * go back at once; one made before it started may be used by work still held behind it (a
   * later call reading the same tensor), so it goes back after everything held.
   */
  release(madeAt: number, op: () => void): void {
    const lane = this.current;
    if (lane === this.root || madeAt > lane.since) this.issue(op);
    else if (this.root.draining) this.root.items.push({ op });
    else op();
  }

  /** Runs `continuation` after everything issued before; `failed` hears of its error. */
  defer(continuation: Continuation, failed: (error: unknown) => void): void {
    const lane = this.current;
    lane.items.push({ continuation, failed });
    lane.draining ??= this.drain(lane);
  }

  /** Resolves once everything issued so far is done; what failed is the next call's error. */
  idle(): Promise<void> {
    return this.issued(() => undefined);
  }

  private async drain(lane: Lane): Promise<void> {
    // Start after the caller's synchronous code: a continuation never runs inside a run.
    await undefined;
    for (let item = lane.items.shift(); item; item = lane.items.shift()) {
      if ('op' in item) {
        try { item.op(); } catch (e) { this.report(lane, e); }
        continue;
      }
      const inner = new Lane();
      inner.since = this.clock();
      const scope: ContinuationScope = { run: (fn) => this.within(inner, fn), settle: () => this.settle(inner) };
      try {
        await item.continuation(scope);
        await this.settle(inner);
      } catch (e) {
        // What the continuation deferred still runs (it holds buffers), then the error is reported.
        await this.settle(inner).catch(() => undefined);
        try { item.failed(e); } catch { /* reporting must not stop the queue */ }
        this.report(lane, e);
      }
    }
    lane.draining = null;
  }

  private report(lane: Lane, error: unknown): void {
    if (lane === this.root) this.failed(error);
    else lane.failure ??= error;
  }

  private within<T>(lane: Lane, fn: () => T): T {
    this.flush();
    const outer = this.current;
    this.current = lane;
    try {
      return fn();
    } finally {
      try { this.flush(); } finally { this.current = outer; }
    }
  }

  private async settle(lane: Lane): Promise<void> {
    while (lane.draining) await lane.draining;
    const failure = lane.failure;
    if (failure !== null) {
      lane.failure = null;
      throw failure;
    }
  }
}
