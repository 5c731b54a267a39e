/**
 * Stripe API objects → local rows, and `ingestStripe`. Amounts arrive as integer minor units and
 * stay exact (money.fromMinor). The demo company and the real backfill/webhooks share this path.
 * The types below are the fields we read of the current API version's objects.
 */
import type { Db } from '../../db/client';
import { contacts, invoices, subscriptions, transactions } from '../../db/schema';
import { resolveIds, upsertBySourceKey } from '../../db/upsert';
import { linkPayouts } from '../../domain/payouts';
import { D, type Dec, fromMinor, toDb } from '../../money';

type Expandable<T> = string | T;
const idOf = <T extends { id: string }>(v: Expandable<T> | null | undefined): string | null =>
  v == null ? null : typeof v === 'string' ? v : v.id;

export interface StripeCustomer {
  id: string;
  object: 'customer';
  name?: string | null;
  email?: string | null;
  created: number;
  deleted?: boolean;
}

export interface StripeBalanceTransaction {
  id: string;
  object: 'balance_transaction';
  amount: number;
  fee: number;
  net: number;
  currency: string;
  created: number;
  type: string;
  exchange_rate?: number | null;
  source?: string | null;
}

export interface StripeCharge {
  id: string;
  object: 'charge';
  amount: number;
  amount_refunded?: number;
  currency: string;
  created: number;
  customer?: Expandable<{ id: string }> | null;
  description?: string | null;
  status: 'succeeded' | 'pending' | 'failed';
  paid?: boolean;
  refunded?: boolean;
  disputed?: boolean;
  balance_transaction?: Expandable<StripeBalanceTransaction> | null;
  payment_method_details?: { type: string; card?: { brand?: string; country?: string } } | null;
  billing_details?: { name?: string | null } | null;
  metadata?: Record<string, string>;
}

export interface StripeRefund {
  id: string;
  object: 'refund';
  amount: number;
  charge: Expandable<{ id: string }> | null;
  currency: string;
  created: number;
  status: string;
  reason?: string | null;
}

export interface StripeDispute {
  id: string;
  object: 'dispute';
  amount: number;
  charge: Expandable<{ id: string }>;
  currency: string;
  created: number;
  reason: string;
  status: string;
}

export interface StripePayout {
  id: string;
  object: 'payout';
  amount: number;
  currency: string;
  created: number;
  arrival_date: number;
  status: string;
  description?: string | null;
}

export interface StripePrice {
  id: string;
  unit_amount: number | null;
  currency: string;
  recurring: {
    interval: 'day' | 'week' | 'month' | 'year';
    interval_count: number;
    usage_type?: 'licensed' | 'metered';
  } | null;
  nickname?: string | null;
  product?: Expandable<{ id: string; name?: string }>;
}

export interface StripeCoupon {
  duration: 'forever' | 'once' | 'repeating';
  percent_off?: number | null;
  amount_off?: number | null;
}

export interface StripeSubscription {
  id: string;
  object: 'subscription';
  customer: Expandable<{ id: string }>;
  status: string;
  currency?: string;
  created: number;
  start_date: number;
  trial_end?: number | null;
  canceled_at?: number | null;
  ended_at?: number | null;
  items: {
    data: {
      id: string;
      price: StripePrice;
      quantity?: number;
      current_period_start?: number;
      current_period_end?: number;
    }[];
  };
  /** Current API: `discounts` (ids or objects, coupon under `source.coupon`); older: `discount.coupon`. */
  discounts?: Expandable<{
    id: string;
    coupon?: StripeCoupon;
    source?: { coupon?: Expandable<StripeCoupon & { id: string }> };
  }>[];
}

export interface StripeInvoice {
  id: string;
  object: 'invoice';
  customer: Expandable<{ id: string }> | null;
  number?: string | null;
  status: 'draft' | 'open' | 'paid' | 'uncollectible' | 'void' | null;
  currency: string;
  created: number;
  due_date?: number | null;
  status_transitions?: { paid_at?: number | null; voided_at?: number | null };
  subtotal: number;
  tax?: number | null;
  total: number;
  amount_due: number;
  amount_paid: number;
  amount_remaining: number;
}

