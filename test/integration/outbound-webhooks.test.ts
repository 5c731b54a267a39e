/**
 * Outbound webhooks end to end, with the real job queue (pg-boss on this database) delivering to real HTTP
 * receivers: a receiver that fails three times then succeeds gets the event exactly once accepted, every
 * attempt signed (checked with the snippet docs/webhooks.md publishes) and logged; a receiver that always
 * fails disables its subscription after 20 attempts; real changes raise their events — an alert starting to
 * hold (once), a recommendation resolved by a person, a finished sync.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/auth/api-keys';
import { backoffDelay } from '../../src/backoff';
import { loadConfig } from '../../src/config';
import { createBusiness } from '../../src/db/businesses';
import { queryRows, withBusiness } from '../../src/db/client';
import { recommendations } from '../../src/db/schema';
import { refreshInsights } from '../../src/domain/insights';
import { type App, createApp, type JobsHolder } from '../../src/http/app';
import { importStatement } from '../../src/integrations/csv/import';
import { NOT_DELIVERED } from '../../src/integrations/outbound-webhooks';
import { finishRun, startRun } from '../../src/integrations/sync-runs';
import { type Jobs, startJobs } from '../../src/jobs';
import { createLogger } from '../../src/logger';
import { useTestDatabase } from '../helpers/db';

const t = useTestDatabase();
const TODAY = '2026-11-22';
const config = loadConfig({ DATA_DIR: '/tmp/cfo-webhooks-out', ENCRYPTION_KEY: '5f'.repeat(32) });
let app: App;
let jobs: Jobs;
const holder: JobsHolder = {};
let business: { id: string; baseCurrency: string };
let adminKey = '';
const LOCAL = { allowPrivate: true };

/** The verification function exactly as docs/webhooks.md shows it. */
const docs = readFileSync(new URL('../../docs/webhooks.md', import.meta.url), 'utf8');
const snippet = /```js\n([\s\S]*?)```/.exec(docs)![1]!;
const verifyCfoSignature = new Function('require', `${snippet}\nreturn verifyCfoSignature;`)((m: string) =>
  m === 'node:crypto' ? require('node:crypto') : undefined,
) as (secret: string, header: string, body: string, tolerance?: number) => boolean;

interface Received {
  headers: IncomingMessage['headers'];
  body: string;
  status: number;
}

