/**
 * Anomalies: transactions far outside their counterparty's usual amount (or their category's, for a
 * counterparty with too little history), by a robust z-score on log amounts. Variance: a month's spending per category against the month before and the
 * trailing three-month average, with the largest contributors first.
 */
import { sql } from 'drizzle-orm';
import { type Db, queryRows } from '../db/client';
import { D } from '../money';
import { addDays, periodOf } from './periods';
import { remembered } from './stored-results';

/**
 * Modified z-score (Iglewicz and Hoaglin, "How to Detect and Handle Outliers", 1993):
 * z = 0.6745 × (x − median) / MAD, outlier when |z| > 3.5. On log amounts, so that "three times the
 * usual" means the same for a $40 subscription and a $40,000 payroll. A MAD below 0.05 (amounts that
 * barely vary) is raised to 0.05, so a fixed charge that doubles is flagged while ±1% drift is not.
 */
export const Z_THRESHOLD = 3.5;
export const MIN_MAD = 0.05;
export const MIN_HISTORY = 5;

export interface Anomaly {
  transactionId: string;
  date: string;
  kind: string;
  counterparty: string | null;
  category: string | null;
  description: string | null;
  amount: string;
  /** The group's usual (median) amount, and how far out this one is. */
  typicalAmount: string;
  ratioToTypical: number;
  zScore: number;
  comparedWith: 'counterparty' | 'category';
  groupSize: number;
}

export interface AnomalyOptions {
  asOf: string;
  lookbackDays?: number;
  historyDays?: number;
  limit?: number;
  direction?: 'out' | 'in' | 'both';
}

/** Outliers against each group's usual amount (stored; see stored-results.ts). Run inside `withBusiness`. */
export function detectAnomalies(tx: Db, businessId: string, opts: AnomalyOptions): Promise<Anomaly[]> {
  return remembered(tx, businessId, `anomalies:${JSON.stringify(opts)}`, () => computeAnomalies(tx, businessId, opts));
}

async function computeAnomalies(tx: Db, businessId: string, opts: AnomalyOptions): Promise<Anomaly[]> {
  // Spending by default: income is often bimodal (a retainer plus occasional projects), which a
  // single "usual amount" describes badly.
  const direction = opts.direction ?? 'out';
  const signs = direction === 'out' ? [-1] : direction === 'in' ? [1] : [-1, 1];
  const since = addDays(opts.asOf, -(opts.lookbackDays ?? 365));
  const historyFrom = addDays(opts.asOf, -(opts.historyDays ?? 730));
  const rows = await queryRows<{
    id: string;
    date: string;
    kind: string;
    counterparty: string | null;
    category: string | null;
    description: string | null;
    amount: string;
    typical: string;
    z: number;
    by: 'counterparty' | 'category';
    n: number;
  }>(
    tx,
    sql`with t as (
          select id, date, kind, counterparty, category, description, base_amount,
                 ln(abs(base_amount))::float8 as l, sign(base_amount) as s
          from transactions
          where business_id = ${businessId} and deleted_at is null and base_amount <> 0
            and kind in ('SPEND', 'BILL', 'RECEIVE', 'INVOICE', 'PAYMENT')
            and sign(base_amount)::int in (${sql.join(
              signs.map((x) => sql`${x}`),
              sql`, `,
            )})
            and date >= ${historyFrom}::date and date <= ${opts.asOf}::date),
        g as (
          select 'counterparty' as by, counterparty as k, s, id, date, l from t where counterparty is not null and kind <> 'PAYMENT'
          union all
          select 'category', category, s, id, date, l from t where category is not null and kind <> 'PAYMENT'),
        med as (select by, k, s, percentile_cont(0.5) within group (order by l) as m, count(*)::int as n
                from g group by by, k, s having count(*) >= ${MIN_HISTORY}),
        mad as (select g.by, g.k, g.s, percentile_cont(0.5) within group (order by abs(g.l - med.m)) as mad
                from g join med using (by, k, s) group by g.by, g.k, g.s),
        scored as (
          select g.id, g.by, med.m, med.n, 0.6745 * (g.l - med.m) / greatest(mad.mad, ${MIN_MAD}) as z
          from g join med using (by, k, s) join mad using (by, k, s)
          where g.date >= ${since}::date),
        -- The usual amount is the counterparty's own when it has enough history; the category's only
        -- otherwise (a category such as Travel mixes taxis and flights). Choose, then apply the threshold.
        chosen as (select distinct on (id) id, by, m, n, z from scored order by id, (by = 'counterparty') desc),
        best as (select * from chosen where abs(z) > ${Z_THRESHOLD})
        select t.id::text, t.date::text, t.kind, t.counterparty, t.category, t.description, t.base_amount::text as amount,
               (t.s * exp(best.m))::numeric(19,2)::text as typical, round(best.z::numeric, 2)::float8 as z, best.by, best.n
        from best join t on t.id = best.id
        order by abs(best.z) desc, t.date desc
        limit ${opts.limit ?? 20}`,
  );
  return rows.map((r) => ({
    transactionId: r.id,
    date: r.date,
    kind: r.kind,
    counterparty: r.counterparty,
    category: r.category,
    description: r.description,
    amount: new D(r.amount).toFixed(2),
    typicalAmount: r.typical,
    ratioToTypical: new D(r.amount).div(r.typical).toDecimalPlaces(2).toNumber(),
    zScore: Number(r.z),
    comparedWith: r.by,
    groupSize: Number(r.n),
  }));
}

