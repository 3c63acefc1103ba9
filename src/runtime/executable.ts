import type { Program, Step } from '../codegen/index.js';
import type { VariableRef } from '../ir/index.js';
import type { Backend, CompiledKernel, DeviceBuffer } from './backend.js';
import { deferCond, deferWhile } from './deferred-control-flow.js';
import { Storage, type VariableSlot } from './storage.js';

export type VariableResolver = (ref: VariableRef) => VariableSlot;

/** A variable a control-flow step's subprograms read, and whether they may assign it. */
export interface VariableUse {
  readonly ref: VariableRef;
  readonly assigned: boolean;
}

export interface CondStep {
  readonly kind: 'cond'; readonly pred: number; readonly branches: readonly [Executable, Executable];
  readonly inputs: readonly number[]; readonly outputs: readonly number[]; readonly variables: readonly VariableUse[];
}

export interface WhileStep {
  readonly kind: 'while'; readonly condition: Executable; readonly body: Executable; readonly loopVarCount: number;
  readonly maximumIterations: number | null; readonly inputs: readonly number[]; readonly outputs: readonly number[];
  /** The body's trip count when known when traced (the condition is then never evaluated). */
  readonly tripCount: number | null;
  readonly variables: readonly VariableUse[];
}

type PreparedStep =
  | { readonly kind: 'launch'; readonly kernel: CompiledKernel; readonly inputs: readonly number[]; readonly outputs: readonly number[]; readonly inPlace: number }
  | CondStep
  | WhileStep
  | Exclude<Step, { kind: 'launch' | 'cond' | 'while' }>;

/**
 * A compiled program for one input signature on one backend: kernels compiled, constants
 * uploaded, intermediates placed in an arena of buffers reused on every run (by the memory
 * plan), and values that outlive a run (outputs, variable updates) in storage of their own.
 *
 * Control flow reads a predicate back to the host once per decision: a `cond` its predicate,
 * a `while` its condition before each iteration, and a `while` whose trip count is known when
 * traced (a counter from a constant to a constant bound, or a constant condition under
 * `maximumIterations`) reads nothing: its body runs that many times. The cpu and wasm backends
 * read synchronously, in place. WebGPU reads asynchronously, so there the step is deferred
 * (`Backend.defer`): its outputs, and new storage for the variables it may assign, are
 * allocated and returned at once, and the rest of the call is recorded as usual; the
 * continuation awaits each predicate (one small staging-buffer read), runs the branch or
 * iteration, and copies the results into that storage. Every queue operation issued meanwhile
 * (later calls, uploads, releases, reads) waits for it, so later work sees its results and
 * `await tensor.data()` resolves after it. A failure in it is thrown by the next call, and by
 * reading the step's outputs; variables it was to assign keep their old values.
 */
export class Executable {
  readonly kernels: CompiledKernel[] = [];
  private readonly steps: PreparedStep[];
  private readonly constants: { slot: number; storage: Storage }[];
  private arena: DeviceBuffer[] | null = null;
  /**
   * Set by `dispose`. A continuation deferred before may still run a disposed subprogram (its
   * constants' buffers go back to the pool only after it): its arena is then let go after the run.
   */
  private disposed = false;
  /** Per temp slot, its typed view into the arena (made once, with the arena). */
  private views: (DeviceBuffer | undefined)[] = [];
  private readonly buffers: (DeviceBuffer | undefined)[];
  private readonly storages: (Storage | undefined)[];

