import { KilnError, type DType, type TypedArray } from '../../ir/index.js';

/**
 * The wasm backend's memory: one `WebAssembly.Memory` (shared when threads are available)
 * holding every buffer, with a size-class allocator. Sizes round up to a class (64 bytes, then
 * quarter steps between powers of two, so at most 25% is lost) and freed blocks wait on their
 * class's free list for the next buffer of that class; a training loop that allocates the same
 * sizes every step stops growing after its first. Blocks are 64-byte aligned. The memory grows
 * when the free lists cannot serve a request; typed views are re-made after growth, so a buffer
 * is its byte offset, never a view that growth could leave short.
 */
export const PAGE = 65536;
/** The first page holds the thread pool's control block. */
export const HEAP_START = PAGE;
export const CONTROL_BYTES = 4096;

export interface HeapStats {
  /** Bytes between the start of the heap and its high-water mark. */
  readonly heapBytes: number;
  readonly inUseBytes: number;
  /** Bytes on free lists. */
  readonly freeBytes: number;
  readonly memoryBytes: number;
  readonly blocks: number;
}

export class WasmHeap {
  readonly memory: WebAssembly.Memory;
  private top = HEAP_START;
  private readonly freeLists = new Map<number, number[]>();
  private inUse = 0;
  private freeBytes = 0;
  private blocks = 0;
  private buffer: ArrayBufferLike | null = null;
  private f32 = new Float32Array(0);
  private i32 = new Int32Array(0);
  private u8 = new Uint8Array(0);

  constructor(readonly shared: boolean, readonly maxPages: number, initialPages = 256) {
    this.memory = new WebAssembly.Memory({ initial: Math.min(initialPages, maxPages), maximum: maxPages, shared });
  }

  /** The class a request of `bytes` is served from. */
  static classSize(bytes: number): number {
    if (bytes <= 64) return 64;
    const hi = 2 ** Math.ceil(Math.log2(bytes));
    const lo = hi / 2;
    const step = Math.max(64, lo / 4);
    return Math.min(hi, lo + Math.ceil((bytes - lo) / step) * step);
  }

  alloc(bytes: number): { ptr: number; bytes: number } {
    const size = WasmHeap.classSize(bytes);
    const list = this.freeLists.get(size);
    let ptr = list?.pop();
    if (ptr !== undefined) this.freeBytes -= size;
    else {
      ptr = this.top;
      this.ensure(ptr + size);
      this.top += size;
      this.blocks++;
    }
    this.inUse += size;
    return { ptr, bytes: size };
  }

  free(ptr: number, bytes: number): void {
    let list = this.freeLists.get(bytes);
    if (!list) { list = []; this.freeLists.set(bytes, list); }
    list.push(ptr);
    this.inUse -= bytes;
    this.freeBytes += bytes;
  }

  /** Grows the memory to hold `end` bytes (by at least half again, to grow rarely). */
  private ensure(end: number): void {
    const have = this.memory.buffer.byteLength;
    if (end <= have) return;
    const pages = have / PAGE;
    const want = Math.min(this.maxPages, Math.max(Math.ceil(end / PAGE), Math.ceil(pages * 1.5)));
    if (want * PAGE < end) {
      throw new KilnError(`out of memory: the wasm backend needs ${end} bytes, over its limit of ${this.maxPages * PAGE} (KILN_WASM_MAX_MB raises it)`, { op: 'allocate' });
    }
    this.memory.grow(want - pages);
  }

  stats(): HeapStats {
    return { heapBytes: this.top - HEAP_START, inUseBytes: this.inUse, freeBytes: this.freeBytes, memoryBytes: this.memory.buffer.byteLength, blocks: this.blocks };
  }

  private refresh(): void {
    const b = this.memory.buffer;
    if (b === this.buffer && this.u8.byteLength === b.byteLength) return;
    this.buffer = b;
    this.f32 = new Float32Array(b);
    this.i32 = new Int32Array(b);
    this.u8 = new Uint8Array(b);
  }

  /** A live view of `size` elements at `ptr` (valid until the memory next grows). */
  view(dtype: DType, ptr: number, size: number): TypedArray {
    this.refresh();
    if (dtype === 'float32') return this.f32.subarray(ptr >>> 2, (ptr >>> 2) + size);
    if (dtype === 'int32') return this.i32.subarray(ptr >>> 2, (ptr >>> 2) + size);
    return this.u8.subarray(ptr, ptr + size);
  }

  /** The control block of the thread pool, as int32 words. */
  control(): Int32Array {
    return new Int32Array(this.memory.buffer, 0, CONTROL_BYTES / 4);
  }
}
