import { describe, it } from 'vitest';
import * as kiln from '../../src/index.js';
import { createWebGpuBackend, type WebGpuBackend } from '../../src/runtime/webgpu/index.js';
import { registerBackend } from '../../src/trace/index.js';

/**
 * The WebGPU suites run where Dawn finds an adapter. Without one they are skipped with a
 * message saying how to get one, unless KILN_REQUIRE_WEBGPU=1 (CI), where that is a failure.
 */
const required = process.env.KILN_REQUIRE_WEBGPU === '1';
export const SETUP_HINT = 'no WebGPU adapter: run `bash scripts/setup-webgpu.sh` (Mesa lavapipe, a CPU Vulkan driver) or install a GPU driver';

// Tests run tiny shapes, so on lavapipe compiling each new shader dominates: skipping LLVM's
// optimization passes cuts that by about a third (a real GPU driver ignores the variable).
process.env.GALLIVM_PERF ??= 'nopt';

let made: WebGpuBackend | null = null;
let why = '';
try {
  made = await createWebGpuBackend();
  // setBackend('webgpu') reuses this device rather than making a second one.
  const backend = made;
  registerBackend('webgpu', async () => backend);
} catch (e) {
  why = (e as Error).message;
}

/** The shared WebGPU backend; only call inside a describeWebGpu block. */
export function webgpu(): WebGpuBackend {
  if (!made) throw new Error(`${SETUP_HINT} (${why})`);
  return made;
}

export function describeWebGpu(name: string, body: () => void): void {
  if (made) {
    describe(name, body);
  } else if (required) {
    describe(name, () => it('has a WebGPU adapter (KILN_REQUIRE_WEBGPU=1)', () => { throw new Error(`KILN_REQUIRE_WEBGPU=1, but ${why}`); }));
  } else {
    console.warn(`kiln: skipping '${name}': ${SETUP_HINT}`);
    describe.skip(`${name} [skipped: ${SETUP_HINT}]`, body);
  }
}

/** Runs `fn` on cpu and on webgpu, returning both results' values. */
export async function onBoth(fn: () => kiln.Tensor | kiln.Tensor[]): Promise<{ cpu: Float32Array[]; gpu: Float32Array[] }> {
  const values = async (backend: 'cpu' | 'webgpu') => {
    await kiln.setBackend(backend);
    const out = fn();
    const list = Array.isArray(out) ? out : [out];
    return Promise.all(list.map(async (t) => Float32Array.from(await t.data())));
  };
  const cpu = await values('cpu');
  const gpu = await values('webgpu');
  return { cpu, gpu };
}
