/**
 * Latency of every read tool through `invokeTool`, in the benchmark's own process, and each result's size.
 * On its own, against a database that already holds a business (e.g. one `cfo demo --transactions 1000000`
 * made), without building one:
 *
 *   npx tsx evals/perf/read-tools.ts --database-url postgres://… [--business ID] [--today YYYY-MM-DD] [--quick]
 */
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import { type Database, openDatabase, queryRows, withSystem } from '../../src/db/client';
import { createLogger } from '../../src/logger';
import { invokeTool, TOOLS, type ToolContext } from '../../tools';
import { fmt, isMain, machine, percentile, sample, table } from './lib';

/** A representative input for each read tool (the rest take `{}`). */
export const READ_INPUTS: Record<string, Record<string, unknown>> = {
  get_report: { kind: 'profit_and_loss' },
  explain_metric: { metric: 'dso' },
  compare_periods: {},
};

export const readTools = () => TOOLS.filter((t) => t.scope === 'read');

export interface ToolLatency {
  tool: string;
  p50: number;
  p95: number;
  p99: number;
  samples: number;
  bytes: number;
  ok: boolean;
}

export async function measureReadTools(
  database: Database,
  business: { id: string; name: string },
  today: string,
  o: { samples: number; budgetMs: number },
): Promise<ToolLatency[]> {
  const ctx: ToolContext = {
    db: database.db,
    business: { ...business, baseCurrency: 'USD' },
    caller: { type: 'api_key', id: 'bench', scopes: ['read'] },
    channel: 'eval',
    today: () => today,
    logger: createLogger('silent'),
  };
  const out: ToolLatency[] = [];
  for (const tool of readTools()) {
    const input = READ_INPUTS[tool.name] ?? {};
    let bytes = 0;
    let ok = true;
    // A first call warms caches and plans; it is not counted.
    await invokeTool(tool, input, ctx);
    const ms = await sample(
      async () => {
        const r = await invokeTool(tool, input, ctx);
        ok &&= r.ok;
        if (r.ok) bytes = Math.max(bytes, r.bytes);
      },
      o.samples,
      o.budgetMs,
    );
    out.push({
      tool: tool.name,
      p50: percentile(ms, 50),
      p95: percentile(ms, 95),
      p99: percentile(ms, 99),
      samples: ms.length,
      bytes,
      ok,
    });
  }
  return out;
}

if (isMain(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      'database-url': { type: 'string' },
      'data-dir': { type: 'string' },
      business: { type: 'string' },
      today: { type: 'string', default: new Date().toISOString().slice(0, 10) },
      quick: { type: 'boolean', default: false },
    },
  });
  const database = await openDatabase({
    databaseUrl: values['database-url'],
    dataDir: values['data-dir'],
    migrate: false,
  });
  try {
    const [business] = await withSystem(database.db, (tx) =>
      queryRows<{ id: string; name: string; n: number }>(
        tx,
        sql`select b.id::text, b.name, (select count(*)::int from transactions t where t.business_id = b.id) as n
            from businesses b where b.deleted_at is null ${values.business ? sql`and b.id = ${values.business}` : sql``}
            order by n desc limit 1`,
      ),
    );
    if (!business) throw new Error('No business in that database: make one with `cfo demo --transactions N`.');
    const rows = await measureReadTools(
      database,
      business,
      values.today,
      values.quick ? { samples: 10, budgetMs: 2_000 } : { samples: 50, budgetMs: 8_000 },
    );
    process.stdout.write(
      `${database.kind}, ${business.name} (${fmt(Number(business.n))} transactions), as of ${values.today}; ${machine()}\n\n`,
    );
    process.stdout.write(
      `${table(
        ['tool', 'p50 (ms)', 'p95', 'p99', 'samples', 'bytes'],
        rows.map((r) => [r.tool, fmt(r.p50, 1), fmt(r.p95, 1), fmt(r.p99, 1), r.samples, fmt(r.bytes)]),
        ['l', 'r', 'r', 'r', 'r', 'r'],
      )}\n`,
    );
    for (const r of rows.filter((x) => !x.ok)) process.stderr.write(`${r.tool}: FAILED (an error result)\n`);
    if (rows.some((r) => !r.ok)) process.exitCode = 1;
  } finally {
    await database.close();
  }
}
