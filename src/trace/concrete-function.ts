import { KilnError, printGraph, type Graph, type PrintOptions } from '../ir/index.js';
import type { PassRecord } from '../passes/index.js';
import type { Storage } from '../runtime/index.js';
import type { CompiledGraph } from './pipeline.js';
import { signatureKey, tensorLeaves } from './signature.js';
import { Tensor } from './tensor.js';
import { variableSlot } from './variable.js';

/** The graph of a concrete function at each stage; `toString({ stage })` prints one. */
export class StagedGraph {
  constructor(private readonly compiled: CompiledGraph) {}

  get traced(): Graph { return this.compiled.traced; }
  get optimized(): Graph { return this.compiled.optimized; }
  get nodes(): Graph['nodes'] { return this.compiled.optimized.nodes; }

  /** `stage`: 'traced', 'optimized' (default), or the name of a pass (the graph after it). */
  toString(options: PrintOptions & { stage?: string } = {}): string {
    const stage = options.stage ?? 'optimized';
    if (stage === 'traced') return printGraph(this.compiled.traced, options);
    if (stage === 'optimized') return printGraph(this.compiled.optimized, options);
    const record = this.compiled.passes.find((p) => p.name === stage);
    if (!record) throw new KilnError(`no stage '${stage}'; stages: traced, ${this.compiled.passes.map((p) => p.name).join(', ')}, optimized`, { op: 'toString' });
    return printGraph(record.graph, options);
  }
}

export interface ConcreteStats {
  readonly nodes: number;
  readonly kernels: number;
  readonly fusedNodes: number;
  /** Intermediate buffers in the arena (reused across steps and calls). */
  readonly buffers: number;
  /** Peak bytes of one call: the arena plus the values that outlive it. */
  readonly bytes: number;
  /** Intermediates placed in a buffer that an earlier, dead intermediate used. */
  readonly reusedBuffers: number;
  /** Kernels that write a variable's new value over its old one. */
  readonly inPlaceUpdates: number;
}

/** Marks where a tensor result goes in a function's output structure. */
export class OutputSlot {
  constructor(readonly index: number) {}
}

/** A traced, optimized and compiled function for one input signature. */
export class ConcreteFunction {
  readonly graph: StagedGraph;

  constructor(
    readonly name: string,
    readonly signature: string,
    private readonly compiled: CompiledGraph,
    /** The result structure, with OutputSlot where tensors go. */
    private readonly outputTemplate: unknown,
    private readonly captures: readonly Storage[],
  ) {
    this.graph = new StagedGraph(compiled);
  }

  get passes(): readonly PassRecord[] {
    return this.compiled.passes;
  }

  get kernels(): { name: string; language: string; source: string }[] {
    return this.compiled.executable.kernels.map((k) => ({ name: k.name, language: k.language, source: k.source }));
  }

  get stats(): ConcreteStats {
    const p = this.compiled.program;
    const launches = p.steps.filter((s) => s.kind === 'launch').length;
    const computeNodes = this.compiled.optimized.nodes.filter((n) => !['parameter', 'constant', 'readVariable', 'assignVariable'].includes(n.op)).length;
    return {
      nodes: this.compiled.optimized.nodes.length,
      kernels: launches,
      fusedNodes: Math.max(0, computeNodes - launches - p.steps.filter((s) => s.kind === 'alias').length),
      buffers: p.plan.arena.length,
      bytes: p.plan.peakBytes,
      reusedBuffers: p.plan.reused,
      inPlaceUpdates: p.steps.filter((s) => s.kind === 'launch' && s.inPlace !== undefined).length,
    };
  }

  /** Runs the compiled program on arguments of this signature. */
  call(...args: unknown[]): unknown {
    const key = signatureKey(args);
    if (key !== this.signature) {
      const got = `${args.length} argument${args.length === 1 ? '' : 's'}`;
      throw new KilnError(`concrete function '${this.name}' was traced for arguments ${this.signature} and cannot be called with ${got} ${key}`, { op: this.name });
    }
    return this.run(tensorLeaves(args));
  }

  /** @internal Runs with the tensor leaves of already-matched arguments. */
  run(leaves: readonly Tensor[]): unknown {
    const inputs = leaves.map((t) => t.storageOn(this.compiled.executable.backend, this.name));
    const outs = this.compiled.executable.run([...inputs, ...this.captures], variableSlot);
    const tensors = outs.map((s, i) => new Tensor(this.compiled.optimized.outputs[i]!.type, { storage: s }));
    return fill(this.outputTemplate, tensors);
  }
}

function fill(template: unknown, tensors: readonly Tensor[]): unknown {
  if (template instanceof OutputSlot) return tensors[template.index];
  if (Array.isArray(template)) return template.map((t) => fill(t, tensors));
  if (typeof template === 'object' && template !== null && !(template instanceof Tensor) && Object.getPrototypeOf(template) === Object.prototype) {
    return Object.fromEntries(Object.entries(template).map(([k, v]) => [k, fill(v, tensors)]));
  }
  return template;
}

