/**
 * `cfo`: the operator's command. Every command takes `--data-dir` / DATA_DIR and `--database-url`
 * / DATABASE_URL exactly like the server, and exits 1 with a readable message on failure.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Command, InvalidArgumentError, Option } from 'commander';
import { pino } from 'pino';
import { findTool, invokeTool, TOOLS, type ToolContext } from '../tools';
import { createCategoryModel, createModel, runAgent } from './agent';
import { createApiKey, type KeyScope, listApiKeys, parseExpiry, revokeApiKey } from './auth/api-keys';
import { addMember, listMembers, memberByEmail, removeMember } from './auth/members';
import { loginLink } from './auth/sessions';
import { loadConfig } from './config';
import { backupDatabase, pgliteRestoreSource, restorePostgres } from './db/backup';
import { createBusiness, getBusiness, listBusinesses } from './db/businesses';
import { isUuid, migrationStatus, openDatabase, withBusiness, withSystem } from './db/client';
import { createDemoCompany, DEMO_NAME, deleteDemo } from './demo/load';
import { createEmbedder } from './domain/categorize/embed';
import { refreshAfterChange, refreshInsights } from './domain/insights';
import { businessesWithOutdatedFigures } from './domain/metrics/snapshots';
import { ConfigError, DomainError, InvalidInputError, NotFoundError } from './errors';
import { createApp, type JobsHolder } from './http/app';
import { listen } from './http/server';
import {
  disconnectConnection,
  listConnections,
  type SyncProgressEvent,
  type SyncServices,
  syncConnection,
  syncServices,
} from './integrations/connections';
import { importStatement } from './integrations/csv/import';
import type { DateFormat } from './integrations/csv/parse';
import { connectStripe } from './integrations/stripe/sync';
import { signState, xeroSyncDeps } from './integrations/xero';
import { startJobs } from './jobs';
import { scrubString } from './logger';
import { serveStdio } from './mcp/stdio';
import { openRuntime, type Runtime } from './runtime';

interface GlobalOpts {
  dataDir?: string;
  databaseUrl?: string;
}

// A reader that goes away (`cfo tool | head`) is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

const program = new Command()
  .name('cfo')
  .description('A conversational CFO for small businesses: local books, metrics and tools.')
  .option('--data-dir <dir>', 'embedded database directory (env DATA_DIR, default ./data)')
  .option('--database-url <url>', 'PostgreSQL connection URL (env DATABASE_URL); absent → embedded PGlite')
  .showHelpAfterError();

function runtime(cmd: Command, opts: { toStderr?: boolean } = {}): Promise<Runtime> {
  const g = cmd.optsWithGlobals<GlobalOpts>();
  return openRuntime({
    overrides: { DATA_DIR: g.dataDir, DATABASE_URL: g.databaseUrl },
    // Commands whose stdout is data (JSON, ids) log to stderr.
    ...(opts.toStderr ? { logDestination: pino.destination(2) } : {}),
  });
}

/** How audit rows name what the operator does at the command line. */
const CLI_ACTOR = { type: 'system' as const, id: 'cli', channel: 'cli' };

const positiveInt = (max: number) => (v: string) => {
  const n = Number(v.replace(/[_,]/g, ''));
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw new InvalidArgumentError(`expected a whole number from 1 to ${max.toLocaleString('en-US')}`);
  return n;
};

function progress(label: string) {
  const tty = process.stderr.isTTY;
  return (p: { label: string; step: number; steps: number; transactions: number }) => {
    const line = `${label}: ${p.label.padEnd(30)} ${String(p.step).padStart(3)}/${p.steps}  ${p.transactions.toLocaleString('en-US')} transactions`;
    if (tty) process.stderr.write(`\r${line}`);
    else if (p.step === p.steps || p.step % 6 === 0) process.stderr.write(`${line}\n`);
    if (tty && p.step === p.steps) process.stderr.write('\n');
  };
}

