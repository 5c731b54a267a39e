/**
 * Alerts: a person's threshold on a figure — "runway below 6 months", "dispute status at_risk or worse" —
 * checked after every refresh of the figures. When the condition starts to hold, `alert.triggered` goes to
 * the webhooks (once); it can trigger again only after it has stopped holding. Figures come from the latest
 * complete month's snapshot; dispute status from this month's card-network monitoring.
 */
import { and, asc, eq, isNull } from 'drizzle-orm';
import { z } from 'zod';
import { type Actor, audit } from '../db/audit';
import { type Db, isUuid } from '../db/client';
import { ALERT_METRICS, ALERT_OPERATORS, alertRules } from '../db/schema';
import { InvalidInputError, NotFoundError } from '../errors';
import { D } from '../money';
import { type DisputeStatus, disputeMonitoring } from './disputes';
import { emitEvent } from './events';
import { latestCompleteMonths, snapshotView } from './metrics/read';

export type AlertMetric = (typeof ALERT_METRICS)[number];
export type AlertOperator = (typeof ALERT_OPERATORS)[number];

const DISPUTE_ORDER: DisputeStatus[] = ['ok', 'watch', 'at_risk', 'over'];

export const AlertInput = z.object({
  name: z.string().trim().min(1, 'give the alert a name').max(100),
  metric: z.enum(ALERT_METRICS),
  operator: z.enum(ALERT_OPERATORS).describe('lt, lte, gt, gte, eq, ne'),
  threshold: z
    .string()
    .trim()
    .min(1)
    .max(40)
    .describe('a decimal ("6", "25000.00"), or for dispute_status one of ok, watch, at_risk, over'),
});

export interface AlertView {
  id: string;
  name: string;
  metric: AlertMetric;
  operator: AlertOperator;
  threshold: string;
  state: 'ok' | 'triggered';
  lastValue: string | null;
  lastEvaluatedAt: string | null;
  lastTriggeredAt: string | null;
  createdAt: string;
}

const view = (r: typeof alertRules.$inferSelect): AlertView => ({
  id: r.id,
  name: r.name,
  metric: r.metric as AlertMetric,
  operator: r.operator as AlertOperator,
  threshold: r.threshold,
  state: r.state as 'ok' | 'triggered',
  lastValue: r.lastValue,
  lastEvaluatedAt: r.lastEvaluatedAt?.toISOString() ?? null,
  lastTriggeredAt: r.lastTriggeredAt?.toISOString() ?? null,
  createdAt: r.createdAt.toISOString(),
});

function checkThreshold(metric: AlertMetric, threshold: string): string {
  if (metric === 'dispute_status') {
    if (!(DISPUTE_ORDER as string[]).includes(threshold))
      throw new InvalidInputError(`threshold: for dispute_status one of ${DISPUTE_ORDER.join(', ')}.`);
    return threshold;
  }
  if (!/^-?\d{1,15}(\.\d{1,6})?$/.test(threshold))
    throw new InvalidInputError(`threshold: "${threshold}" is not a decimal number like 6 or 25000.00.`);
  return threshold;
}

export async function listAlerts(tx: Db, businessId: string): Promise<AlertView[]> {
  const rows = await tx
    .select()
    .from(alertRules)
    .where(and(eq(alertRules.businessId, businessId), isNull(alertRules.deletedAt)))
    .orderBy(asc(alertRules.createdAt));
  return rows.map(view);
}

export async function createAlert(
  tx: Db,
  businessId: string,
  input: z.output<typeof AlertInput>,
  actor: Actor,
): Promise<AlertView> {
  const threshold = checkThreshold(input.metric, input.threshold);
  const [row] = await tx
    .insert(alertRules)
    .values({ businessId, name: input.name, metric: input.metric, operator: input.operator, threshold })
    .returning();
  await audit(tx, businessId, actor, {
    action: 'alert.created',
    entityType: 'alert_rule',
    entityId: row!.id,
    newValues: { name: input.name, metric: input.metric, operator: input.operator, threshold },
  });
  return view(row!);
}