export interface StripeBatch {
  customers?: StripeCustomer[];
  invoices?: StripeInvoice[];
  subscriptions?: StripeSubscription[];
  charges?: StripeCharge[];
  refunds?: StripeRefund[];
  disputes?: StripeDispute[];
  payouts?: StripePayout[];
  /** Balance transactions carrying fees become FEE rows. */
  balanceTransactions?: StripeBalanceTransaction[];
}

type TxRow = typeof transactions.$inferInsert;

export interface BusinessContext {
  id: string;
  baseCurrency: string;
}

const day = (unix: number) => new Date(unix * 1000).toISOString().slice(0, 10);
const time = (unix: number | null | undefined) => (unix ? new Date(unix * 1000) : null);
const amountOf = (minor: number, currency: string) => fromMinor(minor, currency).amount;

function base(
  amount: Dec,
  currency: string,
  b: BusinessContext,
  rate?: number | null,
): { value: string; fxMissing: boolean } {
  if (currency === b.baseCurrency) return { value: toDb(amount), fxMissing: false };
  // Stripe's exchange_rate converts the presentment currency into the settlement (balance) currency.
  if (rate) return { value: toDb(amount.times(new D(String(rate)))), fxMissing: false };
  return { value: toDb(amount), fxMissing: true };
}

// Stripe's invoice states onto Xero's: an uncollectible invoice is still owed until voided.
const INVOICE_STATUS = {
  draft: 'DRAFT',
  open: 'AUTHORISED',
  paid: 'PAID',
  uncollectible: 'AUTHORISED',
  void: 'VOIDED',
} as const;

/**
 * A Stripe invoice as a sales document (`source = 'stripe'`). Stored as Stripe has it; the figures do not
 * read it yet (its payment arrives as a charge, and the subscription carries the MRR).
 */
export function mapInvoice(
  b: BusinessContext,
  inv: StripeInvoice,
  contactIds: Map<string, string>,
): typeof invoices.$inferInsert {
  const currency = inv.currency.toUpperCase();
  const money = (minor: number | null | undefined) => toDb(amountOf(minor ?? 0, currency));
  const customer = inv.customer ? (typeof inv.customer === 'string' ? inv.customer : inv.customer.id) : null;
  const paidAt = inv.status_transitions?.paid_at;
  return {
    businessId: b.id,
    source: 'stripe',
    externalId: inv.id,
    type: 'ACCREC',
    number: inv.number ?? null,
    reference: null,
    contactId: customer ? (contactIds.get(customer) ?? null) : null,
    status: INVOICE_STATUS[inv.status ?? 'draft'],
    issueDate: day(inv.created),
    dueDate: inv.due_date ? day(inv.due_date) : null,
    paidDate: paidAt ? day(paidAt) : null,
    currency,
    currencyRate: '1',
    subtotal: money(inv.subtotal),
    totalTax: money(inv.tax),
    total: money(inv.total),
    amountDue: money(inv.amount_remaining),
    amountPaid: money(inv.amount_paid),
    amountCredited: '0',
    baseTotal: base(amountOf(inv.total, currency), currency, b).value,
    lineItems: [],
    externalUpdatedAt: time(inv.created),
  };
}

export function mapCustomer(b: BusinessContext, c: StripeCustomer): typeof contacts.$inferInsert {
  return {
    businessId: b.id,
    source: 'stripe',
    externalId: c.id,
    name: c.name || c.email || c.id,
    email: c.email ?? null,
    isCustomer: true,
    isSupplier: false,
    status: c.deleted ? 'ARCHIVED' : 'ACTIVE',
    externalUpdatedAt: time(c.created),
  };
}

const MONTHS_PER: Record<'day' | 'week' | 'month' | 'year', Dec> = {
  // Stripe normalises to a month with 12 months a year, 52 weeks a year and 365 days a year:
  // https://docs.stripe.com/billing/subscriptions/analytics (MRR)
  day: new D(365).div(12),
  week: new D(52).div(12),
  month: new D(1),
  year: new D(1).div(12),
};

