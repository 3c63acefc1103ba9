import { KilnError } from '../ir/index.js';
import { Storage, type Backend } from '../runtime/index.js';
import type { StorageSlot } from './tensor.js';

/**
 * A tensor keeps the backend it was made on. After `kiln.setBackend`, a tensor or variable made
 * earlier moves to the backend that uses it, as TF.js moves data between backends: read back,
 * uploaded, and its slot pointed at the copy, so it moves once. WebGPU cannot read back
 * synchronously, so its tensors do not move by themselves.
 */
export function rehome(slot: StorageSlot, backend: Backend, describe: string, op: string): Storage {
  const from = slot.storage;
  if (from.backend === backend) return from;
  if (from.backend.name === 'webgpu') {
    throw new KilnError(
      `tensor ${describe} lives on the webgpu backend and the ${backend.name} backend cannot read it synchronously; `
        + `read it with \`await tensor.data()\` and make a new tensor, or switch back with kiln.setBackend('webgpu')`,
      { op },
    );
  }
  const moved = new Storage(backend, backend.upload(from.buffer.dtype, from.backend.readSync(from.buffer)));
  slot.storage = moved;
  from.release();
  return moved;
}
