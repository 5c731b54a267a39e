/**
 * Funding readiness: a 0–100 score from weighted components, each kept with its value, weight,
 * contribution and evidence, and the cheapest way to reach the next tier. Versioned: a change to the
 * weights or curves is a new SCORE_VERSION, so stored scores stay comparable within a version.
 */
import type { Db } from '../db/client';
import { readinessScores } from '../db/schema';
import { D } from '../money';
import { latestCompleteMonths } from './metrics/read';

export const SCORE_VERSION = 'v1';

export type Tier = 'not_ready' | 'needs_work' | 'funding_ready' | 'highly_attractive';
/** not_ready < 40 ≤ needs_work < 60 ≤ funding_ready < 80 ≤ highly_attractive */
export const TIERS: { tier: Tier; from: number }[] = [
  { tier: 'not_ready', from: 0 },
  { tier: 'needs_work', from: 40 },
  { tier: 'funding_ready', from: 60 },
  { tier: 'highly_attractive', from: 80 },
];

export function tierOf(score: number): Tier {
  return [...TIERS].reverse().find((t) => score >= t.from)!.tier;
}

/** Linear from 0 at `worst` to 1 at `best` (either direction), clamped. */
export function linear(x: number, worst: number, best: number): number {
  const v = (x - worst) / (best - worst);
  return Math.min(1, Math.max(0, v));
}
/** The x that gives value v on the same line (inverse of `linear`). */
const inverse = (v: number, worst: number, best: number) => worst + v * (best - worst);

export interface ReadinessInputs {
  /** Revenue of the last 3 complete months, and of the 3 before (base currency, decimal strings). */
  revenueLast3: string;
  revenuePrev3: string | null;
  revenueVolatility: number | null;
  cashFlowPositive: boolean;
  runwayMonths: number | null;
  refundRatio: number | null;
  chargebackRatio: number | null;
  dso: number | null;
  overdueShare: number | null;
  dataQualityScore: number | null;
  currency: string;
  snapshotIds: string[];
}

export interface Component {
  name:
    | 'revenue_scale_growth'
    | 'revenue_stability'
    | 'burn_runway'
    | 'payment_risk'
    | 'receivables_health'
    | 'data_quality';
  weight: number;
  value: number;
  contribution: number;
  evidence: { snapshotIds: string[]; figures: Record<string, string | number | boolean | null> };
}

export interface NextBandAction {
  component: Component['name'];
  metric: string;
  from: number | null;
  to: number;
  points: number;
  text: string;
}

export interface Readiness {
  scoreVersion: string;
  score: number;
  tier: Tier;
  components: Component[];
  nextBand: { tier: Tier; pointsNeeded: number; actions: NextBandAction[] } | null;
}

// Curves (v1). Annualised revenue: $100k → 0, $5M → 1 on a log scale. Quarter-on-quarter growth:
// −10% → 0, +20% → 1. Volatility: 0.5 → 0, 0.1 → 1. Runway: 3 → 0, 24 months → 1. Refunds: 5% → 0,
// 0 → 1. Chargebacks: 1% → 0, 0 → 1. DSO: 90 → 0, 30 days → 1. Overdue share of receivables: 50% → 0, 0 → 1.
const W = {
  revenue_scale_growth: 20,
  revenue_stability: 15,
  burn_runway: 20,
  payment_risk: 15,
  receivables_health: 20,
  data_quality: 10,
};

