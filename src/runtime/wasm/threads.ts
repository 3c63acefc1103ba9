import { KilnError } from '../../ir/index.js';
import type { WasmHeap } from './heap.js';
import { spawnBrowserWorkers, spawnNodeWorkers, type WorkerHandle } from './spawn.js';
import { COMMAND_EXIT, COMMAND_RUN, CTL, SPIN, type Delivery } from './worker-source.js';

/**
 * Worker threads over the shared memory. Each instantiates every kernel module it runs; a
 * launch writes the kernel's arguments and one slice per thread into the control block and
 * wakes them with Atomics.notify; the main thread computes slice 0 itself and then waits for the
 * others, so each launch ends at a barrier and moves no data by message. Node workers get
 * compiled modules by message (received synchronously); browser Web Workers, which cannot
 * receive while blocked, compile them from bytes listed in the shared memory.
 */
export interface Slice {
  readonly rs: number;
  readonly re: number;
  readonly cs: number;
  readonly ce: number;
  readonly scratch: number;
}

const isNode = () => typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === 'string';

export class ThreadPool {
  private readonly ctl: Int32Array;
  /** Module bytes kept in memory for 'memory' delivery: [ptr, length] per kernel id. */
  private table = { ptr: 0, bytes: 0, entries: 0 };
  /** Whether this thread may block in Atomics.wait (not a browser's main thread). */
  private readonly canBlock: boolean;

  private constructor(private readonly heap: WasmHeap, private readonly workers: readonly WorkerHandle[], private readonly delivery: Delivery) {
    this.ctl = heap.control();
    this.canBlock = isNode() || typeof (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope !== 'undefined';
  }

  /** All threads, the main one included. */
  get threads(): number {
    return this.workers.length + 1;
  }

  /**
   * Starts `count` workers: Node worker_threads (by dynamic import) or browser Web Workers.
   * `delivery` 'memory' makes Node workers read modules as browser ones do (for tests).
   */
  static async create(heap: WasmHeap, count: number, delivery?: Delivery): Promise<ThreadPool | null> {
    if (count < 1 || !heap.shared) return null;
    if (isNode()) {
      const how = delivery ?? 'port';
      return new ThreadPool(heap, await spawnNodeWorkers(heap.memory, count, how), how);
    }
    if (typeof (globalThis as { Worker?: unknown }).Worker !== 'function') return null;
    return new ThreadPool(heap, await spawnBrowserWorkers(heap.memory, count), 'memory');
  }

  /** Makes a compiled kernel available to every worker (each instantiates it on first use). */
  register(id: number, module: WebAssembly.Module, bytes: Uint8Array): void {
    if (this.delivery === 'port') {
      for (const w of this.workers) w.post?.({ id, module });
      return;
    }
    const block = this.heap.alloc(bytes.length);
    this.heap.view('bool', block.ptr, bytes.length).set(bytes);
    if ((id + 1) * 8 > this.table.bytes) {
      const grown = this.heap.alloc(Math.max(1024, this.table.bytes * 2));
      if (this.table.bytes) {
        this.heap.view('int32', grown.ptr, this.table.entries * 2).set(this.heap.view('int32', this.table.ptr, this.table.entries * 2));
        this.heap.free(this.table.ptr, this.table.bytes);
      }
      this.table = { ...this.table, ptr: grown.ptr, bytes: grown.bytes };
      Atomics.store(this.ctl, CTL.TABLE, grown.ptr);
    }
    this.heap.view('int32', this.table.ptr + id * 8, 2).set([block.ptr, bytes.length]);
    this.table.entries = Math.max(this.table.entries, id + 1);
  }

  /** Runs slice 0 here (by `run`) and slices 1.. on the workers (export `fn`); returns when all are done. */
  launch(id: number, fn: 'run' | 'partial', args: readonly number[], slices: readonly Slice[], run: (s: Slice) => void): void {
    const ctl = this.ctl;
    if (args.length > CTL.MAX_ARGS) throw new KilnError(`a kernel with ${args.length} buffers is more than the wasm backend passes to threads (${CTL.MAX_ARGS})`, { op: 'run' });
    ctl[CTL.FUNCTION] = fn === 'partial' ? 1 : 0;
    ctl[CTL.KERNEL] = id;
    ctl[CTL.NARGS] = args.length;
    for (let i = 0; i < args.length; i++) ctl[CTL.ARGS + i] = args[i]!;
    for (let w = 1; w <= this.workers.length; w++) {
      const s = slices[w];
      const at = CTL.SLICES + w * CTL.SLICE_WORDS;
      ctl[at] = s?.rs ?? 0; ctl[at + 1] = s?.re ?? 0; ctl[at + 2] = s?.cs ?? 0; ctl[at + 3] = s?.ce ?? 0; ctl[at + 4] = s?.scratch ?? 0;
    }
    ctl[CTL.COMMAND] = COMMAND_RUN;
    Atomics.store(ctl, CTL.REMAINING, this.workers.length);
    Atomics.add(ctl, CTL.EPOCH, 1);
    Atomics.notify(ctl, CTL.EPOCH);
    let error: unknown = null;
    try {
      run(slices[0]!);
    } catch (e) {
      error = e;
    }
    let spins = 0;
    for (;;) {
      const left = Atomics.load(ctl, CTL.REMAINING);
      if (left === 0) break;
      if (++spins > SPIN && this.canBlock) Atomics.wait(ctl, CTL.REMAINING, left, 50);
    }
    if (error) throw error;
    if (Atomics.load(ctl, CTL.ERROR)) {
      Atomics.store(ctl, CTL.ERROR, 0);
      const reason = this.workers.map((w) => w.poll()).find((m) => m !== undefined);
      throw new KilnError(`a wasm worker thread failed running a kernel${reason ? `: ${reason}` : ''}`, { op: 'run' });
    }
  }

  dispose(): void {
    this.ctl[CTL.COMMAND] = COMMAND_EXIT;
    Atomics.add(this.ctl, CTL.EPOCH, 1);
    Atomics.notify(this.ctl, CTL.EPOCH);
    for (const w of this.workers) w.terminate();
  }
}
