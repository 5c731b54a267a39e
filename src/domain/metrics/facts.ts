/**
 * Monthly facts of a business, aggregated in SQL (one grouped pass per family of facts), from which
 * every snapshot is built. Amounts come back as numeric strings and stay decimal. Run inside
 * `withBusiness`; every query also filters by business_id.
 */
import { type SQL, sql } from 'drizzle-orm';
import { type Db, queryRows } from '../../db/client';
import { D, type Dec } from '../../money';
import { agingBucketSql, openItems, plByMonth, plLines } from '../ledger';
import { periodOf } from '../periods';
import { monthsDifferingFromLedger } from '../reconciliation';
import type { AgingBucket } from './formulas';

export type RevenueSource = 'xero' | 'stripe' | 'csv' | 'none';

export interface MonthFacts {
  month: string; // first day
  revenue: Record<Exclude<RevenueSource, 'none'>, Dec>;
  /** Income outside trading: Xero's "Other Income" (interest, grants coded there). Only the ledger has it. */
  otherIncome: Record<Exclude<RevenueSource, 'none'>, Dec>;
  /** Cost of sales and operating expenses. */
  expenses: Record<Exclude<RevenueSource, 'none'>, Dec>;
  cogs: Record<Exclude<RevenueSource, 'none'>, Dec>;
  /** Bank accounts only, transfers between own accounts excluded. */
  cashIn: Dec;
  cashOut: Dec;
  /** Bank balance at month end (all movements, transfers included: they net to zero). */
  cashBalance: Dec;
  charges: number;
  chargeAmount: Dec;
  refunds: number;
  refundAmount: Dec;
  disputes: number;
  disputeAmount: Dec;
  /** Money moved in the month without a category, and all categorizable money (for data quality). */
  uncategorizedAbs: Dec;
  categorizableAbs: Dec;
  ar: Record<AgingBucket, Dec>;
  ap: Record<AgingBucket, Dec>;
  mrr: Dec;
  activeSubscribers: number;
  churned30: number;
  active30Ago: number;
  new30: number;
  topCustomer: Record<Exclude<RevenueSource, 'none'>, { name: string; revenue: Dec } | null>;
}

export interface BusinessFacts {
  baseCurrency: string;
  /** The first date with any record. */
  dataStart: string;
  /** Sources that have data, which decides the revenue source (DESIGN §5). */
  sources: { xero: boolean; stripe: boolean; csv: boolean };
  lastSyncAt: Date | null;
  unmatchedPayouts: number;
  payouts: number;
  /** Months whose figures differ from Xero's own reports at the last comparison, with the lines that differ. */
  ledgerDifferences: Map<string, string[]>;
  months: MonthFacts[];
}

const zero = () => new D(0);
const dec = (v: unknown) => new D(v == null ? 0 : String(v));
const buckets = (): Record<AgingBucket, Dec> => ({
  current: zero(),
  d1_30: zero(),
  d31_60: zero(),
  d61_90: zero(),
  d90_plus: zero(),
});

/** A month with nothing in it. */
/** Families of facts, so an incremental refresh reads only what a change can affect. */
export type FactPart = 'pnl' | 'cash' | 'receivables' | 'subscriptions' | 'customers';
export const ALL_PARTS: ReadonlySet<FactPart> = new Set(['pnl', 'cash', 'receivables', 'subscriptions', 'customers']);

/** The facts a changed record of each kind can move. */
export function partsForKinds(kinds: readonly string[] | undefined): ReadonlySet<FactPart> {
  if (!kinds || kinds.length === 0) return ALL_PARTS;
  const out = new Set<FactPart>();
  for (const k of kinds) {
    switch (k) {
      case 'SPEND':
      case 'RECEIVE':
      case 'TRANSFER':
      case 'OPENING':
      case 'FEE':
      case 'PAYOUT':
        out.add('pnl').add('cash');
        break;
      case 'PAYMENT':
        out.add('pnl').add('cash').add('receivables');
        break;
      case 'CHARGE':
      case 'REFUND':
      case 'DISPUTE':
        out.add('pnl').add('cash').add('customers');
        break;
      case 'INVOICE':
      case 'BILL':
      case 'CREDIT_NOTE':
        out.add('pnl').add('receivables').add('customers');
        break;
      case 'SUBSCRIPTION':
        out.add('subscriptions');
        break;
      default:
        return ALL_PARTS;
    }
  }
  return out;
}