/** Pure scoring; `computeReadiness` gathers the inputs from snapshots. */
export function scoreReadiness(i: ReadinessInputs): Readiness {
  const annual = new D(i.revenueLast3).times(4).toNumber();
  const scale = annual > 0 ? linear(Math.log10(annual), 5, Math.log10(5_000_000)) : 0;
  const growth =
    i.revenuePrev3 && new D(i.revenuePrev3).gt(0)
      ? new D(i.revenueLast3).div(i.revenuePrev3).minus(1).toNumber()
      : null;
  const growthV = growth === null ? 0.5 : linear(growth, -0.1, 0.2);
  const stabilityV = i.revenueVolatility === null ? 0.5 : linear(i.revenueVolatility, 0.5, 0.1);
  const runwayV = i.cashFlowPositive ? 1 : i.runwayMonths === null ? 0 : linear(i.runwayMonths, 3, 24);
  const refundV = i.refundRatio === null ? 1 : linear(i.refundRatio, 0.05, 0);
  const chargebackV = i.chargebackRatio === null ? 1 : linear(i.chargebackRatio, 0.01, 0);
  const dsoV = i.dso === null ? 0.5 : linear(i.dso, 90, 30);
  const overdueV = i.overdueShare === null ? 1 : linear(i.overdueShare, 0.5, 0);
  const dqV = i.dataQualityScore === null ? 0.5 : i.dataQualityScore / 100;
  const ev = (figures: Component['evidence']['figures']) => ({ snapshotIds: i.snapshotIds, figures });
  const c = (name: Component['name'], value: number, evidence: Component['evidence']): Component => ({
    name,
    weight: W[name],
    value: Math.round(value * 10_000) / 10_000,
    contribution: Math.round(W[name] * value * 100) / 100,
    evidence,
  });
  const raw: Record<Component['name'], number> = {
    revenue_scale_growth: (scale + growthV) / 2,
    revenue_stability: stabilityV,
    burn_runway: runwayV,
    payment_risk: (refundV + chargebackV) / 2,
    receivables_health: (dsoV + overdueV) / 2,
    data_quality: dqV,
  };
  const components: Component[] = [
    c(
      'revenue_scale_growth',
      raw.revenue_scale_growth,
      ev({
        annualisedRevenue: new D(annual).toFixed(2),
        currency: i.currency,
        quarterGrowth: growth === null ? null : Math.round(growth * 10_000) / 10_000,
      }),
    ),
    c('revenue_stability', raw.revenue_stability, ev({ revenueVolatility: i.revenueVolatility })),
    c('burn_runway', raw.burn_runway, ev({ cashFlowPositive: i.cashFlowPositive, runwayMonths: i.runwayMonths })),
    c('payment_risk', raw.payment_risk, ev({ refundRatio: i.refundRatio, chargebackRatio: i.chargebackRatio })),
    c('receivables_health', raw.receivables_health, ev({ dso: i.dso, overdueShare: i.overdueShare })),
    c('data_quality', raw.data_quality, ev({ dataQualityScore: i.dataQualityScore })),
  ];
  // The score sums exact values; the rounded ones in `components` are for display.
  const total = components.reduce((a, x) => a + W[x.name] * raw[x.name], 0);
  const score = Math.max(0, Math.min(100, Math.round(total)));
  const tier = tierOf(score);
  const next = TIERS.find((t) => t.from > score);
  let nextBand: Readiness['nextBand'] = null;
  if (next) {
    const need = next.from - score;
    // The unrounded total must reach next.from − 0.5 for the score to round up to the next tier.
    const exactNeed = next.from - 0.5 - total + 1e-6;
    interface Lever {
      name: Component['name'];
      /** Points for moving this sub-metric's value from 0 to 1. */
      gainPerUnit: number;
      current: number;
      from: number | null;
      worst: number;
      best: number;
      metric: string;
      unit: (x: number) => string;
    }
    const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
    const days = (x: number) => `${Math.round(x)} days`;
    const months = (x: number) => `${x.toFixed(1)} months`;
    const levers: Lever[] = [];
    const lever = (
      name: Component['name'],
      share: number,
      current: number,
      from: number | null,
      worst: number,
      best: number,
      metric: string,
      unit: (x: number) => string,
    ) => {
      if (current < 1) levers.push({ name, gainPerUnit: W[name] * share, current, from, worst, best, metric, unit });
    };
    if (i.dso !== null) lever('receivables_health', 0.5, dsoV, i.dso, 90, 30, 'DSO', days);
    if (i.overdueShare !== null)
      lever('receivables_health', 0.5, overdueV, i.overdueShare, 0.5, 0, 'Overdue share of receivables', pct);
    if (i.revenueVolatility !== null)
      lever('revenue_stability', 1, stabilityV, i.revenueVolatility, 0.5, 0.1, 'Revenue volatility', (x) =>
        x.toFixed(2),
      );
    if (!i.cashFlowPositive) lever('burn_runway', 1, runwayV, i.runwayMonths, 3, 24, 'Runway', months);
    if (i.refundRatio !== null) lever('payment_risk', 0.5, refundV, i.refundRatio, 0.05, 0, 'Refund ratio', pct);
    if (i.chargebackRatio !== null)
      lever('payment_risk', 0.5, chargebackV, i.chargebackRatio, 0.01, 0, 'Chargeback ratio', pct);
    if (growth !== null)
      lever('revenue_scale_growth', 0.5, growthV, growth, -0.1, 0.2, 'Quarter-on-quarter revenue growth', pct);
    if (i.dataQualityScore !== null)
      lever(
        'data_quality',
        1,
        dqV,
        i.dataQualityScore / 100,
        0,
        1,
        'Data quality score',
        (x) => `${Math.round(x * 100)}`,
      );
    // Lowest-cost path: the least movement on the levers' own 0–1 scales, so the levers worth the
    // most points per unit go first; each moves only as far as the remaining gap needs.
    levers.sort((a, b) => b.gainPerUnit - a.gainPerUnit || a.current - b.current);
    const actions: NextBandAction[] = [];
    let remaining = exactNeed;
    for (const l of levers) {
      if (remaining <= 0) break;
      const dv = Math.min(1 - l.current, remaining / l.gainPerUnit);
      const points = dv * l.gainPerUnit;
      remaining -= points;
      // Round the target in the improving direction, so that reaching it is enough.
      const exact = inverse(l.current + dv, l.worst, l.best) * 1000;
      const to = (l.best > l.worst ? Math.ceil(exact - 1e-9) : Math.floor(exact + 1e-9)) / 1000;
      const shown = Math.round(points * 10) / 10;
      actions.push({
        component: l.name,
        metric: l.metric,
        from: l.from,
        to,
        points: shown,
        text: `${l.metric} from ${l.from === null ? 'unknown' : l.unit(l.from)} to ${l.unit(to)} adds ${shown} points.`,
      });
    }
    if (remaining > 1e-9) actions.length = 0; // the next tier cannot be reached with these levers alone
    nextBand = { tier: next.tier, pointsNeeded: need, actions };
  }
  return { scoreVersion: SCORE_VERSION, score, tier, components, nextBand };
}

