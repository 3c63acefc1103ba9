import { describe, expect, it } from 'vitest';
import { HEAP_START, PAGE, WasmHeap } from '../../src/runtime/wasm/heap.js';

/** The wasm backend's memory: size classes, free lists, growth. */
describe('WasmHeap', () => {
  it('rounds sizes up to classes at most 25% larger, 64-byte multiples', () => {
    expect(WasmHeap.classSize(0)).toBe(64);
    expect(WasmHeap.classSize(64)).toBe(64);
    expect(WasmHeap.classSize(65)).toBe(128);
    expect(WasmHeap.classSize(1024)).toBe(1024);
    expect(WasmHeap.classSize(1025)).toBe(1280);
    for (let n = 1; n < 1 << 22; n = Math.ceil(n * 1.37) + 3) {
      const c = WasmHeap.classSize(n);
      expect(c).toBeGreaterThanOrEqual(n);
      expect(c % 64).toBe(0);
      if (n > 256) expect(c).toBeLessThanOrEqual(n * 1.25 + 64);
    }
  });

  it('reuses freed blocks of a class and never grows for a repeated pattern', () => {
    const heap = new WasmHeap(false, 1024, 4);
    const sizes = [100, 4000, 70000, 100, 5];
    const round = () => {
      const blocks = sizes.map((s) => heap.alloc(s));
      for (const b of blocks) expect(b.ptr % 64).toBe(0);
      for (const b of blocks) heap.free(b.ptr, b.bytes);
    };
    round();
    const first = heap.stats();
    for (let i = 0; i < 1000; i++) round();
    expect(heap.stats()).toEqual(first);
    expect(first.inUseBytes).toBe(0);
  });

  it('grows the memory and keeps old data; views made after growth see it', () => {
    const heap = new WasmHeap(true, 1024, 2);
    const a = heap.alloc(4000);
    heap.view('float32', a.ptr, 1000).set(Array.from({ length: 1000 }, (_, i) => i));
    const big = heap.alloc(10 * PAGE);
    expect(heap.stats().memoryBytes).toBeGreaterThanOrEqual(big.ptr + big.bytes);
    const view = heap.view('float32', a.ptr, 1000);
    expect(view[999]).toBe(999);
    heap.view('int32', big.ptr, 10).set([7, 8, 9]);
    expect(Array.from(heap.view('int32', big.ptr, 3))).toEqual([7, 8, 9]);
    expect(a.ptr).toBeGreaterThanOrEqual(HEAP_START);
  });

  it('fails clearly past its maximum', () => {
    const heap = new WasmHeap(false, 64, 2);
    expect(() => heap.alloc(100 * PAGE)).toThrow(/out of memory.*KILN_WASM_MAX_MB/);
  });
});
