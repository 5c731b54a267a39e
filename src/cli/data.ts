/** `cfo import csv`, `cfo connect`, `cfo connections`, `cfo disconnect` and `cfo sync`: bringing the books in. */
import { readFileSync } from 'node:fs';
import { type Command, Option } from 'commander';
import { categorizeOptionsOf } from '../../tools/define';
import { getBusiness, listBusinesses } from '../db/businesses';
import { withBusiness } from '../db/client';
import { refreshAfterChange } from '../domain/insights';
import { DomainError, InvalidInputError, NotFoundError } from '../errors';
import {
  disconnectConnection,
  listConnections,
  type SyncProgressEvent,
  type SyncServices,
  syncConnection,
  syncServices,
} from '../integrations/connections';
import { balanceLine, categorizeImported, importStatement } from '../integrations/csv/import';
import type { DateFormat } from '../integrations/csv/parse';
import { connectStripe } from '../integrations/stripe/sync';
import { signState, xeroSyncDeps } from '../integrations/xero';
import type { Runtime } from '../runtime';
import { type Cli, type Io, pathFrom, pickBusiness, toolContext } from './context';

export function registerData(program: Command, cli: Cli): void {
  const { io } = cli;
  const importCmd = program.command('import').description('bring data in from files');

  importCmd
    .command('csv')
    .description('import a bank statement CSV into a bank account (all or nothing; re-imports add no duplicates)')
    .argument('<file>', 'the CSV file as the bank exported it')
    .requiredOption('--account <name>', 'the bank account it belongs to (created if new)')
    .option('--business <id>', 'business id (default: the only one)')
    .addOption(
      new Option('--date-format <format>', 'when the dates could be either: dmy or mdy (ymd for year first)').choices([
        'ymd',
        'dmy',
        'mdy',
      ]),
    )
    .action(
      async (file: string, opts: { account: string; business?: string; dateFormat?: DateFormat }, cmd: Command) => {
        let text: string;
        try {
          text = readFileSync(pathFrom(io, file), 'utf8');
        } catch (err) {
          throw new InvalidInputError(
            `Cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}.`,
          );
        }
        const rt = await cli.runtime(cmd, { toStderr: true });
        try {
          const business = await pickBusiness(rt, opts.business);
          const r = await importStatement(
            rt.database.db,
            business,
            { account: opts.account, text, ...(opts.dateFormat ? { dateFormat: opts.dateFormat } : {}) },
            (lines) => io.err(`Writing ${lines.toLocaleString('en-US')} lines to ${opts.account}…\n`),
          );
          io.out(
            `${r.account}: ${r.lines} lines from ${r.from} to ${r.to} (${r.added} new, ${r.alreadyThere} already imported); dates read ${r.dateFormatName}.\n`,
          );
          if (r.balance) io.out(`${balanceLine(r.balance, business.baseCurrency)}\n`);
          if (r.uncategorizedIds.length) {
            io.err(`Categorizing ${r.uncategorizedIds.length.toLocaleString('en-US')} new lines…\n`);
            const c = await categorizeImported(
              rt.database.db,
              business,
              r,
              categorizeOptionsOf(toolContext(rt, business, 'cli')),
            );
            io.out(`${categorizedLine(c)}\n`);
          }
          if (r.changedDates.length) {
            const refreshed = await withBusiness(rt.database.db, business.id, (tx) =>
              refreshAfterChange(tx, business, { dates: r.changedDates }),
            );
            io.out(`Figures refreshed from ${r.changedDates[0]} (${refreshed.ms} ms).\n`);
          }
        } finally {
          await rt.close();
        }
      },
    );

  const connect = program.command('connect').description('connect an accounting or payments service');

  connect
    .command('xero')
    .description('print a link that connects Xero organisations (open it while `cfo serve` runs)')
    .option(
      '--business <id>',
      'the business the first new organisation maps to (default: a new business per organisation)',
    )
    .action(async (opts: { business?: string }, cmd: Command) => {
      const rt = await cli.runtime(cmd, { toStderr: true });
      try {
        const { config } = rt;
        xeroSyncDeps(config, rt.database, rt.logger); // names the missing setting, if any
        if (opts.business) await getBusiness(rt.database.db, opts.business);
        const ticket = signState(
          { key: config.encryption.key, keyId: config.encryption.keyId },
          { purpose: 'ticket', ...(opts.business ? { businessId: opts.business } : {}) },
        );
        const origin = new URL(config.xero.redirectUri!).origin;
        io.out(`${origin}/connect/xero?ticket=${ticket}\n`);
        io.err('Open the link within 15 minutes, with the service running, and tick the organisations to connect.\n');
      } finally {
        await rt.close();
      }
    });

  program
    .command('connections')
    .description('list connections (Xero organisations, CSV sources) and their last sync')
    .option('--business <id>', 'business id (default: every business)')
    .action(async (opts: { business?: string }, cmd: Command) => {
      const rt = await cli.runtime(cmd, { toStderr: true });
      try {
        const businesses = opts.business
          ? [await getBusiness(rt.database.db, opts.business)]
          : await listBusinesses(rt.database.db);
        for (const b of businesses) {
          const rows = await listConnections(rt.database.db, b.id);
          for (const r of rows)
            io.out(
              `${r.id}  ${b.name}  ${r.provider.padEnd(6)} ${(r.name ?? '').padEnd(28)} ${r.status.padEnd(12)} ${
                r.lastSyncedAt ? `synced ${r.lastSyncedAt.toISOString()}` : 'never synced'
              }${r.statusMessage && r.status !== 'active' ? `  (${r.statusMessage})` : ''}\n`,
            );
        }
      } finally {
        await rt.close();
      }
    });

  connect
    .command('stripe')
    .description('connect Stripe with a restricted (rk_…) or secret (sk_…) key, then backfill')
    .option('--business <id>', 'business id (default: the only one)')
    .option('--key <key>', 'the key (default: STRIPE_SECRET_KEY); read access is enough')
    .action(async (opts: { business?: string; key?: string }, cmd: Command) => {
      const rt = await cli.runtime(cmd, { toStderr: true });
      try {
        const key = opts.key ?? rt.config.stripe.secretKey;
        if (!key) throw new InvalidInputError('Give the key with --key rk_… (or set STRIPE_SECRET_KEY).');
        const business = await pickBusiness(rt, opts.business);
        const services = syncServices(rt.config, rt.database, rt.logger);
        const c = await connectStripe(services.stripe, business.id, key, { type: 'system', channel: 'cli' });
        io.out(`Connected Stripe account ${c.accountId} (${c.name}) to ${business.name}: ${c.connectionId}\n`);
        await syncAndReport(io, rt, services, business.id, { id: c.connectionId, name: c.name }, true);
      } finally {
        await rt.close();
      }
    });

  program
    .command('disconnect')
    .description('disconnect a connection: revoke access, delete the credentials (the synced books stay)')
    .argument('<connection-id>', 'from `cfo connections`')
    .option('--business <id>', 'business id (default: the only one)')
    .action(async (connectionId: string, opts: { business?: string }, cmd: Command) => {
      const rt = await cli.runtime(cmd, { toStderr: true });
      try {
        const business = await pickBusiness(rt, opts.business);
        await disconnectConnection(syncServices(rt.config, rt.database, rt.logger), business.id, connectionId, {
          type: 'system',
          channel: 'cli',
        });
        io.out(`Disconnected ${connectionId}.\n`);
      } finally {
        await rt.close();
      }
    });

  program
    .command('sync')
    .description('sync Xero and Stripe now, in the foreground, with progress (incremental unless --full)')
    .option('--business <id>', 'business id (default: every business with a connection)')
    .option('--full', 're-read everything (still writes only what changed)')
    .action(async (opts: { business?: string; full?: boolean }, cmd: Command) => {
      const rt = await cli.runtime(cmd, { toStderr: true });
      try {
        const businesses = opts.business
          ? [await getBusiness(rt.database.db, opts.business)]
          : await listBusinesses(rt.database.db);
        const services = syncServices(rt.config, rt.database, rt.logger);
        let synced = 0;
        let failed = 0;
        for (const b of businesses) {
          for (const c of await listConnections(rt.database.db, b.id)) {
            if (c.provider === 'csv') continue;
            if (c.status !== 'active') {
              io.err(`${c.name}: skipped, ${c.status}${c.statusMessage ? ` (${c.statusMessage})` : ''}\n`);
              failed++;
              continue;
            }
            if (await syncAndReport(io, rt, services, b.id, c, Boolean(opts.full))) synced++;
            else failed++;
          }
        }
        if (synced + failed === 0)
          throw new NotFoundError('No connection yet: connect one with `cfo connect xero` or `cfo connect stripe`.');
        if (failed) io.exitCode = 1;
      } finally {
        await rt.close();
      }
    });
}

