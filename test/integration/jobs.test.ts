import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBusiness } from '../../src/db/businesses';
import { queryRows, withBusiness } from '../../src/db/client';
import { refreshInsights } from '../../src/domain/insights';
import { importStatement } from '../../src/integrations/csv/import';
import { type Jobs, startJobs } from '../../src/jobs';
import { createLogger } from '../../src/logger';
import { D } from '../../src/money';
import { useTestDatabase } from '../helpers/db';

const t = useTestDatabase();
const TODAY = '2026-11-22';
let jobs: Jobs;
let business: { id: string; baseCurrency: string };

beforeAll(async () => {
  business = await createBusiness(t.db, { name: 'Queued Ltd' });
  await withBusiness(t.db, business.id, async (tx) => {
    await importStatement(tx, business, {
      account: 'Checking',
      text: 'Date,Description,Amount\n2026-01-05,Opening deposit,50000.00\n2026-02-10,Rent,-4500.00\n2026-03-10,Rent,-4500.00\n',
    });
    await refreshInsights(tx, business, { asOf: TODAY });
  });
  jobs = await startJobs(t.database, createLogger('silent'), {
    work: true,
    pollingIntervalSeconds: 0.5,
    today: () => TODAY,
  });
}, 60_000);
afterAll(() => jobs?.stop());

const monthCash = (month: string) =>
  withBusiness(t.db, business.id, (tx) =>
    queryRows<{ cash: string; expenses: string | null }>(
      tx,
      sql`select cash_balance::text as cash, expenses::text as expenses from metric_snapshots
          where period_type = 'month' and period_start = ${month}`,
    ),
  );

describe('jobs (pg-boss on this database)', () => {
  it('an import enqueues a refresh of the periods it touched, and a worker runs it', async () => {
    const [before] = await monthCash('2026-02-01');
    const r = await withBusiness(t.db, business.id, (tx) =>
      importStatement(tx, business, {
        account: 'Checking',
        text: 'Date,Description,Amount\n2026-02-20,Laptop,-1999.99\n',
      }),
    );
    expect(r.changedDates).toEqual(['2026-02-20']);
    // Not refreshed yet: the import only wrote the line.
    expect((await monthCash('2026-02-01'))[0]!.cash).toBe(before!.cash);

    const id = await jobs.enqueueRefresh({ businessId: business.id, dates: r.changedDates, kinds: ['SPEND'] });
    expect(id).toBeTruthy();
    expect(await jobs.waitFor(id!, 30_000)).toBe(true);
    const [after] = await monthCash('2026-02-01');
    expect(new D(after!.cash).minus(before!.cash).toFixed(2)).toBe('-1999.99');
    // Later months' closing cash moves too (they were refreshed as part of the quarter and year).
    const [march] = await monthCash('2026-03-01');
    expect(new D(march!.cash).toFixed(2)).toBe('39000.01');
  }, 60_000);
});

describe('POST /v1/imports/csv with the job queue running', () => {
  it('answers at once with the refresh queued; the worker applies it', async () => {
    const { createApp } = await import('../../src/http/app');
    const { loadConfig } = await import('../../src/config');
    const { createApiKey } = await import('../../src/auth/api-keys');
    const app = createApp({
      config: loadConfig({ DATA_DIR: '/tmp/cfo-jobs', ENCRYPTION_KEY: 'cd'.repeat(32) }),
      database: t.database,
      logger: createLogger('silent'),
      jobs: { current: jobs },
    });
    const key = (await createApiKey(t.db, { businessId: business.id, name: 'importer', scopes: ['write'] })).key;
    const [before] = await monthCash('2026-03-01');
    const res = await app.request('/v1/imports/csv?account=Checking', {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'text/csv' },
      body: 'Date,Description,Amount\n2026-03-15,Client payment,2500.00\n',
    });
    expect(res.status).toBe(201);
    expect((await res.json()).refresh).toBe('queued');
    const deadline = Date.now() + 30_000;
    let cash = before!.cash;
    while (Date.now() < deadline && cash === before!.cash) {
      await new Promise((r) => setTimeout(r, 200));
      cash = (await monthCash('2026-03-01'))[0]!.cash;
    }
    expect(new D(cash).minus(before!.cash).toFixed(2)).toBe('2500.00');
  }, 60_000);
});

describe('Stripe webhook events with the job queue running', () => {
  it('a verified event is applied by the worker and its figures refreshed', async () => {
    const { createApp } = await import('../../src/http/app');
    const { loadConfig } = await import('../../src/config');
    const { integrationAccounts } = await import('../../src/db/schema');
    const { default: Stripe } = await import('stripe');
    const secret = 'whsec_jobs';
    const app = createApp({
      config: loadConfig({ DATA_DIR: '/tmp/cfo-jobs', ENCRYPTION_KEY: 'cd'.repeat(32), STRIPE_WEBHOOK_SECRET: secret }),
      database: t.database,
      logger: createLogger('silent'),
      jobs: { current: jobs },
    });
    await withBusiness(t.db, business.id, (tx) =>
      tx.insert(integrationAccounts).values({ businessId: business.id, provider: 'stripe', externalId: 'acct_queued' }),
    );
    const payload = JSON.stringify({
      id: 'evt_jobs_1',
      object: 'event',
      type: 'payout.paid',
      created: 1_772_000_000,
      data: {
        object: {
          id: 'po_jobs_1',
          object: 'payout',
          amount: 123_456,
          currency: 'usd',
          created: 1_772_000_000,
          arrival_date: 1_772_086_400,
          status: 'paid',
          description: 'STRIPE PAYOUT',
        },
      },
    });
    const res = await app.request('/webhooks/stripe', {
      method: 'POST',
      headers: { 'stripe-signature': Stripe.webhooks.generateTestHeaderString({ payload, secret }) },
      body: payload,
    });
    expect(res.status).toBe(200);
    const deadline = Date.now() + 30_000;
    let rows: { amount: string }[] = [];
    while (Date.now() < deadline && !rows.length) {
      await new Promise((r) => setTimeout(r, 200));
      rows = await withBusiness(t.db, business.id, (tx) =>
        queryRows<{ amount: string }>(
          tx,
          sql`select amount::text as amount from transactions where external_id = 'po_jobs_1'`,
        ),
      );
    }
    expect(rows).toHaveLength(1);
    expect(new D(rows[0]!.amount).abs().toFixed(2)).toBe('1234.56');
  }, 60_000);
});
