/**
 * `cfo sync` as a real child process against the fake Xero: killed with SIGKILL at ten seeded random
 * moments (start-up and mid-sync) and then run to the end, it finishes with the same counts and sums as the
 * fake and no duplicates, each run resuming after the last committed page. Also `cfo connect xero` and `cfo connections`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config';
import { type Database, openDatabase, queryRows, withBusiness } from '../../src/db/client';
import { completeXeroConnection, consentUrl, xeroSyncDeps } from '../../src/integrations/xero';
import { createLogger } from '../../src/logger';
import { D } from '../../src/money';
import { bankOrg, FAKE_XERO_CLIENT, type FakeXero, startFakeXero } from '../fakes/xero';
import { cfo, ROOT, TEST_KEY } from '../helpers/cli';
import { useTestDatabase } from '../helpers/db';

const t = useTestDatabase();
const ROWS = 20_000;
const org = bankOrg(ROWS, 'Killed Mid-Sync Ltd');
let fake: FakeXero;
let env: Record<string, string>;
let businessId: string;

/** The child's database, opened the way the child opens it. */
async function open(): Promise<{ database: Database; close(): Promise<void> }> {
  if (t.url) return { database: t.database, close: async () => {} };
  const database = await openDatabase({ dataDir: join(env.DATA_DIR!, 'pglite') });
  return { database, close: () => database.close() };
}

beforeAll(async () => {
  fake = await startFakeXero([org]);
  fake.maxPageSize = 500; // 40 pages
  fake.latencyMs = 60;
  // Each process keeps its own count under Xero's 60 a minute; the remaining-calls headers would have the
  // re-run wait out the killed run's minute, which is right but not what this file tests.
  fake.limitHeaders = false;
  env = {
    ...(t.url ? { DATABASE_URL: t.url } : { DATA_DIR: mkdtempSync(join(tmpdir(), 'cfo-xero-')) }),
    ENCRYPTION_KEY: TEST_KEY,
    XERO_CLIENT_ID: FAKE_XERO_CLIENT.clientId,
    XERO_CLIENT_SECRET: FAKE_XERO_CLIENT.clientSecret,
    XERO_REDIRECT_URI: 'http://127.0.0.1:9/connect/xero/callback',
    XERO_API_BASE_URL: fake.url,
    XERO_IDENTITY_BASE_URL: fake.url,
  };
  const config = loadConfig(env);
  const { database, close } = await open();
  try {
    const deps = xeroSyncDeps(config, database, createLogger('silent'));
    const res = await fetch(await consentUrl(deps.settings, deps.keys[0]!), { redirect: 'manual' });
    const [c] = await completeXeroConnection(
      { db: database.db, settings: deps.settings, keys: deps.keys },
      res.headers.get('location')!,
      { type: 'system' },
    );
    businessId = c!.businessId;
  } finally {
    await close();
  }
});
afterAll(async () => {
  await fake.close();
});

const bankCalls = () => fake.calls.filter((c) => c.collection === 'BankTransactions' && c.status === 200);