/**
 * Monthly recurring revenue of one subscription, Stripe's definition: licensed (not metered)
 * prices normalised to a month, after forever discounts. Status filtering (trials, canceled) is
 * the metric's job, so this is the amount the subscription is worth while it is active.
 */
export function subscriptionMrr(s: StripeSubscription): Dec {
  let monthly = new D(0);
  for (const item of s.items.data) {
    const p = item.price;
    if (!p.recurring || p.recurring.usage_type === 'metered' || p.unit_amount == null) continue;
    const perInterval = amountOf(p.unit_amount * (item.quantity ?? 1), p.currency);
    monthly = monthly.plus(perInterval.times(MONTHS_PER[p.recurring.interval]).div(p.recurring.interval_count || 1));
  }
  for (const d of s.discounts ?? []) {
    if (typeof d === 'string') continue;
    const coupon = d.coupon ?? (typeof d.source?.coupon === 'object' ? d.source.coupon : undefined);
    if (coupon?.duration !== 'forever') continue;
    if (coupon.percent_off) monthly = monthly.times(new D(100).minus(new D(String(coupon.percent_off)))).div(100);
    else if (coupon.amount_off)
      monthly = D.max(
        0,
        monthly.minus(amountOf(coupon.amount_off, s.currency ?? s.items.data[0]?.price?.currency ?? 'usd')),
      );
  }
  return monthly;
}

export function mapSubscription(
  b: BusinessContext,
  s: StripeSubscription,
  contactIds: Map<string, string>,
): typeof subscriptions.$inferInsert {
  const first = s.items.data[0];
  // Older API versions put the currency only on the price (or plan), not on the subscription.
  const currency = (s.currency ?? first?.price?.currency ?? 'usd').toUpperCase();
  return {
    businessId: b.id,
    source: 'stripe',
    externalId: s.id,
    contactId: contactIds.get(idOf(s.customer)!) ?? null,
    status: s.status,
    currency,
    mrrAmount: toDb(subscriptionMrr(s)),
    items: s.items.data.map((i) => ({
      id: i.id,
      priceId: i.price.id,
      nickname: i.price.nickname ?? null,
      unitAmount: i.price.unit_amount,
      interval: i.price.recurring?.interval ?? null,
      intervalCount: i.price.recurring?.interval_count ?? null,
      usageType: i.price.recurring?.usage_type ?? 'licensed',
      quantity: i.quantity ?? 1,
    })),
    startedAt: time(s.start_date)!,
    trialEnd: time(s.trial_end),
    currentPeriodStart: time(first?.current_period_start),
    currentPeriodEnd: time(first?.current_period_end),
    canceledAt: time(s.canceled_at),
    endedAt: time(s.ended_at),
    externalUpdatedAt: time(s.created),
  };
}

function row(
  b: BusinessContext,
  o: { id: string; currency: string; created: number },
  kind: TxRow['kind'],
  signedMinor: number,
  extra: Partial<TxRow> & { fxRate?: number | null },
): TxRow {
  const currency = o.currency.toUpperCase();
  const amount = amountOf(signedMinor, currency);
  const { fxRate, ...rest } = extra;
  const converted = base(amount, currency, b, fxRate);
  return {
    businessId: b.id,
    source: 'stripe',
    externalId: o.id,
    kind,
    status: 'succeeded',
    date: day(o.created),
    amount: toDb(amount),
    currency,
    baseAmount: converted.value,
    ...rest,
    metadata: { ...(rest.metadata as object | undefined), ...(converted.fxMissing ? { fxRateMissing: true } : {}) },
    externalUpdatedAt: time(o.created),
  };
}

export function mapCharge(b: BusinessContext, c: StripeCharge, contactIds: Map<string, string>): TxRow {
  const bt = typeof c.balance_transaction === 'object' ? c.balance_transaction : null;
  const customerId = idOf(c.customer);
  return row(b, c, 'CHARGE', c.amount, {
    status: c.status,
    counterparty: c.billing_details?.name ?? null,
    contactId: customerId ? (contactIds.get(customerId) ?? null) : null,
    description: c.description ?? null,
    fxRate: bt?.exchange_rate ?? null,
    metadata: {
      customer: customerId,
      paymentMethod: c.payment_method_details?.type ?? null,
      // Visa's VAMP counts card-not-present transactions only.
      cardPresent: c.payment_method_details?.type === 'card_present',
      cardBrand: c.payment_method_details?.card?.brand ?? null,
      balanceTransaction: idOf(c.balance_transaction),
      refunded: c.refunded ?? false,
      disputed: c.disputed ?? false,
    },
  });
}

