/**
 * 500 deterministic Stripe events built from the shared webhook fixtures: 100 charges later refunded (some
 * in the same second), 60 subscriptions created, updated and cancelled, 120 payouts. Object ids, amounts and
 * times vary; each object has its own life.
 */
import { readFileSync } from 'node:fs';
import { sql } from 'drizzle-orm';
import { type Db, queryRows, withBusiness } from '../../src/db/client';

const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`../fixtures/stripe-webhooks/${name}.json`, import.meta.url), 'utf8')) as {
    data: { object: Record<string, unknown> };
  };

export function stripeEvents(): {
  id: string;
  type: string;
  created: number;
  data: { object: Record<string, unknown> };
}[] {
  const out: ReturnType<typeof stripeEvents> = [];
  const charge = fixture('charge.refunded').data.object;
  const sub = fixture('customer.subscription.created').data.object;
  const payout = fixture('payout.paid').data.object;
  const t0 = 1_790_000_000;
  const ev = (n: number, type: string, created: number, object: Record<string, unknown>) =>
    out.push({ id: `evt_${String(n).padStart(4, '0')}`, type, created, data: { object } });
  let n = 0;
  for (let i = 0; i < 100; i++) {
    const at = t0 + i * 3600;
    const base = { ...charge, id: `ch_${i}`, amount: 1000 + i * 7, created: at, customer: null, invoice: null };
    ev(n++, 'charge.succeeded', at, {
      ...base,
      amount_refunded: 0,
      refunded: false,
      refunds: { object: 'list', data: [] },
    });
    // Refunded in the same second as it succeeded for some: the order must not depend on arrival.
    const refundedAt = i % 4 === 0 ? at : at + 600;
    const refund = {
      id: `re_${i}`,
      object: 'refund',
      amount: 1000 + i * 7,
      charge: `ch_${i}`,
      currency: 'usd',
      created: refundedAt,
      status: 'succeeded',
    };
    ev(n++, 'charge.refunded', refundedAt, {
      ...base,
      amount_refunded: 1000 + i * 7,
      refunded: true,
      refunds: { object: 'list', data: [refund] },
    });
  }
  for (let i = 0; i < 60; i++) {
    const at = t0 + i * 7200;
    const base = { ...sub, id: `sub_${i}`, created: at, start_date: at, customer: `cus_${i}` };
    ev(n++, 'customer.subscription.created', at, { ...base, status: 'active' });
    ev(n++, 'customer.subscription.updated', at + 100, { ...base, status: 'active', quantity: 2 });
    ev(n++, 'customer.subscription.deleted', at + 200, {
      ...base,
      status: 'canceled',
      canceled_at: at + 200,
      ended_at: at + 200,
    });
  }
  for (let i = 0; i < 120; i++) {
    const at = t0 + i * 5400;
    ev(n++, 'payout.paid', at, {
      ...payout,
      id: `po_${i}`,
      amount: 50_000 + i,
      created: at,
      arrival_date: at + 86_400,
    });
  }
  return out;
}

/** What Stripe events leave in a business's books: its Stripe transactions and subscriptions, in a stable order. */
export const stripeBooks = (db: Db, businessId: string) =>
  withBusiness(db, businessId, async (tx) => ({
    transactions: await queryRows(
      tx,
      sql`select external_id, kind, status, amount::text, date::text from transactions where source = 'stripe' order by external_id`,
    ),
    subscriptions: await queryRows(
      tx,
      sql`select external_id, status, mrr_amount::text as mrr, canceled_at is not null as canceled from subscriptions order by external_id`,
    ),
  }));
