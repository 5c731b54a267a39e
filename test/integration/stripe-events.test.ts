/**
 * Stripe delivers at least once and in any order: 500 events (charges that are later refunded, subscriptions
 * created, updated and cancelled, payouts), delivered in order to one business and twice each, shuffled, to
 * another, through the real webhook route, end in the same books.
 */
import { sql } from 'drizzle-orm';
import Stripe from 'stripe';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config';
import { createBusiness } from '../../src/db/businesses';
import { queryRows, withBusiness } from '../../src/db/client';
import { integrationAccounts } from '../../src/db/schema';
import { createApp } from '../../src/http/app';
import { processStripeEvents } from '../../src/integrations/stripe/events';
import { createLogger } from '../../src/logger';
import { useTestDatabase } from '../helpers/db';
import { stripeEvents as events, stripeBooks } from '../helpers/stripe-events';

const t = useTestDatabase();
const SECRET = 'whsec_ordering_test';
let app: ReturnType<typeof createApp>;
let inOrder = '';
let shuffled = '';

beforeAll(async () => {
  app = createApp({
    config: loadConfig({ DATA_DIR: '/tmp/cfo-stripe', ENCRYPTION_KEY: 'ab'.repeat(32), STRIPE_WEBHOOK_SECRET: SECRET }),
    database: t.database,
    logger: createLogger('silent'),
  });
  inOrder = (await createBusiness(t.db, { name: 'In order' })).id;
  shuffled = (await createBusiness(t.db, { name: 'Shuffled' })).id;
});

async function connectOnly(businessId: string) {
  // One Stripe connection at a time, so the route routes events to this business.
  for (const id of [inOrder, shuffled])
    await withBusiness(t.db, id, (tx) => tx.execute(sql`delete from integration_accounts where provider = 'stripe'`));
  await withBusiness(t.db, businessId, (tx) =>
    tx
      .insert(integrationAccounts)
      .values({ businessId, provider: 'stripe', externalId: `acct_${businessId.slice(0, 8)}` }),
  );
}

async function deliver(event: object, tag: string) {
  // Each business's copy of an event has its own id, as two Stripe accounts would send.
  const payload = JSON.stringify({ ...event, id: `${(event as { id: string }).id}_${tag}`, object: 'event' });
  const res = await app.request('/webhooks/stripe', {
    method: 'POST',
    headers: { 'stripe-signature': Stripe.webhooks.generateTestHeaderString({ payload, secret: SECRET }) },
    body: payload,
  });
  expect(res.status).toBe(200);
}

const process = (businessId: string) =>
  withBusiness(t.db, businessId, (tx) => processStripeEvents(tx, { id: businessId, baseCurrency: 'USD' }));

const books = (businessId: string) => stripeBooks(t.db, businessId);

/** A seeded shuffle, so a failure can be replayed. */
function shuffle<T>(xs: T[], seed: number): T[] {
  const a = [...xs];
  let s = seed;
  for (let i = a.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const j = s % (i + 1);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

describe('Stripe events in any order', () => {
  it('500 events twice each, shuffled, give the same books as in-order delivery', async () => {
    const all = events();
    expect(all).toHaveLength(500);

    await connectOnly(inOrder);
    for (const e of all) {
      await deliver(e, 'a');
      await process(inOrder);
    }

    await connectOnly(shuffled);
    const twice = shuffle([...all, ...all], 20261122);
    let applied = 0;
    for (let i = 0; i < twice.length; i++) {
      await deliver(twice[i]!, 'b');
      // Processed in uneven bursts, as a worker would find them.
      if (i % 37 === 0) applied += (await process(shuffled)).processed;
    }
    applied += (await process(shuffled)).processed;
    // Each of the 500 applied once, however often it was delivered, and none left waiting.
    expect(applied).toBe(500);
    const waiting = await withBusiness(t.db, shuffled, (tx) =>
      queryRows<{ n: number }>(tx, sql`select count(*)::int as n from inbound_events where processed_at is null`),
    );
    expect(waiting[0]!.n).toBe(0);

    const a = await books(inOrder);
    const b = await books(shuffled);
    expect(a.transactions.length).toBe(100 + 100 + 120); // charges, their refunds, payouts
    expect(b).toEqual(a);
    expect(a.subscriptions.every((s) => (s as { status: string }).status === 'canceled')).toBe(true);
    const [stored] = await withBusiness(t.db, shuffled, (tx) =>
      queryRows<{ n: number; open: number }>(
        tx,
        sql`select count(*)::int as n, count(*) filter (where processed_at is null)::int as open from inbound_events where provider = 'stripe'`,
      ),
    );
    expect(stored).toEqual({ n: 500, open: 0 });
  }, 300_000);
});
