/**
 * Processing stored Stripe webhook events. Stripe delivers at least once and in any order, so each object
 * ends in the state of its latest event — latest by `created`, then by where the event type sits in the
 * object's life (created → updated → succeeded/paid → refunded → closed → deleted), then by event id — and
 * an event older than one already applied to its object is marked processed without touching anything.
 * Duplicates never reach here twice (inbound_events is unique by event id). The outcome is the same for any
 * delivery order. Runs inside `withBusiness`.
 */
import { sql } from 'drizzle-orm';
import { type Db, pgArray, queryRows, transactionLock } from '../../db/client';
import {
  type BusinessContext,
  ingestStripe,
  type StripeBatch,
  type StripeCharge,
  type StripeCustomer,
  type StripeDispute,
  type StripeInvoice,
  type StripePayout,
  type StripeRefund,
  type StripeSubscription,
} from './mappers';

const STAGE: Record<string, number> = {
  created: 0,
  pending: 1,
  updated: 2,
  captured: 3,
  succeeded: 3,
  paid: 3,
  failed: 3,
  refunded: 4,
  funds_withdrawn: 4,
  funds_reinstated: 5,
  closed: 6,
  canceled: 7,
  deleted: 8,
};

type EventRow = {
  id: string;
  event_id: string;
  type: string;
  created: number;
  object_id: string | null;
  object: Record<string, unknown> | null;
};

type Order = [number, number, string];
const orderOf = (e: { created: number; type: string; event_id: string }): Order => [
  Number(e.created),
  STAGE[e.type.split('.').pop() ?? ''] ?? 2,
  e.event_id,
];
const compare = (a: Order, b: Order) => a[0] - b[0] || a[1] - b[1] || (a[2] < b[2] ? -1 : a[2] > b[2] ? 1 : 0);

/** The batch one event's object belongs in, or null for events that change nothing we keep. */
function batchOf(type: string, object: Record<string, unknown>): StripeBatch | null {
  if (type.startsWith('charge.dispute.')) return { disputes: [object as unknown as StripeDispute] };
  if (type.startsWith('charge.')) {
    const refunds = (object.refunds as { data?: StripeRefund[] } | undefined)?.data ?? [];
    return { charges: [object as unknown as StripeCharge], ...(refunds.length ? { refunds } : {}) };
  }
  if (type.startsWith('customer.subscription.')) return { subscriptions: [object as unknown as StripeSubscription] };
  if (/^customer\.(created|updated|deleted)$/.test(type)) return { customers: [object as unknown as StripeCustomer] };
  if (type.startsWith('payout.')) return { payouts: [object as unknown as StripePayout] };
  if (type.startsWith('invoice.') && !type.startsWith('invoice.upcoming'))
    return { invoices: [object as unknown as StripeInvoice] };
  return null;
}

export interface ProcessResult {
  processed: number;
  applied: number;
  superseded: number;
  ignored: number;
  /** Days whose figures the applied objects may change. */
  dates: string[];
}

export async function processStripeEvents(tx: Db, business: BusinessContext, limit = 5000): Promise<ProcessResult> {
  // One run per business at a time, in any process: a second worker waits, then finds them applied.
  await tx.execute(transactionLock(`stripe_events:${business.id}`));
  const rows = await queryRows<EventRow>(
    tx,
    sql`select id, external_event_id as event_id, event_type as type, (payload->>'created')::bigint as created,
          payload->'data'->'object'->>'id' as object_id, payload->'data'->'object' as object
        from inbound_events
        where business_id = ${business.id} and provider = 'stripe' and processed_at is null
        order by received_at, id
        limit ${limit}`,
  );
  if (!rows.length) return { processed: 0, applied: 0, superseded: 0, ignored: 0, dates: [] };

  // The newest event per object among those already applied, and among this batch.
  const objectIds = [...new Set(rows.map((r) => r.object_id).filter((x): x is string => Boolean(x)))];
  const applied = new Map<string, Order>();
  for (const r of await queryRows<{ object_id: string; event_id: string; type: string; created: number }>(
    tx,
    sql`select payload->'data'->'object'->>'id' as object_id, external_event_id as event_id, event_type as type,
          (payload->>'created')::bigint as created
        from inbound_events
        where business_id = ${business.id} and provider = 'stripe' and processed_at is not null and error is null
          and payload->'data'->'object'->>'id' = any(${pgArray(objectIds)}::text[])`,
  )) {
    const o = orderOf(r);
    const cur = applied.get(r.object_id);
    if (!cur || compare(o, cur) > 0) applied.set(r.object_id, o);
  }
  const newest = new Map<string, EventRow>();
  for (const r of rows) {
    if (!r.object_id) continue;
    const cur = newest.get(r.object_id);
    if (!cur || compare(orderOf(r), orderOf(cur)) > 0) newest.set(r.object_id, r);
  }

  const batch: Required<StripeBatch> = {
    customers: [],
    invoices: [],
    subscriptions: [],
    charges: [],
    refunds: [],
    disputes: [],
    payouts: [],
    balanceTransactions: [],
  };
  const dates = new Set<string>();
  let appliedCount = 0;
  let ignored = 0;
  for (const r of newest.values()) {
    const before = applied.get(r.object_id!);
    if (before && compare(orderOf(r), before) <= 0) continue;
    const b = r.object ? batchOf(r.type, r.object) : null;
    if (!b) {
      ignored++;
      continue;
    }
    for (const key of Object.keys(b) as (keyof StripeBatch)[]) (batch[key] as unknown[]).push(...(b[key] ?? []));
    const created = Number((r.object as { created?: number }).created ?? r.created);
    dates.add(new Date(created * 1000).toISOString().slice(0, 10));
    appliedCount++;
  }
  await ingestStripe(tx, business, batch);
  await tx.execute(
    sql`update inbound_events set processed_at = now(), attempts = attempts + 1, error = null
        where business_id = ${business.id} and id = any(${pgArray(rows.map((r) => r.id))}::uuid[])`,
  );
  return {
    processed: rows.length,
    applied: appliedCount,
    superseded: rows.length - appliedCount - ignored,
    ignored,
    dates: [...dates].sort(),
  };
}
