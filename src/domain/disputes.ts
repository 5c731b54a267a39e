/**
 * Card-network dispute monitoring: Visa's Acquirer Monitoring Program (VAMP) and Mastercard's Excessive
 * Chargeback Merchant program (ECM / HECM), month to date and projected to month end.
 */
import { sql } from 'drizzle-orm';
import { type Db, queryRows } from '../db/client';
import { addDays, daysBetween, periodOf } from './periods';
import { remembered } from './stored-results';

export type DisputeStatus = 'ok' | 'watch' | 'at_risk' | 'over';

export interface ProgramThreshold {
  program: 'VAMP' | 'ECM' | 'HECM';
  network: 'visa' | 'mastercard';
  /** Ratio, in basis points, at or above which a merchant is identified (with at least `minimumCount` events). */
  thresholdBps: number;
  minimumCount: number;
  effectiveFrom: string;
  /** Inclusive; null = still in force. */
  effectiveTo: string | null;
  source: string;
}

/**
 * The one dated table of thresholds: add a row when a program changes. Sources: Visa Acquirer
 * Monitoring Program (VAMP) fact sheet and Visa Core Rules (merchant "excessive" level, 2.2% with
 * ≥ 1,500 fraud and dispute events, lowered to 1.5% from 1 April 2026); Mastercard Security Rules
 * and Procedures, Excessive Chargeback Program (ECM 1.5% with ≥ 100 chargebacks, HECM 3% with ≥ 300).
 */
export const DISPUTE_THRESHOLDS: readonly ProgramThreshold[] = [
  {
    program: 'VAMP',
    network: 'visa',
    thresholdBps: 220,
    minimumCount: 1500,
    effectiveFrom: '2025-04-01',
    effectiveTo: '2026-03-31',
    source: 'Visa VAMP (merchant excessive, from April 2025)',
  },
  {
    program: 'VAMP',
    network: 'visa',
    thresholdBps: 150,
    minimumCount: 1500,
    effectiveFrom: '2026-04-01',
    effectiveTo: null,
    source: 'Visa VAMP (merchant excessive, from April 2026)',
  },
  {
    program: 'ECM',
    network: 'mastercard',
    thresholdBps: 150,
    minimumCount: 100,
    effectiveFrom: '2019-01-01',
    effectiveTo: null,
    source: 'Mastercard Excessive Chargeback Merchant',
  },
  {
    program: 'HECM',
    network: 'mastercard',
    thresholdBps: 300,
    minimumCount: 300,
    effectiveFrom: '2019-01-01',
    effectiveTo: null,
    source: 'Mastercard High Excessive Chargeback Merchant',
  },
];

/** A program's status turns to "watch" at this share of its threshold (65%, as a fraction of 100). */
export const WATCH_PERCENT = 65;

export function thresholdsOn(
  date: string,
  table: readonly ProgramThreshold[] = DISPUTE_THRESHOLDS,
): ProgramThreshold[] {
  return table.filter((t) => t.effectiveFrom <= date && (t.effectiveTo === null || date <= t.effectiveTo));
}

export interface Counts {
  /** Events counted by the program: VAMP fraud reports + disputes; ECM chargebacks. */
  events: number;
  /** VAMP: settled card-not-present transactions this month; ECM: last month's transactions. */
  transactions: number;
}

export interface ProgramResult {
  program: ProgramThreshold['program'];
  network: ProgramThreshold['network'];
  threshold: number;
  minimumCount: number;
  monthToDate: Counts & { ratio: number | null };
  projected: Counts & { ratio: number | null };
  status: DisputeStatus;
  explanation: string;
  source: string;
}

const r6 = (n: number) => Math.round(n * 1e6) / 1e6;
const ratioOf = (c: Counts) => (c.transactions > 0 ? r6(c.events / c.transactions) : null);
/** Exact, in integers: events / transactions ≥ bps / 10,000. Ratios are rounded for display only. */
const atLeast = (c: Counts, bps: number, percentOfThreshold = 100) =>
  c.transactions > 0 && c.events * 10_000 * 100 >= bps * percentOfThreshold * c.transactions;
const meets = (c: Counts, t: ProgramThreshold) => atLeast(c, t.thresholdBps) && c.events >= t.minimumCount;

/**
 * Status, in order: over (month to date meets the program's ratio and count), at_risk (the month-end
 * projection would), watch (the projected ratio is at least 65% of the threshold), else ok.
 * `projectTransactions` is false for ECM, whose denominator is last month's, already complete.
 */
