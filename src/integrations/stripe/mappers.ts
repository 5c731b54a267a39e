/**
 * Stripe API objects → local rows, and `ingestStripe`. Amounts arrive as integer minor units and
 * stay exact (money.fromMinor). The demo company and the real backfill/webhooks share this path.
 * The types below are the fields we read of the current API version's objects.
 */
import { and, eq, inArray } from 'drizzle-orm';
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
  id?: string;
  duration: 'forever' | 'once' | 'repeating';
  duration_in_months?: number | null;
  percent_off?: number | null;
  /** Minor units of `currency`, off each invoice. */
  amount_off?: number | null;
  currency?: string | null;
}

/**
 * A discount on a subscription or one of its items. The current API puts the coupon under `source.coupon`
 * (an id unless expanded); older versions embed it as `coupon`. Lists and webhook events name discounts by id
 * unless `expand` asks for them.
 */
export interface StripeDiscount {
  id: string;
  object?: 'discount';
  coupon?: StripeCoupon | null;
  source?: { type?: string; coupon?: Expandable<StripeCoupon & { id: string }> | null } | null;
  end?: number | null;
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
      /** Discounts on this item only. */
      discounts?: Expandable<StripeDiscount>[];
    }[];
  };
  /** Current API: ids unless expanded. */
  discounts?: Expandable<StripeDiscount>[];
  /** Older API versions: one discount. */
  discount?: StripeDiscount | null;
}

