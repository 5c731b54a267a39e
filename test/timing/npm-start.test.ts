/**
 * Start-up time is measured alone: this project runs after every other test file has finished
 * (vitest.config.ts, `groupOrder`), so the other worker's load does not count against the budget.
 */
import { describe, expect, it } from 'vitest';
import type { BusinessSummary } from '../../src/db/businesses';
import { cfo, npmStart, target } from '../helpers/cli';
import { openTestDatabase, useTestDatabase } from '../helpers/db';

const t = useTestDatabase();

describe('npm start on an empty database', () => {
  it('is ready within 15 s with Demo Co (≥ 5,000 transactions); a second start reuses it; SIGTERM stops it cleanly', async () => {
    const fresh = t.url ? await openTestDatabase() : undefined;
    try {
      const where = target(fresh?.url);
      const first = await npmStart(where);
      let stopped: Awaited<ReturnType<typeof first.stop>> | undefined;
      try {
        expect(first.readyAfterMs).toBeLessThan(15_000);
      } finally {
        stopped = await first.stop();
      }
      expect(stopped.code).toBe(0);
      expect(stopped.ms).toBeLessThan(10_000);

      const list = async () =>
        JSON.parse((await cfo(['business', 'list', '--json'], where)).stdout) as BusinessSummary[];
      const afterFirst = await list();
      expect(afterFirst).toHaveLength(1);
      expect(afterFirst[0]).toMatchObject({ name: 'Demo Co', isDemo: true });
      expect(afterFirst[0]!.counts.transactions).toBeGreaterThanOrEqual(5_000);

      const second = await npmStart(where);
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
