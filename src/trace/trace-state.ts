import type { Graph, Value } from '../ir/index.js';
import type { Tensor } from './tensor.js';

/** The state of one trace in progress: the graph being built and what it captured. */
export class TraceState {
  /** Concrete tensors from outside, bound as extra parameters at every call. */
  readonly captures = new Map<Tensor, Value>();
  /** Variables created while tracing (allowed on a function's first trace only). */
  readonly createdVariables: Tensor[] = [];
  /** For a subgraph (a branch or loop body): values of enclosing traces used inside, and their parameters here. */
  readonly outerCaptures = new Map<Value, Value>();
  /**
   * For a subgraph: variables read in the enclosing graph and passed in (so gradients reach
   * them), by parameter. Variables the subgraph assigns are read inside instead (`innerVariables`).
   */
  readonly variableParams = new Map<Tensor, Value>();
  innerVariables: ReadonlySet<Tensor> = new Set();
  constructor(
    readonly graph: Graph,
    readonly functionName: string,
    readonly allowVariableCreation: boolean,
    /** This trace repeats a first trace that created variables, to trace the function without creating them. */
    readonly liftingRetrace = false,
    /** The enclosing trace, for subgraphs of control flow. */
    readonly parent: TraceState | null = null,
  ) {}

  /** Whether `other` is this trace or one enclosing it. */
  encloses(other: TraceState | null): boolean {
    for (let t: TraceState | null = this; t; t = t.parent) if (t === other) return true;
    return false;
  }
}

const stack: TraceState[] = [];

export function currentTrace(): TraceState | null {
  return stack.length ? stack[stack.length - 1]! : null;
}

export function withTrace<T>(state: TraceState | null, fn: () => T): T {
  stack.push(state as TraceState);
  try {
    return fn();
  } finally {
    stack.pop();
  }
}

/**
 * Runs `fn` eagerly even inside a trace, like TF's `init_scope` (public as `kiln.initScope`):
 * its ops and assignments happen once, while tracing, and are not part of the compiled graph.
 */
export function outsideTraces<T>(fn: () => T): T {
  const saved = stack.splice(0, stack.length);
  try {
    return fn();
  } finally {
    stack.push(...saved);
  }
}
