/**
 * Secrets never show: after connecting Xero (OAuth through the fake) and Stripe, syncing, and a round of
 * failing requests (a wrong API key, a refused Stripe key, bad webhook signatures, a bad tool call), none of
 * the API key, the Xero tokens and client secret, the Stripe key, the webhook secrets or the encryption key
 * appears in the logs (debug level), in any response, or anywhere in a dump of every table.
 */
import { Writable } from 'node:stream';
import { sql } from 'drizzle-orm';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/auth/api-keys';
import { loadConfig } from '../../src/config';
import { createBusiness } from '../../src/db/businesses';
import { queryRows, withSystem } from '../../src/db/client';
import { createApp } from '../../src/http/app';
import { signState } from '../../src/integrations/xero';
import { createLogger } from '../../src/logger';
import { demoStripeData, FAKE_STRIPE_KEY, type FakeStripe, startFakeStripe } from '../fakes/stripe';
import { demoOrg, FAKE_XERO_CLIENT, type FakeXero, startFakeXero } from '../fakes/xero';
import { useTestDatabase } from '../helpers/db';

const t = useTestDatabase();
const ENCRYPTION_KEY = '5e'.repeat(32);
const XERO_WEBHOOK_KEY = 'xero-webhook-key-never-shown-0123456789';
const STRIPE_WEBHOOK_SECRET = 'whsec_never_shown_0123456789abcdef';
let xero: FakeXero;
let stripe: FakeStripe;
const logs: string[] = [];
const responses: string[] = [];
let apiKey = '';

beforeAll(async () => {
  xero = await startFakeXero([demoOrg(7, { name: 'Secretive Ltd' })]);
  stripe = await startFakeStripe(demoStripeData(7));
});
afterAll(async () => {
  await xero.close();
  await stripe.close();
});

