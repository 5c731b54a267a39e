import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    globalSetup: ['test/helpers/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: 'suite',
          include: ['test/**/*.test.ts'],
          exclude: ['test/e2e/**', 'test/timing/**'],
          sequence: { groupOrder: 0 },
        },
      },
      {
        // Timing budgets (start-up within 15 s) are measured after everything else, on a quiet machine.
        extends: true,
        test: { name: 'timing', include: ['test/timing/**/*.test.ts'], sequence: { groupOrder: 1 } },
      },
    ],
  },
});