/** A receiver on port 0 that answers each request with the status `plan` gives for its number (1-based). */
async function receiver(plan: (n: number) => number) {
  const got: Received[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => {
      body += d;
    });
    req.on('end', () => {
      const status = plan(got.length + 1);
      got.push({ headers: req.headers, body, status });
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : 'nope');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return { url, got, close: () => new Promise<void>((r) => server.close(() => r())) };
}

const api = (method: string, path: string, body?: unknown) =>
  app.request(path, {
    method,
    headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

async function subscribe(url: string, events: string[]) {
  const res = await api('POST', '/v1/webhooks', { url, events });
  expect(res.status).toBe(201);
  return (await res.json()) as { webhook: { id: string }; secret: string };
}

async function until<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

beforeAll(async () => {
  business = await createBusiness(t.db, { name: 'Hooked Ltd' });
  adminKey = (await createApiKey(t.db, { businessId: business.id, name: 'admin', scopes: ['admin'] })).key;
  await withBusiness(t.db, business.id, async (tx) => {
    await importStatement(tx, business, {
      account: 'Checking',
      text: 'Date,Description,Amount\n2026-08-05,Opening deposit,50000.00\n2026-09-10,Rent,-4500.00\n2026-10-10,Rent,-4500.00\n',
    });
  });
  jobs = await startJobs(t.database, createLogger('silent'), {
    work: true,
    pollingIntervalSeconds: 0.5,
    today: () => TODAY,
    webhooks: {
      keys: [{ key: config.encryption.key, keyId: config.encryption.keyId }],
      retryBaseMs: 150,
      maxBackoffMs: 400,
      pollMs: 100,
      // The receivers listen on this machine: private destinations allowed (the SSRF tests turn it off).
      destinations: LOCAL,
    },
  });
  holder.current = jobs;
  app = createApp({
    config,
    database: t.database,
    logger: createLogger('silent'),
    jobs: holder,
    today: () => TODAY,
    destinations: LOCAL,
  });
}, 120_000);
afterAll(() => jobs?.stop());

describe('delivery', () => {
  it('a receiver that fails three times then succeeds gets the event exactly once, signed, every attempt logged', async () => {
    const r = await receiver((n) => (n <= 3 ? 500 : 200));
    try {
      const { webhook, secret } = await subscribe(r.url, ['*']);
      const sent = await api('POST', `/v1/webhooks/${webhook.id}/test`);
      expect(sent.status).toBe(202);
      const { eventId } = await sent.json();
      await until('a 2xx', () => r.got.some((g) => g.status === 200));
      await new Promise((res) => setTimeout(res, 1500)); // nothing more may come after the success
      expect(r.got.map((g) => g.status)).toEqual([500, 500, 500, 200]);
      expect(r.got.filter((g) => g.status < 300)).toHaveLength(1);
      r.got.forEach((g, i) => {
        expect(g.headers['cfo-event-id']).toBe(eventId);
        expect(g.headers['cfo-event-type']).toBe('test');
        expect(g.headers['cfo-delivery-attempt']).toBe(String(i + 1));
        expect(verifyCfoSignature(secret, String(g.headers['cfo-signature']), g.body)).toBe(true);
        expect(verifyCfoSignature('whsec_wrong', String(g.headers['cfo-signature']), g.body)).toBe(false);
        expect(verifyCfoSignature(secret, String(g.headers['cfo-signature']), `${g.body} `)).toBe(false);
        expect(JSON.parse(g.body)).toMatchObject({ id: eventId, type: 'test', businessId: business.id });
      });

      const log = await (await api('GET', `/v1/webhooks/${webhook.id}/deliveries`)).json();
      const attempts = [...log.deliveries].sort(
        (a: { attempt: number }, b: { attempt: number }) => a.attempt - b.attempt,
      );
      expect(
        attempts.map((d: { attempt: number; status: string; responseStatus: number }) => [
          d.attempt,
          d.status,
          d.responseStatus,
        ]),
      ).toEqual([
        // A failed attempt keeps no status: the log must not tell what is behind a URL.
        [1, 'failed', null],
        [2, 'failed', null],
        [3, 'failed', null],
        [4, 'succeeded', 200],
      ]);
      expect(attempts[0].error).toBe(NOT_DELIVERED);
      // The backoff doubled (150 ms, then 300): a retry's row is written when the attempt before it failed,
      // and no retry went out before its time. (Lower bounds only: polling and load only add to the gaps.)
      const times: number[] = attempts.map((d: { createdAt: string }) => Date.parse(d.createdAt));
      expect(times[2]! - times[1]!).toBeGreaterThanOrEqual(backoffDelay(1, { baseMs: 150, capMs: 400 }) - 1);
      expect(times[3]! - times[2]!).toBeGreaterThanOrEqual(backoffDelay(2, { baseMs: 150, capMs: 400 }) - 1);
      const sub = await (await api('GET', `/v1/webhooks/${webhook.id}`)).json();
      expect(sub).toMatchObject({ active: true, consecutiveFailures: 0 });
    } finally {
      await r.close();
    }
  }, 60_000);

  it('after 20 failures in a row the subscription is disabled, and the audit log says so', async () => {
    const r = await receiver(() => 503);
    try {
      const { webhook } = await subscribe(r.url, ['sync.failed']);
      await api('POST', `/v1/webhooks/${webhook.id}/test`);
      const sub = await until(
        'the subscription disabled',
        async () => {
          const s = await (await api('GET', `/v1/webhooks/${webhook.id}`)).json();
          return s.active ? undefined : s;
        },
        45_000,
      );
      expect(sub).toMatchObject({ active: false, consecutiveFailures: 20 });
      expect(sub.disabledAt).toBeTruthy();
      await new Promise((res) => setTimeout(res, 800));
      expect(r.got).toHaveLength(20);
      const audit = await (await api('GET', '/v1/audit-log?entityType=webhook_subscription')).json();
      expect(audit.entries.map((e: { action: string }) => e.action)).toContain('webhook.disabled');
      // A disabled subscription takes no test events until it is enabled again.
      expect((await api('POST', `/v1/webhooks/${webhook.id}/test`)).status).toBe(400);
      expect((await api('PATCH', `/v1/webhooks/${webhook.id}`, { active: true })).status).toBe(200);
    } finally {
      await r.close();
    }
  }, 90_000);

  it('an endpoint that is not there is retried; the log says only that it was not delivered', async () => {
    const r = await receiver(() => 200);
    await r.close(); // nothing listens on its port now
    const { webhook } = await subscribe(r.url, ['sync.failed']);
    await api('POST', `/v1/webhooks/${webhook.id}/test`);
    const log = await until('two failed attempts', async () => {
      const l = await (await api('GET', `/v1/webhooks/${webhook.id}/deliveries`)).json();
      return l.deliveries.filter((d: { status: string }) => d.status === 'failed').length >= 2 ? l : undefined;
    });
    const failed = log.deliveries.find((d: { status: string }) => d.status === 'failed');
    expect(failed).toMatchObject({ error: NOT_DELIVERED, responseStatus: null });
    await api('DELETE', `/v1/webhooks/${webhook.id}`);
  }, 60_000);
});

describe('events from real changes', () => {
  it('alert.triggered when an alert starts to hold, once; recommendation and sync events as they happen', async () => {
    const r = await receiver(() => 200);
    try {
      await subscribe(r.url, ['alert.triggered', 'recommendation.resolved', 'sync.completed']);
      const alert = await api('POST', '/v1/alerts', {
        name: 'Cash under 100k',
        metric: 'cash_balance',
        operator: 'lt',
        threshold: '100000',
      });
      expect(alert.status).toBe(201);
      for (let i = 0; i < 2; i++)
        await withBusiness(t.db, business.id, (tx) => refreshInsights(tx, business, { asOf: TODAY }));
      const triggered = await until('alert.triggered', () =>
        r.got.find((g) => g.headers['cfo-event-type'] === 'alert.triggered'),
      );
      expect(JSON.parse(triggered.body).data).toMatchObject({
        alert: { name: 'Cash under 100k', metric: 'cash_balance', operator: 'lt', threshold: '100000' },
        value: '41000.0000',
        asOf: TODAY,
      });
      const alerts = await (await api('GET', '/v1/alerts')).json();
      expect(alerts.alerts[0]).toMatchObject({ state: 'triggered', lastValue: '41000.0000' });

      // A person resolves a recommendation.
      const [rec] = await withBusiness(t.db, business.id, (tx) =>
        tx
          .insert(recommendations)
          .values({
            businessId: business.id,
            ruleId: 'test',
            dedupeKey: 'test:resolve-me',
            title: 'Chase the overdue invoice',
            description: 'x',
            priority: 'high',
            category: 'collections',
          })
          .returning({ id: recommendations.id }),
      );
      expect((await api('PATCH', `/v1/recommendations/${rec!.id}`, { status: 'resolved' })).status).toBe(200);
      const resolved = await until('recommendation.resolved', () =>
        r.got.find((g) => g.headers['cfo-event-type'] === 'recommendation.resolved'),
      );
      expect(JSON.parse(resolved.body).data.recommendation).toMatchObject({ id: rec!.id, status: 'resolved' });

      // A sync run closing.
      const [conn] = await withBusiness(t.db, business.id, (tx) =>
        queryRows<{ id: string }>(
          tx,
          sql`insert into integration_accounts (business_id, provider, external_id, name, status)
              values (${business.id}, 'stripe', 'acct_hooked', 'Hooked Stripe', 'active') returning id::text`,
        ),
      );
      const runId = await startRun(
        t.db,
        { id: conn!.id, businessId: business.id, name: 'Hooked Stripe', provider: 'stripe' },
        'incremental',
      );
      await finishRun(
        t.db,
        { businessId: business.id, connectionId: conn!.id, runId },
        { status: 'succeeded', processed: 12, succeeded: 12, failed: 0, skipped: 0, durationMs: 42 },
        {},
      );
      const sync = await until('sync.completed', () =>
        r.got.find((g) => g.headers['cfo-event-type'] === 'sync.completed'),
      );
      expect(JSON.parse(sync.body).data.run).toMatchObject({
        id: runId,
        provider: 'stripe',
        processed: 12,
        status: 'succeeded',
      });

      await new Promise((res) => setTimeout(res, 800));
      // The alert fired once for two refreshes that both saw it hold.
      expect(r.got.filter((g) => g.headers['cfo-event-type'] === 'alert.triggered')).toHaveLength(1);
    } finally {
      await r.close();
    }
  }, 60_000);
});
