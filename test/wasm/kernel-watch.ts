import { afterAll, beforeAll } from 'vitest';
import * as kiln from '../../src/index.js';
import type { CompiledKernel } from '../../src/runtime/backend.js';
import type { WasmBackend } from '../../src/runtime/wasm/index.js';
import { currentBackend } from '../../src/trace/index.js';

export interface KernelWatch {
  /** The wasm backend (set once the suite starts). */
  backend: WasmBackend;
  /** The first listing line (the kernel's plan) of each kernel compiled since last cleared. */
  readonly headers: string[];
}

/**
 * For a describe block: runs it on the wasm backend and records the plan line of every kernel
 * compiled, so tests can check which template or loop shape was chosen; afterwards restores the
 * backend, its compile and its threads.
 */
export function watchWasmKernels(): KernelWatch {
  const watch = { headers: [] as string[] } as KernelWatch;
  let compile: WasmBackend['compile'];
  let before: ReturnType<typeof kiln.getBackend>;
  beforeAll(async () => {
    before = kiln.getBackend();
    await kiln.setBackend('wasm');
    const backend = currentBackend() as WasmBackend;
    watch.backend = backend;
    compile = backend.compile;
    backend.compile = (k) => {
      const c: CompiledKernel = compile.call(backend, k);
      watch.headers.push(c.source.split('\n')[0]!);
      return c;
    };
  });
  afterAll(async () => {
    watch.backend.compile = compile;
    watch.backend.useThreads = true;
    await kiln.setBackend(before);
  });
  return watch;
}
