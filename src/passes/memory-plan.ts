/**
 * Memory planning: assigns the intermediate buffers of a schedule to a small set of reusable
 * arena buffers by liveness. A buffer is free again after its last reader; a later
 * intermediate of the same size class takes it. Values that escape a run (outputs, values
 * written into variables) and values that already have storage are not planned.
 */
export type SlotRole = 'pinned' | 'escape' | 'temp';

export interface ScheduleSlot {
  readonly bytes: number;
  readonly role: SlotRole;
  /** The slot whose buffer this one is a view of (reshape), or itself. */
  readonly root: number;
}

export interface ScheduleStep {
  readonly reads: readonly number[];
  readonly writes: readonly number[];
}

export interface BufferPlan {
  /** Arena buffer per slot (views share their root's), or -1 for slots not in the arena. */
  readonly bufferOf: readonly number[];
  /** Size in bytes of each arena buffer. */
  readonly arena: readonly number[];
  /** The most bytes live at once: arena plus escaping values. */
  readonly peakBytes: number;
  /** How many intermediates reused a buffer freed earlier. */
  readonly reused: number;
}

/** Sizes round up to powers of two above 4 KiB, so buffers of similar size can be shared. */
function sizeClass(bytes: number): number {
  return bytes <= 4096 ? bytes : 2 ** Math.ceil(Math.log2(bytes));
}

export function planBuffers(slots: readonly ScheduleSlot[], steps: readonly ScheduleStep[]): BufferPlan {
  const lastRead = new Array<number>(slots.length).fill(-1);
  steps.forEach((s, i) => { for (const r of s.reads) lastRead[slots[r]!.root] = Math.max(lastRead[slots[r]!.root]!, i); });
  const bufferOf = new Array<number>(slots.length).fill(-1);
  const arena: number[] = [];
  const free = new Map<number, number[]>();
  let reused = 0;
  let live = 0;
  let peak = 0;
  const escapeBytes = slots.filter((s, i) => s.role === 'escape' && s.root === i).reduce((a, s) => a + s.bytes, 0);
  const releaseAt = new Map<number, number[]>();
  steps.forEach((step, i) => {
    for (const w of step.writes) {
      const slot = slots[w]!;
      if (slot.root !== w) { bufferOf[w] = bufferOf[slot.root]!; continue; }
      if (slot.role !== 'temp') continue;
      const cls = sizeClass(slot.bytes);
      const pool = free.get(cls);
      let b: number;
      if (pool && pool.length) { b = pool.pop()!; reused++; } else { b = arena.length; arena.push(cls); }
      bufferOf[w] = b;
      live += cls;
      peak = Math.max(peak, live);
      // A temp never read is dead right after the step that writes it.
      const end = Math.max(lastRead[w]!, i);
      const list = releaseAt.get(end) ?? [];
      list.push(w);
      releaseAt.set(end, list);
    }
    for (const w of releaseAt.get(i) ?? []) {
      const cls = sizeClass(slots[w]!.bytes);
      const pool = free.get(cls) ?? [];
      pool.push(bufferOf[w]!);
      free.set(cls, pool);
      live -= cls;
    }
  });
  return { bufferOf, arena, peakBytes: peak + escapeBytes, reused };
}
