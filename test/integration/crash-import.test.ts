/**
 * Crashes: `cfo import csv` of a 20,000-line statement killed with SIGKILL at ten random moments, then run
 * to the end — the account holds exactly the statement's lines and sum, each once (an import is one
 * transaction, and each line has a stable fingerprint).
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
    for (let k = 0; k < 10; k++) {
      const child = spawn(process.execPath, args, {
        cwd: ROOT,
        env: { ...process.env, LOG_LEVEL: 'warn', TEST_DATABASE_URL: '', ...env },
        stdio: 'ignore',
      });
      const exited = new Promise((resolve) => child.on('exit', resolve));
      // A whole import takes ~6 s here: start-up, parsing, the write, the refresh; the kills land across all of them.
      await new Promise((r) => setTimeout(r, 800 + random() * 4_500));
      child.kill('SIGKILL');
      await exited;
    }
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
