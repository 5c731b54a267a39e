/**
 * Metric snapshots: one row per (business, period type, period start), built from monthly facts.
 * Flows of a quarter or year are the sums of its months; stocks (cash, receivables, MRR) are the
 * values at its last month end. Definitions: docs/metrics.md.
 */
import { sql } from 'drizzle-orm';
import { type Db, queryRows } from '../../db/client';
import { metricSnapshots } from '../../db/schema';
import { D, type Dec, toDb } from '../../money';
import { addDays, monthsOf, type Period, type PeriodType, periodDays, periodOf, periodsBetween } from '../periods';
import {
  type BusinessFacts,
  emptyMonth,
  type FactPart,
  loadFacts,
  type MonthFacts,
  partsForKinds,
  type RevenueSource,
} from './facts';
import { AGING_BUCKETS, type AgingBucket, coefficientOfVariation, daysOutstanding, ratio, runway } from './formulas';
import { getSnapshots, type StoredSnapshot } from './read';

export type SnapshotRow = typeof metricSnapshots.$inferInsert;

/**
 * The version of the figures' definitions a snapshot was computed with (`metrics.figuresVersion`). Bump it when
 * a definition changes: a snapshot of another version is never reused by an incremental refresh, and the server
 * recomputes such businesses when it starts (`businessesWithOutdatedFigures`). 2: the ledger's P&L (line by
 * line, net of tax), other income, credit allocations, stocks of the month under way at today.
 */
export const FIGURES_VERSION = 2;

/** Businesses whose stored snapshots were computed with older definitions (a cross-business query: system only). */
export async function businessesWithOutdatedFigures(db: Db): Promise<string[]> {
  const rows = await queryRows<{ business_id: string }>(
    db,
    sql`select distinct business_id::text from metric_snapshots
        where period_type = 'month' and coalesce((metrics->>'figuresVersion')::int, 1) <> ${FIGURES_VERSION}`,
  );
  return rows.map((r) => r.business_id);
}

/** The revenue source for a business: Xero when connected, else Stripe, else categorized CSV inflows (DESIGN §5). */
export function revenueSource(sources: BusinessFacts['sources']): RevenueSource {
  if (sources.xero) return 'xero';
  if (sources.stripe) return 'stripe';
  if (sources.csv) return 'csv';
  return 'none';
}

export interface DataQuality {
  grade: 'A' | 'B' | 'C' | 'D';
  score: number;
  sourcesConnected: string[];
  lastSyncAgeHours: number | null;
  uncategorizedShare: number | null;
  unmatchedPayouts: number;
  /** Months of the period whose figures differ from Xero's own reports. */
  ledgerDifferences: string[];
  notes: string[];
}

