/**
 * `npm run bench`: the whole performance picture in one run, on PGlite and (with --postgres URL) PostgreSQL.
 * For each database and each size (demo businesses of 10,000, 100,000 and 1,000,000 transactions by default):
 *   - ingest, full and incremental recompute (insights.ts);
 *   - p50/p95/p99 of every read tool through invokeTool, and each result's size (read-tools.ts);
 *   - the same through POST /v1/tools/{name} and through MCP over HTTP, offline chat turns/s and MCP tool
 *     calls/s at 50 concurrent callers, and the service's peak RSS — against `cfo serve` run as its own
 *     process on that database (service.ts).
 * And per database: `npm start` on an empty database (ready, and stopped by SIGTERM; service.ts), Xero sync throughput from the fake Xero without limits (rows/s) and under Xero's limits
 * (share of the ceiling, Xero's minute compressed), and categorization throughput. On PostgreSQL also chat
 * turns/s and MCP calls/s with one server process and with two on the same database (the smallest size).
 * Prints Markdown tables (docs/benchmarks.md keeps the latest) and writes JSON to evals/results/.
 *
 *   npm run bench -- [--sizes 10000,100000,1000000] [--postgres postgres://…] [--no-pglite] [--seconds 10] [--quick]
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createApiKey } from '../../src/auth/api-keys';
import { type CategorizationRow, measureCategorization } from './categorize';
import { BENCH_ASOF, type InsightsRow, insightsTable, measureInsights } from './insights';
import { emptyDatabase, fmt, freshDatabase, machine, type Target, table } from './lib';
import { measureReadTools, type ToolLatency } from './read-tools';
import {
  type ChannelLatency,
  measureChannels,
  measureChat,
  measureMcpCalls,
  measureStartUp,
  peakRssMb,
  type StartUp,
  startService,
  type Throughput,
} from './service';
import { measureXeroSync, type XeroSyncRow } from './xero-sync';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '10000,100000,1000000' },
    postgres: { type: 'string' },
    'no-pglite': { type: 'boolean', default: false },
    seconds: { type: 'string', default: '10' },
    runs: { type: 'string', default: '3' },
    quick: { type: 'boolean', default: false },
  },
});
const sizes = values.sizes.split(',').map((s) => Number(s.replace(/[_,]/g, '')));
const SECONDS = Number(values.seconds);
const RUNS = Number(values.runs);
const SAMPLES = values.quick ? { samples: 10, budgetMs: 2_000 } : { samples: 50, budgetMs: 8_000 };
const targets: Target[] = [
  ...(values['no-pglite'] ? [] : (['pglite'] as const)),
  ...(values.postgres ? (['postgres'] as const) : []),
];
const KEY = 'be'.repeat(32);
const log = (s: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${s}\n`);

interface SizeResult {
  database: Target;
  size: number;
  insights: InsightsRow;
  tools: ToolLatency[];
  channels: ChannelLatency[];
  chat: Throughput;
  mcp: Throughput;
  rssMb: number;
}
const results: SizeResult[] = [];
const syncs: XeroSyncRow[] = [];
const categorization: CategorizationRow[] = [];
const startUps: StartUp[] = [];
const scaleOut: { servers: number; chat: Throughput; mcp: Throughput }[] = [];
/** A size or step that did not finish (e.g. out of memory): reported, and the run goes on. */
const failures: { database: Target; step: string; error: string }[] = [];
async function attempt(database: Target, step: string, fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    const error = err instanceof Error ? err.message.split('\n')[0]! : String(err);
    log(`${database} ${step}: FAILED — ${error}`);
    failures.push({ database, step, error });
  }
}

