/**
 * `cfo serve`, `cfo worker`, `cfo migrate` and the install-time `cfo prepare`. One process serves HTTP and runs
 * the background jobs; on PostgreSQL they can be split — any number of `cfo serve --no-worker` behind a load
 * balancer and any number of `cfo worker` — since the queue and every limit live in the database.
 */
import type { Command } from 'commander';
import { loginLink } from '../auth/sessions';
import { listBusinesses } from '../db/businesses';
import { migrationStatus, openDatabase, withSystem } from '../db/client';
import { createDemoCompany } from '../demo/load';
import { businessesWithOutdatedFigures } from '../domain/metrics/snapshots';
import { ConfigError, ConflictError } from '../errors';
import { createApp, type JobsHolder } from '../http/app';
import { listen } from '../http/server';
import { syncServices } from '../integrations/connections';
import { startJobs } from '../jobs';
import type { Logger } from '../logger';
import { openRuntime, type Runtime } from '../runtime';
import { type Cli, type GlobalOpts, progress } from './context';
import { serveLocalChannel } from './local-channel';

/** `run` is the whole CLI: what the local channel runs for other terminals. */
export function registerServe(program: Command, cli: Cli, run: (cli: Cli, argv: string[]) => Promise<number>): void {
  const { io } = cli;

  program
    .command('serve')
    .description('start the HTTP service (migrates the database first)')
    .option('-p, --port <port>', 'port (env PORT, default 3000)')
    .option('--demo', 'create the demo company "Demo Co" when the database has no business yet')
    .option('--no-worker', 'serve HTTP only; `cfo worker` processes run the jobs (PostgreSQL only)')
    .action(async (opts: { port?: string; demo?: boolean; worker: boolean }, cmd: Command) => {
      if (cli.service)
        throw new ConflictError(
          `The service is already running on this data directory (process ${cli.service.pid}, ${cli.service.url}).`,
        );
      const g = cmd.optsWithGlobals<GlobalOpts>();
      const rt = await openRuntime({
        overrides: { DATA_DIR: g.dataDir, DATABASE_URL: g.databaseUrl, PORT: opts.port },
      });
      const { logger, database, config } = rt;
      try {
        if (!opts.worker && database.kind !== 'postgres')
          throw new ConfigError(
            'DATABASE_URL',
            '--no-worker needs PostgreSQL (DATABASE_URL): the embedded database belongs to this one process, which must run its jobs itself.',
          );
        if (opts.demo && (await listBusinesses(database.db)).length === 0) {
          logger.info('empty database: creating the demo company "Demo Co"');
          const r = await createDemoCompany(database, { onProgress: progress(io, 'Demo Co') });
          logger.info({ businessId: r.businessId, transactions: r.transactions, ms: r.ms }, 'demo company ready');
        }
      } catch (err) {
        await rt.close();
        throw err;
      }
      const jobs: JobsHolder = {};
      const server = await listen(createApp({ config, database, logger, jobs }), config.port, config.host).catch(
        async (err) => {
          await rt.close();
          if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
            throw new ConfigError(
              'PORT',
              `PORT: ${config.port} is already in use on ${config.host}; stop the other process or choose another port.`,
            );
          }
          throw err;
        },
      );
      logger.info(
        { url: server.url, database: database.kind, role: database.role, pid: process.pid },
        `cfo-agent listening on ${server.url}`,
      );
      // Where people reach it: PUBLIC_URL, or this machine at the port actually bound (PORT=0 picks one).
      const port = new URL(server.url).port;
      const reachedAt =
        config.http.publicUrl === `http://localhost:${config.port}`
          ? `http://localhost:${port}`
          : config.http.publicUrl;

      // The embedded database is this process's alone: other `cfo` commands on this machine run here, through
      // a socket in the data directory that only this user can open.
      const channel =
        database.kind === 'pglite' ? await serveLocalChannel(rt, { url: reachedAt, pid: process.pid }, run) : null;

      // Demo mode on this machine: the dashboard's sign-in link, so a newcomer sees it at once.
      if (opts.demo && ['0.0.0.0', '::', '127.0.0.1', 'localhost', '::1'].includes(config.host)) {
        const link = loginLink({ key: config.encryption.key, keyId: config.encryption.keyId }, reachedAt);
        io.err(`\nDashboard: ${link}\n(one-time link, 15 minutes; \`cfo open\` prints another)\n\n`);
      }

      // The job queue starts after the service answers (its first start creates pg-boss's schema); until
      // then, imports refresh their figures inline. With --no-worker this process only enqueues.
      startJobs(database, logger, { ...jobOptions(rt), work: opts.worker })
        .then(async (started) => {
          jobs.current = started;
          // Figures stored by an earlier version's definitions are recomputed in the background.
          const outdated = await withSystem(database.db, (tx) => businessesWithOutdatedFigures(tx));
          for (const businessId of outdated)
            await started.enqueueRefresh({ businessId, dates: [new Date().toISOString().slice(0, 10)] });
          if (outdated.length)
            logger.info({ businesses: outdated.length }, 'recomputing figures from older definitions');
        })
        .catch((err) => logger.error({ err }, 'job queue did not start; refreshes run inline'));

      stopOnSignal(logger, async () => {
        await channel?.close();
        await server.close(8_000);
        await jobs.current?.stop().catch((err) => logger.warn({ err }, 'job queue did not stop cleanly'));
        await rt.close();
      });
    });

  program
    .command('worker')
    .description(
      'run the background jobs (syncs, webhook events, figure refreshes, outbound webhooks) without HTTP, beside `cfo serve --no-worker` (PostgreSQL only)',
    )
    .action(async (_opts, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOpts>();
      const rt = await openRuntime({ overrides: { DATA_DIR: g.dataDir, DATABASE_URL: g.databaseUrl } });
      const { logger, database } = rt;
      if (database.kind !== 'postgres') {
        await rt.close();
        throw new ConfigError(
          'DATABASE_URL',
          'cfo worker needs PostgreSQL (DATABASE_URL): the embedded database belongs to one process, and `cfo serve` runs its jobs itself.',
        );
      }
      const jobs = await startJobs(database, logger, { ...jobOptions(rt), work: true }).catch(async (err) => {
        await rt.close();
        throw err;
      });
      logger.info({ database: database.kind, role: database.role, pid: process.pid }, 'cfo-agent worker running');
      stopOnSignal(logger, async () => {
        await jobs.stop().catch((err) => logger.warn({ err }, 'job queue did not stop cleanly'));
        await rt.close();
      });
    });

  program
    .command('prepare', { hidden: true })
    .description('warm the caches a first start would fill (run by npm install): the migrated embedded template')
    .action(async () => {
      // An in-memory database leaves the migrated template behind; failing here must never fail an install.
      try {
        const t0 = performance.now();
        const database = await openDatabase({});
        await database.close();
        io.out(`cfo: embedded database template ready (${Math.round(performance.now() - t0)} ms)\n`);
      } catch (err) {
        io.err(`cfo: could not prepare the embedded database template: ${(err as Error).message}\n`);
      }
    });

  program
    .command('migrate')
    .description('apply pending database migrations')
    .action(async (_opts, cmd: Command) => {
      const rt = await cli.runtime(cmd, { toStderr: true });
      try {
        const s = await migrationStatus(rt.database.db);
        io.out(`migrations applied: ${s.applied}/${s.expected} (${rt.database.kind})\n`);
      } finally {
        await rt.close();
      }
    });
}

/** What the jobs need from the configuration: the sync services, and the keys that open webhook secrets. */
function jobOptions({ config, database, logger }: Runtime) {
  return {
    sync: { services: syncServices(config, database, logger), intervalMinutes: config.xero.syncIntervalMinutes },
    webhooks: {
      keys: [{ key: config.encryption.key, keyId: config.encryption.keyId }],
      destinations: { allowPrivate: config.webhooks.allowPrivate },
    },
  };
}

/** SIGTERM or SIGINT: finish what is in hand (at most 10 s), then exit. */
function stopOnSignal(logger: Logger, close: () => Promise<void>): void {
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      logger.error('shutdown took longer than 10 s; exiting');
      process.exit(1);
    }, 10_000);
    force.unref();
    await close();
    clearTimeout(force);
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}
