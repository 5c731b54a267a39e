/**
 * The limits live in the database: two independent connection pools (what two processes are to PostgreSQL)
 * share one API key's requests a minute and one Xero organisation's budget. On PGlite the two are one
 * connection, which must hold just the same.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../../src/db/client';
import { RateLimitedError } from '../../src/errors';
import { Limits } from '../../src/limits';
import { useTestDatabase } from '../helpers/db';

const t = useTestDatabase();

/** A second pool on the same database (PostgreSQL), or the same database (PGlite: one process). */
async function secondPool(): Promise<Database> {
  return t.url ? openDatabase({ databaseUrl: t.url, poolSize: 4 }) : t.database;
}

describe('limits shared through the database', () => {
  it("one key's requests a minute hold across two pools: 20 a minute allows 20 of 40, whichever pool asks", async () => {
    const other = await secondPool();
    try {
      const pools = [new Limits(t.db), new Limits(other.db)];
      const key = `key:${randomUUID()}`;
      const started = performance.now();
      const outcomes = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          pools[i % 2]!.take(key, 20).then(
            () => 'ok',
            (err) => (err instanceof RateLimitedError ? 'limited' : Promise.reject(err)),
          ),
        ),
      );
      const seconds = (performance.now() - started) / 1000;
      const ok = outcomes.filter((o) => o === 'ok').length;
      // The bucket refills by one every 3 s: a slow machine may earn a few more while the 40 are asked.
      expect(ok).toBeGreaterThanOrEqual(20);
      expect(ok).toBeLessThanOrEqual(20 + Math.floor(seconds / 3));
      // Both pools were refused some: neither kept a budget of its own.
      expect(outcomes.filter((o, i) => o === 'limited' && i % 2 === 0).length).toBeGreaterThan(0);
      expect(outcomes.filter((o, i) => o === 'limited' && i % 2 === 1).length).toBeGreaterThan(0);
    } finally {
      if (other !== t.database) await other.close();
    }
  });

  it("a Xero organisation's budget holds across two pools: never more in flight than allowed, nor more in a window", async () => {
    const other = await secondPool();
    try {
      const key = `xero:org:${randomUUID()}`;
      const LIMITS = { perWindow: 8, windowMs: 1_000, concurrent: 3, perDay: 1_000 };
      const budgets = [new Limits(t.db).budget(key, LIMITS), new Limits(other.db).budget(key, LIMITS)];
      let inFlight = 0;
      let maxInFlight = 0;
      const finished: number[] = [];
      // 24 calls of ~30 ms each, six workers per pool: the cap and the window, not the workers, set the pace.
      let left = 24;
      const worker = async (b: (typeof budgets)[number]) => {
        while (left > 0) {
          left--;
          await b.acquire();
          inFlight++;
          maxInFlight = Math.max(maxInFlight, inFlight);
          await new Promise((r) => setTimeout(r, 30));
          inFlight--;
          finished.push(performance.now());
          await b.release();
        }
      };
      await Promise.all(budgets.flatMap((b) => Array.from({ length: 6 }, () => worker(b))));
      expect(finished).toHaveLength(24);
      expect(maxInFlight).toBeLessThanOrEqual(3);
      // Calls enter the window as they finish: no 1-second span holds more than 8 finishes. (Our own clock
      // reads a finish a little before the database records it, so spans are judged with 50 ms to spare.)
      finished.sort((a, b) => a - b);
      for (let i = 8; i < finished.length; i++) expect(finished[i]! - finished[i - 8]!).toBeGreaterThan(950);
      expect(budgets[0]!.stats.waits + budgets[1]!.stats.waits).toBeGreaterThan(0);
    } finally {
      if (other !== t.database) await other.close();
    }
  }, 60_000);

  it('a daily budget used up refuses with when to come back, and what Xero says is used is believed', async () => {
    const key = `xero:org:${randomUUID()}`;
    const budget = new Limits(t.db).budget(key, { perWindow: 60, windowMs: 60_000, concurrent: 5, perDay: 100 });
    await budget.acquire();
    // Xero says 2 calls are left today (another process, or another app on this organisation).
    await budget.release({ 'x-daylimit-remaining': '2', 'x-minlimit-remaining': '50' });
    await budget.acquire();
    await budget.release();
    await budget.acquire();
    await budget.release();
    const err = await budget.acquire().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RateLimitedError);
    expect((err as Error).message).toMatch(/daily limit for this organisation is used up; try again in \d+ s/);
  });
});