  constructor(readonly program: Program, readonly backend: Backend) {
    this.steps = program.steps.map((s): PreparedStep => {
      if (s.kind === 'cond') {
        const branches = [new Executable(s.branches[0], backend), new Executable(s.branches[1], backend)] as const;
        for (const b of branches) this.kernels.push(...b.kernels);
        return { ...s, branches, variables: variablesOf(s.branches) };
      }
      if (s.kind === 'while') {
        const condition = new Executable(s.condition, backend);
        const body = new Executable(s.body, backend);
        this.kernels.push(...condition.kernels, ...body.kernels);
        return { ...s, condition, body, tripCount: s.tripCount ?? null, variables: variablesOf([s.condition, s.body]) };
      }
      if (s.kind !== 'launch') return s;
      const kernel = backend.compile(s.kernel);
      this.kernels.push(kernel);
      return { kind: 'launch', kernel, inputs: s.inputs, outputs: s.outputs, inPlace: s.inPlace ?? -1 };
    });
    this.constants = program.constants.map((c) => ({ slot: c.slot, storage: new Storage(backend, backend.upload(c.value.type.dtype, c.value.data)) }));
    this.buffers = new Array(program.slots.length);
    this.storages = new Array(program.slots.length);
  }

  /** Bytes of the arena buffers this executable keeps between runs. */
  get arenaBytes(): number {
    return this.program.plan.arena.reduce((a, b) => a + b, 0);
  }

  private allocateArena(): DeviceBuffer[] {
    // Arena buffers are sized in bytes by the plan, allocated as float32 words and viewed per slot.
    const arena = this.program.plan.arena.map((bytes) => this.backend.allocate('float32', Math.ceil(bytes / 4)));
    this.views = this.program.slots.map((slot, i) => {
      const b = this.program.plan.bufferOf[i]!;
      return b >= 0 ? this.backend.view(arena[b]!, slot.dtype, slot.size) : undefined;
    });
    return arena;
  }

  /** Runs the program; returns one retained storage per output. */
  run(inputs: readonly Storage[], variable: VariableResolver): Storage[] {
    const p = this.program;
    const bufs = this.buffers;
    const stores = this.storages;
    const made: Storage[] = [];
    if (this.program.plan.arena.length) this.arena ??= this.allocateArena();
    for (let i = 0; i < p.params.length; i++) { const s = p.params[i]!; stores[s] = inputs[i]!; bufs[s] = inputs[i]!.buffer; }
    for (const c of this.constants) { stores[c.slot] = c.storage; bufs[c.slot] = c.storage.buffer; }
    try {
      this.runSteps(made, variable);
    } catch (e) {
      // Nothing made by a failed run outlives it.
      for (const st of made) st.release();
      bufs.fill(undefined);
      stores.fill(undefined);
      throw e;
    }
    const outputs = p.outputs.map((s) => stores[s]!.retain());
    for (const st of made) st.release();
    bufs.fill(undefined);
    stores.fill(undefined);
    if (this.disposed) this.releaseArena();
    return outputs;
  }

  private runSteps(made: Storage[], variable: VariableResolver): void {
    const p = this.program;
    const bufs = this.buffers;
    const stores = this.storages;
    const backend = this.backend;
    const views = this.views;
    for (const step of this.steps) {
      switch (step.kind) {
        case 'launch': {
          const o = step.outputs[0]!;
          const slot = p.slots[o]!;
          if (slot.role === 'escape') {
            const target = step.inPlace >= 0 ? stores[step.inPlace]! : null;
            // In place only while the variable holds the only reference to its storage.
            if (target && target.refCount === 1) { stores[o] = target; bufs[o] = target.buffer; } else {
              const st = new Storage(backend, backend.allocate(slot.dtype, slot.size));
              made.push(st);
              stores[o] = st;
              bufs[o] = st.buffer;
            }
          } else {
            bufs[o] = views[o];
          }
          const ins = step.inputs.map((s) => bufs[s]!);
          backend.run({ kernel: step.kernel, inputs: ins, outputs: [bufs[o]!] });
          break;
        }
        case 'alias':
          bufs[step.to] = bufs[step.from];
          stores[step.to] = stores[step.from];
          break;
        case 'read': {
          const st = variable(step.variable).storage;
          stores[step.to] = st;
          bufs[step.to] = st.buffer;
          break;
        }
        case 'cond': {
          const ins = step.inputs.map((s) => stores[s]!);
          let outs: Storage[];
          if (backend.defer) {
            outs = deferCond(step, stores[step.pred]!, ins, step.outputs.map((o) => p.slots[o]!), variable, backend);
          } else {
            backend.flush?.();
            // The predicate is read back here: once per decision.
            const taken = readPredicate(backend, bufs[step.pred]!) ? step.branches[0] : step.branches[1];
            outs = taken.run(ins, variable);
          }
          step.outputs.forEach((o, k) => { stores[o] = outs[k]!; bufs[o] = outs[k]!.buffer; made.push(outs[k]!); });
          break;
        }
        case 'while': {
          const ins = step.inputs.map((s) => stores[s]!);
          const outs = step.tripCount !== null ? runCounted(step, step.tripCount, ins, variable)
            : backend.defer ? deferWhile(step, ins, step.outputs.map((o) => p.slots[o]!), variable, backend)
              : runWhile(step, ins, variable, backend);
          step.outputs.forEach((o, k) => { stores[o] = outs[k]!; bufs[o] = outs[k]!.buffer; made.push(outs[k]!); });
          break;
        }
        case 'assign': {
          const target = variable(step.variable);
          const next = stores[step.from]!;
          if (next !== target.storage) {
            next.retain();
            // Steps after this one may still read the old value (a `read` step does not retain it):
            // it is released when the run ends, so no launch of this run gets its buffer back.
            made.push(target.storage);
            target.storage = next;
          }
          break;
        }
      }
    }
    backend.flush?.();
  }

