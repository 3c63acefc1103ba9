import { transform } from '@swc/core';
import { defineConfig, type Plugin } from 'vitest/config';
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

export default defineConfig({
  // AutoGraph converts control flow only in the tests that opt in: test/autograph/, or a 'use kiln' directive.
  plugins: [autograph({ include: (id, code) => id.includes('/test/autograph/') || /^\s*(['"])use kiln\1/m.test(code) }), decorators],
  test: {
    include: ['test/**/*.test.ts'],
    env: { KILN_VERIFY: '1' },
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