program
  .command('serve')
  .description('start the HTTP service (migrates the database first)')
  .option('-p, --port <port>', 'port (env PORT, default 3000)')
  .option('--demo', 'create the demo company "Demo Co" when the database has no business yet')
  .action(async (opts: { port?: string; demo?: boolean }, cmd: Command) => {
    const g = cmd.optsWithGlobals<GlobalOpts>();
    const rt = await openRuntime({ overrides: { DATA_DIR: g.dataDir, DATABASE_URL: g.databaseUrl, PORT: opts.port } });
    const { logger, database, config } = rt;
    try {
      if (opts.demo && (await listBusinesses(database.db)).length === 0) {
        logger.info('empty database: creating the demo company "Demo Co"');
        const r = await createDemoCompany(database, { onProgress: progress('Demo Co') });
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
    // Demo mode on this machine: the dashboard's sign-in link, so a newcomer sees it at once.
    if (opts.demo && ['0.0.0.0', '::', '127.0.0.1', 'localhost', '::1'].includes(config.host)) {
      const link = loginLink({ key: config.encryption.key, keyId: config.encryption.keyId }, server.url);
      process.stderr.write(`\nDashboard: ${link}\n(one-time link, 15 minutes; \`cfo open\` prints another)\n\n`);
    }

    // The job queue starts after the service answers (its first start creates pg-boss's schema); until
    // then, imports refresh their figures inline.
    startJobs(database, logger, {
      work: true,
      sync: { services: syncServices(config, database, logger), intervalMinutes: config.xero.syncIntervalMinutes },
      webhooks: {
        keys: [{ key: config.encryption.key, keyId: config.encryption.keyId }],
        destinations: { allowPrivate: config.webhooks.allowPrivate },
      },
    })
      .then(async (started) => {
        jobs.current = started;
        // Figures stored by an earlier version's definitions are recomputed in the background.
        const outdated = await withSystem(database.db, (tx) => businessesWithOutdatedFigures(tx));
        for (const businessId of outdated)
          await started.enqueueRefresh({ businessId, dates: [new Date().toISOString().slice(0, 10)] });
        if (outdated.length) logger.info({ businesses: outdated.length }, 'recomputing figures from older definitions');
      })
      .catch((err) => logger.error({ err }, 'job queue did not start; refreshes run inline'));

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
      await server.close(8_000);
      await jobs.current?.stop().catch((err) => logger.warn({ err }, 'job queue did not stop cleanly'));
      await rt.close();
      clearTimeout(force);
      process.exit(0);
    };
    process.once('SIGTERM', () => void stop('SIGTERM'));
    process.once('SIGINT', () => void stop('SIGINT'));
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
      process.stdout.write(`cfo: embedded database template ready (${Math.round(performance.now() - t0)} ms)\n`);
    } catch (err) {
      process.stderr.write(`cfo: could not prepare the embedded database template: ${(err as Error).message}\n`);
    }
  });

program
  .command('migrate')
  .description('apply pending database migrations')
  .action(async (_opts, cmd: Command) => {
    const rt = await runtime(cmd, { toStderr: true });
    try {
      const s = await migrationStatus(rt.database.db);
      process.stdout.write(`migrations applied: ${s.applied}/${s.expected} (${rt.database.kind})\n`);
    } finally {
      await rt.close();
    }
  });

program
  .command('demo')
  .description('create the demo company from the deterministic generator')
  .option('--reset', 'delete an existing demo company of that name first')
  .option('--transactions <n>', 'approximate size, up to 1,000,000 (default about 8,300)', positiveInt(1_000_000))
  .option('--name <name>', 'business name (default "Demo Co")')
  .option('--seed <n>', 'random seed', positiveInt(2 ** 31))
  .action(async (opts: { reset?: boolean; transactions?: number; name?: string; seed?: number }, cmd: Command) => {
    const rt = await runtime(cmd, { toStderr: true });
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
        onProgress: progress(name),
      });
      process.stdout.write(`${r.businessId}\n`);
      process.stderr.write(
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
    const rt = await runtime(cmd, { toStderr: true });
    try {
      const b = await createBusiness(rt.database.db, { name, baseCurrency: opts.currency });
      process.stdout.write(`${b.id}\n`);
    } finally {
      await rt.close();
    }
  });