export function dataQuality(f: BusinessFacts, months: MonthFacts[], asOf: Date): DataQuality {
  const notes: string[] = [];
  let score = 100;
  const sourcesConnected = (['xero', 'stripe', 'csv'] as const).filter((s) => f.sources[s]);
  if (sourcesConnected.length === 0) {
    score -= 60;
    notes.push('No data source has any records yet.');
  }
  const lastSyncAgeHours = f.lastSyncAt
    ? Math.round(((asOf.getTime() - f.lastSyncAt.getTime()) / 3_600_000) * 10) / 10
    : null;
  if (lastSyncAgeHours !== null && lastSyncAgeHours > 24 * 7) {
    score -= 20;
    notes.push(`Last sync was ${Math.round(lastSyncAgeHours / 24)} days ago.`);
  } else if (lastSyncAgeHours !== null && lastSyncAgeHours > 24) {
    score -= 10;
    notes.push(`Last sync was ${Math.round(lastSyncAgeHours)} hours ago.`);
  }
  const unc = months.reduce((a, m) => a.plus(m.uncategorizedAbs), new D(0));
  const all = months.reduce((a, m) => a.plus(m.categorizableAbs), new D(0));
  const uncategorizedShare = ratio(unc, all);
  if (uncategorizedShare !== null && uncategorizedShare > 0.2) {
    score -= 30;
    notes.push(`${(uncategorizedShare * 100).toFixed(1)}% of bank money is uncategorized.`);
  } else if (uncategorizedShare !== null && uncategorizedShare > 0.05) {
    score -= 15;
    notes.push(`${(uncategorizedShare * 100).toFixed(1)}% of bank money is uncategorized.`);
  }
  if (f.payouts > 0 && f.unmatchedPayouts / f.payouts > 0.1) {
    score -= 20;
    notes.push(`${f.unmatchedPayouts} of ${f.payouts} Stripe payouts are not matched to a bank deposit.`);
  }
  const differing = months.filter((m) => f.ledgerDifferences.has(m.month));
  if (differing.length > 0) {
    score -= 25;
    const what = [...new Set(differing.flatMap((m) => f.ledgerDifferences.get(m.month)!))].map((l) =>
      l.replace(/_/g, ' '),
    );
    notes.push(
      `Figures for ${differing.map((m) => m.month.slice(0, 7)).join(', ')} differ from Xero's own reports (${what.join(', ')}).`,
    );
  }
  score = Math.max(0, score);
  const grade = score >= 85 ? 'A' : score >= 70 ? 'B' : score >= 50 ? 'C' : 'D';
  return {
    grade,
    score,
    sourcesConnected,
    lastSyncAgeHours,
    uncategorizedShare,
    unmatchedPayouts: f.unmatchedPayouts,
    ledgerDifferences: differing.map((m) => m.month),
    notes,
  };
}

const sumOf = (months: MonthFacts[], pick: (m: MonthFacts) => Dec) =>
  months.reduce((a, m) => a.plus(pick(m)), new D(0));
const bySource = (months: MonthFacts[], pick: (m: MonthFacts) => Record<'xero' | 'stripe' | 'csv', Dec>) =>
  Object.fromEntries((['xero', 'stripe', 'csv'] as const).map((s) => [s, toDb(sumOf(months, (m) => pick(m)[s]))]));
const agingOf = (m: MonthFacts | undefined, side: 'ar' | 'ap') =>
  Object.fromEntries(AGING_BUCKETS.map((b) => [b, toDb(m ? m[side][b] : new D(0))])) as Record<AgingBucket, string>;
const totalOf = (m: MonthFacts | undefined, side: 'ar' | 'ap') =>
  m ? AGING_BUCKETS.reduce((a, b) => a.plus(m[side][b]), new D(0)) : new D(0);
/** Days and months: 2 places. Ratios: 6 places. */
const days2 = (d: Dec | null) => (d === null ? null : d.toFixed(2));
const num = (n: number | null) => (n === null ? null : n.toFixed(6));

/**
 * Build the snapshot of one period from the facts. `asOf` marks the current, partial period:
 * its day count for DSO/DPO is the days elapsed, and runway uses the last three complete months.
 */
