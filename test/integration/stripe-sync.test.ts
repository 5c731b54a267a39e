/**
 * Stripe through the real SDK against the fake: connecting validates and seals the key; a backfill's
 * counts and sums equal the fake's data; a re-run writes nothing; new objects are picked up; a backfill
 * that fails mid-way resumes after its last committed page with nothing lost or doubled.
 */
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBusiness } from '../../src/db/businesses';
import { queryRows, withBusiness } from '../../src/db/client';
import { connectStripe, type StripeDeps, syncStripe } from '../../src/integrations/stripe/sync';
import { createLogger } from '../../src/logger';
import { D } from '../../src/money';
import { demoStripeData, FAKE_STRIPE_KEY, type FakeStripe, startFakeStripe } from '../fakes/stripe';
import { useTestDatabase } from '../helpers/db';

const t = useTestDatabase();
let fake: FakeStripe;
let deps: StripeDeps;
let businessId = '';
let connectionId = '';
const actor = { type: 'system' as const };

beforeAll(async () => {
  fake = await startFakeStripe(demoStripeData(4242, 12, 1));
  deps = {
    database: t.database,
    keys: [{ key: randomBytes(32), keyId: 'k' }],
    logger: createLogger('silent'),
    apiBaseUrl: fake.url,
  };
  businessId = (await createBusiness(t.db, { name: 'Stripe Shop Ltd', baseCurrency: 'USD' })).id;
});
afterAll(async () => {
  await fake.close();
});

/** The fake's truth, in major units. */
function expected() {
  const sum = (rows: Record<string, unknown>[], f: (r: Record<string, unknown>) => number) =>
    rows.reduce((a, r) => a.plus(new D(f(r)).div(100)), new D(0)).toFixed(2);
  const d = fake.data;
  const fees = d.balance_transactions.filter((b) => Number(b.fee) > 0);
  return {
    customers: d.customers.length,
    subscriptions: d.subscriptions.length,
    invoices: {
      n: d.invoices.length,
      total: sum(d.invoices, (i) => Number(i.total)),
      due: sum(d.invoices, (i) => Number(i.amount_remaining)),
    },
    charges: { n: d.charges.length, total: sum(d.charges, (c) => Number(c.amount)) },
    refunds: { n: d.refunds.length, total: sum(d.refunds, (r) => Number(r.amount)) },
    payouts: { n: d.payouts.length, total: sum(d.payouts, (p) => Number(p.amount)) },
    fees: { n: fees.length, total: sum(fees, (b) => Number(b.fee)) },
  };
}

async function actual() {
  const [r] = await withBusiness(t.db, businessId, (tx) =>
    queryRows<Record<string, string | number>>(
      tx,
      sql`select
        (select count(*)::int from contacts where source = 'stripe') as customers,
        (select count(*)::int from subscriptions where source = 'stripe') as subscriptions,
        (select count(*)::int from invoices where source = 'stripe') as inv_n,
        (select coalesce(sum(total), 0)::numeric(20,2)::text from invoices where source = 'stripe') as inv_total,
        (select coalesce(sum(amount_due), 0)::numeric(20,2)::text from invoices where source = 'stripe') as inv_due,
        (select count(*)::int from transactions where kind = 'CHARGE') as charge_n,
        (select coalesce(sum(abs(amount)), 0)::numeric(20,2)::text from transactions where kind = 'CHARGE') as charge_total,
        (select count(*)::int from transactions where kind = 'REFUND') as refund_n,
        (select coalesce(sum(abs(amount)), 0)::numeric(20,2)::text from transactions where kind = 'REFUND') as refund_total,
        (select count(*)::int from transactions where kind = 'PAYOUT') as payout_n,
        (select coalesce(sum(abs(amount)), 0)::numeric(20,2)::text from transactions where kind = 'PAYOUT') as payout_total,
        (select count(*)::int from transactions where kind = 'FEE') as fee_n,
        (select coalesce(sum(abs(amount)), 0)::numeric(20,2)::text from transactions where kind = 'FEE') as fee_total`,
    ),
  );
  return {
    customers: r!.customers,
    subscriptions: r!.subscriptions,
    invoices: { n: r!.inv_n, total: r!.inv_total, due: r!.inv_due },
    charges: { n: r!.charge_n, total: r!.charge_total },
    refunds: { n: r!.refund_n, total: r!.refund_total },
    payouts: { n: r!.payout_n, total: r!.payout_total },
    fees: { n: r!.fee_n, total: r!.fee_total },
  };
}

const listCalls = (path: string) => fake.calls.filter((c) => c.path === path && c.status === 200);

