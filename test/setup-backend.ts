import { afterEach } from 'vitest';
import * as kiln from '../src/index.js';
import { currentBackend } from '../src/trace/index.js';

/**
 * Runs before every test file (vitest.config.ts's setupFiles): waits for the backend named by
 * KILN_BACKEND (or the default one) to be made, so no test starts on another. A backend that
 * cannot be made fails the file with its reason (for webgpu, how to get an adapter).
 */
await kiln.ready();
const expected = process.env.KILN_BACKEND || process.env.KILN_TEST_DEFAULT_BACKEND;
if (expected && kiln.getBackend() !== expected) {
  throw new Error(process.env.KILN_BACKEND
    ? `KILN_BACKEND=${expected}, but kiln runs on '${kiln.getBackend()}'`
    : `kiln's default backend is '${kiln.getBackend()}', but vitest.config.ts's DEFAULT_BACKEND is '${expected}': make them agree`);
}

// WebGPU reports errors (a shader that does not compile) asynchronously: waiting for them after
// each test fails the test that caused them rather than the next one to read a value.
const backend = currentBackend() as { synchronize?: () => Promise<void> };
if (backend.synchronize) afterEach(() => backend.synchronize!());