business
  .command('list')
  .description('list businesses with their record counts')
  .option('--json', 'print JSON')
  .action(async (opts: { json?: boolean }, cmd: Command) => {
    const rt = await runtime(cmd, { toStderr: true });
    try {
      const rows = await listBusinesses(rt.database.db);
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
        return;
      }
      if (rows.length === 0) {
        process.stdout.write('No businesses yet. Create one with `cfo business create NAME` or `cfo demo`.\n');
        return;
      }
      const table = rows.map((b) => [b.id, b.name, b.baseCurrency, b.counts.transactions.toLocaleString('en-US')]);
      const head = ['ID', 'NAME', 'CURRENCY', 'TRANSACTIONS'];
      const widths = head.map((h, i) => Math.max(h.length, ...table.map((r) => r[i]!.length)));
      for (const r of [head, ...table]) process.stdout.write(`${r.map((c, i) => c.padEnd(widths[i]!)).join('  ')}\n`);
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
    const rt = await runtime(cmd, { toStderr: true });
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
        process.stdout.write(
          `${b.name}: ${w.month} monthly, ${w.quarter} quarterly, ${w.year} yearly and ${w.week} weekly snapshots${r.snapshots.from ? ` from ${r.snapshots.from}` : ' (no data yet)'}` +
            `${r.readiness ? `; readiness ${r.readiness.score} (${r.readiness.tier})` : ''}` +
            `; recommendations: ${rec.active} active (${rec.created} new, ${rec.resolved} resolved) in ${r.ms} ms\n`,
        );
      }
    } finally {
      await rt.close();
    }
  });

/** The business a command works on: the one given, or the only one there is. */
async function pickBusiness(rt: Runtime, id: string | undefined) {
  if (id) return getBusiness(rt.database.db, id);
  const all = await listBusinesses(rt.database.db);
  if (all.length === 1) return getBusiness(rt.database.db, all[0]!.id);
  throw new InvalidInputError(
    all.length === 0
      ? 'No business yet: create one with `cfo demo` or `cfo business create NAME`.'
      : 'Several businesses: choose one with --business ID (see `cfo business list`).',
  );
}

function toolContext(
  rt: Runtime,
  business: { id: string; name: string; baseCurrency: string },
  channel: ToolContext['channel'],
): ToolContext {
  const categoryModel = createCategoryModel(rt.config.anthropic);
  return {
    db: rt.database.db,
    business: { id: business.id, name: business.name, baseCurrency: business.baseCurrency },
    // The operator at the terminal runs the service: every scope.
    caller: { type: 'system', scopes: ['read', 'write'] },
    channel,
    today: () => new Date().toISOString().slice(0, 10),
    logger: rt.logger,
    ...(categoryModel ? { categoryModel } : {}),
    embedder: createEmbedder(rt.config.embeddings),
  };
}

program
  .command('tool')
  .description('call a tool and print its JSON result (exit code 1 with the error on failure)')
  .argument('[name]', 'tool name; omit to list the tools')
  .option('--business <id>', 'business id (default: the only one)')
  .option('--input <json>', 'tool input as JSON', '{}')
  .action(async (name: string | undefined, opts: { business?: string; input: string }, cmd: Command) => {
    if (!name) {
      for (const t of TOOLS) process.stdout.write(`${t.name.padEnd(30)} ${t.title}\n`);
      return;
    }
    const tool = findTool(name);
    if (!tool) throw new NotFoundError(`No tool called "${name}". \`cfo tool\` lists them.`);
    let input: unknown;
    try {
      input = JSON.parse(opts.input);
    } catch {
      throw new InvalidInputError(`--input is not valid JSON: ${opts.input.slice(0, 80)}`);
    }
    const rt = await runtime(cmd, { toStderr: true });
    try {
      const business = await pickBusiness(rt, opts.business);
      const r = await invokeTool(tool, input, toolContext(rt, business, 'cli'));
      if (!r.ok) throw new DomainError(r.error.code, r.error.status, r.error.message);
      process.stdout.write(`${JSON.stringify(r.output, null, 2)}\n`);
    } finally {
      await rt.close();
    }
  });

