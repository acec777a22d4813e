import { defineConfig } from 'vitest/config';

// One vitest run over every package; tests sit beside the code as *.test.ts.
// Packages import each other through their built `dist` (pnpm test builds first).
export default defineConfig({
  test: {
    include: ['packages/*/src/**/*.test.ts', 'apps/*/src/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 120_000,
    setupFiles: ['./vitest.setup.ts'],
  },
});
