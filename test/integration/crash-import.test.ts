/**
 * Crashes: `cfo import csv` of a 20,000-line statement killed with SIGKILL ten times — mostly while its lines
 * are going in (it says "Writing …" inside the import's transaction), twice earlier — and then run to the
 * end. After each kill the account holds all of the statement or none of it; at the end, exactly its lines
 * and sum, each once (an import is one transaction, and each line has a stable fingerprint).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { createBusiness } from '../../src/db/businesses';
import { openDatabase, queryRows, withBusiness } from '../../src/db/client';
import { D } from '../../src/money';
import { cfo, ROOT, TEST_KEY } from '../helpers/cli';
import { useTestDatabase } from '../helpers/db';

const t = useTestDatabase();
const LINES = 20_000;

describe('crashes', () => {
  it('an import killed at ten random points, then finished: every line once, the sum exact', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfo-crash-'));
    const env: Record<string, string> = t.url
      ? { DATABASE_URL: t.url, ENCRYPTION_KEY: TEST_KEY }
      : { DATA_DIR: join(dir, 'data'), ENCRYPTION_KEY: TEST_KEY };
    // The business the statement belongs to.
    let businessId: string;
    if (t.url) businessId = (await createBusiness(t.db, { name: 'Crashy Ltd' })).id;
    else {
      const created = await cfo(['business', 'create', 'Crashy Ltd'], { env });
      expect(created.code).toBe(0);
      businessId = created.stdout.trim().split(/\s+/).pop()!;
    }
    let total = new D(0);
    const rows = ['Date,Description,Amount'];
    for (let i = 0; i < LINES; i++) {
      const cents = ((i * 7_919) % 500_000) - 250_000 || 1;
      const amount = new D(cents).div(100);
      total = total.plus(amount);
      rows.push(
        `2026-${String(1 + (i % 12)).padStart(2, '0')}-${String(1 + (i % 28)).padStart(2, '0')},Line ${i} PAYEE ${i % 97},${amount.toFixed(2)}`,
      );
    }
    const file = join(dir, 'statement.csv');
    writeFileSync(file, rows.join('\n'));
    const args = [join(ROOT, 'bin/cfo.mjs'), 'import', 'csv', file, '--account', 'Checking', '--business', businessId];

    // Seeded, so a failure can be replayed.
    let seed = 20261122;
    const random = () => {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      return seed / 4294967296;
    };
    // What the account holds between kills: the whole statement or nothing, never part of it.
    const held = async () => {
      const database = t.url ? t.database : await openDatabase({ dataDir: join(env.DATA_DIR!, 'pglite') });
      try {
        const [r] = await withBusiness(database.db, businessId, (tx) =>
          queryRows<{ n: number }>(tx, sql`select count(*)::int as n from transactions where source = 'csv'`),
        );
        return r!.n;
      } finally {
        if (!t.url) await database.close();
      }
    };
    const outcomes: { inWrite: boolean; finished: boolean; held: number }[] = [];
    for (let k = 0; k < 10; k++) {
      const child = spawn(process.execPath, args, {
        cwd: ROOT,
        env: { ...process.env, LOG_LEVEL: 'warn', TEST_DATABASE_URL: '', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      child.stdout!.on('data', (d) => (out += d));
      child.stderr!.on('data', (d) => (err += d));
      const exited = new Promise((resolve) => child.on('exit', resolve));
      // Two kills in ten land early (start-up, parsing); the rest once the lines are going in, at a random
      // moment of the write (20,000 lines take a second or more).
      const early = k % 5 === 0;
      if (early) await new Promise((r) => setTimeout(r, 200 + random() * 1_500));
      else
        for (const deadline = Date.now() + 60_000; !err.includes('Writing') && Date.now() < deadline; )
          await new Promise((r) => setTimeout(r, 5));
      if (!early) await new Promise((r) => setTimeout(r, random() * 400));
      const inWrite = err.includes('Writing') && !out.includes('lines from');
      child.kill('SIGKILL');
      await exited;
      const finished = out.includes('lines from');
      outcomes.push({ inWrite: inWrite && !finished, finished, held: await held() });
    }
    // Every kill left all or nothing; most of them landed while the lines were going in, and those kept nothing.
    for (const o of outcomes) expect([0, LINES], JSON.stringify(o)).toContain(o.held);
    expect(outcomes.filter((o) => o.inWrite).length, JSON.stringify(outcomes)).toBeGreaterThanOrEqual(5);
    // Until one run has finished, a kill mid-write keeps nothing at all.
    const firstFinished = outcomes.findIndex((o) => o.finished);
    const beforeAny = outcomes.slice(0, firstFinished < 0 ? outcomes.length : firstFinished);
    expect(beforeAny.filter((o) => o.inWrite).length).toBeGreaterThan(0);
    for (const o of beforeAny) expect(o.held).toBe(0);
    console.info(`kills: ${JSON.stringify(outcomes)}`);

    const done = await cfo(['import', 'csv', file, '--account', 'Checking', '--business', businessId], { env });
    expect(done.stderr).not.toMatch(/error/i);
    expect(done.code).toBe(0);

    const database = t.url ? t.database : await openDatabase({ dataDir: join(env.DATA_DIR!, 'pglite') });
    try {
      const [r] = await withBusiness(database.db, businessId, (tx) =>
        queryRows<{ n: number; distinct_ids: number; sum: string }>(
          tx,
          sql`select count(*)::int as n, count(distinct external_id)::int as distinct_ids, sum(amount)::numeric(20,2)::text as sum
              from transactions where source = 'csv'`,
        ),
      );
      expect(r).toEqual({ n: LINES, distinct_ids: LINES, sum: total.toFixed(2) });
    } finally {
      if (!t.url) await database.close();
    }
  }, 240_000);
});