export function evaluateProgram(
  t: ProgramThreshold,
  mtd: Counts,
  elapsedDays: number,
  monthDays: number,
  projectTransactions: boolean,
): ProgramResult {
  const factor = elapsedDays > 0 ? monthDays / elapsedDays : 1;
  const projected = {
    events: Math.round(mtd.events * factor),
    transactions: projectTransactions ? Math.round(mtd.transactions * factor) : mtd.transactions,
  };
  const mtdRatio = ratioOf(mtd);
  const projRatio = ratioOf(projected);
  let status: DisputeStatus = 'ok';
  if (meets(mtd, t)) status = 'over';
  else if (meets(projected, t)) status = 'at_risk';
  else if (atLeast(projected, t.thresholdBps, WATCH_PERCENT)) status = 'watch';
  const pct = (x: number | null) => (x === null ? 'n/a' : `${(x * 100).toFixed(2)}%`);
  const below =
    projected.events < t.minimumCount
      ? ` Below the program's minimum of ${t.minimumCount} events a month, so it would not be identified even above the ratio.`
      : '';
  const explanation = `${t.program} ${pct(mtdRatio)} month to date, ${pct(projRatio)} projected, against ${pct(t.thresholdBps / 10_000)} with at least ${t.minimumCount} events.${below}`;
  return {
    program: t.program,
    network: t.network,
    threshold: t.thresholdBps / 10_000,
    minimumCount: t.minimumCount,
    monthToDate: { ...mtd, ratio: mtdRatio },
    projected: { ...projected, ratio: projRatio },
    status,
    explanation,
    source: t.source,
  };
}

export interface DisputeMonitoring {
  asOf: string;
  month: { start: string; end: string };
  daysElapsed: number;
  daysInMonth: number;
  programs: ProgramResult[];
  /** The worst status across programs. */
  status: DisputeStatus;
  notes: string[];
}

const ORDER: DisputeStatus[] = ['ok', 'watch', 'at_risk', 'over'];

/** Dispute monitoring for the month containing `asOf` (stored; see stored-results.ts). Run inside `withBusiness`. */
export function disputeMonitoring(tx: Db, businessId: string, asOf: string): Promise<DisputeMonitoring> {
  return remembered(tx, businessId, `dispute_monitoring:${asOf}`, () => computeDisputeMonitoring(tx, businessId, asOf));
}

/** Dispute monitoring computed from Stripe charges and disputes now, not stored (benchmarks time it). */
export async function computeDisputeMonitoring(tx: Db, businessId: string, asOf: string): Promise<DisputeMonitoring> {
  const month = periodOf('month', asOf);
  const lastMonth = periodOf('month', addDays(month.start, -1));
  const [c] = await queryRows<{ visa_cnp: number; visa_disputes: number; mc_disputes: number; mc_last_month: number }>(
    tx,
    sql`with ch as (
          select external_id, date, lower(metadata->>'cardBrand') as brand, coalesce((metadata->>'cardPresent')::boolean, false) as present
          from transactions where business_id = ${businessId} and source = 'stripe' and kind = 'CHARGE' and status = 'succeeded' and deleted_at is null
            and date >= ${lastMonth.start}::date and date <= ${asOf}::date),
        dp as (
          select d.date, coalesce(ch.brand, lower(c2.metadata->>'cardBrand')) as brand
          from transactions d
          left join ch on ch.external_id = d.metadata->>'charge'
          left join transactions c2 on ch.external_id is null and c2.business_id = ${businessId} and c2.source = 'stripe'
               and c2.external_id = d.metadata->>'charge'
          where d.business_id = ${businessId} and d.source = 'stripe' and d.kind = 'DISPUTE' and d.deleted_at is null
            and d.date >= ${month.start}::date and d.date <= ${asOf}::date)
        select
          (select count(*)::int from ch where brand = 'visa' and not present and date >= ${month.start}::date) as visa_cnp,
          (select count(*)::int from dp where brand = 'visa') as visa_disputes,
          (select count(*)::int from dp where brand = 'mastercard') as mc_disputes,
          (select count(*)::int from ch where brand = 'mastercard' and date <= ${lastMonth.end}::date) as mc_last_month`,
  );
  const daysInMonth = daysBetween(month.start, month.end) + 1;
  const daysElapsed = daysBetween(month.start, asOf) + 1;
  const programs = thresholdsOn(asOf).map((t) =>
    t.network === 'visa'
      ? evaluateProgram(
          t,
          { events: Number(c!.visa_disputes), transactions: Number(c!.visa_cnp) },
          daysElapsed,
          daysInMonth,
          true,
        )
      : evaluateProgram(
          t,
          { events: Number(c!.mc_disputes), transactions: Number(c!.mc_last_month) },
          daysElapsed,
          daysInMonth,
          false,
        ),
  );
  const status = programs.reduce<DisputeStatus>(
    (worst, p) => (ORDER.indexOf(p.status) > ORDER.indexOf(worst) ? p.status : worst),
    'ok',
  );
  return {
    asOf,
    month: { start: month.start, end: month.end },
    daysElapsed,
    daysInMonth,
    programs,
    status,
    notes: [
      'Visa fraud reports (TC40, Stripe early fraud warnings) are not synced yet: VAMP counts disputes only, so it may understate the ratio.',
    ],
  };
}
