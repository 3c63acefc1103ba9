/**
 * Web Workers for peers that need them in Node. jax-js's wasm backend runs its kernels on
 * `new Worker(blobUrl, { type: 'module' })` over a shared memory, which Node (no global Worker)
 * does not have, so without this it runs on one thread. This gives it a minimal Worker over
 * node:worker_threads (postMessage/onmessage/onerror/terminate; the script text comes from the
 * Blob behind the URL) and `navigator.hardwareConcurrency`, so the benchmark can run jax-js with
 * its threads on. Install before importing the peer; kiln itself never needs it.
 */
import { availableParallelism } from 'node:os';
import { Worker as NodeWorker } from 'node:worker_threads';

const scripts = new Map<string, string>();

// What a worker script expects of its global scope: self, postMessage, onmessage.
const PRELUDE = `const { parentPort } = require('node:worker_threads');
globalThis.self = globalThis;
globalThis.postMessage = (message) => parentPort.postMessage(message);
parentPort.on('message', (data) => { if (typeof globalThis.onmessage === 'function') globalThis.onmessage({ data }); });
`;

class ShimWorker {
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onerror: ((event: { message: string }) => void) | null = null;
  private readonly worker: NodeWorker;

  constructor(url: string | URL) {
    const source = scripts.get(String(url));
    if (source === undefined) throw new Error(`web-worker shim: only Blob URLs made after the shim was installed can start workers (got ${String(url)})`);
    this.worker = new NodeWorker(PRELUDE + source, { eval: true });
    this.worker.unref();
    this.worker.on('message', (data: unknown) => this.onmessage?.({ data }));
    this.worker.on('error', (e: Error) => this.onerror?.({ message: e.message }));
  }

  postMessage(message: unknown): void {
    this.worker.postMessage(message);
  }

  terminate(): void {
    void this.worker.terminate();
  }
}

let installed = false;

/** Installs the Worker shim and navigator.hardwareConcurrency (`threads`, default the machine's). */
export function installWebWorkerShim(threads = availableParallelism()): void {
  if (installed) return;
  installed = true;
  const g = globalThis as unknown as { Blob: typeof Blob; Worker?: unknown; navigator?: { hardwareConcurrency?: number } };
  const NodeBlob = g.Blob;
  // Remember each Blob's text as it is made: reading a Blob is asynchronous, a Worker constructor is not.
  const texts = new WeakMap<Blob, string>();
  g.Blob = class extends NodeBlob {
    constructor(parts?: BlobPart[], options?: BlobPropertyBag) {
      super(parts, options);
      if (parts?.every((p) => typeof p === 'string')) texts.set(this, (parts as string[]).join(''));
    }
  };
  const createObjectURL = URL.createObjectURL.bind(URL);
  URL.createObjectURL = (blob: Blob) => {
    const url = createObjectURL(blob);
    const text = texts.get(blob);
    if (text !== undefined) scripts.set(url, text);
    return url;
  };
  g.Worker = ShimWorker;
  if (g.navigator) {
    if (g.navigator.hardwareConcurrency === undefined) Object.defineProperty(g.navigator, 'hardwareConcurrency', { value: threads, configurable: true });
  } else {
    g.navigator = { hardwareConcurrency: threads };
  }
}
