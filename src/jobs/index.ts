/**
 * Background jobs on pg-boss, in the service's own database (PGlite or PostgreSQL), so any number of
 * workers share the queue through SKIP LOCKED. Requests only enqueue; the worker does the heavy part.
 *
 * Queues:
 *   - `insights.refresh`: after records changed, recompute the periods they touch (then readiness and
 *     recommendations) — `{ businessId, dates, kinds? }`.
 *   - `stripe.events`: apply a business's stored Stripe webhook events, then refresh what they changed —
 *     `{ businessId }`.
 *   - `xero.sync` / `stripe.sync`: sync one connection, then refresh what changed —
 *     `{ businessId, connectionId, mode }`; one pending per connection.
 *   - `xero.events`: re-fetch what a business's stored Xero webhook events name — `{ businessId }`.
 *   - `sync.schedule`: every `intervalMinutes` (cron), an incremental sync of each active connection.
 *   - `webhooks.deliver`: send the outbound webhook attempts that are due (the outbox `emitEvent` fills).
 *     A light timer asks every second whether any are due and queues one run; the run sends until none are.
 */

import { and, eq, inArray, sql } from 'drizzle-orm';
import type PgBoss from 'pg-boss';
import { backoffDelay } from '../backoff';
import { getBusiness } from '../db/businesses';
import { type Database, queryRows, withBusiness, withSystem } from '../db/client';
import { integrationAccounts } from '../db/schema';
import { refreshAfterChange } from '../domain/insights';
import { ConfigError, ConflictError, ReauthRequiredError } from '../errors';
import { type SyncServices, syncConnection } from '../integrations/connections';
import { type DeliveryOptions, deliverDue, deliveriesDue } from '../integrations/outbound-webhooks';
import { processStripeEvents } from '../integrations/stripe/events';
import { processXeroEvents } from '../integrations/xero/events';
import type { Logger } from '../logger';

export const REFRESH_QUEUE = 'insights.refresh';
export const STRIPE_EVENTS_QUEUE = 'stripe.events';
export const XERO_SYNC_QUEUE = 'xero.sync';
export const XERO_EVENTS_QUEUE = 'xero.events';
export const STRIPE_SYNC_QUEUE = 'stripe.sync';
export const SYNC_SCHEDULE_QUEUE = 'sync.schedule';
export const WEBHOOKS_QUEUE = 'webhooks.deliver';

export interface SyncJob {
  businessId: string;
  connectionId: string;
  provider: 'xero' | 'stripe';
  mode: 'full' | 'incremental';
}

export interface RefreshJob {
  businessId: string;
  dates: string[];
  kinds?: string[];
}

export interface Jobs {
  enqueueRefresh(job: RefreshJob): Promise<string | null>;
  enqueueStripeEvents(businessId: string): Promise<string | null>;
  enqueueSync(job: SyncJob): Promise<string | null>;
  enqueueXeroEvents(businessId: string): Promise<string | null>;
  /** What the schedule does every interval, now: an incremental sync of every active connection. */
  enqueueScheduledSyncs(): Promise<string | null>;
  /** Queue a delivery run now (after an event was recorded), instead of at the next tick. */
  kickWebhooks(): Promise<string | null>;
  /** Waits for a job to finish (tests, `cfo` commands that want the result); false on failure or timeout. */
  waitFor(id: string, timeoutMs?: number, queue?: string): Promise<boolean>;
  stop(): Promise<void>;
}

export interface JobOptions {
  /** Run the workers in this process (the server does; one-shot commands only enqueue). */
  work?: boolean;
  pollingIntervalSeconds?: number;
  /** "Today" for the refresh; tests pin it. */
  today?: () => string;
  /** What syncs need (Xero only when configured); without it the sync queues exist but nothing runs them. */
  sync?: { services: SyncServices; intervalMinutes: number };
  /** Outbound webhook delivery: the keys that open subscription secrets, and timings (tests shorten them). */
  webhooks?: Omit<DeliveryOptions, 'logger'> & { pollMs?: number };
}