/** One connection's sync with a progress line, then the refresh of what changed; false (and why) on failure. */
async function syncAndReport(
  io: Io,
  rt: Runtime,
  services: SyncServices,
  businessId: string,
  c: { id: string; name: string | null },
  full: boolean,
): Promise<boolean> {
  const name = c.name ?? c.id;
  try {
    const r = await syncConnection(services, businessId, c.id, full ? 'full' : 'incremental', syncProgress(io, name));
    if (io.errIsTTY) io.err('\n');
    if (r.changedDates.length) {
      const business = await getBusiness(rt.database.db, businessId);
      await withBusiness(rt.database.db, businessId, (tx) =>
        refreshAfterChange(tx, business, { dates: r.changedDates }),
      );
    }
    const limits =
      r.calls === undefined
        ? ''
        : `; ${r.calls} API calls, ${r.waits} rate-limit waits (${((r.waitedMs ?? 0) / 1000).toFixed(1)} s)`;
    io.out(
      `${name}: ${r.processed.toLocaleString('en-US')} records read, ${r.changed.toLocaleString('en-US')} new or changed, ${r.failed ?? 0} failed${limits}, ${(r.durationMs / 1000).toFixed(1)} s.\n`,
    );
    return true;
  } catch (err) {
    if (io.errIsTTY) io.err('\n');
    if (!(err instanceof DomainError)) throw err;
    io.err(`${name}: ${err.message}\n`);
    return false;
  }
}

function syncProgress(io: Io, name: string) {
  const tty = io.errIsTTY;
  let last = '';
  return (p: SyncProgressEvent) => {
    const waits = p.waits === undefined ? '' : `  ${p.waits} waits (${((p.waitedMs ?? 0) / 1000).toFixed(1)} s)`;
    const page = p.page === undefined ? '' : `page ${String(p.page).padStart(3)}  `;
    const line = `${name}: ${p.entity.padEnd(20)} ${page}${p.records.toLocaleString('en-US').padStart(8)} rows  ${p.written.toLocaleString('en-US').padStart(8)} changed${waits}`;
    if (tty) io.err(`\r${line}`);
    else if (p.entity !== last || (p.page ?? 0) % 10 === 0) io.err(`${line}\n`);
    last = p.entity;
  };
}

/** "Categorized 12 of 20 new lines; 5 to review, 3 with no proposal." */
function categorizedLine(c: { considered: number; apply: number; review: number; none: number }): string {
  return `Categorized ${c.apply} of ${c.considered} new lines; ${c.review} to review (the dashboard's review queue, or GET /v1/categorization/reviews), ${c.none} with no proposal.`;
}
