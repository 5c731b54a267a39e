/**
 * Xero sync throughput under Xero's limits: an organisation with 30,000 bank transactions served by the
 * fake Xero enforcing 60 calls per window and 5 at once, synced through OAuth and xero-node on PGlite and
 * (with --postgres URL) PostgreSQL. Reports rows per minute as a share of the ceiling the limits allow
 * (60 calls × page size per minute); target ≥ 90%.
 *
 * --window-ms compresses Xero's minute for a quicker run (the ceiling scales with it, and every call
 * then has less time, so the share is, if anything, harder to reach); --page-size below Xero's 1,000
 * makes the window bind sooner.
 *
 *   npx tsx evals/perf/xero-sync.ts [--rows 30000] [--page-size 1000] [--window-ms 60000] [--postgres postgres://…] [--no-pglite]
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { type Database, openDatabase } from '../../src/db/client';
import { XERO_SCOPES } from '../../src/integrations/xero/client';
import { completeXeroConnection, consentUrl } from '../../src/integrations/xero/connect';
import { syncXero } from '../../src/integrations/xero/sync';
import { Limits } from '../../src/limits';
import { createLogger } from '../../src/logger';
import { bankOrg, FAKE_XERO_CLIENT, startFakeXero } from '../../test/fakes/xero';
import { fmt, isMain } from './lib';

export interface XeroSyncOptions {
  rows: number;
  page: number;
  /** Xero's limits, with the minute compressed to `windowMs`; null: no limits at all (raw throughput). */
  limits: { perWindow: number; windowMs: number; concurrent: number; perDay: number } | null;
}

export interface XeroSyncRow {
  db: string;
  rows: number;
  seconds: number;
  calls: number;
  throttled: number;
  waits: number;
  rowsPerMinute: number;
  ceiling: number;
  share: number;
  rowsPerSecond: number;
}

/** Connects an organisation of `rows` bank transactions through OAuth and times a full sync of it. */
export async function measureXeroSync(label: string, database: Database, o: XeroSyncOptions): Promise<XeroSyncRow> {
  const { rows: ROWS, page: PAGE, limits: LIMITS } = o;
  const fake = await startFakeXero([bankOrg(ROWS)], { limits: LIMITS });
  fake.maxPageSize = PAGE;
  if (!LIMITS) fake.limitHeaders = false;
  const keys = [{ key: randomBytes(32), keyId: 'bench' }];
  const settings = {
    ...FAKE_XERO_CLIENT,
    redirectUri: 'http://127.0.0.1:9/connect/xero/callback',
    apiBaseUrl: fake.url,
    identityBaseUrl: fake.url,
    scopes: XERO_SCOPES,
  };
  try {
    const res = await fetch(await consentUrl(settings, keys[0]!), { redirect: 'manual' });
    const [c] = await completeXeroConnection({ db: database.db, settings, keys }, res.headers.get('location')!, {
      type: 'system',
    });
    // Without limits the client's own limiter is opened wide too: this measures the pipeline, not the budget.
    const limiter = new Limits(database.db).budget(
      `xero:bench:${c!.connectionId}`,
      LIMITS ?? { perWindow: 1_000_000, windowMs: 60_000, concurrent: 5, perDay: 10_000_000 },
    );
    const started = performance.now();
    const r = await syncXero(
      { database, settings, keys, logger: createLogger('silent'), limiter, pageSize: PAGE },
      c!.businessId,
      c!.connectionId,
      'full',
    );
    const seconds = (performance.now() - started) / 1000;
    const rows = r.entities.BankTransactions!.records;
    if (rows !== ROWS) throw new Error(`synced ${rows} of ${ROWS} rows`);
    // Per minute of Xero's (possibly compressed) clock.
    const window = LIMITS?.windowMs ?? 60_000;
    const rowsPerMinute = (rows / (seconds * 1000)) * window;
    const ceiling = LIMITS ? LIMITS.perWindow * PAGE : Number.NaN;
    return {
      db: label,
      rows,
      seconds,
      calls: r.calls,
      throttled: fake.calls.filter((x) => x.status === 429).length,
      waits: r.waits,
      rowsPerMinute,
      ceiling,
      share: rowsPerMinute / ceiling,
      rowsPerSecond: rows / seconds,
    };
  } finally {
    await fake.close();
  }
}

if (isMain(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      rows: { type: 'string', default: '30000' },
      'page-size': { type: 'string', default: '1000' },
      'window-ms': { type: 'string', default: '60000' },
      postgres: { type: 'string' },
      'no-pglite': { type: 'boolean', default: false },
    },
  });
  const ROWS = Number(values.rows);
  const PAGE = Number(values['page-size']);
  const WINDOW = Number(values['window-ms']);
  const LIMITS = { perWindow: 60, windowMs: WINDOW, concurrent: 5, perDay: 5_000 };
  const opts = { rows: ROWS, page: PAGE, limits: LIMITS };
  const results: XeroSyncRow[] = [];
  if (!values['no-pglite']) {
    const db = await openDatabase({});
    results.push(await measureXeroSync('PGlite', db, opts));
    await db.close();
  }
  if (values.postgres) {
    const db = await openDatabase({ databaseUrl: values.postgres, poolSize: 4 });
    results.push(await measureXeroSync('PostgreSQL', db, opts));
    await db.close();
  }

  console.log(
    `\nXero sync: ${fmt(ROWS)} bank transactions, page size ${PAGE}, limits ${LIMITS.perWindow} calls / ${WINDOW} ms, ${LIMITS.concurrent} concurrent\n`,
  );
  console.log('| database | rows | seconds | API calls | 429s | waits | rows / minute | ceiling | share |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of results)
    console.log(
      `| ${r.db} | ${fmt(r.rows)} | ${fmt(r.seconds, 1)} | ${r.calls} | ${r.throttled} | ${r.waits} | ${fmt(r.rowsPerMinute)} | ${fmt(r.ceiling)} | ${fmt(r.share * 100, 1)}% |`,
    );
  const worst = Math.min(...results.map((r) => r.share));
  console.log(`\ntarget ≥ 90% of the ceiling: ${worst >= 0.9 ? 'met' : 'NOT met'}`);
  process.exitCode = worst >= 0.9 ? 0 : 1;
}