program
  .command('mcp')
  .description('serve the tools over MCP on stdin/stdout (for Claude Desktop, Claude Code, any MCP client)')
  .option('--business <id>', 'business id (default: the only one)')
  .action(async (opts: { business?: string }, cmd: Command) => {
    const rt = await runtime(cmd, { toStderr: true });
    try {
      const business = await pickBusiness(rt, opts.business);
      const { closed } = await serveStdio({ context: () => toolContext(rt, business, 'mcp') });
      await Promise.race([closed, new Promise<void>((resolve) => process.stdin.once('end', () => resolve()))]);
    } finally {
      await rt.close();
    }
  });

program
  .command('chat')
  .description(
    'talk to the CFO in the terminal (the same agent loop as the API; offline model without ANTHROPIC_API_KEY)',
  )
  .option('--business <id>', 'business id (default: the only one)')
  .option('-m, --message <text>', 'ask one question, print the answer and exit')
  .option('--conversation <id>', 'continue an earlier conversation')
  .action(async (opts: { business?: string; message?: string; conversation?: string }, cmd: Command) => {
    const rt = await runtime(cmd, { toStderr: true });
    const controller = new AbortController();
    const stop = () => controller.abort();
    process.once('SIGINT', stop);
    try {
      const business = await pickBusiness(rt, opts.business);
      const model = createModel(rt.config.anthropic, rt.logger);
      const tty = process.stderr.isTTY;
      const dim = (s: string) => (tty ? `\x1b[2m${s}\x1b[0m` : s);
      let conversationId = opts.conversation;
      const ask = async (message: string) => {
        const r = await runAgent(
          {
            db: rt.database.db,
            business: {
              id: business.id,
              name: business.name,
              baseCurrency: business.baseCurrency,
              fyEndMonth: business.fyEndMonth,
            },
            model,
            channel: 'cli',
            caller: { type: 'system', scopes: ['read', 'write'] },
            logger: rt.logger,
            today: () => new Date().toISOString().slice(0, 10),
            conversation: conversationId ? { id: conversationId } : {},
            message,
            signal: controller.signal,
          },
          (e) => {
            if (e.type === 'text') process.stdout.write(e.delta);
            else if (e.type === 'tool_started') process.stderr.write(dim(`  → ${e.name} ${JSON.stringify(e.input)}\n`));
            else if (e.type === 'tool_finished')
              process.stderr.write(dim(`  ${e.ok ? '✓' : '✗'} ${e.name} (${e.ms} ms) ${e.summary}\n`));
          },
        );
        conversationId = r.conversationId;
        process.stdout.write('\n');
        process.stderr.write(
          dim(
            `  ${r.model} · ${r.latencyMs} ms · ${r.usage.inputTokens}+${r.usage.outputTokens} tokens${r.unmatchedFigures.length ? ` · unsupported figures: ${r.unmatchedFigures.join(', ')}` : ''}\n`,
          ),
        );
      };
      if (opts.message) {
        await ask(opts.message);
        return;
      }
      process.stderr.write(
        `${business.name} · ${model.id === 'offline' ? 'offline model (set ANTHROPIC_API_KEY for Claude)' : model.id} · empty line or Ctrl-D to quit\n`,
      );
      const rl = createInterface({ input: process.stdin, output: process.stderr, prompt: '> ' });
      rl.prompt();
      for await (const line of rl) {
        if (!line.trim()) break;
        try {
          await ask(line);
        } catch (err) {
          if (!(err instanceof DomainError)) throw err;
          process.stderr.write(`${err.message}\n`);
        }
        rl.prompt();
      }
      rl.close();
    } finally {
      process.off('SIGINT', stop);
      await rt.close();
    }
  });