export async function deleteAlert(tx: Db, businessId: string, id: string, actor: Actor): Promise<void> {
  const [row] = isUuid(id)
    ? await tx
        .update(alertRules)
        .set({ deletedAt: new Date(), active: false })
        .where(and(eq(alertRules.businessId, businessId), eq(alertRules.id, id), isNull(alertRules.deletedAt)))
        .returning()
    : [];
  if (!row) throw new NotFoundError(`No alert ${id}.`);
  await audit(tx, businessId, actor, {
    action: 'alert.deleted',
    entityType: 'alert_rule',
    entityId: id,
    oldValues: { name: row.name, metric: row.metric, operator: row.operator, threshold: row.threshold },
  });
}

/** Whether `value op threshold` holds. Money and ratios compare as exact decimals; statuses by severity. */
export function holds(metric: AlertMetric, op: AlertOperator, value: string | null, threshold: string): boolean {
  if (value === null) return false; // no figure (e.g. runway when cash-flow positive): nothing to warn about
  const cmp =
    metric === 'dispute_status'
      ? Math.sign(DISPUTE_ORDER.indexOf(value as DisputeStatus) - DISPUTE_ORDER.indexOf(threshold as DisputeStatus))
      : new D(value).comparedTo(new D(threshold));
  return { lt: cmp < 0, lte: cmp <= 0, gt: cmp > 0, gte: cmp >= 0, eq: cmp === 0, ne: cmp !== 0 }[op];
}

/** The current value of each metric, read once per evaluation. */
async function currentValues(tx: Db, businessId: string, asOf: string): Promise<Record<AlertMetric, string | null>> {
  const [latest] = await latestCompleteMonths(tx, businessId, asOf, 1);
  const m = latest ? snapshotView(latest) : undefined;
  const num = (v: number | null | undefined) => (v === null || v === undefined ? null : String(v));
  let dispute: string | null = null;
  try {
    dispute = (await disputeMonitoring(tx, businessId, asOf)).status;
  } catch {
    dispute = null;
  }
  return {
    runway_months: num(m?.runwayMonths),
    cash_balance: m?.cashBalance ?? null,
    net_burn: m?.netBurn ?? null,
    mrr: m?.mrr ?? null,
    revenue: m?.revenue ?? null,
    dso: num(m?.dso),
    chargeback_ratio: num(m?.chargebackRatio),
    dispute_status: dispute,
  };
}

/**
 * Checks every active alert of the business against the figures as of `asOf` (after a refresh, in its
 * transaction). Returns the alerts that started to hold now.
 */
export async function evaluateAlerts(tx: Db, businessId: string, asOf: string): Promise<AlertView[]> {
  const rules = await tx
    .select()
    .from(alertRules)
    .where(and(eq(alertRules.businessId, businessId), eq(alertRules.active, true), isNull(alertRules.deletedAt)));
  if (!rules.length) return [];
  const values = await currentValues(tx, businessId, asOf);
  const triggered: AlertView[] = [];
  const now = new Date();
  for (const r of rules) {
    const value = values[r.metric as AlertMetric];
    const on = holds(r.metric as AlertMetric, r.operator as AlertOperator, value, r.threshold);
    const starts = on && r.state !== 'triggered';
    const [row] = await tx
      .update(alertRules)
      .set({
        state: on ? 'triggered' : 'ok',
        lastValue: value,
        lastEvaluatedAt: now,
        ...(starts ? { lastTriggeredAt: now } : {}),
      })
      .where(and(eq(alertRules.businessId, businessId), eq(alertRules.id, r.id)))
      .returning();
    if (!starts) continue;
    const alert = view(row!);
    triggered.push(alert);
    await emitEvent(tx, businessId, 'alert.triggered', {
      alert: {
        id: alert.id,
        name: alert.name,
        metric: alert.metric,
        operator: alert.operator,
        threshold: alert.threshold,
      },
      value,
      asOf,
    });
  }
  return triggered;
}
