/**
 * Background jobs on pg-boss, in the service's own database (PGlite or PostgreSQL), so any number of
 * workers share the queue through SKIP LOCKED. Requests only enqueue; the worker does the heavy part.
 *
 * Queues:
 *   - `insights.refresh`: after records changed, recompute the periods they touch (then readiness and
 *     recommendations) — `{ businessId, dates, kinds? }`.
 *   - `stripe.events`: apply a business's stored Stripe webhook events, then refresh what they changed —
 *     `{ businessId }`.
 */
import PgBoss from 'pg-boss';
import { getBusiness } from '../db/businesses';
import { type Database, withBusiness } from '../db/client';
import { refreshAfterChange } from '../domain/insights';
import { processStripeEvents } from '../integrations/stripe/events';
import type { Logger } from '../logger';

export const REFRESH_QUEUE = 'insights.refresh';
export const STRIPE_EVENTS_QUEUE = 'stripe.events';

export interface RefreshJob {
  businessId: string;
  dates: string[];
  kinds?: string[];
}

export interface Jobs {
  enqueueRefresh(job: RefreshJob): Promise<string | null>;
  enqueueStripeEvents(businessId: string): Promise<string | null>;
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
}

function bossFor(database: Database): PgBoss {
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
  const boss = bossFor(database);
  boss.on('error', (err) => log.error({ err }, 'job queue error'));
  const started = performance.now();
  await boss.start();
  await boss.createQueue(REFRESH_QUEUE);
  await boss.createQueue(STRIPE_EVENTS_QUEUE);
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

  return {
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
    stop: () => boss.stop({ graceful: true, wait: true, timeout: 10_000 }),
  };
}
