import { Graph, KilnError } from '../ir/index.js';
import type { Backend } from '../runtime/index.js';
import { valueOf } from './apply.js';
import { currentBackend } from './backends.js';
import { ConcreteFunction, OutputSlot } from './concrete-function.js';
import { dumpDirectory, dumpTrace } from './dump.js';
import { compileGraph, type PipelineOptions } from './pipeline.js';
import { isPlainObject, replaceTensors, signatureKey, tensorLeaves } from './signature.js';
import { eagerTapesRecording } from './tape.js';
import { Tensor } from './tensor.js';
import { currentTrace, TraceState, withTrace } from './trace-state.js';

export interface CompileOptions extends PipelineOptions {
  /** The function's name in the IR and in messages (default: fn.name). */
  readonly name?: string;
}

let eagerly = false;

/** Debugging switch: run compiled functions as plain code, op by op. */
export function runFunctionsEagerly(on: boolean): void {
  eagerly = on;
}

export function functionsRunEagerly(): boolean {
  return eagerly;
}

const RETRACE_WINDOW = 10;
const RETRACE_THRESHOLD = 5;
const MAX_RETRACE_WARNINGS = 2;

/**
 * Warns when at least 5 of the last 10 calls traced, at most twice. There is one per JS
 * function, shared by every `compile` of it and every instance of a decorated method (as
 * tf.function keys its detector by the Python function), so compiling anew in a loop is caught.
 */
class FrequentTracingDetector {
  private recent: boolean[] = [];
  private warnings = 0;

  note(traced: boolean, name: string): void {
    this.recent.push(traced);
    if (this.recent.length > RETRACE_WINDOW) this.recent.shift();
    const traces = this.recent.filter(Boolean).length;
    if (traced && traces >= RETRACE_THRESHOLD && this.warnings < MAX_RETRACE_WARNINGS) {
      this.warnings++;
      console.warn(`kiln: ${traces} of the last ${this.recent.length} calls to compiled function '${name}' triggered a retrace, which is expensive. ` +
        `Likely causes: calling it with JS numbers or new shapes that change each call (pass tensors instead), or compiling it anew in a loop.`);
    }
  }
}

const detectors = new WeakMap<object, FrequentTracingDetector>();

function detectorFor(fn: object): FrequentTracingDetector {
  let d = detectors.get(fn);
  if (!d) { d = new FrequentTracingDetector(); detectors.set(fn, d); }
  return d;
}

/** The trace cache of one compiled function. */
export class TraceCache<A extends unknown[], R> {
  /** By backend, then input signature: one traced on cpu keeps its kernels and captures there. */
  private readonly byBackend = new Map<Backend, Map<string, ConcreteFunction>>();
  traceCount = 0;
  private readonly detector: FrequentTracingDetector;

  /** `source`: the user's function, which keys the retrace detector (default `fn`). */
  constructor(private readonly fn: (...args: A) => R, readonly name: string, private readonly options: CompileOptions, source: object = fn) {
    this.detector = detectorFor(source);
  }

  call(args: A): R {
    // Inside another trace, a compiled function is inlined into the caller's graph. While an
    // eager GradientTape records, it runs op by op so the tape sees (and differentiates) its ops.
    if (eagerly || currentTrace() || eagerTapesRecording()) return this.fn(...args);
    const signature = signatureKey(args);
    let cf = this.traced().get(signature);
    this.detector.note(!cf, this.name);
    if (!cf) cf = this.trace(args, signature);
    return cf.run(tensorLeaves(args)) as R;
  }

  concrete(args: A): ConcreteFunction {
    const signature = signatureKey(args);
    return this.traced().get(signature) ?? this.trace(args, signature);
  }

  /** Every concrete function, on every backend, in the order traced. */
  get concreteFunctions(): ConcreteFunction[] {
    return [...this.byBackend.values()].flatMap((m) => [...m.values()]);
  }

  /** The concrete functions of the current backend. */
  private traced(): Map<string, ConcreteFunction> {
    const backend = currentBackend();
    let map = this.byBackend.get(backend);
    if (!map) { map = new Map(); this.byBackend.set(backend, map); }
    return map;
  }

