/**
 * How each customer pays, from their sales invoices over the last year: days to pay (issue → paid),
 * the share paid after the due date, what is overdue now, and whether it is getting worse.
 */
import { sql } from 'drizzle-orm';
import { type Db, queryRows } from '../db/client';
import { D } from '../money';
import { addDays } from './periods';
import { remembered } from './stored-results';

export type Trend = 'improving' | 'stable' | 'worsening' | 'unknown';

export interface CustomerPaymentHealth {
  contactId: string;
  customer: string;
  invoicesPaid: number;
  averageDaysToPay: number | null;
  medianDaysToPay: number | null;
  /** Share of paid invoices paid after their due date. */
  latePaidShare: number | null;
  /** Average days paid after due, recent 3 months vs the 9 months before. */
  recentDaysLate: number | null;
  earlierDaysLate: number | null;
  trend: Trend;
  overdue: { amount: string; invoices: number; oldestDaysPastDue: number | null };
  atRisk: boolean;
  reasons: string[];
}

/** Trend threshold: a change of more than 5 days late on average. */
const TREND_DAYS = 5;

export function classify(
  h: Omit<CustomerPaymentHealth, 'trend' | 'atRisk' | 'reasons'>,
): Pick<CustomerPaymentHealth, 'trend' | 'atRisk' | 'reasons'> {
  let trend: Trend = 'unknown';
  if (h.recentDaysLate !== null && h.earlierDaysLate !== null) {
    const delta = h.recentDaysLate - h.earlierDaysLate;
    trend = delta > TREND_DAYS ? 'worsening' : delta < -TREND_DAYS ? 'improving' : 'stable';
  }
  const reasons: string[] = [];
  if (h.overdue.oldestDaysPastDue !== null && h.overdue.oldestDaysPastDue > 60)
    reasons.push(`an invoice ${h.overdue.oldestDaysPastDue} days overdue`);
  if (h.latePaidShare !== null && h.latePaidShare > 0.5 && h.invoicesPaid >= 3)
    reasons.push(`${Math.round(h.latePaidShare * 100)}% of invoices paid late`);
  if (trend === 'worsening')
    reasons.push(`paying ${Math.round(h.recentDaysLate! - h.earlierDaysLate!)} days later than before`);
  return { trend, atRisk: reasons.length > 0, reasons };
}

export interface PaymentHealthSummary {
  /** The first `limit` customers in `customerPaymentHealth`'s order. */
  customers: CustomerPaymentHealth[];
  atRiskCount: number;
  customerCount: number;
}

/**
 * The customers a person looks at first, and how many there are and are at risk, as of a date (stored; see
 * stored-results.ts: the whole list runs to a megabyte at a million transactions). Run inside `withBusiness`.
 */
export function paymentHealthSummary(
  tx: Db,
  businessId: string,
  asOf: string,
  opts: { customer?: string; limit: number },
): Promise<PaymentHealthSummary> {
  return remembered(tx, businessId, `payment_health:${asOf}:${JSON.stringify(opts)}`, async () => {
    const all = await customerPaymentHealth(tx, businessId, asOf, opts.customer ? { customer: opts.customer } : {});
    return {
      customers: all.slice(0, opts.limit),
      atRiskCount: all.filter((h) => h.atRisk).length,
      customerCount: all.length,
    };
  });
}