export function buildSnapshot(businessId: string, f: BusinessFacts, period: Period, asOf: string): SnapshotRow | null {
  const byMonth = new Map(f.months.map((m) => [m.month, m]));
  const months = monthsOf(period)
    .map((p) => byMonth.get(p.start))
    .filter((m): m is MonthFacts => m !== undefined);
  if (months.length === 0) return null;
  const source = revenueSource(f.sources);
  const last = months[months.length - 1]!;
  const partial = period.end >= asOf;
  // Days for DSO/DPO: the part of the period that has data and has happened.
  const start = period.start > f.dataStart ? period.start : f.dataStart;
  const end = partial ? asOf : period.end;
  const days = Math.max(1, periodDays({ start, end }));

  const revenue = source === 'none' ? new D(0) : sumOf(months, (m) => m.revenue[source]);
  const otherIncome = source === 'none' ? new D(0) : sumOf(months, (m) => m.otherIncome[source]);
  const expenses = source === 'none' ? new D(0) : sumOf(months, (m) => m.expenses[source]);
  const cogs = source === 'none' ? new D(0) : sumOf(months, (m) => m.cogs[source]);
  const cashIn = sumOf(months, (m) => m.cashIn);
  const cashOut = sumOf(months, (m) => m.cashOut);
  const charges = months.reduce((a, m) => a + m.charges, 0);
  const refunds = months.reduce((a, m) => a + m.refunds, 0);
  const disputes = months.reduce((a, m) => a + m.disputes, 0);

  // Trailing windows end at the period's last month; for a partial month, at the month before it.
  const allMonths = f.months;
  const lastIdx = allMonths.indexOf(last);
  const completeIdx = partial && last.month <= asOf && period.end >= asOf ? lastIdx - 1 : lastIdx;
  // Windows never reach back before the first month with data: empty months are not zero revenue.
  const firstIdx = Math.max(
    0,
    allMonths.findIndex((m) => m.month >= f.dataStart.slice(0, 8) + '01'),
  );
  const trailing = (n: number, endIdx: number) => allMonths.slice(Math.max(firstIdx, endIdx - n + 1), endIdx + 1);
  const volWindow = source === 'none' ? [] : trailing(6, completeIdx).map((m) => m.revenue[source]);
  const burnWindow = trailing(3, completeIdx).map((m) => m.cashOut.minus(m.cashIn));
  const run = runway(last.cashBalance, burnWindow);

  const arTotal = totalOf(last, 'ar');
  const apTotal = totalOf(last, 'ap');
  const churnBase = last.active30Ago + last.new30;
  const top = source === 'xero' || source === 'stripe' ? topCustomer(months, source) : null;
  const hasStripe = f.sources.stripe;
  const monthly = period.type === 'month';

  return {
    businessId,
    periodType: period.type,
    periodStart: period.start,
    periodEnd: period.end,
    currency: f.baseCurrency,
    revenue: toDb(revenue),
    expenses: toDb(expenses),
    // Xero's Net Profit: income and other income less cost of sales and operating expenses.
    netIncome: toDb(revenue.plus(otherIncome).minus(expenses)),
    grossMargin: num(ratio(revenue.minus(cogs), revenue)),
    revenueVolatility: num(volWindow.length >= 3 ? coefficientOfVariation(volWindow) : null),
    refundCount: hasStripe ? refunds : null,
    refundRatio: hasStripe ? num(ratio(refunds, charges)) : null,
    chargebackCount: hasStripe ? disputes : null,
    chargebackRatio: hasStripe ? num(ratio(disputes, charges)) : null,
    mrr: hasStripe ? toDb(last.mrr) : null,
    arr: hasStripe ? toDb(last.mrr.times(12)) : null,
    subscriberChurn: hasStripe ? num(ratio(last.churned30, churnBase)) : null,
    cashBalance: toDb(last.cashBalance),
    grossBurn: toDb(cashOut),
    netBurn: toDb(cashOut.minus(cashIn)),
    runwayMonths: days2(run.months),
    dso: days2(daysOutstanding(arTotal, revenue, days)),
    dpo: days2(daysOutstanding(apTotal, expenses, days)),
    revenueSource: source,
    metrics: {
      figuresVersion: FIGURES_VERSION,
      partial,
      daysInPeriod: days,
      cogs: toDb(cogs),
      otherIncome: toDb(otherIncome),
      cashIn: toDb(cashIn),
      cashOut: toDb(cashOut),
      runway: {
        cashFlowPositive: run.cashFlowPositive,
        averageNetBurn: toDb(run.averageNetBurn),
        months: burnWindow.length,
      },
      receivables: { total: toDb(arTotal), aging: agingOf(last, 'ar') },
      payables: { total: toDb(apTotal), aging: agingOf(last, 'ap') },
      customerConcentration: top,
      revenueBySource: bySource(months, (m) => m.revenue),
      otherIncomeBySource: bySource(months, (m) => m.otherIncome),
      // Kept so that a month's facts can be rebuilt from its snapshot (incremental refresh).
      expensesBySource: bySource(months, (m) => m.expenses),
      cogsBySource: bySource(months, (m) => m.cogs),
      uncategorizedAbs: toDb(sumOf(months, (m) => m.uncategorizedAbs)),
      categorizableAbs: toDb(sumOf(months, (m) => m.categorizableAbs)),
      ...(monthly
        ? {
            monthTopCustomers: Object.fromEntries(
              (['xero', 'stripe', 'csv'] as const).map((s) => {
                const t = last.topCustomer[s];
                return [s, t ? { name: t.name, revenue: toDb(t.revenue) } : null];
              }),
            ),
            subscriberCounts: {
              active: last.activeSubscribers,
              churned30: last.churned30,
              active30Ago: last.active30Ago,
              new30: last.new30,
            },
            stripeCounts: { charges, refunds, disputes },
            stripeAmounts: {
              charge: toDb(last.chargeAmount),
              refund: toDb(last.refundAmount),
              dispute: toDb(last.disputeAmount),
            },
          }
        : {}),
      ...(hasStripe
        ? {
            charges,
            chargeAmount: toDb(sumOf(months, (m) => m.chargeAmount)),
            refundAmount: toDb(sumOf(months, (m) => m.refundAmount)),
            chargebackAmount: toDb(sumOf(months, (m) => m.disputeAmount)),
            refundAmountRatio: ratio(
              sumOf(months, (m) => m.refundAmount),
              sumOf(months, (m) => m.chargeAmount),
            ),
            chargebackAmountRatio: ratio(
              sumOf(months, (m) => m.disputeAmount),
              sumOf(months, (m) => m.chargeAmount),
            ),
            activeSubscribers: last.activeSubscribers,
            churnedSubscribers30d: last.churned30,
          }
        : {}),
      ...(monthly ? {} : { months: months.length }),
    },
    dataQuality: dataQuality(f, months, new Date(`${asOf}T23:59:59Z`)),
    computedAt: new Date(),
  };
}

