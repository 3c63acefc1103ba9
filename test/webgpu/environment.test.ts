import { describe, expect, it, vi } from 'vitest';

/**
 * KILN_BACKEND=webgpu selects the backend when kiln loads; `await kiln.ready()` waits for it.
 * The variable is set before kiln is imported, so this file imports kiln dynamically, after
 * dropping the copy test/setup-backend.ts loaded.
 */
process.env.KILN_BACKEND = 'webgpu';
vi.resetModules();
const kiln = await import('../../src/index.js');
const { hasWebGpuAdapter } = await import('../../src/runtime/webgpu/index.js');
const available = await hasWebGpuAdapter();
const required = process.env.KILN_REQUIRE_WEBGPU === '1';

describe('KILN_BACKEND from the environment', () => {
  it.runIf(available || required)('selects webgpu once kiln.ready() resolves', async () => {
    await kiln.ready();
    expect(kiln.getBackend()).toBe('webgpu');
    expect(Array.from(await kiln.add(kiln.tensor([1, 2]), 1).data())).toEqual([2, 3]);
  });

  it.runIf(!available && !required)('rejects kiln.ready() with the setup hint when there is no adapter', async () => {
    await expect(kiln.ready()).rejects.toThrow(/setup-webgpu\.sh/);
    expect(() => kiln.tensor([1]).add(1)).toThrow(/setup-webgpu\.sh/);
  });
});
