import { importNodeModule } from '../../ir/index.js';
import { browserWorkerSource, nodeWorkerSource, type Delivery } from './worker-source.js';

/** A started worker, as the thread pool uses it. */
export interface WorkerHandle {
  /** Posts a compiled kernel ('port' delivery only). */
  post?(message: { id: number; module: WebAssembly.Module }): void;
  /** A message the worker reported (an error), if one has arrived. */
  poll(): string | undefined;
  terminate(): void;
}

/**
 * Node worker_threads, loaded by dynamic import so that nothing Node-specific is imported in a
 * browser. Workers are unref'd and never keep a process alive; they get no execArgv, since the
 * worker is a plain script whatever loaders or module type the parent runs with.
 */
export async function spawnNodeWorkers(memory: WebAssembly.Memory, count: number, delivery: Delivery): Promise<WorkerHandle[]> {
  const wt = await importNodeModule<typeof import('node:worker_threads')>('node:worker_threads');
  const source = nodeWorkerSource(delivery);
  return Promise.all(Array.from({ length: count }, (_, i) => new Promise<WorkerHandle>((resolve, reject) => {
    const { port1, port2 } = new wt.MessageChannel();
    const worker = new wt.Worker(source, { eval: true, execArgv: [], workerData: { memory, index: i + 1, port: port2 }, transferList: [port2] });
    worker.unref();
    worker.once('error', reject);
    // The first message says the worker has read the control block; later ones are errors, read synchronously.
    port1.once('message', () => {
      port1.unref();
      resolve({
        post: (m) => port1.postMessage(m),
        poll: () => wt.receiveMessageOnPort(port1)?.message as string | undefined,
        terminate: () => void worker.terminate(),
      });
    });
  })));
}

interface BrowserWorker {
  postMessage(message: unknown): void;
  terminate(): void;
  onmessage: ((event: { data: unknown }) => void) | null;
  onerror: ((event: unknown) => void) | null;
}
type BrowserWorkerConstructor = new (url: string) => BrowserWorker;

/** Browser Web Workers from a Blob URL of the worker script; their first message carries the memory. */
export async function spawnBrowserWorkers(memory: WebAssembly.Memory, count: number): Promise<WorkerHandle[]> {
  const g = globalThis as unknown as { Worker: BrowserWorkerConstructor; Blob: typeof Blob; URL: typeof URL };
  const url = g.URL.createObjectURL(new g.Blob([browserWorkerSource()], { type: 'text/javascript' }));
  return Promise.all(Array.from({ length: count }, (_, i) => new Promise<WorkerHandle>((resolve, reject) => {
    const worker = new g.Worker(url);
    let last: string | undefined;
    worker.onerror = reject;
    worker.onmessage = () => {
      worker.onmessage = (e) => { last = String(e.data); };
      resolve({ poll: () => last, terminate: () => worker.terminate() });
    };
    worker.postMessage({ memory, index: i + 1 });
  })));
}
