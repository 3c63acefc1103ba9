import { bytesPerElement } from '../ir/index.js';
import type { Backend, DeviceBuffer } from './backend.js';

/** Live storage, for `kiln.memory()`. */
export const liveStorage = { count: 0, bytes: 0 };

/**
 * A reference-counted buffer. Tensors, variables and reshaped views share storage; the
 * buffer goes back to its backend when the last holder lets go.
 */
export class Storage {
  private refs = 1;
  constructor(readonly backend: Backend, readonly buffer: DeviceBuffer) {
    liveStorage.count++;
    liveStorage.bytes += buffer.size * bytesPerElement(buffer.dtype);
  }

  get refCount(): number {
    return this.refs;
  }

  retain(): this {
    this.refs++;
    return this;
  }

  release(): void {
    if (--this.refs === 0) {
      liveStorage.count--;
      liveStorage.bytes -= this.buffer.size * bytesPerElement(this.buffer.dtype);
      this.backend.release(this.buffer);
    }
  }
}

/** Where a variable's current value lives; an Executable reads and replaces it. */
export interface VariableSlot {
  storage: Storage;
}