  private trace(args: A, signature: string): ConcreteFunction {
    const first = this.traceCount === 0;
    let state = this.traceOnce(args, first, false);
    // As in tf.function: a first trace that created variables is traced again without creating them.
    if (state.state.createdVariables.length > 0) state = this.traceOnce(args, false, true);
    const { state: trace, template } = state;
    const backend = currentBackend();
    const compiled = compileGraph(trace.graph, backend, this.options);
    const captures = [...trace.captures.keys()].map((t) => t.storageOn(backend, this.name).retain());
    const cf = new ConcreteFunction(this.name, signature, compiled, template, captures);
    const dump = dumpDirectory();
    if (dump) dumpTrace(dump, this, this.name, args, signature, compiled);
    this.traced().set(signature, cf);
    this.traceCount++;
    return cf;
  }

  private traceOnce(args: A, allowVariableCreation: boolean, liftingRetrace: boolean): { state: TraceState; template: unknown } {
    const graph = new Graph(this.name);
    const state = new TraceState(graph, this.name, allowVariableCreation, liftingRetrace);
    const template = withTrace(state, () => {
      const symbolic = replaceTensors(args, (t) => new Tensor(t, null, graph.parameter({ shape: t.shape, dtype: t.dtype }), state)) as A;
      const result = this.fn(...symbolic);
      const outputs: Tensor[] = [];
      const template = templateOf(result, outputs);
      graph.outputs = outputs.map((t) => valueOf(state, t, `${this.name} (return)`));
      return template;
    });
    return { state, template };
  }
}

/** The result structure with each tensor replaced by an OutputSlot, collecting the tensors. */
function templateOf(result: unknown, outputs: Tensor[]): unknown {
  if (result instanceof Tensor) { outputs.push(result); return new OutputSlot(outputs.length - 1); }
  if (Array.isArray(result)) return result.map((r) => templateOf(r, outputs));
  if (isPlainObject(result)) return Object.fromEntries(Object.entries(result).map(([k, v]) => [k, templateOf(v, outputs)]));
  if (result instanceof Promise) throw new KilnError(`compiled functions must be synchronous; it returned a Promise`, { op: 'compile' });
  return result;
}

/** A compiled function: callable like `fn`, with its trace cache exposed. */
export type CompiledFunction<F extends (...args: never[]) => unknown> = F & {
  readonly traceCount: number;
  readonly name: string;
  /** The function that was compiled (TF's `python_function`). */
  readonly original: F;
  concrete(...args: Parameters<F>): ConcreteFunction;
  readonly concreteFunctions: readonly ConcreteFunction[];
};

/** Traces `fn` on first call per input signature, optimizes and compiles it, and runs the cached program after. */
export function compile<F extends (...args: never[]) => unknown>(fn: F, options: CompileOptions = {}): CompiledFunction<F> {
  if (typeof fn !== 'function') throw new KilnError(`expects a function, got ${typeof fn}`, { op: 'compile' });
  const cache = new TraceCache(fn as unknown as (...args: unknown[]) => unknown, options.name ?? (fn.name || 'fn'), options);
  const compiled = (...args: unknown[]) => cache.call(args);
  Object.defineProperties(compiled, {
    traceCount: { get: () => cache.traceCount },
    name: { value: cache.name },
    original: { value: fn },
    concrete: { value: (...args: unknown[]) => cache.concrete(args) },
    concreteFunctions: { get: () => cache.concreteFunctions },
  });
  return compiled as unknown as CompiledFunction<F>;
}

/** Method decorator: the method is compiled with one trace cache per instance. */
export function compiled<This extends object, A extends unknown[], R>(
  method: (this: This, ...args: A) => R,
  context: ClassMethodDecoratorContext<This, (this: This, ...args: A) => R>,
): (this: This, ...args: A) => R {
  const perInstance = new WeakMap<This, TraceCache<A, R>>();
  const name = String(context.name);
  return function (this: This, ...args: A): R {
    if (typeof this !== 'object' || this === null) {
      throw new KilnError(`compiled method '${name}' was called without an instance; call it as obj.${name}(...) or bind it`, { op: 'compile' });
    }
    let cache = perInstance.get(this);
    if (!cache) {
      cache = new TraceCache<A, R>((...a: A) => method.apply(this, a), name, {}, method);
      perInstance.set(this, cache);
    }
    return cache.call(args);
  };
}