describe('secrets', () => {
  it('appear in no log line, no response and no table after connecting, syncing and failing', async () => {
    const config = loadConfig({
      DATA_DIR: '/tmp/cfo-secrets',
      ENCRYPTION_KEY,
      LOG_LEVEL: 'debug',
      XERO_CLIENT_ID: FAKE_XERO_CLIENT.clientId,
      XERO_CLIENT_SECRET: FAKE_XERO_CLIENT.clientSecret,
      XERO_REDIRECT_URI: 'http://localhost/connect/xero/callback',
      XERO_API_BASE_URL: xero.url,
      XERO_IDENTITY_BASE_URL: xero.url,
      XERO_WEBHOOK_KEY,
      STRIPE_WEBHOOK_SECRET,
      STRIPE_API_BASE_URL: stripe.url,
    });
    const sink = new Writable({
      write(chunk, _enc, done) {
        logs.push(String(chunk));
        done();
      },
    });
    const app = createApp({ config, database: t.database, logger: createLogger('debug', sink) });
    const b = await createBusiness(t.db, { name: 'Secretive Ltd' });
    apiKey = (await createApiKey(t.db, { businessId: b.id, name: 'admin', scopes: ['admin'] })).key;
    const call = async (path: string, init: RequestInit = {}) => {
      const r = await app.request(path, init);
      const headers: string[] = [];
      r.headers.forEach((v, k) => {
        headers.push(`${k}: ${v}`);
      });
      responses.push(`${r.status} ${headers.join('\n')} ${await r.text()}`);
      return r;
    };
    const auth = { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' };

    // Xero through the browser's round trip, then its first sync (in the background: no queue here).
    const ticket = signState(
      { key: config.encryption.key, keyId: config.encryption.keyId },
      { purpose: 'ticket', businessId: b.id },
    );
    const start = await call(`/connect/xero?ticket=${ticket}`);
    const atXero = await fetch(start.headers.get('location')!, { redirect: 'manual' });
    const back = new URL(atXero.headers.get('location')!);
    expect((await call(back.pathname + back.search)).status).toBe(200);
    const end = Date.now() + 30_000;
    for (;;) {
      const r = await app.request('/v1/sync-runs', { headers: auth });
      const { runs } = (await r.json()) as { runs: { status: string }[] };
      if (runs.some((x) => x.status !== 'running')) break;
      if (Date.now() > end) throw new Error('the first sync did not finish');
      await new Promise((r) => setTimeout(r, 100));
    }
    // Stripe with a refused key, then the right one.
    expect(
      (
        await call('/v1/connections/stripe', {
          method: 'POST',
          headers: auth,
          body: JSON.stringify({ key: 'sk_test_NotTheRightKey0123456' }),
        })
      ).status,
    ).toBe(400);
    expect(
      (
        await call('/v1/connections/stripe', {
          method: 'POST',
          headers: auth,
          body: JSON.stringify({ key: FAKE_STRIPE_KEY }),
        })
      ).status,
    ).toBe(201);
    // Failures: a wrong API key, bad webhook signatures, a good Stripe webhook, a bad tool input.
    expect((await call('/v1/tools', { headers: { authorization: `Bearer ${apiKey.slice(0, -4)}abcd` } })).status).toBe(
      401,
    );
    expect(
      (await call('/webhooks/xero', { method: 'POST', headers: { 'x-xero-signature': 'AAAA' }, body: '{"events":[]}' }))
        .status,
    ).toBe(401);
    expect(
      (await call('/webhooks/stripe', { method: 'POST', headers: { 'stripe-signature': 't=1,v1=00' }, body: '{}' }))
        .status,
    ).toBe(400);
    const payload = JSON.stringify({
      id: 'evt_secret_test',
      object: 'event',
      type: 'customer.created',
      created: 1,
      data: { object: { id: 'cus_x', object: 'customer', created: 1 } },
    });
    const header = Stripe.webhooks.generateTestHeaderString({ payload, secret: STRIPE_WEBHOOK_SECRET });
    expect(
      (await call('/webhooks/stripe', { method: 'POST', headers: { 'stripe-signature': header }, body: payload }))
        .status,
    ).toBe(200);
    expect(
      (await call('/v1/tools/list_transactions', { method: 'POST', headers: auth, body: '{"limit":-5}' })).status,
    ).toBe(400);
    await new Promise((r) => setTimeout(r, 300)); // the Stripe backfill runs in the background

    const dump = await withSystem(t.db, async (tx) => {
      const tables = await queryRows<{ name: string }>(
        tx,
        sql`select tablename as name from pg_tables where schemaname = 'public'`,
      );
      const out: string[] = [];
      for (const { name } of tables) {
        const rows = await queryRows<{ j: string | null }>(
          tx,
          sql`select string_agg(row_to_json(x)::text, E'\n') as j from ${sql.identifier(name)} x`,
        );
        out.push(rows[0]?.j ?? '');
      }
      return out.join('\n');
    });

    const secrets: Record<string, string[]> = {
      'API key': [apiKey],
      'Xero tokens': xero.issued,
      'Xero client secret': [FAKE_XERO_CLIENT.clientSecret],
      'Stripe key': [FAKE_STRIPE_KEY],
      'webhook secrets': [XERO_WEBHOOK_KEY, STRIPE_WEBHOOK_SECRET],
      'encryption key': [ENCRYPTION_KEY],
    };
    expect(xero.issued.length).toBeGreaterThanOrEqual(2);
    expect(logs.length).toBeGreaterThan(10);
    expect(dump.length).toBeGreaterThan(10_000);
    const places = { logs: logs.join('\n'), responses: responses.join('\n'), database: dump };
    const found: string[] = [];
    for (const [what, values] of Object.entries(secrets))
      for (const v of values)
        for (const [where, text] of Object.entries(places)) if (text.includes(v)) found.push(`${what} in ${where}`);
    expect(found).toEqual([]);
  }, 60_000);
});
