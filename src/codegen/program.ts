import { sizeOf, type DType, type Graph, type HostTensor, type Node, type Value, type VariableRef } from '../ir/index.js';
import type { Partition } from '../passes/index.js';
import type { Kernel } from './kernel.js';
import { lowerGroup } from './lower.js';


export interface Slot {
  readonly dtype: DType;
  readonly size: number;
}

/** One step of a program, over numbered buffer slots. */
export type Step =
  | { readonly kind: 'launch'; readonly kernel: Kernel; readonly inputs: readonly number[]; readonly outputs: readonly number[] }
  /** The same buffer under another shape (reshape): no copy. */
  | { readonly kind: 'alias'; readonly from: number; readonly to: number }
  | { readonly kind: 'read'; readonly variable: VariableRef; readonly to: number }
  | { readonly kind: 'assign'; readonly variable: VariableRef; readonly from: number };

/** A graph lowered to kernels: what an Executable runs. Pure data, for any backend. */
export interface Program {
  readonly name: string;
  readonly slots: readonly Slot[];
  readonly params: readonly number[];
  readonly constants: readonly { readonly slot: number; readonly value: HostTensor }[];
  readonly steps: readonly Step[];
  readonly outputs: readonly number[];
}

/** Lowers a graph whose compute nodes are partitioned into kernel groups. */
export function buildProgram(graph: Graph, groups: readonly Partition[]): Program {
  const slots: Slot[] = [];
  const slotOf = new Map<Value, number>();
  const newSlot = (v: Value) => {
    const s = slots.length;
    slots.push({ dtype: v.type.dtype, size: sizeOf(v.type.shape) });
    slotOf.set(v, s);
    return s;
  };
  const groupOfRoot = new Map<Node, Partition>();
  for (const g of groups) groupOfRoot.set(g.root, g);
  const fused = new Set<Node>();
  for (const g of groups) for (const m of g.members) if (m !== g.root) fused.add(m);

  const params: number[] = [];
  const constants: { slot: number; value: HostTensor }[] = [];
  const steps: Step[] = [];
  let kernelCount = 0;
  const slotFor = (v: Value): number => {
    const s = slotOf.get(v);
    if (s === undefined) throw new Error(`kiln: %${v.id} has no buffer (a fused value read outside its group)`);
    return s;
  };

  for (const node of graph.nodes) {
    const v = node.output;
    if (node.op === 'parameter') { params[node.attrs.index as number] = newSlot(v); continue; }
    if (node.op === 'constant') { constants.push({ slot: newSlot(v), value: node.attrs.value as HostTensor }); continue; }
    if (node.op === 'readVariable') { steps.push({ kind: 'read', variable: node.attrs.variable as VariableRef, to: newSlot(v) }); continue; }
    if (node.op === 'assignVariable') {
      const from = slotFor(node.inputs[0]!);
      steps.push({ kind: 'assign', variable: node.attrs.variable as VariableRef, from });
      slotOf.set(v, from);
      continue;
    }
    if (fused.has(node)) continue;
    const group = groupOfRoot.get(node);
    if (node.op === 'reshape' && (!group || group.members.size === 1)) {
      steps.push({ kind: 'alias', from: slotFor(node.inputs[0]!), to: newSlot(v) });
      continue;
    }
    const { kernel, inputs } = lowerGroup(node, group?.members ?? new Set([node]), `${graph.name}_${kernelCount++}_${node.op}`);
    steps.push({ kind: 'launch', kernel, inputs: inputs.map(slotFor), outputs: [newSlot(v)] });
  }
  return { name: graph.name, slots, params, constants, steps, outputs: graph.outputs.map(slotFor) };
}