const keys = program.command('keys').description('API keys for HTTP and MCP callers');

keys
  .command('create')
  .description('create an API key and print it once')
  .option('--business <id>', 'business id (default: the only one)')
  .option('--scopes <list>', 'comma-separated: read, write, admin', 'read')
  .option('--name <name>', 'a label to recognise the key by', 'API key')
  .option('--expires <duration>', 'e.g. 90d, 12h; default never')
  .option('--user <email>', 'a member the key acts for: it never does more than their role allows')
  .action(
    async (
      opts: { business?: string; scopes: string; name: string; expires?: string; user?: string },
      cmd: Command,
    ) => {
      const expiresAt = parseExpiry(opts.expires);
      const rt = await runtime(cmd, { toStderr: true });
      try {
        const business = await pickBusiness(rt, opts.business);
        const scopes = opts.scopes
          .split(',')
          .map((x) => x.trim())
          .filter(Boolean) as KeyScope[];
        let createdByUserId: string | null = null;
        if (opts.user) {
          const m = await withBusiness(rt.database.db, business.id, (tx) => memberByEmail(tx, business.id, opts.user!));
          if (!m)
            throw new NotFoundError(
              `${opts.user} is not a member of ${business.name}; add them with \`cfo users add\`.`,
            );
          createdByUserId = m.userId;
        }
        const k = await createApiKey(rt.database.db, {
          businessId: business.id,
          name: opts.name,
          scopes,
          expiresAt,
          createdByUserId,
        });
        process.stdout.write(`${k.key}\n`);
        process.stderr.write(
          `Key ${k.prefix}… for ${business.name} (${k.scopes.join(', ')}${opts.user ? `, acting for ${opts.user}` : ''}${k.expiresAt ? `, expires ${k.expiresAt.toISOString()}` : ''}). It is shown only now: store it safely.\n`,
        );
      } finally {
        await rt.close();
      }
    },
  );

keys
  .command('list')
  .description('list the API keys of a business (prefixes only)')
  .option('--business <id>', 'business id (default: the only one)')
  .action(async (opts: { business?: string }, cmd: Command) => {
    const rt = await runtime(cmd, { toStderr: true });
    try {
      const business = await pickBusiness(rt, opts.business);
      process.stdout.write(`${JSON.stringify(await listApiKeys(rt.database.db, business.id), null, 2)}\n`);
    } finally {
      await rt.close();
    }
  });

keys
  .command('revoke')
  .description('revoke an API key (it stops working at once)')
  .argument('<key-id>', 'the key id from `cfo keys list`')
  .option('--business <id>', 'business id (default: the only one)')
  .action(async (keyId: string, opts: { business?: string }, cmd: Command) => {
    const rt = await runtime(cmd, { toStderr: true });
    try {
      const business = await pickBusiness(rt, opts.business);
      await revokeApiKey(rt.database.db, business.id, keyId);
      process.stdout.write(`revoked ${keyId}\n`);
    } finally {
      await rt.close();
    }
  });

const users = program.command('users').description('people in a business and their roles');

users
  .command('add')
  .description('add a person with a role (or change the role of one already in): viewer, accountant, admin, owner')
  .argument('<email>', 'their email address')
  .requiredOption('--role <role>', 'viewer, accountant, admin or owner')
  .option('--name <name>', 'their name')
  .option('--business <id>', 'business id (default: the only one)')
  .action(async (email: string, opts: { role: string; name?: string; business?: string }, cmd: Command) => {
    const rt = await runtime(cmd, { toStderr: true });
    try {
      const business = await pickBusiness(rt, opts.business);
      const m = await addMember(rt.database.db, business.id, { email, name: opts.name, role: opts.role }, CLI_ACTOR);
      process.stdout.write(`${m.userId}\n`);
      process.stderr.write(`${m.email} is ${m.role} of ${business.name}.\n`);
    } finally {
      await rt.close();
    }
  });