function topCustomer(months: MonthFacts[], source: 'xero' | 'stripe') {
  // Per-month leaders are enough for a month; for longer periods sum each month's leader by name.
  const byName = new Map<string, Dec>();
  for (const m of months) {
    const t = m.topCustomer[source];
    if (t) byName.set(t.name, (byName.get(t.name) ?? new D(0)).plus(t.revenue));
  }
  const total = sumOf(months, (m) => m.revenue[source]);
  const [name, rev] = [...byName.entries()].sort((a, b) => b[1].comparedTo(a[1]) || a[0].localeCompare(b[0]))[0] ?? [];
  if (!name || !rev) return null;
  return { name, revenue: toDb(rev), share: ratio(rev, total) };
}

/** Weekly cash snapshots: balance at week end and the week's flows. */
export async function weeklyCash(
  tx: Db,
  businessId: string,
  currency: string,
  from: string,
  to: string,
): Promise<SnapshotRow[]> {
  const rows = await queryRows<{ start: string; cash_in: string; cash_out: string; balance: string }>(
    tx,
    sql`with bank as (select t.date, t.kind, t.base_amount from transactions t join accounts a on a.id = t.bank_account_id and a.is_bank
                      where t.business_id = ${businessId} and a.business_id = ${businessId} and t.deleted_at is null),
        opening as (select coalesce(sum(base_amount), 0) as v from bank where date < ${from}::date),
        weeks as (select (${from}::date + 7 * ((date - ${from}::date) / 7)) as start,
                         sum(base_amount) as net,
                         sum(base_amount) filter (where kind not in ('TRANSFER', 'OPENING') and base_amount > 0) as cash_in,
                         sum(-base_amount) filter (where kind not in ('TRANSFER', 'OPENING') and base_amount < 0) as cash_out
                  from bank where date >= ${from}::date and date <= ${to}::date group by 1),
        ws as (select w::date as start from generate_series(${from}::date, ${to}::date, interval '7 days') w)
        select to_char(ws.start, 'YYYY-MM-DD') as start, coalesce(weeks.cash_in, 0) as cash_in, coalesce(weeks.cash_out, 0) as cash_out,
               (select v from opening) + sum(coalesce(weeks.net, 0)) over (order by ws.start) as balance
        from ws left join weeks on weeks.start = ws.start order by ws.start`,
  );
  return rows.map((r) => {
    const p = periodOf('week', r.start);
    const cashIn = new D(r.cash_in);
    const cashOut = new D(r.cash_out);
    return {
      businessId,
      periodType: 'week' as const,
      periodStart: p.start,
      periodEnd: p.end,
      currency,
      cashBalance: toDb(new D(r.balance)),
      grossBurn: toDb(cashOut),
      netBurn: toDb(cashOut.minus(cashIn)),
      revenueSource: 'none' as const,
      metrics: { cashIn: toDb(cashIn), cashOut: toDb(cashOut), cashOnly: true },
      dataQuality: {},
      computedAt: new Date(),
    };
  });
}