/** Every customer with a sales invoice in the last year; at-risk customers first, then by overdue amount. */
export async function customerPaymentHealth(
  tx: Db,
  businessId: string,
  asOf: string,
  opts: { customer?: string; limit?: number } = {},
): Promise<CustomerPaymentHealth[]> {
  const yearAgo = addDays(asOf, -365);
  const recentFrom = addDays(asOf, -90);
  const rows = await queryRows<{
    contact_id: string;
    name: string;
    paid: number;
    avg_days: string | null;
    median_days: number | null;
    late_share: string | null;
    recent_late: string | null;
    earlier_late: string | null;
    overdue: string;
    overdue_n: number;
    oldest: number | null;
  }>(
    tx,
    sql`with inv as (
          select i.contact_id, i.status, i.issue_date, i.due_date, i.paid_date, round(i.amount_due / i.currency_rate, 4) as due_amount
          from invoices i
          where i.business_id = ${businessId} and i.source <> 'stripe' and i.type = 'ACCREC' and i.status in ('AUTHORISED', 'PAID') and i.contact_id is not null
            and (i.issue_date >= ${yearAgo}::date or (i.status = 'AUTHORISED' and i.amount_due > 0))),
        paid as (
          select contact_id, count(*)::int as paid,
                 round(avg(paid_date - issue_date), 1)::text as avg_days,
                 percentile_cont(0.5) within group (order by paid_date - issue_date) as median_days,
                 round(avg(case when paid_date > due_date then 1.0 else 0.0 end) filter (where due_date is not null), 6)::text as late_share,
                 round(avg(greatest(paid_date - due_date, 0)) filter (where paid_date > ${recentFrom}::date), 1)::text as recent_late,
                 round(avg(greatest(paid_date - due_date, 0)) filter (where paid_date <= ${recentFrom}::date), 1)::text as earlier_late
          from inv where status = 'PAID' and paid_date is not null and paid_date <= ${asOf}::date
          group by contact_id),
        overdue as (
          select contact_id, sum(due_amount)::text as overdue, count(*)::int as overdue_n, max(${asOf}::date - due_date)::int as oldest
          from inv where status = 'AUTHORISED' and due_date < ${asOf}::date and due_amount > 0
          group by contact_id)
        select c.id::text as contact_id, c.name, coalesce(paid.paid, 0) as paid, paid.avg_days, paid.median_days, paid.late_share,
               paid.recent_late, paid.earlier_late, coalesce(overdue.overdue, '0') as overdue, coalesce(overdue.overdue_n, 0) as overdue_n,
               overdue.oldest
        from (select distinct contact_id from inv) k
        join contacts c on c.id = k.contact_id and c.business_id = ${businessId}
        left join paid on paid.contact_id = k.contact_id
        left join overdue on overdue.contact_id = k.contact_id
        ${opts.customer ? sql`where c.name ilike ${`%${opts.customer.replace(/[%_\\]/g, (ch) => `\\${ch}`)}%`}` : sql``}`,
  );
  const out = rows.map((r) => {
    const base = {
      contactId: r.contact_id,
      customer: r.name,
      invoicesPaid: Number(r.paid),
      averageDaysToPay: r.avg_days === null ? null : Number(r.avg_days),
      medianDaysToPay: r.median_days === null ? null : Number(r.median_days),
      latePaidShare: r.late_share === null ? null : Number(r.late_share),
      recentDaysLate: r.recent_late === null ? null : Number(r.recent_late),
      earlierDaysLate: r.earlier_late === null ? null : Number(r.earlier_late),
      overdue: {
        amount: new D(r.overdue).toFixed(2),
        invoices: Number(r.overdue_n),
        oldestDaysPastDue: r.oldest === null ? null : Number(r.oldest),
      },
    };
    return { ...base, ...classify(base) };
  });
  out.sort(
    (a, b) =>
      Number(b.atRisk) - Number(a.atRisk) ||
      new D(b.overdue.amount).comparedTo(a.overdue.amount) ||
      a.customer.localeCompare(b.customer),
  );
  return opts.limit ? out.slice(0, opts.limit) : out;
}

/** Store each customer's average days to pay and late share on the contact (the columns reserved for it), in one statement. */
export async function updateContactPaymentBehaviour(tx: Db, businessId: string, asOf: string): Promise<void> {
  await tx.execute(
    sql`update contacts c set avg_days_to_pay = x.avg_days, late_payment_share = x.late_share, updated_at = now()
        from (
          select contact_id, round(avg(paid_date - issue_date), 2) as avg_days,
                 round(avg(case when paid_date > due_date then 1.0 else 0.0 end) filter (where due_date is not null), 6) as late_share
          from invoices
          where business_id = ${businessId} and source <> 'stripe' and type = 'ACCREC' and status = 'PAID' and paid_date is not null and contact_id is not null
            and paid_date <= ${asOf}::date and issue_date >= ${addDays(asOf, -365)}::date
          group by contact_id) x
        where c.business_id = ${businessId} and c.id = x.contact_id
          and (c.avg_days_to_pay, c.late_payment_share) is distinct from (x.avg_days, x.late_share)`,
  );
}
