/**
 * Insights benchmark: builds demo businesses of the given sizes through the real ingest path and
 * measures, on PGlite and (with --postgres URL) PostgreSQL in one run:
 *   - ingest throughput (transactions per second, including the ANALYZE that follows a bulk load),
 *   - full recompute of every snapshot, readiness and recommendations (median of --runs),
 *   - one changed transaction: update + incremental refresh of its periods (median),
 *   - dispute monitoring and the 13-week forecast, computed from the books (not read back stored; median).
 * Prints a Markdown table and writes JSON to evals/results/. `npm run bench` runs it as part of the suite.
 *
 *   npm run bench:insights -- [--sizes 10000,100000] [--postgres postgres://…] [--runs 3] [--no-pglite]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import { type Database, queryRows, withBusiness } from '../../src/db/client';
import { loadDemo } from '../../src/demo/load';
import { computeDisputeMonitoring } from '../../src/domain/disputes';
import { computeForecastCashFlow } from '../../src/domain/forecast';
import { refreshInsights } from '../../src/domain/insights';
import { refreshChangedPeriods } from '../../src/domain/metrics/snapshots';
import { fmt, freshDatabase, isMain, machine, median, type Target, table } from './lib';

// The run's own date: `cfo serve`, measured through HTTP and MCP, answers as of the real today, so the demo
// data and the in-process measurements must be as of that day too, or the channels would read other periods.
export const BENCH_ASOF = new Date().toISOString().slice(0, 10);
export const BENCH_TODAY = new Date(`${BENCH_ASOF}T12:00:00Z`);

export interface InsightsRow {
  database: string;
  target: number;
  transactions: number;
  ingestPerSecond: number;
  fullRecomputeMs: number;
  incrementalMs: number;
  disputesMs: number;
  forecastMs: number;
  snapshots: number;
}

/** Loads a demo business of about `size` transactions into `database` and measures the insights on it. */
export async function measureInsights(
  database: Database,
  label: string,
  size: number,
  runs: number,
): Promise<InsightsRow & { businessId: string }> {
  const t0 = performance.now();
  const loaded = await loadDemo(database.db, { today: BENCH_TODAY, transactions: size, name: `Bench ${size}` });
  await database.analyze();
  const ingestSeconds = (performance.now() - t0) / 1000;
  const biz = { id: loaded.businessId, baseCurrency: 'USD' };
  const full: number[] = [];
  let snapshots = 0;
  for (let i = 0; i < runs; i++) {
    const r = await withBusiness(database.db, biz.id, (tx) => refreshInsights(tx, biz, { asOf: BENCH_ASOF }));
    full.push(r.ms);
    snapshots = Object.values(r.snapshots.written).reduce((a, b) => a + b, 0);
  }
  const timed = async (fn: () => Promise<unknown>) => {
    const ms: number[] = [];
    for (let i = 0; i < runs; i++) {
      const s = performance.now();
      await fn();
      ms.push(performance.now() - s);
    }
    return median(ms);
  };
  // One changed transaction: recompute only its periods.
  const [one] = await withBusiness(database.db, biz.id, (tx) =>
    queryRows<{ id: string; date: string }>(
      tx,
      sql`select id::text, date::text from transactions where kind = 'SPEND' and date between '2026-06-01' and '2026-06-30' order by id limit 1`,
    ),
  );
  const incrementalMs = await timed(async () => {
    await withBusiness(database.db, biz.id, async (tx) => {
      await tx.execute(
        sql`update transactions set base_amount = base_amount - 0.01, amount = amount - 0.01 where id = ${one!.id}`,
      );
      await refreshChangedPeriods(tx, biz, [one!.date], { asOf: BENCH_ASOF, kinds: ['SPEND'] });
    });
  });
  const disputesMs = await timed(() =>
    withBusiness(database.db, biz.id, (tx) => computeDisputeMonitoring(tx, biz.id, BENCH_ASOF)),
  );
  const forecastMs = await timed(() =>
    withBusiness(database.db, biz.id, (tx) => computeForecastCashFlow(tx, biz, BENCH_ASOF)),
  );
  return {
    businessId: loaded.businessId,
    database: label,
    target: size,
    transactions: loaded.transactions,
    ingestPerSecond: Math.round(loaded.transactions / ingestSeconds),
    fullRecomputeMs: Math.round(median(full)),
    incrementalMs: Math.round(incrementalMs),
    disputesMs: Math.round(disputesMs),
    forecastMs: Math.round(forecastMs),
    snapshots,
  };
}

export function insightsTable(rows: InsightsRow[]): string {
  return table(
    [
      'database',
      'transactions',
      'ingest (tx/s)',
      'full recompute: snapshots + readiness + recommendations (ms)',
      'snapshot rows',
      'one changed transaction: update + incremental refresh (ms)',
      'dispute monitoring (ms)',
      '13-week forecast (ms)',
    ],
    rows.map((r) => [
      r.database,
      fmt(r.transactions),
      fmt(r.ingestPerSecond),
      fmt(r.fullRecomputeMs),
      r.snapshots,
      r.incrementalMs,
      r.disputesMs,
      r.forecastMs,
    ]),
  );
}

if (isMain(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      sizes: { type: 'string', default: '10000,100000' },
      runs: { type: 'string', default: '3' },
      postgres: { type: 'string' },
      'no-pglite': { type: 'boolean', default: false },
    },
  });
  const sizes = values.sizes.split(',').map((s) => Number(s.replace(/_/g, '')));
  const runs = Number(values.runs);
  const targets: Target[] = [
    ...(values['no-pglite'] ? [] : (['pglite'] as const)),
    ...(values.postgres ? (['postgres'] as const) : []),
  ];
  const rows: InsightsRow[] = [];
  for (const target of targets) {
    for (const size of sizes) {
      const fresh = await freshDatabase(target, values.postgres);
      try {
        rows.push(await measureInsights(fresh.database, target, size, runs));
        process.stderr.write(`${target} ${size}: done\n`);
      } finally {
        await fresh.drop();
      }
    }
  }
  process.stdout.write(
    `Insights benchmark, ${new Date().toISOString().slice(0, 10)}, ${machine()}; medians of ${runs} runs.\n\n${insightsTable(rows)}\n`,
  );
  mkdirSync('evals/results', { recursive: true });
  writeFileSync(
    `evals/results/insights-${Date.now()}.json`,
    JSON.stringify({ machine: machine(), runs, rows }, null, 2),
  );
}
