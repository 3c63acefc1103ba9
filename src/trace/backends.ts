import { KilnError } from '../ir/index.js';
import { CpuBackend, type Backend, type BackendName } from '../runtime/index.js';

type BackendFactory = () => Promise<Backend>;

const factories = new Map<BackendName, BackendFactory>([['cpu', async () => new CpuBackend()]]);
const ready = new Map<BackendName, Backend>();
let current: Backend = new CpuBackend();
ready.set('cpu', current);

/** Makes a backend available by name (the wasm and webgpu backends register here). */
export function registerBackend(name: BackendName, factory: BackendFactory): void {
  factories.set(name, factory);
}

export function currentBackend(): Backend {
  return current;
}

export async function setBackend(name: BackendName): Promise<void> {
  let backend = ready.get(name);
  if (!backend) {
    const factory = factories.get(name);
    if (!factory) throw new KilnError(`unknown or unavailable backend '${name}'; available: ${[...factories.keys()].join(', ')}`, { op: 'setBackend' });
    backend = await factory();
    ready.set(name, backend);
  }
  current = backend;
}

export function getBackend(): BackendName {
  return current.name;
}