export function emptyMonth(month: string): MonthFacts {
  return {
    month,
    revenue: { xero: zero(), stripe: zero(), csv: zero() },
    otherIncome: { xero: zero(), stripe: zero(), csv: zero() },
    expenses: { xero: zero(), stripe: zero(), csv: zero() },
    cogs: { xero: zero(), stripe: zero(), csv: zero() },
    cashIn: zero(),
    cashOut: zero(),
    cashBalance: zero(),
    charges: 0,
    chargeAmount: zero(),
    refunds: 0,
    refundAmount: zero(),
    disputes: 0,
    disputeAmount: zero(),
    uncategorizedAbs: zero(),
    categorizableAbs: zero(),
    ar: buckets(),
    ap: buckets(),
    mrr: zero(),
    activeSubscribers: 0,
    churned30: 0,
    active30Ago: 0,
    new30: 0,
    topCustomer: { xero: null, stripe: null, csv: null },
  };
}

/** Facts for every month from `from` to `to` (first days of months, inclusive). */
export async function loadFacts(
  tx: Db,
  businessId: string,
  baseCurrency: string,
  from: string,
  to: string,
  dataStart: string = from,
  parts: ReadonlySet<FactPart> = ALL_PARTS,
  /** Today: stocks of the current month (receivables, MRR, subscribers) are taken now, not at its future end. */
  asOf?: string,
): Promise<BusinessFacts> {
  const months = new Map<string, MonthFacts>();
  const monthRows = await queryRows<{ m: string }>(
    tx,
    sql`select to_char(m, 'YYYY-MM-DD') as m from generate_series(${from}::date, ${to}::date, interval '1 month') m`,
  );
  for (const { m } of monthRows) months.set(m, emptyMonth(m));
  const at = (m: string) => months.get(m);
  const end = `${to}`;
  const endDay = periodOf('month', to).end;
  // A month's closing day for stocks: its last day, or today for the month under way.
  const today = asOf ?? endDay;
  const closing = (m: SQL) => sql`least((${m} + interval '1 month - 1 day')::date, ${today}::date)`;

  if (parts.has('pnl')) {
    // The ledger's profit and loss (Xero): every line on its own account, net of tax (src/domain/ledger.ts).
    for (const r of await plByMonth(tx, businessId, baseCurrency, from, endDay)) {
      const f = at(r.m);
      if (!f) continue;
      const v = dec(r.amount);
      if (r.section === 'income') f.revenue.xero = v;
      else if (r.section === 'other_income') f.otherIncome.xero = v;
      else {
        f.expenses.xero = f.expenses.xero.minus(v);
        if (r.section === 'cost_of_sales') f.cogs.xero = v.neg();
      }
    }
  }

  if (parts.has('pnl')) {
    // Everything else that is a flow, from transactions in one pass.
    for (const r of await queryRows<Record<string, string | number | null>>(
      tx,
      sql`with t as (
            select t.date, t.source, t.kind, t.status, t.base_amount, t.category, a.is_bank
            from transactions t
            left join accounts a on a.id = t.bank_account_id
            where t.business_id = ${businessId} and t.deleted_at is null
              and t.date >= ${from}::date and t.date < (${end}::date + interval '1 month')::date)
          select to_char(date_trunc('month', date), 'YYYY-MM-DD') as m,
            sum(base_amount) filter (where source = 'stripe' and kind = 'CHARGE' and status = 'succeeded') as charge_amount,
            count(*) filter (where source = 'stripe' and kind = 'CHARGE' and status = 'succeeded') as charges,
            sum(-base_amount) filter (where source = 'stripe' and kind = 'REFUND') as refund_amount,
            count(*) filter (where source = 'stripe' and kind = 'REFUND') as refunds,
            sum(-base_amount) filter (where source = 'stripe' and kind = 'DISPUTE') as dispute_amount,
            count(*) filter (where source = 'stripe' and kind = 'DISPUTE') as disputes,
            sum(-base_amount) filter (where source = 'stripe' and kind = 'FEE') as stripe_fees,
            sum(base_amount) filter (where source = 'csv' and base_amount > 0 and category is not null and kind not in ('TRANSFER', 'OPENING')) as csv_in,
            sum(-base_amount) filter (where source = 'csv' and base_amount < 0 and kind not in ('TRANSFER', 'OPENING')) as csv_out,
            sum(base_amount) filter (where is_bank and kind not in ('TRANSFER', 'OPENING') and base_amount > 0) as cash_in,
            sum(-base_amount) filter (where is_bank and kind not in ('TRANSFER', 'OPENING') and base_amount < 0) as cash_out,
            sum(abs(base_amount)) filter (where kind in ('SPEND', 'RECEIVE') and category is null) as uncategorized,
            sum(abs(base_amount)) filter (where kind in ('SPEND', 'RECEIVE')) as categorizable
          from t group by 1`,
    )) {
      const f = at(String(r.m));
      if (!f) continue;
      f.chargeAmount = dec(r.charge_amount);
      f.charges = Number(r.charges ?? 0);
      f.refundAmount = dec(r.refund_amount);
      f.refunds = Number(r.refunds ?? 0);
      f.disputeAmount = dec(r.dispute_amount);
      f.disputes = Number(r.disputes ?? 0);
      // Stripe: succeeded charges less refunds (DESIGN §5); its costs are the fees.
      f.revenue.stripe = f.chargeAmount.minus(f.refundAmount);
      f.expenses.stripe = dec(r.stripe_fees);
      f.cogs.stripe = dec(r.stripe_fees);
      f.revenue.csv = dec(r.csv_in);
      f.expenses.csv = dec(r.csv_out);
      f.cashIn = dec(r.cash_in);
      f.cashOut = dec(r.cash_out);
      f.uncategorizedAbs = dec(r.uncategorized);
      f.categorizableAbs = dec(r.categorizable);
    }
  }

  if (parts.has('cash')) {
    // Bank balance at each month end: the balance before `from` plus a running sum of monthly nets.
    for (const r of await queryRows<{ m: string; balance: string }>(
      tx,
      sql`with bank as (select t.date, t.base_amount from transactions t join accounts a on a.id = t.bank_account_id and a.is_bank
                        where t.business_id = ${businessId} and a.business_id = ${businessId} and t.deleted_at is null),
          opening as (select coalesce(sum(base_amount), 0) as v from bank where date < ${from}::date),
          nets as (select date_trunc('month', date)::date as m, sum(base_amount) as v from bank
                   where date >= ${from}::date and date < (${end}::date + interval '1 month')::date group by 1),
          ms as (select m::date as m from generate_series(${from}::date, ${end}::date, interval '1 month') m)
          select to_char(ms.m, 'YYYY-MM-DD') as m,
                 (select v from opening) + sum(coalesce(nets.v, 0)) over (order by ms.m) as balance
          from ms left join nets on nets.m = ms.m order by ms.m`,
    )) {
      const f = at(r.m);
      if (f) f.cashBalance = dec(r.balance);
    }
  }

  if (parts.has('receivables')) {
    // Receivables and payables open at each month end, by days past due (src/domain/ledger.ts: each document
    // less its payments and allocated credit by then, credit notes negative).
    for (const r of await queryRows<{ m: string; side: string; bucket: AgingBucket; amount: string }>(
      tx,
      sql`with items as (${openItems(
        businessId,
        baseCurrency,
        sql`select ${closing(sql`m`)} as d from generate_series(${from}::date, ${end}::date, interval '1 month') m`,
      )})
          select to_char(date_trunc('month', d), 'YYYY-MM-DD') as m, side, ${agingBucketSql(sql`d - due`)} as bucket,
                 sum(amount)::text as amount
          from items group by 1, 2, 3`,
    )) {
      const f = at(r.m);
      if (!f) continue;
      (r.side === 'ACCREC' ? f.ar : f.ap)[r.bucket] = dec(r.amount);
    }
  }

  if (parts.has('subscriptions')) {
    // Subscriptions as of each month end (Stripe's MRR: active and past_due, trials excluded; churn over
    // the trailing 30 days). A subscription is active from the end of any trial (its activation) until it
    // ends; one that ends before activating never counts. Each becomes a +MRR event on its activation day
    // and a −MRR event on its end day; values at a boundary are sums of the events before it (UTC days).
    for (const r of await queryRows<{
      m: string;
      mrr: string;
      active: number;
      churned: number;
      active_ago: number;
      new30: number;
    }>(
      tx,
      sql`with s as (
            select mrr_amount as mrr, (coalesce(trial_end, started_at) at time zone 'UTC')::date as act,
                   (ended_at at time zone 'UTC')::date as ended, coalesce(trial_end, started_at) as act_ts, ended_at
            from subscriptions
            where business_id = ${businessId} and currency = ${baseCurrency} and status not in ('incomplete', 'incomplete_expired')),
          ev as (
            select act as d, mrr, 1 as sign from s where ended_at is null or ended_at > act_ts
            union all
            select ended, -mrr, -1 from s where ended_at is not null and ended_at > act_ts),
          daily as (
            select d, sum(mrr) filter (where sign > 0) as plus_mrr, sum(-mrr) filter (where sign < 0) as minus_mrr,
                   count(*) filter (where sign > 0) as plus_n, count(*) filter (where sign < 0) as minus_n
            from ev group by d),
          -- b: the day after the month's closing day (today for the month under way); b30: 30 days before b.
          ms as (select m::date as m, (${closing(sql`m`)} + 1) as b, (${closing(sql`m`)} + 1 - 30) as b30
                 from generate_series(${from}::date, ${end}::date, interval '1 month') m)
          select to_char(ms.m, 'YYYY-MM-DD') as m,
            coalesce(sum(daily.plus_mrr) filter (where daily.d < ms.b), 0) - coalesce(sum(daily.minus_mrr) filter (where daily.d < ms.b), 0) as mrr,
            (coalesce(sum(daily.plus_n) filter (where daily.d < ms.b), 0) - coalesce(sum(daily.minus_n) filter (where daily.d < ms.b), 0))::int as active,
            coalesce(sum(daily.minus_n) filter (where daily.d >= ms.b30 and daily.d < ms.b), 0)::int as churned,
            (coalesce(sum(daily.plus_n) filter (where daily.d < ms.b30), 0) - coalesce(sum(daily.minus_n) filter (where daily.d < ms.b30), 0))::int as active_ago,
            coalesce(sum(daily.plus_n) filter (where daily.d >= ms.b30 and daily.d < ms.b), 0)::int as new30
          from ms left join daily on daily.d < ms.b group by ms.m`,
    )) {
      const f = at(r.m);
      if (!f) continue;
      f.mrr = dec(r.mrr);
      f.activeSubscribers = Number(r.active);
      f.churned30 = Number(r.churned);
      f.active30Ago = Number(r.active_ago);
      f.new30 = Number(r.new30);
    }
  }

  if (parts.has('customers')) {
    // The largest customer of each month, per revenue source: aggregate by customer first, name the leaders after.
    for (const r of await queryRows<{ m: string; source: 'xero' | 'stripe'; name: string; revenue: string }>(
      tx,
      sql`with pl as (${plLines(businessId, baseCurrency, from, endDay)}),
          rev as (
            select 'xero' as source, date_trunc('month', pl.date)::date as m, pl.contact_id::text as k, sum(pl.amount) as revenue
            from pl where pl.section = 'income' group by 1, 2, 3
            union all
            select 'stripe', date_trunc('month', t.date)::date, coalesce(t.contact_id::text, t.metadata->>'customer'), sum(t.base_amount)
            from transactions t
            where t.business_id = ${businessId} and t.source = 'stripe' and t.kind = 'CHARGE' and t.status = 'succeeded'
              and t.deleted_at is null and t.date >= ${from}::date and t.date < (${end}::date + interval '1 month')::date
            group by 1, 2, 3),
          top as (select distinct on (source, m) source, m, k, revenue from rev order by source, m, revenue desc, k)
          select top.source, to_char(top.m, 'YYYY-MM-DD') as m, coalesce(c.name, top.k, 'Unknown') as name, top.revenue
          from top left join contacts c on c.business_id = ${businessId} and c.id::text = top.k`,
    )) {
      const f = at(r.m);
      if (f) f.topCustomer[r.source] = { name: r.name, revenue: dec(r.revenue) };
    }
  }

  const [src] = await queryRows<{
    xero: boolean;
    stripe: boolean;
    csv: boolean;
    last_sync: string | null;
    payouts: number;
    unmatched: number;
  }>(
    tx,
    sql`select exists (select 1 from invoices where business_id = ${businessId} and source = 'xero')
               or exists (select 1 from integration_accounts where business_id = ${businessId} and provider = 'xero' and status = 'active') as xero,
             exists (select 1 from transactions where business_id = ${businessId} and source = 'stripe')
               or exists (select 1 from subscriptions where business_id = ${businessId} and source = 'stripe') as stripe,
             exists (select 1 from transactions where business_id = ${businessId} and source = 'csv') as csv,
             (select max(last_synced_at)::text from integration_accounts where business_id = ${businessId}) as last_sync,
             (select count(*)::int from transactions where business_id = ${businessId} and kind = 'PAYOUT' and deleted_at is null) as payouts,
             (select count(*)::int from transactions where business_id = ${businessId} and kind = 'PAYOUT' and deleted_at is null
                and linked_transaction_id is null) as unmatched`,
  );
  return {
    baseCurrency,
    dataStart,
    sources: { xero: Boolean(src?.xero), stripe: Boolean(src?.stripe), csv: Boolean(src?.csv) },
    lastSyncAt: src?.last_sync ? new Date(src.last_sync) : null,
    payouts: Number(src?.payouts ?? 0),
    unmatchedPayouts: Number(src?.unmatched ?? 0),
    ledgerDifferences: await monthsDifferingFromLedger(tx, businessId),
    months: [...months.values()],
  };
}
