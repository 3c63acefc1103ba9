import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    env: { KILN_VERIFY: '1' },
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
