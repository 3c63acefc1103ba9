import { bytesPerElement, sizeOf, type DType, type Graph, type HostTensor, type Node, type Value, type VariableRef } from '../ir/index.js';
import { planBuffers, type BufferPlan, type Partition, type SlotRole } from '../passes/index.js';
import { readsOnlyAligned } from './aligned.js';
import type { Kernel } from './kernel.js';
import { lowerGroup } from './lower.js';
import { knownTrip, noteKnown, type KnownValues } from './trip-count.js';

export interface Slot {
  readonly dtype: DType;
  readonly size: number;
  /** pinned: has storage already (parameter, constant, variable read); escape: outlives the run; temp: arena. */
  readonly role: SlotRole;
  /** The slot whose buffer this one views (reshape), or itself. */
  readonly root: number;
}

/** One step of a program, over numbered buffer slots. */
export type Step =
  | {
    readonly kind: 'launch'; readonly kernel: Kernel; readonly inputs: readonly number[]; readonly outputs: readonly number[];
    /** The input slot (a variable read) the output may overwrite, when the variable holds the only reference. */
    readonly inPlace?: number;
  }
  /** The same buffer under another shape (reshape): no copy. */
  | { readonly kind: 'alias'; readonly from: number; readonly to: number }
  | { readonly kind: 'read'; readonly variable: VariableRef; readonly to: number }
  | { readonly kind: 'assign'; readonly variable: VariableRef; readonly from: number }
  /** Runs one of two subprograms on `inputs`, chosen by the bool scalar in `pred`. */
  | { readonly kind: 'cond'; readonly pred: number; readonly branches: readonly [Program, Program]; readonly inputs: readonly number[]; readonly outputs: readonly number[] }
  /**
   * Runs `body` while `condition` holds (at most `maximumIterations` times); inputs are the loop
   * variables, then captured values. `tripCount`, when the count is known when traced, is how
   * many times the body runs, without evaluating the condition.
   */
  | {
    readonly kind: 'while'; readonly condition: Program; readonly body: Program; readonly loopVarCount: number;
    readonly maximumIterations: number | null; readonly inputs: readonly number[]; readonly outputs: readonly number[];
    readonly tripCount?: number;
  };

/** A graph lowered to kernels: what an Executable runs. Pure data, for any backend. */
export interface Program {
  readonly name: string;
  readonly slots: readonly Slot[];
  readonly params: readonly number[];
  readonly constants: readonly { readonly slot: number; readonly value: HostTensor }[];
  readonly steps: readonly Step[];
  readonly outputs: readonly number[];
  readonly plan: BufferPlan;
}

type Draft = { dtype: DType; size: number; role: SlotRole; root: number };
type DraftStep =
  | { kind: 'launch'; kernel: Kernel; inputs: number[]; outputs: number[]; inPlace?: number }
  | Exclude<Step, { kind: 'launch' }>;