for (const target of targets) {
  log(`${target}: npm start on an empty database`);
  await attempt(target, 'start-up', async () => {
    startUps.push(await measureStartUp(target, RUNS, () => emptyDatabase(target, values.postgres), KEY));
  });
  for (const size of sizes)
    await attempt(target, fmt(size), async () => {
      // PGlite in a data directory of its own, so the service can open it after this process closes it.
      const dataDir = target === 'pglite' ? mkdtempSync(join(tmpdir(), 'cfo-bench-')) : undefined;
      const fresh = await freshDatabase(target, values.postgres, dataDir ? { dataDir: join(dataDir, 'pglite') } : {});
      try {
        log(`${target} ${fmt(size)}: loading`);
        const insights = await measureInsights(fresh.database, target, size, RUNS);
        log(`${target} ${fmt(size)}: read tools through invokeTool`);
        const tools = await measureReadTools(
          fresh.database,
          { id: insights.businessId, name: `Bench ${size}` },
          BENCH_ASOF,
          SAMPLES,
        );
        const key = (
          await createApiKey(fresh.database.db, { businessId: insights.businessId, name: 'bench', scopes: ['read'] })
        ).key;
        if (target === 'pglite') await fresh.database.close();
        log(`${target} ${fmt(size)}: the service`);
        const service = await startService(dataDir ? { dataDir } : fresh.where, KEY);
        try {
          const channels = await measureChannels(service, key, SAMPLES);
          const chat = await measureChat(service, key, 50, SECONDS);
          const mcp = await measureMcpCalls(service, key, 50, SECONDS);
          results.push({ database: target, size, insights, tools, channels, chat, mcp, rssMb: peakRssMb(service.pid) });
          if (target === 'postgres' && size === Math.min(...sizes)) {
            // A second process on the same database, HTTP only; the 50 callers are spread over both.
            log(`${target} ${fmt(size)}: two server processes`);
            const second = await startService(fresh.where, KEY, ['serve', '--no-worker']);
            try {
              scaleOut.push({ servers: 1, chat, mcp });
              scaleOut.push({
                servers: 2,
                chat: await measureChat([service, second], key, 50, SECONDS),
                mcp: await measureMcpCalls([service, second], key, 50, SECONDS),
              });
            } finally {
              await second.stop();
            }
          }
        } finally {
          await service.stop();
        }
      } finally {
        if (target === 'pglite') {
          if (dataDir) rmSync(dataDir, { recursive: true, force: true });
        } else await fresh.drop();
      }
    });

  log(`${target}: Xero sync`);
  for (const limits of [null, { perWindow: 60, windowMs: 6_000, concurrent: 5, perDay: 5_000 }])
    await attempt(target, `Xero sync${limits ? ' under limits' : ''}`, async () => {
      const fresh = await freshDatabase(target, values.postgres);
      try {
        syncs.push(
          await measureXeroSync(
            target,
            fresh.database,
            limits ? { rows: 30_000, page: 100, limits } : { rows: 30_000, page: 1_000, limits },
          ),
        );
      } finally {
        await fresh.drop();
      }
    });
  log(`${target}: categorization`);
  await attempt(target, 'categorization', async () => {
    const fresh = await freshDatabase(target, values.postgres);
    try {
      categorization.push(await measureCategorization(target, fresh.database, { examples: 10_000, lines: 50_000 }));
    } finally {
      await fresh.drop();
    }
  });
}

// ---------- report ----------

const ms = (n: number) => (Number.isFinite(n) ? (n < 10 ? n.toFixed(1) : fmt(n)) : '—');
const worst = (xs: number[]) => Math.max(...xs);
const lines: string[] = [];
lines.push(`Benchmarks, ${new Date().toISOString().slice(0, 10)}, ${machine()}.`);
lines.push('');
lines.push('### Ingest and recompute');
lines.push('');
lines.push(insightsTable(results.map((r) => r.insights)));
lines.push('');
lines.push('### Read tools (slowest tool’s figures; all in ms) and the service');
lines.push('');
lines.push(
  table(
    [
      'database',
      'transactions',
      'invokeTool p50 / p95 / p99',
      'HTTP p95',
      'MCP p95',
      'largest result (bytes)',
      'chat turns/s (50 callers)',
      'chat p50 / p99',
      'MCP calls/s (50 callers)',
      'peak RSS (MB)',
    ],
    results.map((r) => [
      r.database,
      fmt(r.insights.transactions),
      `${ms(worst(r.tools.map((t) => t.p50)))} / ${ms(worst(r.tools.map((t) => t.p95)))} / ${ms(worst(r.tools.map((t) => t.p99)))}`,
      ms(worst(r.channels.map((c) => c.httpP95))),
      ms(worst(r.channels.map((c) => c.mcpP95))),
      fmt(worst(r.tools.map((t) => t.bytes))),
      fmt(r.chat.perSecond),
      `${fmt(r.chat.p50)} / ${fmt(r.chat.p99)}`,
      fmt(r.mcp.perSecond),
      fmt(r.rssMb),
    ]),
  ),
);
for (const r of results.filter((x) => x.size === Math.max(...sizes))) {
  lines.push('');
  lines.push(`#### Every read tool, ${r.database}, ${fmt(r.insights.transactions)} transactions (ms)`);
  lines.push('');
  lines.push(
    table(
      ['tool', 'invokeTool p50', 'p95', 'p99', 'HTTP p50', 'p95', 'p99', 'MCP p50', 'p95', 'p99', 'result bytes'],
      r.tools.map((t) => {
        const c = r.channels.find((x) => x.tool === t.tool)!;
        return [
          t.tool,
          ms(t.p50),
          ms(t.p95),
          ms(t.p99),
          ms(c.httpP50),
          ms(c.httpP95),
          ms(c.httpP99),
          ms(c.mcpP50),
          ms(c.mcpP95),
          ms(c.mcpP99),
          fmt(t.bytes),
        ];
      }),
    ),
  );
}
lines.push('');
lines.push('### Start-up: `npm start` (`cfo serve --demo`) on an empty database');
lines.push('');
lines.push(
  table(
    ['database', 'runs', 'ready (s, median; target 15)', 'SIGTERM to exit (s, median; target 10)', 'exited cleanly'],
    startUps.map((u) => [u.db, u.runs, fmt(u.readyMs / 1000, 1), fmt(u.stopMs / 1000, 1), u.clean ? 'yes' : 'no']),
  ),
);
if (scaleOut.length) {
  const one = scaleOut.find((x) => x.servers === 1)!;
  lines.push('');
  lines.push(
    `### Server processes on one PostgreSQL (${fmt(Math.min(...sizes))} transactions, 50 callers spread over them)`,
  );
  lines.push('');
  lines.push(
    table(
      ['server processes', 'chat turns/s', 'vs one', 'chat p50 / p99 (ms)', 'MCP calls/s', 'vs one', 'errors'],
      scaleOut.map((x) => [
        x.servers,
        fmt(x.chat.perSecond),
        `${fmt(x.chat.perSecond / one.chat.perSecond, 2)}×`,
        `${fmt(x.chat.p50)} / ${fmt(x.chat.p99)}`,
        fmt(x.mcp.perSecond),
        `${fmt(x.mcp.perSecond / one.mcp.perSecond, 2)}×`,
        x.chat.errors + x.mcp.errors,
      ]),
    ),
  );
}
lines.push('');
lines.push('### Xero sync (30,000 bank transactions from the fake Xero)');
lines.push('');
lines.push(
  table(
    ['database', 'limits', 'page size', 'seconds', 'rows/s', 'API calls', '429s', 'share of the ceiling'],
    syncs.map((s) => [
      s.db,
      Number.isFinite(s.ceiling) ? "Xero's (60/min, minute compressed 10×)" : 'none',
      s.calls ? fmt(s.rows / s.calls) : '—',
      fmt(s.seconds, 1),
      fmt(s.rowsPerSecond),
      s.calls,
      s.throttled,
      Number.isFinite(s.share) ? `${fmt(s.share * 100, 1)}%` : '—',
    ]),
  ),
);
lines.push('');
lines.push('### Categorization (10,000 examples, 50,000 new bank lines, apply)');
lines.push('');
lines.push(
  table(
    ['database', 'lines', 'applied', 'to review', 'seconds', 'lines/s'],
    categorization.map((c) => [
      c.kind,
      fmt(c.counts.considered),
      fmt(c.counts.apply),
      fmt(c.counts.review),
      fmt(c.ms / 1000, 1),
      fmt(c.rate),
    ]),
  ),
);

