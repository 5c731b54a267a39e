/**
 * What `npm start` does on an empty database, run after every other test file has finished (vitest.config.ts,
 * `groupOrder`) so that it starts on a quiet machine. How long it takes is measured by `npm run bench`
 * (start-up table, against the 15 s target), not asserted here: a busy machine must not fail the suite.
 */
import { describe, expect, it } from 'vitest';
import type { BusinessSummary } from '../../src/db/businesses';
import { cfo, npmStart, target } from '../helpers/cli';
import { openTestDatabase, useTestDatabase } from '../helpers/db';

const t = useTestDatabase();

describe('npm start on an empty database', () => {
  it('gets ready with Demo Co (≥ 5,000 transactions); a second start reuses it; SIGTERM stops it cleanly', async () => {
    const fresh = t.url ? await openTestDatabase() : undefined;
    try {
      const where = target(fresh?.url);
      const first = await npmStart(where, 180_000);
      console.info(`npm start: ready after ${(first.readyAfterMs / 1000).toFixed(1)} s`);
      // Code 0: it finished its own shutdown (the forced exit after 10 s is code 1).
      expect((await first.stop()).code).toBe(0);
      expect(first.output()).not.toContain('shutdown took longer');

      const list = async () =>
        JSON.parse((await cfo(['business', 'list', '--json'], where)).stdout) as BusinessSummary[];
      const afterFirst = await list();
      expect(afterFirst).toHaveLength(1);
      expect(afterFirst[0]).toMatchObject({ name: 'Demo Co', isDemo: true });
      expect(afterFirst[0]!.counts.transactions).toBeGreaterThanOrEqual(5_000);

      const second = await npmStart(where, 180_000);
      try {
        expect(second.output()).not.toContain('creating the demo company');
      } finally {
        expect((await second.stop()).code).toBe(0);
      }
      expect(await list()).toEqual(afterFirst);
    } finally {
      await fresh?.close();
    }
  });
});