export interface RefreshResult {
  /** Snapshot rows written per period type. */
  written: Record<PeriodType, number>;
  from: string | null;
  to: string | null;
  ms: number;
}

/**
 * Recompute and store snapshots. With `from`/`to` only the periods overlapping that range are
 * written (the facts behind trailing metrics are still read); without, the whole history.
 * Run inside `withBusiness`.
 */
export async function refreshSnapshots(
  tx: Db,
  business: { id: string; baseCurrency: string },
  opts: { asOf?: string; from?: string; to?: string } = {},
): Promise<RefreshResult> {
  const t0 = performance.now();
  const asOf = opts.asOf ?? new Date().toISOString().slice(0, 10);
  const [range] = await queryRows<{ first: string | null }>(
    tx,
    sql`select least((select min(date) from transactions where business_id = ${business.id} and deleted_at is null),
                     (select min(issue_date) from invoices where business_id = ${business.id}))::text as first`,
  );
  const written: Record<PeriodType, number> = { week: 0, month: 0, quarter: 0, year: 0 };
  if (!range?.first) return { written, from: null, to: null, ms: Math.round(performance.now() - t0) };
  const historyStart = periodOf('year', range.first).start;
  const historyEnd = asOf;
  const factsFrom = periodOf('month', historyStart).start;
  const factsTo = periodOf('month', historyEnd).start;
  const facts = await loadFacts(
    tx,
    business.id,
    business.baseCurrency,
    factsFrom,
    factsTo,
    range.first,
    undefined,
    asOf,
  );

  const lo = opts.from && opts.from > range.first ? opts.from : range.first;
  const hi = opts.to && opts.to < historyEnd ? opts.to : historyEnd;
  const rows: SnapshotRow[] = [];
  for (const type of ['month', 'quarter', 'year'] as const) {
    for (const p of periodsBetween(type, lo, hi)) {
      const row = buildSnapshot(business.id, facts, p, asOf);
      if (row) rows.push(row);
    }
  }
  rows.push(...(await weeklyCash(tx, business.id, business.baseCurrency, periodOf('week', lo).start, hi)));
  await writeSnapshots(tx, rows, written);
  return { written, from: lo, to: hi, ms: Math.round(performance.now() - t0) };
}