export function mapRefund(b: BusinessContext, r: StripeRefund): TxRow {
  return row(b, r, 'REFUND', -r.amount, {
    status: r.status,
    description: r.reason ? `Refund (${r.reason})` : 'Refund',
    metadata: { charge: idOf(r.charge), reason: r.reason ?? null },
  });
}

export function mapDispute(b: BusinessContext, d: StripeDispute): TxRow {
  return row(b, d, 'DISPUTE', -d.amount, {
    status: d.status,
    description: `Dispute (${d.reason})`,
    metadata: { charge: idOf(d.charge), reason: d.reason, fraud: d.reason === 'fraudulent' },
  });
}

/** Money leaving the Stripe balance for the bank: a movement between own accounts, not spending. */
export function mapPayout(b: BusinessContext, p: StripePayout): TxRow {
  return row(b, p, 'PAYOUT', -p.amount, {
    status: p.status,
    date: day(p.arrival_date),
    description: p.description ?? 'Stripe payout',
    category: 'Transfer between own accounts',
    categorySource: 'upstream',
    categoryConfidence: 1,
    metadata: { arrivalDate: day(p.arrival_date), created: day(p.created) },
  });
}

export function mapFee(b: BusinessContext, t: StripeBalanceTransaction): TxRow | null {
  if (!t.fee) return null;
  return row(b, { id: `${t.id}:fee`, currency: t.currency, created: t.created }, 'FEE', -t.fee, {
    counterparty: 'Stripe',
    description: `Stripe fees (${t.type})`,
    category: 'Bank Fees',
    categorySource: 'upstream',
    categoryConfidence: 1,
    metadata: { balanceTransaction: t.id, source: t.source ?? null, type: t.type },
  });
}

export async function ingestStripe(
  tx: Db,
  business: BusinessContext,
  batch: StripeBatch,
): Promise<{ transactions: number; written: number }> {
  let written = 0;
  written += (
    await upsertBySourceKey(
      tx,
      contacts,
      (batch.customers ?? []).map((c) => mapCustomer(business, c)),
    )
  ).written;
  const customerRefs = [
    ...(batch.subscriptions ?? []).map((s) => idOf(s.customer)),
    ...(batch.charges ?? []).map((c) => idOf(c.customer)),
    ...(batch.invoices ?? []).map((i) => idOf(i.customer)),
  ].filter((x): x is string => Boolean(x));
  const contactIds = customerRefs.length
    ? await resolveIds(tx, contacts, business.id, 'stripe', customerRefs)
    : new Map<string, string>();
  written += (
    await upsertBySourceKey(
      tx,
      subscriptions,
      (batch.subscriptions ?? []).map((s) => mapSubscription(business, s, contactIds)),
    )
  ).written;
  written += (
    await upsertBySourceKey(
      tx,
      invoices,
      (batch.invoices ?? []).map((i) => mapInvoice(business, i, contactIds)),
    )
  ).written;
  const rows: TxRow[] = [
    ...(batch.charges ?? []).map((c) => mapCharge(business, c, contactIds)),
    ...(batch.refunds ?? []).map((r) => mapRefund(business, r)),
    ...(batch.disputes ?? []).map((d) => mapDispute(business, d)),
    ...(batch.payouts ?? []).map((p) => mapPayout(business, p)),
    ...(batch.balanceTransactions ?? []).map((t) => mapFee(business, t)).filter((r): r is TxRow => r !== null),
  ];
  written += (await upsertBySourceKey(tx, transactions, rows)).written;
  // A payout and its bank deposit are one movement: link them as soon as both are here.
  if (batch.payouts?.length) await linkPayouts(tx, business.id);
  return { transactions: rows.length, written };
}
