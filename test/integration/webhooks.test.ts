import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import Stripe from 'stripe';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config';
import { createBusiness } from '../../src/db/businesses';
import { queryRows, withBusiness, withSystem } from '../../src/db/client';
import { integrationAccounts } from '../../src/db/schema';
import { createApp } from '../../src/http/app';
import { xeroSignature } from '../../src/integrations/xero/webhooks';
import { createLogger } from '../../src/logger';
import { useTestDatabase } from '../helpers/db';

const t = useTestDatabase();
const FIXTURES = new URL('../fixtures/stripe-webhooks/', import.meta.url).pathname;
const KEY = 'xero-webhook-signing-key-for-tests';
const TENANT = '463a3fdc-8f3a-4b3b-a0a8-2a8d6f0c7e11';
const STRIPE_SECRET = 'whsec_test_secret_for_webhooks';
let app: ReturnType<typeof createApp>;
let businessId = '';

beforeAll(async () => {
  const config = loadConfig({
    DATA_DIR: '/tmp/cfo-webhooks',
    ENCRYPTION_KEY: 'ef'.repeat(32),
    XERO_WEBHOOK_KEY: KEY,
    STRIPE_WEBHOOK_SECRET: STRIPE_SECRET,
  });
  app = createApp({ config, database: t.database, logger: createLogger('silent') });
  businessId = (await createBusiness(t.db, { name: 'Hooked Ltd' })).id;
  await withBusiness(t.db, businessId, (tx) =>
    tx.insert(integrationAccounts).values([
      { businessId, provider: 'xero', externalId: TENANT, name: 'Hooked (Xero)' },
      { businessId, provider: 'stripe', externalId: 'acct_hooked', name: 'Hooked (Stripe)' },
    ]),
  );
});

const post = (body: string, signature: string | undefined) =>
  app.request('/webhooks/xero', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(signature ? { 'x-xero-signature': signature } : {}) },
    body,
  });
const events = (n: number) =>
  JSON.stringify({
    events: Array.from({ length: n }, (_, i) => ({
      resourceUrl: `https://api.xero.com/api.xro/2.0/Invoices/inv-${i}`,
      resourceId: `inv-${i}`,
      eventDateUtc: '2026-11-22T10:00:00.000',
      eventType: 'UPDATE',
      eventCategory: 'INVOICE',
      tenantId: i === n - 1 ? 'unknown-tenant' : TENANT,
      tenantType: 'ORGANISATION',
    })),
    firstEventSequence: 1,
    lastEventSequence: n,
    entropy: 'S0m3r4Nd0mt3xt',
  });
const stored = (provider = 'xero') =>
  withSystem(t.db, (tx) =>
    queryRows<{ business_id: string | null; event_type: string }>(
      tx,
      sql`select business_id, event_type from inbound_events where provider = ${provider} order by external_event_id`,
    ),
  );

describe('POST /webhooks/xero', () => {
  it('answers intent-to-receive probes: 200 and an empty body when signed right, 401 when not', async () => {
    const probe = JSON.stringify({
      events: [],
      firstEventSequence: 0,
      lastEventSequence: 0,
      entropy: 'YSXCMKAQBJOEPPUNZJUH',
    });
    const good = await post(probe, xeroSignature(probe, KEY));
    expect(good.status).toBe(200);
    expect(await good.text()).toBe('');
    const bad = await post(probe, xeroSignature(probe, 'another key'));
    expect(bad.status).toBe(401);
    expect(await bad.text()).toBe('');
    expect((await post(probe, undefined)).status).toBe(401);
  });

  it('stores each event once, routed to the business that owns the tenant, and nothing for a bad signature', async () => {
    const body = events(3);
    expect((await post(body, xeroSignature(`${body} `, KEY))).status).toBe(401);
    expect(await stored()).toEqual([]);
    expect((await post(body, xeroSignature(body, KEY))).status).toBe(200);
    // Answered once stored: applying them is a job's work, not the request's.
    const pending = await withSystem(t.db, (tx) =>
      queryRows<{ n: number }>(
        tx,
        sql`select count(*)::int as n from inbound_events where provider = 'xero' and processed_at is null and attempts = 0`,
      ),
    );
    expect(pending[0]!.n).toBe(3);
    expect((await post(body, xeroSignature(body, KEY))).status).toBe(200); // redelivered
    const rows = await stored();
    expect(rows).toHaveLength(3);
    expect(rows.map((r) => r.business_id)).toEqual([businessId, businessId, null]);
    expect(rows[0]!.event_type).toBe('INVOICE.UPDATE');
  });
});

describe('POST /webhooks/stripe', () => {
  const fixture = (name: string) => readFileSync(join(FIXTURES, `${name}.json`), 'utf8');
  const send = (body: string, signature: string) =>
    app.request('/webhooks/stripe', { method: 'POST', headers: { 'stripe-signature': signature }, body });

  it('stores each verified event once for the business with the Stripe connection; a bad signature gets 400 and nothing', async () => {
    const body = fixture('charge.succeeded');
    const bad = await send(body, Stripe.webhooks.generateTestHeaderString({ payload: body, secret: 'whsec_wrong' }));
    expect(bad.status).toBe(400);
    const stale = await send(
      body,
      Stripe.webhooks.generateTestHeaderString({
        payload: body,
        secret: STRIPE_SECRET,
        timestamp: Math.floor(Date.now() / 1000) - 600,
      }),
    );
    expect(stale.status).toBe(400);
    // Nor from ten minutes ahead: a signature is fresh within 300 s either way.
    const future = await send(
      body,
      Stripe.webhooks.generateTestHeaderString({
        payload: body,
        secret: STRIPE_SECRET,
        timestamp: Math.floor(Date.now() / 1000) + 600,
      }),
    );
    expect(future.status).toBe(400);
    expect(await stored('stripe')).toEqual([]);

    for (const name of ['charge.succeeded', 'charge.refunded', 'payout.paid', 'charge.succeeded']) {
      // The fixtures share a placeholder event id: give each its own, as Stripe would.
      const payload = fixture(name).replace('"evt_000000000000000000000000"', `"evt_${name.replace(/\./g, '_')}"`);
      const res = await send(payload, Stripe.webhooks.generateTestHeaderString({ payload, secret: STRIPE_SECRET }));
      expect(res.status).toBe(200);
    }
    const rows = await stored('stripe');
    expect(rows.map((r) => r.event_type).sort()).toEqual(['charge.refunded', 'charge.succeeded', 'payout.paid']);
    expect(new Set(rows.map((r) => r.business_id))).toEqual(new Set([businessId]));
  });
});