  dispose(): void {
    for (const s of this.steps) {
      if (s.kind === 'cond') for (const b of s.branches) b.dispose();
      if (s.kind === 'while') { s.condition.dispose(); s.body.dispose(); }
    }
    for (const c of this.constants) c.storage.release();
    this.disposed = true;
    this.releaseArena();
  }

  private releaseArena(): void {
    if (this.arena) for (const b of this.arena) this.backend.release(b);
    this.arena = null;
    this.views = [];
  }
}

/** Variables the programs (and the subprograms inside them) read or assign. */
function variablesOf(programs: readonly Program[]): VariableUse[] {
  const uses = new Map<VariableRef, boolean>();
  const visit = (p: Program): void => {
    for (const s of p.steps) {
      if (s.kind === 'read') uses.set(s.variable, uses.get(s.variable) ?? false);
      else if (s.kind === 'assign') uses.set(s.variable, true);
      else if (s.kind === 'cond') s.branches.forEach(visit);
      else if (s.kind === 'while') { visit(s.condition); visit(s.body); }
    }
  };
  programs.forEach(visit);
  return [...uses].map(([ref, assigned]) => ({ ref, assigned }));
}

/** A while step whose trip count is known when traced: the body runs that many times, the condition never. */
function runCounted(step: WhileStep, count: number, inputs: readonly Storage[], variable: VariableResolver): Storage[] {
  const n = step.loopVarCount;
  const captured = inputs.slice(n);
  let vars = inputs.slice(0, n).map((s) => s.retain());
  try {
    for (let i = 0; i < count; i++) {
      const next = step.body.run([...vars, ...captured], variable);
      for (const v of vars) v.release();
      vars = next;
    }
  } catch (e) {
    for (const v of vars) v.release();
    throw e;
  }
  return vars;
}

/** Runs a while step: the loop variables' storage passes from one iteration to the next. */
function runWhile(step: WhileStep, inputs: readonly Storage[], variable: VariableResolver, backend: Backend): Storage[] {
  const n = step.loopVarCount;
  const captured = inputs.slice(n);
  let vars = inputs.slice(0, n).map((s) => s.retain());
  for (let i = 0; step.maximumIterations === null || i < step.maximumIterations; i++) {
    const [go] = step.condition.run([...vars, ...captured], variable);
    backend.flush?.();
    const proceed = readPredicate(backend, go!.buffer);
    go!.release();
    if (!proceed) break;
    const next = step.body.run([...vars, ...captured], variable);
    for (const v of vars) v.release();
    vars = next;
  }
  return vars;
}

/** A control-flow decision on a backend that reads synchronously: the predicate read back to the host. */
function readPredicate(backend: Backend, buffer: DeviceBuffer): boolean {
  return backend.readSync(buffer)[0] !== 0;
}
