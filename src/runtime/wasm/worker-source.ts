import { HOST_SOURCE } from './host.js';

/**
 * The control block at the start of the shared memory (int32 words): the main thread writes a
 * launch's kernel, arguments and per-thread slices, bumps EPOCH and wakes the workers; each
 * runs its slice and decrements REMAINING; the last one wakes the main thread. No data moves
 * by message: only compiled modules, once each.
 */
export const CTL = {
  EPOCH: 0, REMAINING: 1, KERNEL: 2, NARGS: 3, ERROR: 4, COMMAND: 5,
  /** Which export runs: 0 `run`, 1 `partial`. */
  FUNCTION: 6,
  /** Where kernel modules' bytes are listed (byte address of [ptr, length] pairs by kernel id), for workers that read them from memory. */
  TABLE: 7,
  ARGS: 16, MAX_ARGS: 240,
  SLICES: 256, SLICE_WORDS: 8,
} as const;
export const COMMAND_RUN = 1;
export const COMMAND_EXIT = 2;
/** Polls of the epoch before a worker blocks in Atomics.wait (a launch often follows soon). */
export const SPIN = 256;

/**
 * A worker's loop, as script text shared by Node's worker_threads (`eval: true`) and browser
 * Web Workers (a Blob URL). `receive(id)` returns a kernel module synchronously (the next posted
 * one, by receiveMessageOnPort, or kernel `id` from the memory table) so that a worker blocked
 * between launches still gets new kernels.
 */
export function workerLoopSource(): string {
  return `
const host = ${HOST_SOURCE};
function workerLoop(memory, index, receive, report) {
  const ctl = new Int32Array(memory.buffer, 0, 1024);
  const kernels = [];
  const take = (id) => {
    while (!kernels[id]) {
      const m = receive(id);
      if (!m) throw new Error('kiln wasm worker: kernel ' + id + ' was never sent');
      kernels[m.id] = new WebAssembly.Instance(m.module, { env: { memory }, host }).exports;
    }
    return kernels[id];
  };
  let seen = Atomics.load(ctl, ${CTL.EPOCH});
  report('ready');
  for (;;) {
    let spins = 0;
    while (Atomics.load(ctl, ${CTL.EPOCH}) === seen) {
      if (++spins > ${SPIN}) { Atomics.wait(ctl, ${CTL.EPOCH}, seen); spins = 0; }
    }
    seen = Atomics.load(ctl, ${CTL.EPOCH});
    if (ctl[${CTL.COMMAND}] === ${COMMAND_EXIT}) return;
    const s = ${CTL.SLICES} + index * ${CTL.SLICE_WORDS};
    const rs = ctl[s], re = ctl[s + 1], cs = ctl[s + 2], ce = ctl[s + 3];
    if (re > rs && ce > cs) {
      try {
        const exports = take(ctl[${CTL.KERNEL}]);
        const run = ctl[${CTL.FUNCTION}] === 1 ? exports.partial : exports.run;
        const args = [];
        for (let i = 0; i < ctl[${CTL.NARGS}]; i++) args.push(ctl[${CTL.ARGS} + i]);
        args.push(rs, re, cs, ce, ctl[s + 4]);
        run(...args);
      } catch (e) {
        Atomics.store(ctl, ${CTL.ERROR}, 1);
        report(String((e && e.stack) || e));
      }
    }
    if (Atomics.sub(ctl, ${CTL.REMAINING}, 1) === 1) Atomics.notify(ctl, ${CTL.REMAINING});
  }
}
`;
}

/**
 * Reads kernel modules from the memory table (CTL.TABLE), compiling each from its bytes: how a
 * worker that cannot receive messages while it blocks (a browser Web Worker) gets new kernels.
 */
function memoryReceiveSource(): string {
  return `
function memoryReceiver(memory) {
  return (id) => {
    const ctl = new Int32Array(memory.buffer, 0, 1024);
    const words = new Int32Array(memory.buffer);
    const at = (ctl[${CTL.TABLE}] >>> 2) + id * 2;
    const bytes = new Uint8Array(memory.buffer, words[at] >>> 0, words[at + 1]).slice();
    return { id, module: new WebAssembly.Module(bytes) };
  };
}
`;
}

/** How a worker gets compiled kernels: posted modules (Node) or bytes listed in the shared memory. */
export type Delivery = 'port' | 'memory';

/** The Node worker: workerData carries the memory, its index and the port it reports (and, by 'port' delivery, gets modules) on. */
export function nodeWorkerSource(delivery: Delivery): string {
  const receive = delivery === 'port' ? '() => { const m = receiveMessageOnPort(port); return m && m.message; }' : 'memoryReceiver(memory)';
  return `${workerLoopSource()}${memoryReceiveSource()}
const { workerData, receiveMessageOnPort } = require('node:worker_threads');
const { memory, index, port } = workerData;
workerLoop(memory, index, ${receive}, (msg) => port.postMessage(msg));
`;
}

/** The browser Web Worker: its first message carries the memory and its index. */
export function browserWorkerSource(): string {
  return `${workerLoopSource()}${memoryReceiveSource()}
self.onmessage = (e) => {
  self.onmessage = null;
  const { memory, index } = e.data;
  workerLoop(memory, index, memoryReceiver(memory), (msg) => self.postMessage(msg));
};
`;
}
