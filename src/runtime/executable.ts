import type { Program, Step } from '../codegen/index.js';
import type { VariableRef } from '../ir/index.js';
import type { Backend, CompiledKernel } from './backend.js';
import { Storage, type VariableSlot } from './storage.js';

type PreparedStep =
  | { readonly kind: 'launch'; readonly kernel: CompiledKernel; readonly inputs: readonly number[]; readonly outputs: readonly number[] }
  | Exclude<Step, { kind: 'launch' }>;

/**
 * A compiled program for one input signature on one backend: kernels compiled, constants
 * uploaded, and for each slot the step after which it is dead, so intermediates are released
 * as soon as possible.
 */
export class Executable {
  readonly kernels: CompiledKernel[] = [];
  private readonly steps: PreparedStep[];
  private readonly constants: { slot: number; storage: Storage }[];
  /** Slots to release after each step. */
  private readonly releaseAfter: number[][];

  constructor(readonly program: Program, readonly backend: Backend) {
    this.steps = program.steps.map((s) => {
      if (s.kind !== 'launch') return s;
      const kernel = backend.compile(s.kernel);
      this.kernels.push(kernel);
      return { kind: 'launch', kernel, inputs: s.inputs, outputs: s.outputs };
    });
    this.constants = program.constants.map((c) => ({ slot: c.slot, storage: new Storage(backend, backend.upload(c.value.type.dtype, c.value.data)) }));
    this.releaseAfter = lastUses(program);
  }

  /** Runs the program; returns one retained storage per output. */
  run(inputs: readonly Storage[], variable: (ref: VariableRef) => VariableSlot): Storage[] {
    const slots = new Array<Storage | undefined>(this.program.slots.length);
    this.program.params.forEach((s, i) => { slots[s] = inputs[i]!.retain(); });
    for (const c of this.constants) slots[c.slot] = c.storage.retain();
    const backend = this.backend;
    for (let i = 0; i < this.steps.length; i++) {
      const step = this.steps[i]!;
      switch (step.kind) {
        case 'launch': {
          const outs = step.outputs.map((o) => {
            const info = this.program.slots[o]!;
            const st = new Storage(backend, backend.allocate(info.dtype, info.size));
            slots[o] = st;
            return st.buffer;
          });
          backend.run({ kernel: step.kernel, inputs: step.inputs.map((s) => slots[s]!.buffer), outputs: outs });
          break;
        }
        case 'alias': slots[step.to] = slots[step.from]!.retain(); break;
        case 'read': slots[step.to] = variable(step.variable).storage.retain(); break;
        case 'assign': {
          const target = variable(step.variable);
          const old = target.storage;
          target.storage = slots[step.from]!.retain();
          old.release();
          break;
        }
      }
      for (const s of this.releaseAfter[i]!) { slots[s]!.release(); slots[s] = undefined; }
    }
    const outputs = this.program.outputs.map((s) => slots[s]!.retain());
    for (const s of slots) s?.release();
    return outputs;
  }

  dispose(): void {
    for (const c of this.constants) c.storage.release();
  }
}

/** For each step, the slots whose last reader it is (outputs are never released early). */
function lastUses(program: Program): number[][] {
  const last = new Map<number, number>();
  program.steps.forEach((s, i) => {
    const reads = s.kind === 'launch' ? s.inputs : s.kind === 'alias' ? [s.from] : s.kind === 'assign' ? [s.from] : [];
    for (const r of reads) last.set(r, i);
    const writes = s.kind === 'launch' ? s.outputs : s.kind === 'alias' || s.kind === 'read' ? [s.to] : [];
    for (const w of writes) if (!last.has(w)) last.set(w, i);
  });
  const keep = new Set(program.outputs);
  const out = program.steps.map(() => [] as number[]);
  for (const [slot, step] of last) if (!keep.has(slot)) out[step]!.push(slot);
  return out;
}