/** Upsert snapshot rows by (business, period type, period start), counting them per type. */
async function writeSnapshots(tx: Db, rows: SnapshotRow[], written: Record<PeriodType, number>): Promise<void> {
  for (let i = 0; i < rows.length; i += 500) {
    const chunk = rows.slice(i, i + 500);
    await tx
      .insert(metricSnapshots)
      .values(chunk)
      .onConflictDoUpdate({
        target: [metricSnapshots.businessId, metricSnapshots.periodType, metricSnapshots.periodStart],
        set: Object.fromEntries(
          Object.entries({
            periodEnd: 'period_end',
            currency: 'currency',
            revenue: 'revenue',
            expenses: 'expenses',
            netIncome: 'net_income',
            grossMargin: 'gross_margin',
            revenueVolatility: 'revenue_volatility',
            refundCount: 'refund_count',
            refundRatio: 'refund_ratio',
            chargebackCount: 'chargeback_count',
            chargebackRatio: 'chargeback_ratio',
            mrr: 'mrr',
            arr: 'arr',
            subscriberChurn: 'subscriber_churn',
            cashBalance: 'cash_balance',
            grossBurn: 'gross_burn',
            netBurn: 'net_burn',
            runwayMonths: 'runway_months',
            dso: 'dso',
            dpo: 'dpo',
            revenueSource: 'revenue_source',
            metrics: 'metrics',
            dataQuality: 'data_quality',
            computedAt: 'computed_at',
          }).map(([k, col]) => [k, sql.raw(`excluded."${col}"`)]),
        ),
      });
    for (const r of chunk) written[r.periodType as PeriodType] += 1;
  }
}

type StoredMetrics = {
  figuresVersion?: number;
  revenueBySource?: Record<string, string>;
  otherIncomeBySource?: Record<string, string>;
  expensesBySource?: Record<string, string>;
  cogsBySource?: Record<string, string>;
  cashIn?: string;
  cashOut?: string;
  uncategorizedAbs?: string;
  categorizableAbs?: string;
  receivables?: { aging?: Record<string, string> };
  payables?: { aging?: Record<string, string> };
  monthTopCustomers?: Record<string, { name: string; revenue: string } | null>;
  subscriberCounts?: { active: number; churned30: number; active30Ago: number; new30: number };
  stripeCounts?: { charges: number; refunds: number; disputes: number };
  stripeAmounts?: { charge: string; refund: string; dispute: string };
};

/** A month's facts rebuilt from its stored snapshot; null for a snapshot written before these fields existed. */
export function monthFactsFromSnapshot(r: StoredSnapshot): MonthFacts | null {
  const m = r.metrics as StoredMetrics;
  if (m.figuresVersion !== FIGURES_VERSION || !m.expensesBySource || !m.stripeCounts) return null;
  const dec = (v: string | null | undefined) => new D(v ?? 0);
  const src = (o: Record<string, string> | undefined) => ({
    xero: dec(o?.xero),
    stripe: dec(o?.stripe),
    csv: dec(o?.csv),
  });
  const aging = (o: Record<string, string> | undefined) =>
    Object.fromEntries(AGING_BUCKETS.map((b) => [b, dec(o?.[b])])) as Record<AgingBucket, Dec>;
  const top = (t: { name: string; revenue: string } | null | undefined) =>
    t ? { name: t.name, revenue: dec(t.revenue) } : null;
  return {
    month: r.periodStart,
    revenue: src(m.revenueBySource),
    otherIncome: src(m.otherIncomeBySource),
    expenses: src(m.expensesBySource),
    cogs: src(m.cogsBySource),
    cashIn: dec(m.cashIn),
    cashOut: dec(m.cashOut),
    cashBalance: dec(r.cashBalance),
    charges: m.stripeCounts.charges,
    chargeAmount: dec(m.stripeAmounts?.charge),
    refunds: m.stripeCounts.refunds,
    refundAmount: dec(m.stripeAmounts?.refund),
    disputes: m.stripeCounts.disputes,
    disputeAmount: dec(m.stripeAmounts?.dispute),
    uncategorizedAbs: dec(m.uncategorizedAbs),
    categorizableAbs: dec(m.categorizableAbs),
    ar: aging(m.receivables?.aging),
    ap: aging(m.payables?.aging),
    mrr: dec(r.mrr),
    activeSubscribers: m.subscriberCounts?.active ?? 0,
    churned30: m.subscriberCounts?.churned30 ?? 0,
    active30Ago: m.subscriberCounts?.active30Ago ?? 0,
    new30: m.subscriberCounts?.new30 ?? 0,
    topCustomer: {
      xero: top(m.monthTopCustomers?.xero),
      stripe: top(m.monthTopCustomers?.stripe),
      csv: top(m.monthTopCustomers?.csv),
    },
  };
}

