/** `cfo demo`, `cfo business create|list` and `cfo insights refresh`. */
import type { Command } from 'commander';
import { createBusiness, getBusiness, listBusinesses } from '../db/businesses';
import { withBusiness } from '../db/client';
import { createDemoCompany, DEMO_NAME, deleteDemo } from '../demo/load';
import { refreshInsights } from '../domain/insights';
import { DomainError } from '../errors';
import { type Cli, positiveInt, printList, progress } from './context';

export function registerBusinesses(program: Command, cli: Cli): void {
  const { io } = cli;

  program
    .command('demo')
    .description('create the demo company from the deterministic generator')
    .option('--reset', 'delete an existing demo company of that name first')
    .option('--transactions <n>', 'approximate size, up to 1,000,000 (default about 8,300)', positiveInt(1_000_000))
    .option('--name <name>', 'business name (default "Demo Co")')
    .option('--seed <n>', 'random seed', positiveInt(2 ** 31))
    .action(async (opts: { reset?: boolean; transactions?: number; name?: string; seed?: number }, cmd: Command) => {
      const rt = await cli.runtime(cmd, { toStderr: true });
      try {
        const name =
          opts.name ?? (opts.transactions ? `${DEMO_NAME} ${opts.transactions.toLocaleString('en-US')}` : DEMO_NAME);
        const existing = (await listBusinesses(rt.database.db)).filter((b) => b.name === name);
        if (existing.length > 0 && !opts.reset) {
          throw new DomainError(
            'conflict',
            409,
            `"${name}" already exists (${existing[0]!.id}). Use --reset to recreate it.`,
          );
        }
        if (opts.reset) await deleteDemo(rt.database.db, name);
        const r = await createDemoCompany(rt.database, {
          name,
          ...(opts.transactions ? { transactions: opts.transactions } : {}),
          ...(opts.seed ? { seed: opts.seed } : {}),
          onProgress: progress(io, name),
        });
        io.out(`${r.businessId}\n`);
        io.err(
          `${name}: ${r.transactions.toLocaleString('en-US')} transactions and ${r.snapshots} metric snapshots in ${(r.ms / 1000).toFixed(1)} s\n`,
        );
      } finally {
        await rt.close();
      }
    });

  const business = program.command('business').description('create and list businesses');

  business
    .command('create')
    .description('create a business and print its id')
    .argument('<name>', 'business name')
    .option('--currency <code>', 'base currency (ISO 4217)', 'USD')
    .action(async (name: string, opts: { currency: string }, cmd: Command) => {
      const rt = await cli.runtime(cmd, { toStderr: true });
      try {
        const b = await createBusiness(rt.database.db, { name, baseCurrency: opts.currency });
        io.out(`${b.id}\n`);
      } finally {
        await rt.close();
      }
    });

  business
    .command('list')
    .description('list businesses with their record counts')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const rt = await cli.runtime(cmd, { toStderr: true });
      try {
        const rows = await listBusinesses(rt.database.db);
        printList(io, rows, {
          json: opts.json,
          empty: 'No businesses yet. Create one with `cfo business create NAME` or `cfo demo`.',
          head: ['ID', 'NAME', 'CURRENCY', 'TRANSACTIONS'],
          row: (b) => [b.id, b.name, b.baseCurrency, b.counts.transactions.toLocaleString('en-US')],
        });
      } finally {
        await rt.close();
      }
    });

  const insights = program.command('insights').description('metric snapshots and other insights');

  insights
    .command('refresh')
    .description(
      'recompute metric snapshots (the last three months; --full for the whole history), readiness and recommendations',
    )
    .option('--business <id>', 'one business (default: every business)')
    .option('--full', 'recompute every period, not only recent ones')
    .action(async (opts: { business?: string; full?: boolean }, cmd: Command) => {
      const rt = await cli.runtime(cmd, { toStderr: true });
      try {
        const targets = opts.business
          ? [await getBusiness(rt.database.db, opts.business)]
          : await listBusinesses(rt.database.db);
        const today = new Date().toISOString().slice(0, 10);
        const from = new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth() - 2, 1))
          .toISOString()
          .slice(0, 10);
        for (const b of targets) {
          const r = await withBusiness(rt.database.db, b.id, (tx) =>
            refreshInsights(
              tx,
              { id: b.id, baseCurrency: b.baseCurrency },
              { asOf: today, ...(opts.full ? {} : { from }) },
            ),
          );
          const w = r.snapshots.written;
          const rec = r.recommendations;
          io.out(
            `${b.name}: ${w.month} monthly, ${w.quarter} quarterly, ${w.year} yearly and ${w.week} weekly snapshots${r.snapshots.from ? ` from ${r.snapshots.from}` : ' (no data yet)'}` +
              `${r.readiness ? `; readiness ${r.readiness.score} (${r.readiness.tier})` : ''}` +
              `; recommendations: ${rec.active} active (${rec.created} new, ${rec.resolved} resolved) in ${r.ms} ms\n`,
          );
        }
      } finally {
        await rt.close();
      }
    });
}