users
  .command('list')
  .description('the members of a business')
  .option('--business <id>', 'business id (default: the only one)')
  .action(async (opts: { business?: string }, cmd: Command) => {
    const rt = await runtime(cmd, { toStderr: true });
    try {
      const business = await pickBusiness(rt, opts.business);
      const members = await withBusiness(rt.database.db, business.id, (tx) => listMembers(tx, business.id));
      process.stdout.write(`${JSON.stringify(members, null, 2)}\n`);
    } finally {
      await rt.close();
    }
  });

users
  .command('remove')
  .description('remove a person from a business (their sessions and keys stop working)')
  .argument('<email>', 'their email address')
  .option('--business <id>', 'business id (default: the only one)')
  .action(async (email: string, opts: { business?: string }, cmd: Command) => {
    const rt = await runtime(cmd, { toStderr: true });
    try {
      const business = await pickBusiness(rt, opts.business);
      await withBusiness(rt.database.db, business.id, async (tx) => {
        const m = await memberByEmail(tx, business.id, email);
        if (!m) throw new NotFoundError(`${email} is not a member of ${business.name}.`);
        await removeMember(tx, business.id, m.userId, CLI_ACTOR);
      });
      process.stdout.write(`removed ${email}\n`);
    } finally {
      await rt.close();
    }
  });

program
  .command('open')
  .description('print a one-time link (15 minutes) that signs you in to the dashboard of the running service')
  .option('--business <id>', 'business id (default: the only one)')
  .option('--user <email>', 'sign in as this member (default: the first owner)')
  .option('--url <url>', 'where the service is reached (default PUBLIC_URL, or http://localhost:PORT)')
  .action((opts: { business?: string; user?: string; url?: string }, cmd: Command) => {
    // Only the configuration: the running service holds the embedded database, and the link needs none.
    const g = cmd.optsWithGlobals<GlobalOpts>();
    const config = loadConfig(undefined, { overrides: { DATA_DIR: g.dataDir, DATABASE_URL: g.databaseUrl } });
    if (opts.business && !isUuid(opts.business))
      throw new InvalidInputError(`--business: "${opts.business}" is not a business id (see \`cfo business list\`).`);
    const link = loginLink(
      { key: config.encryption.key, keyId: config.encryption.keyId },
      opts.url ?? config.http.publicUrl,
      {
        ...(opts.business ? { businessId: opts.business } : {}),
        ...(opts.user ? { email: opts.user } : {}),
      },
    );
    process.stdout.write(`${link}\n`);
    process.stderr.write('Open it within 15 minutes, with the service running; it works once.\n');
  });

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
  .action(async (file: string, opts: { account: string; business?: string; dateFormat?: DateFormat }, cmd: Command) => {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new InvalidInputError(
        `Cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}.`,
      );
    }
    const rt = await runtime(cmd, { toStderr: true });
    try {
      const business = await pickBusiness(rt, opts.business);
      const r = await importStatement(
        rt.database.db,
        business,
        { account: opts.account, text, ...(opts.dateFormat ? { dateFormat: opts.dateFormat } : {}) },
        (lines) => process.stderr.write(`Writing ${lines.toLocaleString('en-US')} lines to ${opts.account}…\n`),
      );
      process.stdout.write(
        `${r.account}: ${r.lines} lines from ${r.from} to ${r.to} (${r.added} new, ${r.alreadyThere} already imported); dates read ${r.dateFormatName}.\n`,
      );
      if (r.changedDates.length) {
        const refreshed = await withBusiness(rt.database.db, business.id, (tx) =>
          refreshAfterChange(tx, business, { dates: r.changedDates }),
        );
        process.stdout.write(`Figures refreshed from ${r.changedDates[0]} (${refreshed.ms} ms).\n`);
      }
    } finally {
      await rt.close();
    }
  });

