import { KilnError } from '../../ir/index.js';
import type { WasmHeap } from './heap.js';
import { COMMAND_EXIT, COMMAND_RUN, CTL, nodeWorkerSource, SPIN } from './worker-source.js';

/**
 * Worker threads over the shared memory. Each instantiates every kernel module once; a launch
 * writes the kernel's arguments and one slice per thread into the control block and wakes them
 * with Atomics.notify; the main thread computes slice 0 itself and then waits (Atomics.wait)
 * for the others, so each launch ends at a barrier and moves no data by message. Node's
 * worker_threads are loaded by dynamic import; workers are unref'd so they never keep a
 * process alive.
 */
export interface Slice {
  readonly rs: number;
  readonly re: number;
  readonly cs: number;
  readonly ce: number;
  readonly scratch: number;
}

interface WorkerHandle {
  post(message: { id: number; module: WebAssembly.Module }): void;
  /** A message the worker reported (an error), if one is waiting. */
  poll(): string | undefined;
  terminate(): void;
}

export class ThreadPool {
  private readonly ctl: Int32Array;

  private constructor(private readonly heap: WasmHeap, private readonly workers: readonly WorkerHandle[]) {
    this.ctl = heap.control();
  }

  /** All threads, the main one included. */
  get threads(): number {
    return this.workers.length + 1;
  }

  /** Starts `count` workers (Node worker_threads), or returns null where there are none. */
  static async create(heap: WasmHeap, count: number): Promise<ThreadPool | null> {
    if (count < 1 || !heap.shared) return null;
    const isNode = typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === 'string';
    if (!isNode) return null; // browsers: single-threaded until a Web Worker host exists (see report)
    const wt = await import('node:worker_threads');
    const source = nodeWorkerSource();
    const handles = await Promise.all(Array.from({ length: count }, (_, i) => new Promise<WorkerHandle>((resolve, reject) => {
      const { port1, port2 } = new wt.MessageChannel();
      const worker = new wt.Worker(source, { eval: true, workerData: { memory: heap.memory, index: i + 1, port: port2 }, transferList: [port2] });
      worker.unref();
      worker.once('error', reject);
      port1.once('message', () => {
        port1.unref();
        resolve({
          post: (m) => port1.postMessage(m),
          poll: () => wt.receiveMessageOnPort(port1)?.message as string | undefined,
          terminate: () => void worker.terminate(),
        });
      });
    })));
    return new ThreadPool(heap, handles);
  }

  /** Sends a compiled kernel to every worker (they instantiate it on first use). */
  register(id: number, module: WebAssembly.Module): void {
    for (const w of this.workers) w.post({ id, module });
  }

  /** Runs `run` for slice 0 here and slices 1.. on the workers; returns when all are done. */
  launch(id: number, args: readonly number[], slices: readonly Slice[], run: (s: Slice) => void): void {
    const ctl = this.ctl;
    if (args.length > CTL.MAX_ARGS) throw new KilnError(`a kernel with ${args.length} buffers is more than the wasm backend passes to threads (${CTL.MAX_ARGS})`, { op: 'run' });
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
      if (++spins > SPIN) Atomics.wait(ctl, CTL.REMAINING, left, 50);
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
