/**
 * Metric formulas, pure. Money stays decimal (decimal.js); ratios are plain numbers. Each formula
 * names its source; docs/metrics.md has the same definitions for people.
 */
import { D, type Dec } from '../../money';

/** A ratio, or null when the denominator is zero (never NaN or Infinity). */
export function ratio(numerator: Dec | number, denominator: Dec | number): number | null {
  const d = new D(denominator);
  if (d.isZero()) return null;
  return new D(numerator).div(d).toDecimalPlaces(6).toNumber();
}

/**
 * Revenue volatility: sample standard deviation / mean of monthly revenue (DESIGN §5; the
 * coefficient of variation). Needs at least two months and a positive mean.
 */
export function coefficientOfVariation(values: Dec[]): number | null {
  if (values.length < 2) return null;
  const n = new D(values.length);
  const mean = values.reduce((a, v) => a.plus(v), new D(0)).div(n);
  if (mean.lte(0)) return null;
  const variance = values.reduce((a, v) => a.plus(v.minus(mean).pow(2)), new D(0)).div(n.minus(1));
  return variance.sqrt().div(mean).toDecimalPlaces(6).toNumber();
}

export interface Runway {
  /** Months of cash at the average net burn; null when cash-flow positive or no cash. */
  months: Dec | null;
  cashFlowPositive: boolean;
  averageNetBurn: Dec;
}

/**
 * Runway = cash / trailing-3-month average net burn; "cash-flow positive" when that burn ≤ 0
 * (DESIGN §5). Reported as months with 2 decimals.
 */
export function runway(cash: Dec, netBurns: Dec[]): Runway {
  const averageNetBurn = netBurns.length
    ? netBurns.reduce((a, b) => a.plus(b), new D(0)).div(netBurns.length)
    : new D(0);
  if (averageNetBurn.lte(0)) return { months: null, cashFlowPositive: true, averageNetBurn };
  const months = D.max(0, cash).div(averageNetBurn).toDecimalPlaces(2, D.ROUND_HALF_UP);
  return { months, cashFlowPositive: false, averageNetBurn };
}

/**
 * Days sales outstanding (Xero executive summary, "Average debtors days"): receivables at period
 * end / revenue of the period × days in the period. DPO likewise with payables and expenses.
 */
export function daysOutstanding(balance: Dec, flow: Dec, days: number): Dec | null {
  if (flow.lte(0)) return null;
  return balance.div(flow).times(days).toDecimalPlaces(2, D.ROUND_HALF_UP);
}

export const AGING_BUCKETS = ['current', 'd1_30', 'd31_60', 'd61_90', 'd90_plus'] as const;
export type AgingBucket = (typeof AGING_BUCKETS)[number];

/** Aging bucket of an open document by days past its due date at the as-of date. */
export function agingBucket(daysPastDue: number): AgingBucket {
  if (daysPastDue <= 0) return 'current';
  if (daysPastDue <= 30) return 'd1_30';
  if (daysPastDue <= 60) return 'd31_60';
  if (daysPastDue <= 90) return 'd61_90';
  return 'd90_plus';
}
