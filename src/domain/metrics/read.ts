/** Reading stored snapshots the way tools present them. */
import { and, asc, desc, eq, gte, lt, lte } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { metricSnapshots } from '../../db/schema';
import { NotFoundError, NotSyncedError } from '../../errors';
import { addDays, type Period, type PeriodType, periodOf } from '../periods';

export interface SnapshotView {
  periodType: PeriodType;
  start: string;
  end: string;
  partial: boolean;
  currency: string;
  revenueSource: string;
  revenue: string | null;
  /** Xero's "Other Income": part of net income, not of revenue. */
  otherIncome: string | null;
  expenses: string | null;
  netIncome: string | null;
  grossMargin: number | null;
  revenueVolatility: number | null;
  refundCount: number | null;
  refundRatio: number | null;
  chargebackCount: number | null;
  chargebackRatio: number | null;
  mrr: string | null;
  arr: string | null;
  subscriberChurn: number | null;
  cashBalance: string | null;
  grossBurn: string | null;
  netBurn: string | null;
  runwayMonths: number | null;
  cashFlowPositive: boolean | null;
  dso: number | null;
  dpo: number | null;
  receivables: string | null;
  payables: string | null;
  dataQuality: string | null;
}

export type StoredSnapshot = typeof metricSnapshots.$inferSelect;
type Row = StoredSnapshot;
const n = (v: string | null) => (v === null ? null : Number(v));

export function snapshotView(r: Row): SnapshotView {
  const m = r.metrics as {
    partial?: boolean;
    runway?: { cashFlowPositive?: boolean };
    receivables?: { total?: string };
    payables?: { total?: string };
    otherIncome?: string;
  };
  return {
    periodType: r.periodType as PeriodType,
    start: r.periodStart,
    end: r.periodEnd,
    partial: Boolean(m.partial),
    currency: r.currency,
    revenueSource: r.revenueSource,
    revenue: r.revenue,
    otherIncome: m.otherIncome ?? null,
    expenses: r.expenses,
    netIncome: r.netIncome,
    grossMargin: n(r.grossMargin),
    revenueVolatility: n(r.revenueVolatility),
    refundCount: r.refundCount,
    refundRatio: n(r.refundRatio),
    chargebackCount: r.chargebackCount,
    chargebackRatio: n(r.chargebackRatio),
    mrr: r.mrr,
    arr: r.arr,
    subscriberChurn: n(r.subscriberChurn),
    cashBalance: r.cashBalance,
    grossBurn: r.grossBurn,
    netBurn: r.netBurn,
    runwayMonths: n(r.runwayMonths),
    cashFlowPositive: m.runway ? Boolean(m.runway.cashFlowPositive) : null,
    dso: n(r.dso),
    dpo: n(r.dpo),
    receivables: m.receivables?.total ?? null,
    payables: m.payables?.total ?? null,
    dataQuality: (r.dataQuality as { grade?: string }).grade ?? null,
  };
}

/** The period of a type containing `date`, or by default the last complete one before `today`. */
export function resolvePeriod(type: PeriodType, today: string, date?: string): Period {
  return date ? periodOf(type, date) : periodOf(type, addDays(periodOf(type, today).start, -1));
}

export async function getSnapshot(tx: Db, businessId: string, period: Period): Promise<Row> {
  const [row] = await tx
    .select()
    .from(metricSnapshots)
    .where(
      and(
        eq(metricSnapshots.businessId, businessId),
        eq(metricSnapshots.periodType, period.type),
        eq(metricSnapshots.periodStart, period.start),
      ),
    );
  if (row) return row;
  const [any] = await tx
    .select({ id: metricSnapshots.id })
    .from(metricSnapshots)
    .where(eq(metricSnapshots.businessId, businessId))
    .limit(1);
  if (!any)
    throw new NotSyncedError(
      'No metrics yet. Connect Xero or Stripe, or import a bank statement, then run `cfo insights refresh`.',
    );
  throw new NotFoundError(
    `No ${period.type} snapshot for ${period.start} to ${period.end}: it is outside the business's history.`,
  );
}

export async function getSnapshots(
  tx: Db,
  businessId: string,
  type: PeriodType,
  from: string,
  to: string,
): Promise<Row[]> {
  return tx
    .select()
    .from(metricSnapshots)
    .where(
      and(
        eq(metricSnapshots.businessId, businessId),
        eq(metricSnapshots.periodType, type),
        gte(metricSnapshots.periodStart, from),
        lte(metricSnapshots.periodStart, to),
      ),
    )
    .orderBy(asc(metricSnapshots.periodStart));
}

/** The latest `n` complete monthly snapshots (ended before `asOf`), newest first. */
export async function latestCompleteMonths(
  tx: Db,
  businessId: string,
  asOf: string,
  n: number,
): Promise<StoredSnapshot[]> {
  return tx
    .select()
    .from(metricSnapshots)
    .where(
      and(
        eq(metricSnapshots.businessId, businessId),
        eq(metricSnapshots.periodType, 'month'),
        lt(metricSnapshots.periodEnd, asOf),
      ),
    )
    .orderBy(desc(metricSnapshots.periodStart))
    .limit(n);
}
