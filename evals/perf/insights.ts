/**
 * Insights benchmark: builds demo businesses of the given sizes through the real ingest path and
 * measures, on PGlite and (with --postgres URL) PostgreSQL in one run:
 *   - ingest throughput (transactions per second, including the ANALYZE that follows a bulk load),
 *   - full recompute of every snapshot, readiness and recommendations (median of --runs),
 *   - dispute monitoring and the 13-week forecast (median).
 * Prints a Markdown table and writes JSON to evals/results/.
 *
 *   npm run bench -- [--sizes 10000,100000] [--postgres postgres://…] [--runs 3] [--no-pglite]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { type Database, openDatabase, queryRows, withBusiness } from '../../src/db/client';
import { loadDemo } from '../../src/demo/load';
import { disputeMonitoring } from '../../src/domain/disputes';
import { forecastCashFlow } from '../../src/domain/forecast';
import { refreshInsights } from '../../src/domain/insights';
import { refreshChangedPeriods } from '../../src/domain/metrics/snapshots';

const args = process.argv.slice(2);
const arg = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const sizes = (arg('sizes') ?? '10000,100000').split(',').map((s) => Number(s.replace(/_/g, '')));
const runs = Number(arg('runs') ?? 3);
const pgUrl = arg('postgres');
const targets: ('pglite' | 'postgres')[] = [
  ...(args.includes('--no-pglite') ? [] : (['pglite'] as const)),
  ...(pgUrl ? (['postgres'] as const) : []),
];
const TODAY = new Date('2026-11-22T12:00:00Z');
const ASOF = '2026-11-22';

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

async function fresh(target: 'pglite' | 'postgres'): Promise<{ database: Database; drop: () => Promise<void> }> {
  if (target === 'pglite') {
    const database = await openDatabase({});
    return { database, drop: () => database.close() };
  }
  const name = `cfo_bench_${process.pid}_${Date.now()}`;
  const admin = postgres(pgUrl!, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const u = new URL(pgUrl!);
  u.pathname = `/${name}`;
  const database = await openDatabase({ databaseUrl: u.toString() });
  return {
    database,
    drop: async () => {
      await database.close();
      const a = postgres(pgUrl!, { max: 1, onnotice: () => {} });
      await a.unsafe(`drop database if exists ${name} with (force)`);
      await a.end();
    },
  };
}

interface Row {
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

const rows: Row[] = [];
for (const target of targets) {
  for (const size of sizes) {
    const { database, drop } = await fresh(target);
    try {
      const t0 = performance.now();
      const loaded = await loadDemo(database.db, { today: TODAY, transactions: size, name: `Bench ${size}` });
      await database.analyze();
      const ingestSeconds = (performance.now() - t0) / 1000;
      const biz = { id: loaded.businessId, baseCurrency: 'USD' };
      const full: number[] = [];
      let snapshots = 0;
      for (let i = 0; i < runs; i++) {
        const r = await withBusiness(database.db, biz.id, (tx) => refreshInsights(tx, biz, { asOf: ASOF }));
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
          await refreshChangedPeriods(tx, biz, [one!.date], { asOf: ASOF, kinds: ['SPEND'] });
        });
      });
      const disputesMs = await timed(() =>
        withBusiness(database.db, biz.id, (tx) => disputeMonitoring(tx, biz.id, ASOF)),
      );
      const forecastMs = await timed(() => withBusiness(database.db, biz.id, (tx) => forecastCashFlow(tx, biz, ASOF)));
      rows.push({
        database: target,
        target: size,
        transactions: loaded.transactions,
        ingestPerSecond: Math.round(loaded.transactions / ingestSeconds),
        fullRecomputeMs: Math.round(median(full)),
        incrementalMs: Math.round(incrementalMs),
        disputesMs: Math.round(disputesMs),
        forecastMs: Math.round(forecastMs),
        snapshots,
      });
      process.stderr.write(`${target} ${size}: done\n`);
    } finally {
      await drop();
    }
  }
}

const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
const table = [
  `Insights benchmark, ${new Date().toISOString().slice(0, 10)}, ${machine}; medians of ${runs} runs.`,
  '',
  '| database | transactions | ingest (tx/s) | full recompute: snapshots + readiness + recommendations (ms) | snapshot rows | one changed transaction: update + incremental refresh (ms) | dispute monitoring (ms) | 13-week forecast (ms) |',
  '|---|---:|---:|---:|---:|---:|---:|---:|',
  ...rows.map(
    (r) =>
      `| ${r.database} | ${r.transactions.toLocaleString('en-US')} | ${r.ingestPerSecond.toLocaleString('en-US')} | ${r.fullRecomputeMs.toLocaleString('en-US')} | ${r.snapshots} | ${r.incrementalMs} | ${r.disputesMs} | ${r.forecastMs} |`,
  ),
].join('\n');
process.stdout.write(`${table}\n`);
mkdirSync('evals/results', { recursive: true });
writeFileSync(`evals/results/insights-${Date.now()}.json`, JSON.stringify({ machine, runs, rows }, null, 2));