/**
 * Score the business from its latest complete month (and the months before it), store it, and return
 * it with its id. Run inside `withBusiness` after the snapshots are fresh.
 */
export async function computeReadiness(
  tx: Db,
  businessId: string,
  asOf: string,
): Promise<Readiness & { id: string; asOfMonth: string | null }> {
  const months = await latestCompleteMonths(tx, businessId, asOf, 6);
  const last = months[0];
  const last3 = months.slice(0, 3);
  const prev3 = months.slice(3, 6);
  const sumOf = (rows: typeof months, f: (r: (typeof months)[number]) => string | number | null | undefined) =>
    rows.reduce((a, r) => a.plus(new D(String(f(r) ?? 0))), new D(0));
  const charges = sumOf(last3, (r) => (r.metrics as { charges?: number }).charges ?? 0);
  const num = (v: string | null | undefined) => (v === null || v === undefined ? null : Number(v));
  const m = (last?.metrics ?? {}) as {
    runway?: { cashFlowPositive?: boolean };
    receivables?: { total?: string; aging?: { current?: string } };
  };
  const arTotal = new D(m.receivables?.total ?? 0);
  const inputs: ReadinessInputs = {
    revenueLast3: sumOf(last3, (r) => r.revenue).toFixed(4),
    revenuePrev3: prev3.length === 3 ? sumOf(prev3, (r) => r.revenue).toFixed(4) : null,
    revenueVolatility: num(last?.revenueVolatility),
    cashFlowPositive: Boolean(m.runway?.cashFlowPositive),
    runwayMonths: num(last?.runwayMonths),
    refundRatio: charges.gt(0)
      ? sumOf(last3, (r) => r.refundCount)
          .div(charges)
          .toDecimalPlaces(6)
          .toNumber()
      : null,
    chargebackRatio: charges.gt(0)
      ? sumOf(last3, (r) => r.chargebackCount)
          .div(charges)
          .toDecimalPlaces(6)
          .toNumber()
      : null,
    dso: num(last?.dso),
    overdueShare: arTotal.gt(0)
      ? arTotal
          .minus(m.receivables?.aging?.current ?? 0)
          .div(arTotal)
          .toDecimalPlaces(6)
          .toNumber()
      : null,
    dataQualityScore: (last?.dataQuality as { score?: number } | undefined)?.score ?? null,
    currency: last?.currency ?? 'USD',
    snapshotIds: months.map((r) => r.id),
  };
  const r = scoreReadiness(inputs);
  const [row] = await tx
    .insert(readinessScores)
    .values({
      businessId,
      scoreVersion: r.scoreVersion,
      score: r.score,
      tier: r.tier,
      components: r.components,
      nextBand: r.nextBand ?? [],
    })
    .returning({ id: readinessScores.id });
  return { ...r, id: row!.id, asOfMonth: last?.periodStart ?? null };
}