/** Lowers a graph whose compute nodes are partitioned into kernel groups, and plans its buffers. */
export function buildProgram(graph: Graph, groups: readonly Partition[], partitionOf: (g: Graph) => readonly Partition[] = () => []): Program {
  const sub = (g: Graph) => buildProgram(g, partitionOf(g), partitionOf);
  const slots: Draft[] = [];
  const slotOf = new Map<Value, number>();
  const newSlot = (v: Value, role: SlotRole, root?: number) => {
    const s = slots.length;
    slots.push({ dtype: v.type.dtype, size: sizeOf(v.type.shape), role, root: root ?? s });
    slotOf.set(v, s);
    return s;
  };
  const groupOfRoot = new Map<Node, Partition>();
  for (const g of groups) groupOfRoot.set(g.root, g);
  const fused = new Set<Node>();
  for (const g of groups) for (const m of g.members) if (m !== g.root) fused.add(m);

  const params: number[] = [];
  const constants: { slot: number; value: HostTensor }[] = [];
  const steps: DraftStep[] = [];
  const readOf = new Map<number, VariableRef>();
  let kernelCount = 0;
  const known: KnownValues = new Map();
  const slotFor = (v: Value): number => {
    const s = slotOf.get(v);
    if (s === undefined) throw new Error(`kiln: %${v.id} has no buffer (a fused value read outside its group)`);
    return s;
  };

  for (const node of graph.nodes) {
    const v = node.output;
    if (node.op !== 'while') noteKnown(node, known);
    if (node.op === 'parameter') { params[node.attrs.index as number] = newSlot(v, 'pinned'); continue; }
    if (node.op === 'constant') { constants.push({ slot: newSlot(v, 'pinned'), value: node.attrs.value as HostTensor }); continue; }
    if (node.op === 'readVariable') {
      const to = newSlot(v, 'pinned');
      readOf.set(to, node.attrs.variable as VariableRef);
      steps.push({ kind: 'read', variable: node.attrs.variable as VariableRef, to });
      continue;
    }
    if (node.op === 'assignVariable') {
      const from = slotFor(node.inputs[0]!);
      steps.push({ kind: 'assign', variable: node.attrs.variable as VariableRef, from });
      slotOf.set(v, from);
      continue;
    }
    if (node.op === 'cond' || node.op === 'while') {
      const inputs = node.inputs.map(slotFor);
      const outputs = node.outputs.map((o) => newSlot(o, 'pinned'));
      if (node.op === 'cond') {
        steps.push({ kind: 'cond', pred: inputs[0]!, branches: [sub(node.attrs.thenBranch as Graph), sub(node.attrs.elseBranch as Graph)], inputs: inputs.slice(1), outputs });
      } else {
        const trip = knownTrip(node, known);
        trip?.finals.forEach((h, k) => known.set(node.outputs[k]!, h));
        steps.push({
          kind: 'while', condition: sub(node.attrs.condGraph as Graph), body: sub(node.attrs.bodyGraph as Graph), loopVarCount: node.attrs.loopVarCount as number,
          maximumIterations: (node.attrs.maximumIterations as number | null | undefined) ?? null, inputs, outputs, ...(trip ? { tripCount: trip.count } : {}),
        });
      }
      continue;
    }
    if (fused.has(node)) continue;
    const group = groupOfRoot.get(node);
    if (node.op === 'reshape' && (!group || group.members.size === 1)) {
      const from = slotFor(node.inputs[0]!);
      steps.push({ kind: 'alias', from, to: newSlot(v, 'temp', slots[from]!.root) });
      continue;
    }
    const { kernel, inputs } = lowerGroup(node, group?.members ?? new Set([node]), `${graph.name}_${kernelCount++}_${node.op}`);
    steps.push({ kind: 'launch', kernel, inputs: inputs.map(slotFor), outputs: [newSlot(v, 'temp')] });
  }
  const outputs = graph.outputs.map(slotFor);

  // Values that outlive the run (outputs, values written to variables) get storage of their own.
  const escapes = new Set<number>(outputs.map((s) => slots[s]!.root));
  for (const st of steps) if (st.kind === 'assign') escapes.add(slots[st.from]!.root);
  // Subprograms take their inputs as storage.
  for (const st of steps) if (st.kind === 'cond' || st.kind === 'while') for (const i of [...st.inputs, ...(st.kind === 'cond' ? [st.pred] : [])]) escapes.add(slots[i]!.root);
  for (const s of slots) if (s.role === 'temp' && escapes.has(s.root)) s.role = slots[s.root]!.role === 'pinned' ? 'pinned' : 'escape';
  for (const s of slots) if (s.role === 'temp' && slots[s.root]!.role === 'pinned') s.role = 'pinned';

  markInPlaceUpdates(steps, slots, readOf, outputs);
  const plan = planBuffers(
    slots.map((s) => ({ bytes: s.size * bytesPerElement(s.dtype), role: s.role, root: s.root })),
    steps.map((s) => ({ reads: stepReads(s), writes: stepWrites(s) })),
  );
  return { name: graph.name, slots, params, constants, steps, outputs, plan };
}

function stepReads(s: DraftStep): readonly number[] {
  switch (s.kind) {
    case 'launch': return s.inputs;
    case 'alias': case 'assign': return [s.from];
    case 'cond': return [s.pred, ...s.inputs];
    case 'while': return s.inputs;
    default: return [];
  }
}

function stepWrites(s: DraftStep): readonly number[] {
  switch (s.kind) {
    case 'launch': case 'cond': case 'while': return s.outputs;
    case 'alias': case 'read': return [s.to];
    default: return [];
  }
}


/**
 * A kernel whose result is written into variable V, reading V's current value only at the
 * element it writes, and being the last reader of that value, may update V in place.
 */
function markInPlaceUpdates(steps: DraftStep[], slots: Draft[], readOf: Map<number, VariableRef>, outputs: readonly number[]): void {
  const outputRoots = new Set(outputs.map((o) => slots[o]!.root));
  const lastRead = new Map<number, number>();
  steps.forEach((s, i) => {
    for (const r of stepReads(s)) lastRead.set(slots[r]!.root, i);
  });
  steps.forEach((s, i) => {
    if (s.kind !== 'assign') return;
    const producer = steps.findIndex((p) => p.kind === 'launch' && p.outputs.includes(s.from));
    const launch = steps[producer];
    if (!launch || launch.kind !== 'launch' || slots[s.from]!.root !== s.from) return;
    const k = launch.inputs.findIndex((inSlot) => readOf.get(slots[inSlot]!.root) === s.variable
      && lastRead.get(slots[inSlot]!.root) === producer && slots[inSlot]!.root === inSlot);
    if (k < 0 || !readsOnlyAligned(launch.kernel, k)) return;
    const read = launch.inputs[k]!;
    if (slots[read]!.size !== slots[s.from]!.size || slots[read]!.dtype !== slots[s.from]!.dtype) return;
    // Nothing between the update and the assignment may read the variable's value.
    if (steps.slice(producer + 1, i).some((t) => (t.kind === 'read' && t.variable === s.variable) || t.kind === 'cond' || t.kind === 'while')) return;
    // Every earlier read of the variable shares its storage: none may be read after the update or
    // be returned (a snapshot such as `v.read()` must keep the old value).
    for (const [slot, ref] of readOf) {
      if (ref !== s.variable || slot > s.from) continue;
      if ((lastRead.get(slot) ?? -1) > producer || outputRoots.has(slot)) return;
    }
    launch.inPlace = read;
  });
}