/** A discount as kept on the subscription row (`subscriptions.discounts`): what MRR needs of it. */
export interface KeptDiscount {
  id: string;
  /** The subscription item it applies to; null: the whole subscription. */
  item: string | null;
  coupon: string | null;
  duration: StripeCoupon['duration'];
  percentOff: string | null;
  amountOff: number | null;
  currency: string | null;
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
 * A subscription's discounts as far as they can be known: expanded ones from the object, ones named only by id
 * from what was kept for the same discount before (a webhook event names them by id). `unknown` counts the rest.
 */
export function keptDiscounts(
  s: StripeSubscription,
  known: ReadonlyMap<string, KeptDiscount>,
): { discounts: KeptDiscount[]; unknown: number } {
  const out: KeptDiscount[] = [];
  let unknown = 0;
  const take = (d: Expandable<StripeDiscount> | null | undefined, item: string | null) => {
    if (!d) return;
    const id = typeof d === 'string' ? d : d.id;
    const coupon =
      typeof d === 'string'
        ? undefined
        : (d.coupon ?? (typeof d.source?.coupon === 'object' ? d.source.coupon : undefined));
    if (!coupon) {
      const before = known.get(id);
      if (before) out.push({ ...before, item });
      else unknown++;
      return;
    }
    out.push({
      id,
      item,
      coupon: coupon.id ?? (typeof d !== 'string' && typeof d.source?.coupon === 'string' ? d.source.coupon : null),
      duration: coupon.duration,
      percentOff: coupon.percent_off != null ? String(coupon.percent_off) : null,
      amountOff: coupon.amount_off ?? null,
      currency: coupon.currency ? coupon.currency.toUpperCase() : null,
    });
  };
  for (const d of s.discounts ?? []) take(d, null);
  if (!s.discounts?.length) take(s.discount, null);
  for (const item of s.items.data) for (const d of item.discounts ?? []) take(d, item.id);
  return { discounts: out, unknown };
}

/**
 * Monthly recurring revenue of one subscription, Stripe's definition (https://support.stripe.com/questions/
 * billing-analytics, "How do you calculate MRR?"): licensed (not metered) prices × quantity, normalised to a
 * month (12 months, 52 weeks, 365 days a year, divided by the interval count), after discounts whose coupon
 * lasts *forever*; a coupon for once or a number of months leaves MRR as it is, and tax is not revenue. An item's
 * discount applies to that item; a subscription's to its total. Percent off scales the amount; amount off
 * comes off each invoice, so it is normalised with the price's interval; neither takes it below zero. Several
 * discounts apply in the order Stripe lists them. Status (trials, cancellations) is the metric's job: this is
 * what the subscription is worth while it is active.
 */
export function subscriptionMrr(
  s: StripeSubscription,
  discounts: readonly KeptDiscount[] = keptDiscounts(s, new Map()).discounts,
): Dec {
  const currency = (s.currency ?? s.items.data[0]?.price?.currency ?? 'usd').toUpperCase();
  const forever = discounts.filter((d) => d.duration === 'forever');
  const apply = (amount: Dec, ds: readonly KeptDiscount[], perMonth: Dec) => {
    let v = amount;
    for (const d of ds) {
      if (d.percentOff) v = v.times(new D(100).minus(d.percentOff)).div(100);
      else if (d.amountOff && (!d.currency || d.currency === currency))
        v = D.max(0, v.minus(amountOf(d.amountOff, currency).times(perMonth)));
    }
    return v;
  };
  let monthly = new D(0);
  let perMonth: Dec | null = null;
  for (const item of s.items.data) {
    const p = item.price;
    if (!p.recurring || p.recurring.usage_type === 'metered' || p.unit_amount == null) continue;
    // Invoices per month of this price: a yearly price is billed 1/12 of a month, a weekly one 52/12.
    const invoicesPerMonth = MONTHS_PER[p.recurring.interval].div(p.recurring.interval_count || 1);
    perMonth ??= invoicesPerMonth;
    const amount = amountOf(p.unit_amount, p.currency)
      .times(item.quantity ?? 1)
      .times(invoicesPerMonth);
    monthly = monthly.plus(
      apply(
        amount,
        forever.filter((d) => d.item === item.id),
        invoicesPerMonth,
      ),
    );
  }
  return apply(
    monthly,
    forever.filter((d) => d.item === null),
    perMonth ?? new D(1),
  );
}

export function mapSubscription(
  b: BusinessContext,
  s: StripeSubscription,
  contactIds: Map<string, string>,
  known: ReadonlyMap<string, KeptDiscount> = new Map(),
): typeof subscriptions.$inferInsert {
  const first = s.items.data[0];
  const { discounts } = keptDiscounts(s, known);
  // Older API versions put the currency only on the price (or plan), not on the subscription.
  const currency = (s.currency ?? first?.price?.currency ?? 'usd').toUpperCase();
  return {
    businessId: b.id,
    source: 'stripe',
    externalId: s.id,
    contactId: contactIds.get(idOf(s.customer)!) ?? null,
    status: s.status,
    currency,
    mrrAmount: toDb(subscriptionMrr(s, discounts)),
    discounts,
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

/** The discounts kept for these subscriptions, by discount id (an event names them by id only). */
async function knownDiscounts(tx: Db, businessId: string, subs: StripeSubscription[]) {
  const known = new Map<string, KeptDiscount>();
  const byId = subs.filter((s) =>
    [...(s.discounts ?? []), ...s.items.data.flatMap((i) => i.discounts ?? [])].some((d) => typeof d === 'string'),
  );
  if (byId.length === 0) return known;
  const rows = await tx
    .select({ discounts: subscriptions.discounts })
    .from(subscriptions)
    .where(
      and(
        eq(subscriptions.businessId, businessId),
        eq(subscriptions.source, 'stripe'),
        inArray(
          subscriptions.externalId,
          byId.map((s) => s.id),
        ),
      ),
    );
  for (const r of rows) for (const d of r.discounts as KeptDiscount[]) known.set(d.id, d);
  return known;
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
  const known = await knownDiscounts(tx, business.id, batch.subscriptions ?? []);
  written += (
    await upsertBySourceKey(
      tx,
      subscriptions,
      (batch.subscriptions ?? []).map((s) => mapSubscription(business, s, contactIds, known)),
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