describe('cfo sync', () => {
  it('killed with SIGKILL at ten random moments, then run to the end: same counts and sums as Xero, no duplicates, resumed', async () => {
    // Seeded, so a failure can be replayed: some kills land during start-up, most mid-sync.
    let seed = 20261202;
    const random = () => {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      return seed / 4294967296;
    };
    const killedAfterPages: number[] = [];
    for (let k = 0; k < 10; k++) {
      const child: ChildProcess = spawn(process.execPath, [join(ROOT, 'bin/cfo.mjs'), 'sync'], {
        cwd: ROOT,
        env: { ...process.env, LOG_LEVEL: 'warn', TEST_DATABASE_URL: '', ...env },
        stdio: 'ignore',
      });
      const exited = new Promise((resolve) => child.on('exit', resolve));
      const before = bankCalls().length;
      if (k % 3 === 0) {
        await new Promise((r) => setTimeout(r, 200 + random() * 2_000));
      } else {
        // Page n + 4 is asked for only once page n is committed (three are read ahead while one is written),
        // so waiting for `committed + 4` served pages means at least `committed` pages are in, however slow
        // the writes are next to the fake's latency.
        const committed = 1 + Math.floor(random() * 4);
        const until = Date.now() + 60_000;
        while (bankCalls().length < before + committed + 4 && child.exitCode === null && Date.now() < until)
          await new Promise((r) => setTimeout(r, 10));
      }
      child.kill('SIGKILL');
      await exited;
      killedAfterPages.push(bankCalls().length - before);
    }
    // The kills landed mid-sync, and the sync kept moving forward between them.
    expect(killedAfterPages.filter((n) => n > 0).length).toBeGreaterThanOrEqual(5);
    const beforeLast = bankCalls().length;

    const again = await cfo(['sync'], { env });
    expect(again.stderr).not.toMatch(/error/i);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/Killed Mid-Sync Ltd: [\d,]+ records read/);
    // Each run resumed after the last committed page instead of starting over: 40 pages in all, plus at
    // most the pages each killed run had in flight (up to three read ahead).
    const pagesInAll = bankCalls().length;
    expect(pagesInAll).toBeLessThanOrEqual(40 + 10 * 4);
    expect(pagesInAll - beforeLast).toBeLessThan(40);

    const { database, close } = await open();
    try {
      const [got] = await withBusiness(database.db, businessId, (tx) =>
        queryRows<{ n: number; distinct_ids: number; total: string }>(
          tx,
          sql`select count(*)::int as n, count(distinct external_id)::int as distinct_ids,
                     sum(abs(amount))::numeric(20,2)::text as total
              from transactions where external_id like 'banktxn:%'`,
        ),
      );
      const want = org.data.BankTransactions.reduce((a, r) => a.plus(new D(String(r.Total))), new D(0)).toFixed(2);
      expect(got).toEqual({ n: ROWS, distinct_ids: ROWS, total: want });
      const runs = await withBusiness(database.db, businessId, (tx) =>
        queryRows<{ status: string; error: string | null }>(
          tx,
          sql`select status, error from sync_runs order by started_at`,
        ),
      );
      // Every killed run was closed as interrupted by the next; the last one succeeded.
      expect(runs.at(-1)!.status).toBe('succeeded');
      expect(runs.slice(0, -1).length).toBeGreaterThanOrEqual(5);
      for (const r of runs.slice(0, -1)) {
        expect(r.status).toBe('failed');
        expect(r.error).toMatch(/Interrupted/);
      }
    } finally {
      await close();
    }
  }, 240_000);

  it('a second `cfo sync` reads only what changed', async () => {
    const before = fake.calls.length;
    const r = await cfo(['sync'], { env });
    expect(r.code).toBe(0);
    // One call per list; nothing changed and the figures were compared with Xero's reports minutes ago.
    expect(r.stdout).toMatch(/, 0 new or changed, 0 failed; 8 API calls/);
    expect(fake.calls.length - before).toBe(8);
  });

  it('`cfo connect xero` prints a link to this service; `cfo connections` lists the organisation', async () => {
    const link = await cfo(['connect', 'xero'], { env });
    expect(link.code).toBe(0);
    expect(link.stdout.trim()).toMatch(/^http:\/\/127\.0\.0\.1:9\/connect\/xero\?ticket=[\w-]+\.[\w-]+$/);
    const list = await cfo(['connections'], { env });
    expect(list.stdout).toMatch(/xero\s+Killed Mid-Sync Ltd\s+active\s+synced 20/);
  });

  it('without Xero settings, `cfo sync` names what is missing', async () => {
    const { XERO_CLIENT_ID: _, ...rest } = env;
    const r = await cfo(['sync'], { env: rest });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/XERO_CLIENT_ID/);
  });
});
