/**
 * How each customer pays, from their sales invoices over the last year: days to pay (issue → paid),
 * the share paid after the due date, what is overdue now, and whether it is getting worse.
 */
import { sql } from 'drizzle-orm';
import { type Db, queryRows } from '../db/client';
import { D } from '../money';
import { addDays } from './periods';

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
          where i.business_id = ${businessId} and i.type = 'ACCREC' and i.status in ('AUTHORISED', 'PAID') and i.contact_id is not null
            and (i.issue_date >= ${yearAgo}::date or (i.status = 'AUTHORISED' and i.amount_due > 0))),
        paid as (select * from inv where status = 'PAID' and paid_date is not null and paid_date <= ${asOf}::date)
        select c.id::text as contact_id, c.name,
          (select count(*)::int from paid where paid.contact_id = c.id) as paid,
          (select round(avg(paid_date - issue_date), 1)::text from paid where paid.contact_id = c.id) as avg_days,
          (select percentile_cont(0.5) within group (order by paid_date - issue_date) from paid where paid.contact_id = c.id) as median_days,
          (select round(avg(case when paid_date > due_date then 1.0 else 0.0 end), 6)::text from paid where paid.contact_id = c.id and due_date is not null) as late_share,
          (select round(avg(greatest(paid_date - due_date, 0)), 1)::text from paid where paid.contact_id = c.id and paid_date > ${recentFrom}::date) as recent_late,
          (select round(avg(greatest(paid_date - due_date, 0)), 1)::text from paid where paid.contact_id = c.id and paid_date <= ${recentFrom}::date) as earlier_late,
          (select coalesce(sum(due_amount), 0)::text from inv where inv.contact_id = c.id and status = 'AUTHORISED' and due_date < ${asOf}::date and due_amount > 0) as overdue,
          (select count(*)::int from inv where inv.contact_id = c.id and status = 'AUTHORISED' and due_date < ${asOf}::date and due_amount > 0) as overdue_n,
          (select max(${asOf}::date - due_date)::int from inv where inv.contact_id = c.id and status = 'AUTHORISED' and due_date < ${asOf}::date and due_amount > 0) as oldest
        from contacts c
        where c.business_id = ${businessId} and exists (select 1 from inv where inv.contact_id = c.id)
          ${opts.customer ? sql`and c.name ilike ${`%${opts.customer.replace(/[%_\\]/g, (ch) => `\\${ch}`)}%`}` : sql``}`,
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

/** Store each customer's average days to pay and late share on the contact (the columns reserved for it). */
export async function updateContactPaymentBehaviour(tx: Db, businessId: string, asOf: string): Promise<number> {
  const health = await customerPaymentHealth(tx, businessId, asOf);
  for (const h of health) {
    await tx.execute(
      sql`update contacts set avg_days_to_pay = ${h.averageDaysToPay === null ? null : String(h.averageDaysToPay)},
            late_payment_share = ${h.latePaidShare === null ? null : String(h.latePaidShare)}, updated_at = now()
          where business_id = ${businessId} and id = ${h.contactId}`,
    );
  }
  return health.length;
}