const connect = program.command('connect').description('connect an accounting or payments service');

connect
  .command('xero')
  .description('print a link that connects Xero organisations (open it while `cfo serve` runs)')
  .option(
    '--business <id>',
    'the business the first new organisation maps to (default: a new business per organisation)',
  )
  .action(async (opts: { business?: string }, cmd: Command) => {
    const rt = await runtime(cmd, { toStderr: true });
    try {
      const { config } = rt;
      xeroSyncDeps(config, rt.database, rt.logger); // names the missing setting, if any
      if (opts.business) await getBusiness(rt.database.db, opts.business);
      const ticket = signState(
        { key: config.encryption.key, keyId: config.encryption.keyId },
        { purpose: 'ticket', ...(opts.business ? { businessId: opts.business } : {}) },
      );
      const origin = new URL(config.xero.redirectUri!).origin;
      process.stdout.write(`${origin}/connect/xero?ticket=${ticket}\n`);
      process.stderr.write(
        'Open the link within 15 minutes, with the service running, and tick the organisations to connect.\n',
      );
    } finally {
      await rt.close();
    }
  });

program
  .command('connections')
  .description('list connections (Xero organisations, CSV sources) and their last sync')
  .option('--business <id>', 'business id (default: every business)')
  .action(async (opts: { business?: string }, cmd: Command) => {
    const rt = await runtime(cmd, { toStderr: true });
    try {
      const businesses = opts.business
        ? [await getBusiness(rt.database.db, opts.business)]
        : await listBusinesses(rt.database.db);
      for (const b of businesses) {
        const rows = await listConnections(rt.database.db, b.id);
        for (const r of rows)
          process.stdout.write(
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
    const rt = await runtime(cmd, { toStderr: true });
    try {
      const key = opts.key ?? rt.config.stripe.secretKey;
      if (!key) throw new InvalidInputError('Give the key with --key rk_… (or set STRIPE_SECRET_KEY).');
      const business = await pickBusiness(rt, opts.business);
      const services = syncServices(rt.config, rt.database, rt.logger);
      const c = await connectStripe(services.stripe, business.id, key, { type: 'system', channel: 'cli' });
      process.stdout.write(
        `Connected Stripe account ${c.accountId} (${c.name}) to ${business.name}: ${c.connectionId}\n`,
      );
      await syncAndReport(rt, services, business.id, { id: c.connectionId, name: c.name }, true);
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
    const rt = await runtime(cmd, { toStderr: true });
    try {
      const business = await pickBusiness(rt, opts.business);
      await disconnectConnection(syncServices(rt.config, rt.database, rt.logger), business.id, connectionId, {
        type: 'system',
        channel: 'cli',
      });
      process.stdout.write(`Disconnected ${connectionId}.\n`);
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
    const rt = await runtime(cmd, { toStderr: true });
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
            process.stderr.write(`${c.name}: skipped, ${c.status}${c.statusMessage ? ` (${c.statusMessage})` : ''}\n`);
            failed++;
            continue;
          }
          if (await syncAndReport(rt, services, b.id, c, Boolean(opts.full))) synced++;
          else failed++;
        }
      }
      if (synced + failed === 0)
        throw new NotFoundError('No connection yet: connect one with `cfo connect xero` or `cfo connect stripe`.');
      if (failed) process.exitCode = 1;
    } finally {
      await rt.close();
    }
  });

/** One connection's sync with a progress line, then the refresh of what changed; false (and why) on failure. */
async function syncAndReport(
  rt: Runtime,
  services: SyncServices,
  businessId: string,
  c: { id: string; name: string | null },
  full: boolean,
): Promise<boolean> {
  const name = c.name ?? c.id;
  try {
    const r = await syncConnection(services, businessId, c.id, full ? 'full' : 'incremental', syncProgress(name));
    if (process.stderr.isTTY) process.stderr.write('\n');
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
    process.stdout.write(
      `${name}: ${r.processed.toLocaleString('en-US')} records read, ${r.changed.toLocaleString('en-US')} new or changed, ${r.failed ?? 0} failed${limits}, ${(r.durationMs / 1000).toFixed(1)} s.\n`,
    );
    return true;
  } catch (err) {
    if (process.stderr.isTTY) process.stderr.write('\n');
    if (!(err instanceof DomainError)) throw err;
    process.stderr.write(`${name}: ${err.message}\n`);
    return false;
  }
}

function syncProgress(name: string) {
  const tty = process.stderr.isTTY;
  let last = '';
  return (p: SyncProgressEvent) => {
    const waits = p.waits === undefined ? '' : `  ${p.waits} waits (${((p.waitedMs ?? 0) / 1000).toFixed(1)} s)`;
    const page = p.page === undefined ? '' : `page ${String(p.page).padStart(3)}  `;
    const line = `${name}: ${p.entity.padEnd(20)} ${page}${p.records.toLocaleString('en-US').padStart(8)} rows  ${p.written.toLocaleString('en-US').padStart(8)} changed${waits}`;
    if (tty) process.stderr.write(`\r${line}`);
    else if (p.entity !== last || (p.page ?? 0) % 10 === 0) process.stderr.write(`${line}\n`);
    last = p.entity;
  };
}

program
  .command('backup')
  .description('write a backup of the whole database to FILE (PGlite: its data directory; PostgreSQL: pg_dump)')
  .argument('<file>', 'where to write it (mode 0600: it holds the books and sealed credentials)')
  .action(async (file: string, _opts, cmd: Command) => {
    const rt = await runtime(cmd, { toStderr: true });
    try {
      const r = await backupDatabase(rt.database, file);
      process.stdout.write(
        `Backed up the ${rt.database.kind === 'pglite' ? 'embedded' : 'PostgreSQL'} database to ${file} (${r.bytes.toLocaleString('en-US')} bytes).\n`,
      );
      process.stderr.write(
        'Keep ENCRYPTION_KEY (or DATA_DIR/encryption.key) with it: the stored credentials need it.\n',
      );
    } finally {
      await rt.close();
    }
  });

program
  .command('restore')
  .description('restore a backup made by `cfo backup`: into an empty --data-dir, or over the DATABASE_URL database')
  .argument('<file>', 'the backup')
  .action(async (file: string, _opts, cmd: Command) => {
    const g = cmd.optsWithGlobals<GlobalOpts>();
    const config = loadConfig(undefined, { overrides: { DATA_DIR: g.dataDir, DATABASE_URL: g.databaseUrl } });
    if (config.databaseUrl) {
      await restorePostgres(config.databaseUrl, file);
      // Newer code may have newer migrations: apply them now.
      const rt = await runtime(cmd, { toStderr: true });
      await rt.close();
      process.stdout.write(`Restored ${file} into the PostgreSQL database.\n`);
      return;
    }
    const dataDir = join(config.dataDir, 'pglite');
    const source = pgliteRestoreSource(file, dataDir);
    mkdirSync(config.dataDir, { recursive: true });
    const database = await openDatabase({ dataDir, loadDataDir: source });
    await database.close();
    process.stdout.write(`Restored ${file} into ${config.dataDir}.\n`);
  });

program.addOption(new Option('--version').hideHelp()).on('option:version', () => {
  process.stdout.write('0.1.0\n');
  process.exit(0);
});

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof ConfigError || err instanceof DomainError) {
    process.stderr.write(`error: ${scrubString(err.message)}\n`);
  } else {
    const ref = randomUUID().slice(0, 8);
    process.stderr.write(
      `error: internal error (ref ${ref}): ${scrubString(err instanceof Error ? err.message : String(err))}\n`,
    );
  }
  process.exit(1);
}
