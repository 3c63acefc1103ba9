/// <reference types="@webgpu/types" />
import { importNodeModule, KilnError } from '../../ir/index.js';

/** What to do when no adapter is found: the one thing a user can act on. */
export const NO_ADAPTER_HINT =
  'on a machine without a GPU, run `bash scripts/setup-webgpu.sh` (it installs Mesa\'s lavapipe, a CPU Vulkan driver that Dawn can use); ' +
  'otherwise install your GPU\'s Vulkan (Linux), Metal (macOS) or D3D12 (Windows) driver';

interface DawnModule {
  create(options: string[]): GPU;
}

const isNode = (): boolean => typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === 'string';

/**
 * The GPU entry point: `navigator.gpu` in a browser (or wherever a runtime provides it), and
 * Dawn's Node binding (npm `webgpu`) in Node, loaded only then. The specifier is a variable so
 * browser bundlers do not try to resolve the Node-only package.
 */
async function gpuEntry(): Promise<GPU> {
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  if (nav?.gpu) return nav.gpu;
  if (!isNode()) throw new KilnError('WebGPU is not available here (no navigator.gpu); use a browser with WebGPU enabled, or another backend', { op: 'setBackend' });
  let dawn: DawnModule;
  try {
    dawn = await importNodeModule<DawnModule>('webgpu');
  } catch (e) {
    throw new KilnError(`the webgpu backend needs Dawn's Node binding, the npm package 'webgpu' (npm install webgpu): ${(e as Error).message}`, { op: 'setBackend' });
  }
  return dawn.create([]);
}

export interface GpuContext {
  readonly gpu: GPU;
  readonly adapter: GPUAdapter;
  readonly device: GPUDevice;
}

/** The adapter's limits, all of them requested: the defaults (8 storage buffers per stage) are lower. */
function adapterLimits(adapter: GPUAdapter): Record<string, number> {
  const out: Record<string, number> = {};
  for (const key in adapter.limits) {
    const v = (adapter.limits as unknown as Record<string, unknown>)[key];
    if (typeof v === 'number') out[key] = v;
  }
  return out;
}

export async function requestGpu(): Promise<GpuContext> {
  const gpu = await gpuEntry();
  let adapter: GPUAdapter | null;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (e) {
    throw new KilnError(`no WebGPU adapter: ${(e as Error).message}; ${NO_ADAPTER_HINT}`, { op: 'setBackend' });
  }
  if (!adapter) throw new KilnError(`no WebGPU adapter found; ${NO_ADAPTER_HINT}`, { op: 'setBackend' });
  let device: GPUDevice;
  // Subgroups let the matrix product broadcast a value across lanes (src/codegen/wgsl-matmul.ts).
  const requiredFeatures: GPUFeatureName[] = adapter.features.has('subgroups') ? ['subgroups' as GPUFeatureName] : [];
  try {
    device = await adapter.requestDevice({ requiredLimits: adapterLimits(adapter), requiredFeatures });
  } catch {
    device = await adapter.requestDevice();
  }
  return { gpu, adapter, device };
}

/** Whether a WebGPU adapter can be had here (for tests that skip without one). */
export async function hasWebGpuAdapter(): Promise<boolean> {
  try {
    const gpu = await gpuEntry();
    return (await gpu.requestAdapter()) !== null;
  } catch {
    return false;
  }
}
