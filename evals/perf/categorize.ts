/**
 * Categorization throughput: a business with 20,000 categorized examples and 100,000 new bank lines (the
 * benchmark's hand-labelled merchants in their bank formats, with varying references, towns and amounts),
 * categorized in one run with apply: true, on PGlite and (with --postgres URL) PostgreSQL. Prints a
 * Markdown table; target ≥ 5,000 transactions/s on PostgreSQL.
 *
 *   npx tsx evals/perf/categorize.ts [--examples 20000] [--lines 100000] [--postgres postgres://…] [--no-pglite]
 */
import { parseArgs } from 'node:util';
import { createBusiness } from '../../src/db/businesses';
import { type Database, openDatabase, withBusiness } from '../../src/db/client';
import { categorize, embedExamples } from '../../src/domain/categorize';
import { importStatement } from '../../src/integrations/csv/import';
import { MERCHANTS } from '../categorization/dataset';
import { fmt, isMain } from './lib';

const TOWNS = ['SAN FRANCISCO CA', 'NEW YORK NY', 'AUSTIN TX', 'LONDON GB', 'BERLIN DE', 'PARIS FR', 'SEATTLE WA', ''];

function* statement(n: number, labelled: boolean, seed: number): Generator<string> {
  let s = seed;
  const rand = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
  for (let i = 0; i < n; i++) {
    const m = MERCHANTS[Math.floor(rand() * MERCHANTS.length)]!;
    const format = m.formats[Math.floor(rand() * m.formats.length)]!;
    const day = 1 + Math.floor(rand() * 28);
    const month = 1 + Math.floor(rand() * 12);
    const description = `${format
      .replace(/\{d\}/g, `${String(day).padStart(2, '0')}/${String(month).padStart(2, '0')}`)
      .replace(/\{n\}/g, () => String(1000 + Math.floor(rand() * 90000)))
      .replace(/\{c\}/g, () =>
        String(1000 + Math.floor(rand() * 9000)),
      )} ${TOWNS[Math.floor(rand() * TOWNS.length)]}`.trim();
    const cents = Math.round(Math.abs(m.amount) * (0.5 + rand()) * 100) + i; // distinct lines
    const amount = `${m.amount < 0 ? '-' : ''}${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
    const date = `${labelled ? 2025 : 2026}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
    yield [date, `"${description}"`, amount, ...(labelled ? [`"${m.category}"`] : [])].join(',');
  }
}

async function load(database: Database, businessId: string, n: number, labelled: boolean, seed: number) {
  const header = labelled ? 'Date,Description,Amount,Category' : 'Date,Description,Amount';
  let chunk: string[] = [];
  const flush = async () => {
    if (!chunk.length) return;
    const text = [header, ...chunk].join('\n');
    chunk = [];
    await withBusiness(database.db, businessId, (tx) =>
      importStatement(tx, { id: businessId, baseCurrency: 'USD' }, { account: 'Checking', text }),
    );
  };
  for (const line of statement(n, labelled, seed)) {
    chunk.push(line);
    if (chunk.length >= 10_000) await flush();
  }
  await flush();
}

export interface CategorizationRow {
  kind: string;
  loadMs: number;
  embedMs: number;
  ms: number;
  counts: { considered: number; apply: number; review: number };
  rate: number;
  rss: number;
}

/** A business with `examples` categorized lines and `lines` new ones, categorized with apply: true. */
export async function measureCategorization(
  kind: string,
  database: Database,
  o: { examples: number; lines: number },
): Promise<CategorizationRow> {
  const business = await createBusiness(database.db, { name: `Categorization perf ${Date.now()}` });
  const t0 = performance.now();
  await load(database, business.id, o.examples, true, 1);
  await load(database, business.id, o.lines, false, 2);
  await database.analyze();
  const loadMs = performance.now() - t0;
  // Examples get their vectors once, after they arrive; timed apart from categorizing.
  const te = performance.now();
  await withBusiness(database.db, business.id, (tx) => embedExamples(tx, business.id));
  const embedMs = performance.now() - te;
  const t1 = performance.now();
  const r = await withBusiness(database.db, business.id, (tx) =>
    categorize(tx, business, { limit: o.lines, apply: true }),
  );
  const ms = performance.now() - t1;
  return {
    kind,
    loadMs,
    embedMs,
    ms,
    counts: r.counts,
    rate: r.counts.considered / (ms / 1000),
    rss: process.memoryUsage().rss,
  };
}

if (isMain(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      examples: { type: 'string', default: '20000' },
      lines: { type: 'string', default: '100000' },
      postgres: { type: 'string' },
      'no-pglite': { type: 'boolean', default: false },
    },
  });
  const EXAMPLES = Number(values.examples);
  const LINES = Number(values.lines);
  const rows: CategorizationRow[] = [];
  for (const kind of [...(values['no-pglite'] ? [] : ['pglite']), ...(values.postgres ? ['postgres'] : [])]) {
    const database = await openDatabase(kind === 'postgres' ? { databaseUrl: values.postgres, poolSize: 4 } : {});
    try {
      rows.push(await measureCategorization(kind, database, { examples: EXAMPLES, lines: LINES }));
    } finally {
      await database.close();
    }
  }
  process.stdout.write(
    [
      `Categorization: ${fmt(EXAMPLES)} categorized examples, ${fmt(LINES)} new bank lines, apply: true.`,
      '',
      '| Database | Categorized | Applied | To review | Time | Transactions/s | Embedding the examples (once) | Load (examples + lines) | RSS |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
      ...rows.map(
        (r) =>
          `| ${r.kind} | ${fmt(r.counts.considered)} | ${fmt(r.counts.apply)} | ${fmt(r.counts.review)} | ${(r.ms / 1000).toFixed(1)} s | ${fmt(r.rate)} | ${(r.embedMs / 1000).toFixed(1)} s | ${(r.loadMs / 1000).toFixed(1)} s | ${fmt(r.rss / 1048576)} MB |`,
      ),
      '',
    ].join('\n'),
  );
}
