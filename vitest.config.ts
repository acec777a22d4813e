import { defineConfig } from 'vitest/config';

// One vitest run over every package; tests sit beside the code as *.test.ts.
// Packages import each other through their built `dist` (pnpm test builds first).
// `consumer` packs every package and installs the tarballs with npm into a temporary project
// (test/consumer); `pnpm vitest run --project unit` skips it while developing.
export default defineConfig({
  test: {
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 120_000,
    setupFiles: ['./vitest.setup.ts'],
    projects: [
      { extends: true, test: { name: 'unit', include: ['packages/*/src/**/*.test.ts', 'apps/*/src/**/*.test.ts'] } },
      { extends: true, test: { name: 'consumer', include: ['test/consumer/*.test.ts'] } },
      { extends: true, test: { name: 'docs', include: ['test/docs/*.test.ts'] } },
    ],
  },
});
