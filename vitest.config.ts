import { spawnSync } from 'node:child_process';
import { transform } from '@swc/core';
import { configDefaults, defineConfig, type Plugin, type TestProjectInlineConfiguration } from 'vitest/config';
import { autograph } from './src/trace/autograph/vite.js';

// Vite 8 transforms TypeScript with Oxc, which does not lower TC39 decorators
// (oxc-project/oxc#9170); files that use them (`@kiln.compiled`) go through SWC first.
const decorators: Plugin = {
  name: 'kiln:tc39-decorators',
  enforce: 'pre',
  async transform(code, id) {
    if (!/\.[cm]?tsx?$/.test(id.split('?')[0]!) || id.includes('/node_modules/')) return null;
    // A cheap over-approximation: an `@name` outside comments (JSDoc tags do not count).
    if (!/@[A-Za-z_$]/.test(code.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, ''))) return null;
    const out = await transform(code, {
      filename: id,
      sourceMaps: true,
      jsc: {
        parser: { syntax: 'typescript', decorators: true, tsx: id.endsWith('x') },
        target: 'es2022',
        transform: { decoratorVersion: '2023-11', useDefineForClassFields: true },
      },
    });
    return { code: out.code, map: out.map ?? null };
  },
};

type BackendName = 'cpu' | 'wasm' | 'webgpu';

/** The backend kiln makes when KILN_BACKEND is unset (src/trace/backends.ts); test/setup-backend.ts checks the two agree. */
const DEFAULT_BACKEND: BackendName = 'wasm';

/** The suites every backend runs: each op, gradient, compile behaviour and Keras test. */
const BACKEND_SUITES = ['test/ops/**/*.test.ts', 'test/gradients/**/*.test.ts', 'test/trace/**/*.test.ts', 'test/keras/**/*.test.ts'];

/**
 * Long training runs that guard what training reaches, not how a backend computes: the default
 * backend runs them, the others do not.
 * - mnist-accuracy: 6 epochs of an MLP on 8,000 digits, about 1 min on cpu and several on
 *   lavapipe; the ops, gradients and optimizer steps it is made of run on every backend above.
 */
const DEFAULT_BACKEND_ONLY = ['test/keras/mnist-accuracy.test.ts'];

/**
 * Whether Dawn finds a WebGPU adapter, asked in a child process so the native module never loads
 * into vitest's own. KILN_REQUIRE_WEBGPU=1 (CI) skips the question: the project then always runs,
 * and a missing adapter fails its tests. Vitest loads this file more than once: the answer (and
 * the warning) is kept in the environment.
 */
function webgpuAvailable(): boolean {
  if (process.env.KILN_REQUIRE_WEBGPU === '1') return true;
  if (process.env.KILN_TEST_WEBGPU_ADAPTER === undefined) {
    const probe = "const { create } = await import('webgpu'); process.exit((await create([]).requestAdapter()) ? 0 : 1);";
    const found = spawnSync(process.execPath, ['--input-type=module', '-e', probe], { stdio: 'ignore', timeout: 30_000 }).status === 0;
    process.env.KILN_TEST_WEBGPU_ADAPTER = found ? '1' : '0';
    if (!found) console.warn("kiln: skipping the 'webgpu' test project: no WebGPU adapter: run `bash scripts/setup-webgpu.sh` (Mesa lavapipe, a CPU Vulkan driver) or install a GPU driver");
  }
  return process.env.KILN_TEST_WEBGPU_ADAPTER === '1';
}

function backendProject(backend: BackendName): TestProjectInlineConfiguration {
  return {
    extends: true,
    test: {
      name: backend,
      include: BACKEND_SUITES,
      exclude: [...configDefaults.exclude, ...DEFAULT_BACKEND_ONLY],
      env: {
        KILN_BACKEND: backend,
        // On lavapipe, compiling each new shader dominates tiny tests: skipping LLVM's optimization
        // passes cuts that by about a third (test/webgpu/webgpu-env.ts does the same; GPUs ignore it).
        ...(backend === 'webgpu' ? { GALLIVM_PERF: 'nopt' } : {}),
      },
    },
  };
}

const otherBackends = (['cpu', 'wasm', 'webgpu'] as const).filter((b) => b !== DEFAULT_BACKEND && (b !== 'webgpu' || webgpuAvailable()));

export default defineConfig({
  // AutoGraph converts control flow only in the tests that opt in: test/autograph/, or a 'use kiln' directive.
  plugins: [autograph({ include: (id, code) => id.includes('/test/autograph/') || /^\s*(['"])use kiln\1/m.test(code) }), decorators],
  test: {
    env: { KILN_VERIFY: '1', KILN_TEST_DEFAULT_BACKEND: DEFAULT_BACKEND },
    // Awaits kiln.ready(), so the backend named by KILN_BACKEND is in place before any test runs.
    setupFiles: ['test/setup-backend.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Every test once on the default backend; the backend suites again on each other backend.
    projects: [
      { extends: true, test: { name: 'default', include: ['test/**/*.test.ts'] } },
      ...otherBackends.map(backendProject),
    ],
  },
});