async function bossFor(database: Database): Promise<PgBoss> {
  // Loaded when a queue starts: one-shot commands never need it, and it costs their start-up.
  const { default: PgBoss } = await import('pg-boss');
  if (database.kind === 'postgres') {
    if (!database.url) throw new Error('pg-boss needs the PostgreSQL URL');
    return new PgBoss({ connectionString: database.url, max: 3, schema: 'pgboss' });
  }
  const pg = database.pglite!;
  return new PgBoss({
    schema: 'pgboss',
    db: {
      // pg-boss's schema script is several statements: those go through exec, which takes no parameters.
      executeSql: async (text: string, values: unknown[]) => {
        if (values?.length) return pg.query(text, values);
        const results = await pg.exec(text);
        return results[results.length - 1] ?? { rows: [] };
      },
    },
  });
}

export async function startJobs(database: Database, logger: Logger, opts: JobOptions = {}): Promise<Jobs> {
  const log = logger.child({ component: 'jobs' });
  const boss = await bossFor(database);
  boss.on('error', (err) => log.error({ err }, 'job queue error'));
  const started = performance.now();
  await boss.start();
  // Processes starting together (servers and workers on one PostgreSQL) create the same queues at once, and
  // pg-boss's creation can deadlock with itself: creating a queue that exists does nothing, so ask again.
  for (let attempt = 1; ; attempt++) {
    try {
      await boss.createQueue(REFRESH_QUEUE);
      await boss.createQueue(STRIPE_EVENTS_QUEUE);
      for (const q of [XERO_SYNC_QUEUE, STRIPE_SYNC_QUEUE, XERO_EVENTS_QUEUE, SYNC_SCHEDULE_QUEUE])
        await boss.createQueue(q);
      // At most one delivery run waiting: the ticker may ask every second.
      await boss.createQueue(WEBHOOKS_QUEUE, { name: WEBHOOKS_QUEUE, policy: 'short' });
      break;
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (attempt >= 5 || (code !== '40P01' && code !== '23505' && code !== '42P07')) throw err;
      log.info({ attempt, code }, 'another process is creating the job queues; trying again');
      await new Promise((r) => setTimeout(r, backoffDelay(attempt, { baseMs: 100, capMs: 2_000, jitter: 0.5 })));
    }
  }
  log.info({ ms: Math.round(performance.now() - started), work: Boolean(opts.work) }, 'job queue started');

  if (opts.work) {
    await boss.work<RefreshJob>(
      REFRESH_QUEUE,
      { pollingIntervalSeconds: opts.pollingIntervalSeconds ?? 2, batchSize: 1 },
      async (jobs) => {
        for (const job of jobs) {
          const { businessId, dates, kinds } = job.data;
          const business = await getBusiness(database.db, businessId);
          const r = await withBusiness(database.db, businessId, (tx) =>
            refreshAfterChange(tx, business, { dates, kinds }, opts.today ? { asOf: opts.today() } : {}),
          );
          log.info(
            { job: job.id, businessId, dates: dates.length, ms: r.ms, written: r.snapshots.written },
            'insights refreshed',
          );
        }
      },
    );
  }

  if (opts.work) {
    await boss.work<{ businessId: string }>(
      STRIPE_EVENTS_QUEUE,
      { pollingIntervalSeconds: opts.pollingIntervalSeconds ?? 2, batchSize: 1 },
      async (jobs) => {
        for (const job of jobs) {
          const business = await getBusiness(database.db, job.data.businessId);
          const r = await withBusiness(database.db, business.id, async (tx) => {
            // Everything below is one transaction: the events are applied, with their figures, or not at all.
            log.info({ job: job.id, businessId: business.id }, 'applying Stripe events');
            const processed = await processStripeEvents(tx, business);
            if (processed.dates.length)
              await refreshAfterChange(
                tx,
                business,
                { dates: processed.dates },
                opts.today ? { asOf: opts.today() } : {},
              );
            return processed;
          });
          log.info({ job: job.id, businessId: business.id, ...r, dates: r.dates.length }, 'Stripe events applied');
        }
      },
    );
  }

  const refreshInline = async (businessId: string, dates: string[]) => {
    if (!dates.length) return;
    const business = await getBusiness(database.db, businessId);
    await withBusiness(database.db, businessId, (tx) =>
      refreshAfterChange(tx, business, { dates }, opts.today ? { asOf: opts.today() } : {}),
    );
  };
  const sendSync = (job: SyncJob) =>
    boss.send(job.provider === 'xero' ? XERO_SYNC_QUEUE : STRIPE_SYNC_QUEUE, job, {
      singletonKey: job.connectionId,
      retryLimit: 3,
      retryDelay: 60,
      retryBackoff: true,
      expireInMinutes: 120,
    });

  if (opts.work && opts.sync) {
    const { services, intervalMinutes } = opts.sync;
    const { xero } = services;
    const poll = { pollingIntervalSeconds: opts.pollingIntervalSeconds ?? 2, batchSize: 1 };
    const runSync = async (job: { id: string; data: SyncJob }) => {
      const { businessId, connectionId, provider, mode } = job.data;
      try {
        const r = await syncConnection(services, businessId, connectionId, mode);
        await refreshInline(businessId, r.changedDates);
      } catch (err) {
        // A connection that needs reconnecting is not retried (only a person can fix it), nor one already syncing.
        if (err instanceof ReauthRequiredError || err instanceof ConflictError || err instanceof ConfigError) {
          log.warn({ job: job.id, businessId, connectionId, provider, reason: err.message }, 'sync skipped');
          return;
        }
        throw err;
      }
    };
    await boss.work<SyncJob>(XERO_SYNC_QUEUE, poll, ([job]) => runSync(job!));
    await boss.work<SyncJob>(STRIPE_SYNC_QUEUE, poll, ([job]) => runSync(job!));
    if (xero)
      await boss.work<{ businessId: string }>(XERO_EVENTS_QUEUE, poll, async ([job]) => {
        const r = await processXeroEvents(xero, job!.data.businessId);
        await refreshInline(job!.data.businessId, r.changedDates);
        log.info({ job: job!.id, events: r.events, failed: r.failed }, 'Xero events applied');
        if (r.failed) throw new Error(`${r.failed} Xero events could not be applied yet`);
      });
    await boss.work(SYNC_SCHEDULE_QUEUE, poll, async () => {
      for (const c of await activeConnections(database)) {
        if (c.provider === 'xero' && !xero) continue;
        await sendSync({ ...c, mode: 'incremental' });
      }
    });
    await boss.schedule(SYNC_SCHEDULE_QUEUE, cronEvery(intervalMinutes));
  }

  const kickWebhooks = () => boss.send(WEBHOOKS_QUEUE, {}, { singletonKey: 'deliver', retryLimit: 0 });
  let ticker: NodeJS.Timeout | undefined;
  if (opts.work && opts.webhooks) {
    const delivery: DeliveryOptions = { ...opts.webhooks, logger: log };
    await boss.work(WEBHOOKS_QUEUE, { pollingIntervalSeconds: 0.5, batchSize: 1 }, async () => {
      // Until nothing is due (bounded, so one run cannot hold the worker forever).
      for (let round = 0; round < 20; round++) {
        const r = await deliverDue(database.db, delivery);
        if (r.sent) log.info(r, 'webhooks delivered');
        if (!r.sent) break;
      }
    });
    let checking = false;
    ticker = setInterval(() => {
      if (checking) return;
      checking = true;
      deliveriesDue(database.db)
        .then((due) => (due ? kickWebhooks() : null))
        .catch((err) => log.warn({ err }, 'could not check for due webhooks'))
        .finally(() => {
          checking = false;
        });
    }, opts.webhooks.pollMs ?? 1000);
    ticker.unref();
  }

  // Work a process left undone when it died (a killed worker's job stays active until it expires):
  // stored webhook events not yet applied are queued again at once. Applying them is idempotent.
  if (opts.work) {
    for (const p of await pendingInboundEvents(database)) {
      if (p.provider === 'stripe')
        await boss.send(STRIPE_EVENTS_QUEUE, { businessId: p.businessId }, { retryLimit: 5, retryBackoff: true });
      else if (p.provider === 'xero' && opts.sync?.services.xero)
        await boss.send(XERO_EVENTS_QUEUE, { businessId: p.businessId }, { retryLimit: 5, retryBackoff: true });
    }
  }

  return {
    kickWebhooks,
    enqueueSync: sendSync,
    enqueueScheduledSyncs: () => boss.send(SYNC_SCHEDULE_QUEUE, {}),
    enqueueXeroEvents: (businessId) =>
      boss.send(XERO_EVENTS_QUEUE, { businessId }, { singletonKey: businessId, retryLimit: 5, retryBackoff: true }),
    enqueueStripeEvents: (businessId) =>
      // One pending run per business is enough: it applies every stored event.
      boss.send(STRIPE_EVENTS_QUEUE, { businessId }, { singletonKey: businessId, retryLimit: 5, retryBackoff: true }),
    enqueueRefresh: (job) =>
      boss.send(REFRESH_QUEUE, job, { retryLimit: 3, retryDelay: 5, retryBackoff: true, expireInMinutes: 15 }),
    async waitFor(id, timeoutMs = 30_000, queue = REFRESH_QUEUE) {
      const until = Date.now() + timeoutMs;
      while (Date.now() < until) {
        const job = await boss.getJobById(queue, id);
        if (job?.state === 'completed') return true;
        if (job?.state === 'failed' || job?.state === 'cancelled') return false;
        await new Promise((r) => setTimeout(r, 100));
      }
      return false;
    },
    stop: async () => {
      if (ticker) clearInterval(ticker);
      await boss.stop({ graceful: true, wait: true, timeout: 10_000 });
    },
  };
}