describe('Stripe connect and backfill', () => {
  it('refuses a malformed or refused key, and stores a good one sealed', async () => {
    await expect(connectStripe(deps, businessId, 'pk_test_nope', actor)).rejects.toThrow(/not a Stripe secret/);
    await expect(connectStripe(deps, businessId, 'sk_test_wrongwrongwrong123', actor)).rejects.toThrow(
      /refused this key/,
    );
    const c = await connectStripe(deps, businessId, FAKE_STRIPE_KEY, actor);
    expect(c).toMatchObject({ accountId: 'acct_1FakeStripeAcct', name: 'Fake Stripe Co' });
    connectionId = c.connectionId;
    const [row] = await withBusiness(t.db, businessId, (tx) =>
      queryRows<{ credentials_ciphertext: string }>(tx, sql`select credentials_ciphertext from integration_accounts`),
    );
    expect(row!.credentials_ciphertext).not.toContain(FAKE_STRIPE_KEY);
  });

  it('a backfill that fails mid-way resumes after its last committed page; the result equals Stripe exactly', async () => {
    // From the third page of charges on, Stripe fails (past the SDK's own retries).
    fake.failWhen = (path) => (path === '/v1/charges' && listCalls('/v1/charges').length >= 2 ? '500' : null);
    await expect(syncStripe(deps, businessId, connectionId)).rejects.toThrow(/Stripe/);
    fake.failWhen = null;
    const before = listCalls('/v1/charges').length;
    expect(before).toBe(2);
    const r = await syncStripe(deps, businessId, connectionId);
    expect(r.status).toBe('succeeded');
    // The re-run's first charges request continued after the 200th charge, not from the top.
    const resumed = listCalls('/v1/charges')[before]!;
    const lastCommitted = [...fake.data.charges].sort((a, b) => b.created - a.created || (a.id < b.id ? 1 : -1))[199]!;
    expect(new URLSearchParams(resumed.query).get('starting_after')).toBe(lastCommitted.id);
    expect(await actual()).toEqual(expected());
  });

  it('a second sync reads only what is new and writes nothing; a new charge is picked up', async () => {
    const before = fake.calls.length;
    const again = await syncStripe(deps, businessId, connectionId);
    expect(again.written).toBe(0);
    const calls = fake.calls.slice(before);
    expect(calls).toHaveLength(8);
    expect(calls.every((c) => new URLSearchParams(c.query).has('created[gt]'))).toBe(true);

    const template = fake.data.charges[0]!;
    fake.data.charges.push({
      ...template,
      id: 'ch_new_after_backfill',
      amount: 4_999,
      created: Math.floor(Date.now() / 1000),
    });
    const next = await syncStripe(deps, businessId, connectionId);
    expect(next.entities.charges).toEqual({ records: 1, written: 1 });
    expect(await actual()).toEqual(expected());
  });

  it('a request Stripe never answers times out and is retried; four in a row fail the sync clearly, writing nothing', async () => {
    const quick = { ...deps, timeoutMs: 300 };
    const hung = () => fake.calls.filter((c) => c.status === -2).length;
    fake.faults.push('hang');
    const ok = await syncStripe(quick, businessId, connectionId);
    expect(ok.status).toBe('succeeded');
    expect(hung()).toBe(1);
    expect(await actual()).toEqual(expected());

    // The first try and the SDK's three retries all hang.
    fake.faults.push('hang', 'hang', 'hang', 'hang');
    await expect(syncStripe(quick, businessId, connectionId)).rejects.toThrow(/^Stripe: .*timeout/i);
    expect(hung()).toBe(5);
    expect(await actual()).toEqual(expected());
  }, 30_000);
});

describe('Stripe over HTTP and the CLI', () => {
  it('POST /v1/connections/stripe needs admin, validates the key, and starts the backfill', async () => {
    const { createApiKey } = await import('../../src/auth/api-keys');
    const { loadConfig } = await import('../../src/config');
    const { createApp } = await import('../../src/http/app');
    const config = loadConfig({
      DATA_DIR: '/tmp/cfo-stripe-http',
      ENCRYPTION_KEY: 'cd'.repeat(32),
      STRIPE_API_BASE_URL: fake.url,
    });
    const app = createApp({ config, database: t.database, logger: createLogger('silent') });
    const b = await createBusiness(t.db, { name: 'Stripe Over HTTP Ltd' });
    const admin = (await createApiKey(t.db, { businessId: b.id, name: 'a', scopes: ['admin'] })).key;
    const write = (await createApiKey(t.db, { businessId: b.id, name: 'w', scopes: ['write'] })).key;
    const post = (key: string, body: unknown) =>
      app.request('/v1/connections/stripe', {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await post(write, { key: FAKE_STRIPE_KEY })).status).toBe(403);
    const missing = await post(admin, {});
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as { error: { message: string } }).error.message).toMatch(/key/);
    expect((await post(admin, { key: 'sk_test_refusedrefusedrefused' })).status).toBe(400);
    const ok = await post(admin, { key: FAKE_STRIPE_KEY });
    expect(ok.status).toBe(201);
    const { connection } = (await ok.json()) as { connection: { connectionId: string } };
    // No queue in this app: the backfill runs in the background; wait for its run to finish.
    const end = Date.now() + 30_000;
    let status = '';
    while (Date.now() < end && status !== 'succeeded') {
      const r = await app.request('/v1/sync-runs', { headers: { authorization: `Bearer ${admin}` } });
      status = ((await r.json()) as { runs: { status: string }[] }).runs[0]?.status ?? '';
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(status).toBe('succeeded');
    const del = await app.request(`/v1/connections/${connection.connectionId}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(del.status).toBe(200);
    const [row] = await withBusiness(t.db, b.id, (tx) =>
      queryRows<{ status: string; sealed: boolean }>(
        tx,
        sql`select status, credentials_ciphertext is not null as sealed from integration_accounts`,
      ),
    );
    expect(row).toEqual({ status: 'revoked', sealed: false });
  });
});
