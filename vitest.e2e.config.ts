import { defineConfig } from 'vitest/config';

/** Browser tests (real Chromium): `npm run test:e2e`. Kept apart from `npm test`, which needs no browser. */
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    testTimeout: 90_000,
    hookTimeout: 180_000,
    pool: 'forks',
    maxWorkers: 1,
  },
});