/**
 * A cron expression for "every n minutes": n itself when it divides an hour or a day, otherwise the nearest
 * interval that does (a tie goes to the more frequent one).
 */
export function cronEvery(minutes: number): string {
  if (minutes < 60) {
    const n = [1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30].reduce((a, b) =>
      Math.abs(b - minutes) < Math.abs(a - minutes) ? b : a,
    );
    return n === 1 ? '* * * * *' : `*/${n} * * * *`;
  }
  const hours = [1, 2, 3, 4, 6, 8, 12, 24].reduce((a, b) =>
    Math.abs(b * 60 - minutes) < Math.abs(a * 60 - minutes) ? b : a,
  );
  return hours === 24 ? '0 0 * * *' : hours === 1 ? '0 * * * *' : `0 */${hours} * * *`;
}

async function pendingInboundEvents(database: Database): Promise<{ businessId: string; provider: string }[]> {
  return withSystem(database.db, (tx) =>
    queryRows<{ businessId: string; provider: string }>(
      tx,
      sql`select distinct business_id::text as "businessId", provider from inbound_events
          where processed_at is null and business_id is not null`,
    ),
  );
}

async function activeConnections(database: Database): Promise<Omit<SyncJob, 'mode'>[]> {
  const rows = await withSystem(database.db, (tx) =>
    tx
      .select({
        businessId: integrationAccounts.businessId,
        connectionId: integrationAccounts.id,
        provider: integrationAccounts.provider,
      })
      .from(integrationAccounts)
      .where(and(inArray(integrationAccounts.provider, ['xero', 'stripe']), eq(integrationAccounts.status, 'active'))),
  );
  return rows as Omit<SyncJob, 'mode'>[];
}