/**
 * Incremental refresh after records changed: recompute only the periods the changed dates fall in (their
 * month, quarter, year and week). Only those months' facts are read from the books; the other months a
 * quarter, a year or a trailing window needs come from their stored snapshots. Later periods' balances
 * (cash, receivables) are brought up to date by the next scheduled refresh of recent months.
 */
export async function refreshChangedPeriods(
  tx: Db,
  business: { id: string; baseCurrency: string },
  dates: string[],
  /** `kinds`: the kinds of the changed records (SPEND, INVOICE, SUBSCRIPTION…), if known: only the facts they can move are re-read. */
  opts: { asOf?: string; kinds?: string[] } = {},
): Promise<RefreshResult> {
  const t0 = performance.now();
  const asOf = opts.asOf ?? new Date().toISOString().slice(0, 10);
  const written: Record<PeriodType, number> = { week: 0, month: 0, quarter: 0, year: 0 };
  const [range] = await queryRows<{ first: string | null }>(
    tx,
    sql`select least((select min(date) from transactions where business_id = ${business.id} and deleted_at is null),
                     (select min(issue_date) from invoices where business_id = ${business.id}))::text as first`,
  );
  const first = range?.first;
  const touched = [
    ...new Set(dates.filter((d) => first && d >= first && d <= asOf).map((d) => periodOf('month', d).start)),
  ].sort();
  if (!first || touched.length === 0) return { written, from: null, to: null, ms: Math.round(performance.now() - t0) };

  const periods = new Map<string, Period>();
  for (const m of touched)
    for (const type of ['month', 'quarter', 'year'] as const) {
      const p = periodOf(type, m);
      periods.set(`${type}:${p.start}`, p);
    }
  // Months needed: every month of the touched years, and five before each touched month (trailing windows).
  let needFrom = periodOf('year', touched[0]!).start;
  for (const m of touched) {
    let back = m;
    for (let k = 0; k < 5; k++) back = periodOf('month', addDays(back, -1)).start;
    if (back < needFrom) needFrom = back;
  }
  const lastNeeded = [...periods.values()].reduce((a, p) => (p.end > a ? p.end : a), touched[0]!);
  const needTo = periodOf('month', lastNeeded < asOf ? lastNeeded : asOf).start;
  const needed = periodsBetween('month', needFrom, needTo).map((p) => p.start);

  const parts = partsForKinds(opts.kinds);
  const stored = new Map(
    (await getSnapshots(tx, business.id, 'month', needFrom, needTo)).map((r) => [r.periodStart, r]),
  );
  const firstMonth = periodOf('month', first).start;
  const fromStore = (m: string) =>
    m < firstMonth ? emptyMonth(m) : stored.has(m) ? monthFactsFromSnapshot(stored.get(m)!) : null;

  // The touched months: re-read the families of facts the change can move; keep the rest as stored.
  const fresh = new Map<string, MonthFacts>();
  let meta: BusinessFacts | undefined;
  for (const m of touched) {
    const base = fromStore(m);
    const f = await loadFacts(tx, business.id, business.baseCurrency, m, m, first, base ? parts : ALL_FACT_PARTS, asOf);
    fresh.set(m, base ? mergeParts(base, f.months[0]!, parts) : f.months[0]!);
    meta = f;
  }
  // Later months that close a touched quarter or year: balances are stocks. Cash moves by exactly the
  // change in the touched months' closing cash; receivables and subscriptions, if affected, are re-read.
  const closes = new Set<string>();
  for (const p of periods.values()) {
    const close = periodOf('month', p.end < asOf ? p.end : asOf).start;
    if (!fresh.has(close) && close > touched[0]!) closes.add(close);
  }
  for (const c of closes) {
    const base = fromStore(c);
    if (!base) return refreshSnapshots(tx, business, { asOf });
    let cashShift = new D(0);
    for (const m of touched) {
      const before = fromStore(m);
      if (m < c && before) cashShift = cashShift.plus(fresh.get(m)!.cashBalance.minus(before.cashBalance));
    }
    let month: MonthFacts = { ...base, cashBalance: base.cashBalance.plus(cashShift) };
    const stockParts = new Set([...parts].filter((x): x is FactPart => x === 'receivables' || x === 'subscriptions'));
    if (stockParts.size > 0) {
      const f = await loadFacts(tx, business.id, business.baseCurrency, c, c, first, stockParts, asOf);
      month = mergeParts(month, f.months[0]!, stockParts);
    }
    fresh.set(c, month);
  }

  const months: MonthFacts[] = [];
  for (const m of needed) {
    const got = fresh.get(m) ?? fromStore(m);
    // A month never computed (or stored by an older version): fall back to a full recompute.
    if (!got) return refreshSnapshots(tx, business, { asOf });
    months.push(got);
  }
  const facts: BusinessFacts = { ...meta!, months };
  const rows: SnapshotRow[] = [];
  for (const p of periods.values()) {
    const row = buildSnapshot(business.id, facts, p, asOf);
    if (row) rows.push(row);
  }
  for (const w of new Set(dates.filter((d) => d >= first && d <= asOf).map((d) => periodOf('week', d).start))) {
    rows.push(...(await weeklyCash(tx, business.id, business.baseCurrency, w, addDays(w, 6))));
  }
  await writeSnapshots(tx, rows, written);
  return { written, from: touched[0]!, to: touched[touched.length - 1]!, ms: Math.round(performance.now() - t0) };
}

