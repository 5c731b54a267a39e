/**
 * Everything derived from the books, in dependency order: metric snapshots, then the funding-readiness
 * score, each customer's payment behaviour, the recommendations that read them, and the person-set alerts;
 * last, the transaction totals' deltas are folded and stored results of days gone are dropped.
 * Run inside `withBusiness`; the events they raise (new recommendations, triggered alerts) commit with it.
 */
import type { Db } from '../db/client';
import { evaluateAlerts } from './alerts';
import { type RefreshResult, refreshChangedPeriods, refreshSnapshots } from './metrics/snapshots';
import { updateContactPaymentBehaviour } from './payment-health';
import { periodsBetween } from './periods';
import { computeReadiness } from './readiness';
import { type RunResult, runRecommendations } from './recommendations';
import { pruneStoredResults } from './stored-results';
import { compactTransactionTotals } from './transaction-totals';

export interface InsightsResult {
  snapshots: RefreshResult;
  readiness: { score: number; tier: string } | null;
  recommendations: RunResult;
  ms: number;
}

export async function refreshInsights(
  tx: Db,
  business: { id: string; baseCurrency: string },
  opts: { asOf?: string; from?: string } = {},
): Promise<InsightsResult> {
  const t0 = performance.now();
  const asOf = opts.asOf ?? new Date().toISOString().slice(0, 10);
  const snapshots = await refreshSnapshots(tx, business, { asOf, ...(opts.from ? { from: opts.from } : {}) });
  return afterSnapshots(tx, business, asOf, snapshots, t0);
}

/**
 * After records changed (an import, a sync, a webhook): recompute only the periods those dates touch, then
 * the readiness score, payment behaviour and recommendations that read them.
 */
export async function refreshAfterChange(
  tx: Db,
  business: { id: string; baseCurrency: string },
  change: { dates: string[]; kinds?: string[] | undefined },
  opts: { asOf?: string } = {},
): Promise<InsightsResult> {
  const t0 = performance.now();
  const asOf = opts.asOf ?? new Date().toISOString().slice(0, 10);
  // Cash is a balance: a change in February moves every later month's closing cash too.
  const first = [...change.dates].sort()[0];
  const later = first ? periodsBetween('month', first, asOf).map((p) => p.start) : [];
  const snapshots = await refreshChangedPeriods(tx, business, [...new Set([...change.dates, ...later])], {
    asOf,
    ...(change.kinds ? { kinds: change.kinds } : {}),
  });
  return afterSnapshots(tx, business, asOf, snapshots, t0);
}

/** What reads the snapshots, in order: the readiness score, customers' payment behaviour, recommendations. */
async function afterSnapshots(
  tx: Db,
  business: { id: string; baseCurrency: string },
  asOf: string,
  snapshots: RefreshResult,
  t0: number,
): Promise<InsightsResult> {
  const readiness = snapshots.from ? await computeReadiness(tx, business.id, asOf) : null;
  await updateContactPaymentBehaviour(tx, business.id, asOf);
  const recommendations = await runRecommendations(tx, business, asOf);
  await evaluateAlerts(tx, business.id, asOf);
  await compactTransactionTotals(tx, business.id);
  await pruneStoredResults(tx, business.id);
  return {
    snapshots,
    readiness: readiness ? { score: readiness.score, tier: readiness.tier } : null,
    recommendations,
    ms: Math.round(performance.now() - t0),
  };
}