const big = results.find((r) => r.database === 'postgres' && r.size === Math.max(...sizes)) ?? results.at(-1);
if (big) {
  lines.push('');
  lines.push(`### Targets (${big.database}, ${fmt(big.insights.transactions)} transactions)`);
  lines.push('');
  const p95 = worst(big.tools.map((t) => t.p95));
  const slow = big.tools.filter((t) => t.p95 > 20).map((t) => `${t.tool} ${ms(t.p95)}`);
  lines.push(
    table(
      ['target', 'measured', 'met'],
      [
        [
          'read-tool p95 ≤ 20 ms through invokeTool',
          `${ms(p95)} ms${slow.length ? ` (over: ${slow.join(', ')})` : ''}`,
          p95 <= 20 ? 'yes' : 'no',
        ],
        ['≥ 300 offline chat turns/s (50 callers)', fmt(big.chat.perSecond), big.chat.perSecond >= 300 ? 'yes' : 'no'],
        ['≥ 1,000 MCP tool calls/s (50 callers)', fmt(big.mcp.perSecond), big.mcp.perSecond >= 1000 ? 'yes' : 'no'],
        ['service RSS ≤ 300 MB', `${fmt(big.rssMb)} MB`, big.rssMb <= 300 ? 'yes' : 'no'],
        [
          'every tool result ≤ 8 KB',
          `${fmt(worst(big.tools.map((t) => t.bytes)))} bytes`,
          worst(big.tools.map((t) => t.bytes)) <= 8192 ? 'yes' : 'no',
        ],
      ],
    ),
  );
}
if (failures.length) {
  lines.push('');
  lines.push('### Did not finish');
  lines.push('');
  lines.push(
    table(
      ['database', 'step', 'error'],
      failures.map((f) => [f.database, f.step, f.error]),
    ),
  );
}
const report = lines.join('\n');
process.stdout.write(`${report}\n`);
mkdirSync('evals/results', { recursive: true });
const file = `evals/results/bench-${Date.now()}.json`;
writeFileSync(
  file,
  JSON.stringify(
    { machine: machine(), sizes, seconds: SECONDS, startUps, results, scaleOut, syncs, categorization, failures },
    null,
    2,
  ),
);
process.stderr.write(`\nJSON: ${file}\n`);