const ALL_FACT_PARTS: ReadonlySet<FactPart> = new Set(['pnl', 'cash', 'receivables', 'subscriptions', 'customers']);

/** Take the families in `parts` from `fresh`, the rest from `base`. */
function mergeParts(base: MonthFacts, fresh: MonthFacts, parts: ReadonlySet<FactPart>): MonthFacts {
  const out: MonthFacts = { ...base };
  if (parts.has('pnl')) {
    Object.assign(out, {
      revenue: fresh.revenue,
      otherIncome: fresh.otherIncome,
      expenses: fresh.expenses,
      cogs: fresh.cogs,
      cashIn: fresh.cashIn,
      cashOut: fresh.cashOut,
      charges: fresh.charges,
      chargeAmount: fresh.chargeAmount,
      refunds: fresh.refunds,
      refundAmount: fresh.refundAmount,
      disputes: fresh.disputes,
      disputeAmount: fresh.disputeAmount,
      uncategorizedAbs: fresh.uncategorizedAbs,
      categorizableAbs: fresh.categorizableAbs,
    });
  }
  if (parts.has('cash')) out.cashBalance = fresh.cashBalance;
  if (parts.has('receivables')) Object.assign(out, { ar: fresh.ar, ap: fresh.ap });
  if (parts.has('subscriptions')) {
    Object.assign(out, {
      mrr: fresh.mrr,
      activeSubscribers: fresh.activeSubscribers,
      churned30: fresh.churned30,
      active30Ago: fresh.active30Ago,
      new30: fresh.new30,
    });
  }
  if (parts.has('customers')) out.topCustomer = fresh.topCustomer;
  return out;
}
