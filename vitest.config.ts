import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Without PostgreSQL (scripts/test.mjs says so in one line) the PostgreSQL-only files register no
    // tests; they are reported as empty, not counted as passed.
    passWithNoTests: true,
    projects: [
      {
        test: {
          name: 'node',
          include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts', 'apps/server/test/**/*.test.ts'],
          environment: 'node',
          pool: 'forks',
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'web',
          include: ['apps/web/src/**/*.test.tsx', 'apps/web/src/**/*.test.ts'],
          environment: 'jsdom',
          testTimeout: 30_000,
        },
      },
    ],
  },
});