export interface CategoryVariance {
  category: string;
  current: string;
  previous: string;
  trailingAverage: string;
  vsPrevious: string;
  vsTrailing: string;
}

export interface Variance {
  month: { start: string; end: string };
  total: { current: string; previous: string; trailingAverage: string; vsPrevious: string; vsTrailing: string };
  /** Categories sorted by the size of their change against the trailing average, largest first. */
  categories: CategoryVariance[];
}

/** A month's spending against the month before and the trailing average (stored; see stored-results.ts). */
export function expenseVariance(
  tx: Db,
  businessId: string,
  month: string,
  opts: { limit?: number } = {},
): Promise<Variance> {
  return remembered(tx, businessId, `expense_variance:${month}:${JSON.stringify(opts)}`, () =>
    computeExpenseVariance(tx, businessId, month, opts),
  );
}

/** Spending (bills and spend money, by category) of a month against the month before and the 3 before that. */
async function computeExpenseVariance(
  tx: Db,
  businessId: string,
  month: string,
  opts: { limit?: number } = {},
): Promise<Variance> {
  const m = periodOf('month', month);
  const prev = periodOf('month', addDays(m.start, -1));
  const monthBefore = (start: string) => periodOf('month', addDays(start, -1)).start;
  const trailingFrom = monthBefore(monthBefore(prev.start)); // the three months before `m`: m−3 … m−1
  const rows = await queryRows<{ category: string; cur: string; prev: string; trail: string }>(
    tx,
    sql`select coalesce(category, 'Uncategorized') as category,
          coalesce(sum(-base_amount) filter (where date >= ${m.start}::date and date <= ${m.end}::date), 0)::text as cur,
          coalesce(sum(-base_amount) filter (where date >= ${prev.start}::date and date <= ${prev.end}::date), 0)::text as prev,
          (coalesce(sum(-base_amount) filter (where date >= ${trailingFrom}::date and date <= ${prev.end}::date), 0) / 3)::numeric(19,4)::text as trail
        from transactions
        where business_id = ${businessId} and deleted_at is null and kind in ('BILL', 'SPEND')
          and date >= ${trailingFrom}::date and date <= ${m.end}::date
        group by 1`,
  );
  const cats = rows.map((r) => ({
    category: r.category,
    current: new D(r.cur).toFixed(2),
    previous: new D(r.prev).toFixed(2),
    trailingAverage: new D(r.trail).toFixed(2),
    vsPrevious: new D(r.cur).minus(r.prev).toFixed(2),
    vsTrailing: new D(r.cur).minus(r.trail).toFixed(2),
  }));
  cats.sort(
    (a, b) => new D(b.vsTrailing).abs().comparedTo(new D(a.vsTrailing).abs()) || a.category.localeCompare(b.category),
  );
  // Totals from the unrounded figures.
  const sum = (f: (r: (typeof rows)[number]) => string) => rows.reduce((a, r) => a.plus(f(r)), new D(0));
  const cur = sum((r) => r.cur);
  const prv = sum((r) => r.prev);
  const trl = sum((r) => r.trail);
  return {
    month: { start: m.start, end: m.end },
    total: {
      current: cur.toFixed(2),
      previous: prv.toFixed(2),
      trailingAverage: trl.toFixed(2),
      vsPrevious: cur.minus(prv).toFixed(2),
      vsTrailing: cur.minus(trl).toFixed(2),
    },
    categories: cats.slice(0, opts.limit ?? 10),
  };
}
