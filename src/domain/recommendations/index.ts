/**
 * Run the recommendation rules and keep `recommendations` in step: one row per dedupe key; a
 * condition that reappears updates its row instead of adding one; a condition that cleared marks its
 * row resolved; a person's accept or dismiss is kept. Run inside `withBusiness` after snapshots.
 */

import { and, eq, sql } from 'drizzle-orm';
import { type Actor, actorLabel, audit } from '../../db/audit';
import { type Db, isUuid, queryRows } from '../../db/client';
import { type REC_STATUSES, recommendations } from '../../db/schema';
import { NotFoundError } from '../../errors';
import { disputeMonitoring } from '../disputes';
import { emitEvent } from '../events';
import { FX_GAINS_NAME, plLines } from '../ledger';
import { latestCompleteMonths } from '../metrics/read';
import { addDays, periodOf, periodsBetween } from '../periods';
import { reconciliationStatus } from '../reconciliation';
import { revenueSourceOf } from '../reports';
import { type MonthView, type Recommendation, RULES, type RuleContext } from './rules';

export { type Recommendation, RULES, type RuleContext } from './rules';

/** Evaluate every rule (pure); one recommendation per dedupe key. */
export function evaluateRules(ctx: RuleContext): Recommendation[] {
  const byKey = new Map<string, Recommendation>();
  for (const rule of RULES) for (const r of rule.run(ctx)) if (!byKey.has(r.dedupeKey)) byKey.set(r.dedupeKey, r);
  return [...byKey.values()];
}

type Json = Record<string, unknown>;
/** Most urgent first: an ORDER BY term for recommendations (critical, high, medium, then the rest). */
export const BY_PRIORITY = sql`case ${recommendations.priority} when 'critical' then 0 when 'high' then 1 when 'medium' then 2 else 3 end`;

const numOrNull = (v: string | null | undefined) => (v === null || v === undefined ? null : Number(v));

export async function loadRuleContext(
  tx: Db,
  business: { id: string; baseCurrency: string },
  asOf: string,
): Promise<RuleContext> {
  const id = business.id;
  const rows = await latestCompleteMonths(tx, id, asOf, 12);
  const months: MonthView[] = rows.reverse().map((r) => {
    const m = r.metrics as Json & {
      runway?: { cashFlowPositive?: boolean };
      receivables?: { total?: string; aging?: Record<string, string> };
      payables?: { aging?: Record<string, string> };
      customerConcentration?: { name: string; share: number | null } | null;
    };
    const ap = m.payables?.aging ?? {};
    return {
      periodStart: r.periodStart,
      snapshotId: r.id,
      revenue: r.revenue ?? '0',
      expenses: r.expenses ?? '0',
      netIncome: r.netIncome ?? '0',
      grossMargin: numOrNull(r.grossMargin),
      revenueVolatility: numOrNull(r.revenueVolatility),
      refundRatio: numOrNull(r.refundRatio),
      subscriberChurn: numOrNull(r.subscriberChurn),
      cashBalance: r.cashBalance ?? '0',
      grossBurn: r.grossBurn ?? '0',
      netBurn: r.netBurn ?? '0',
      runwayMonths: numOrNull(r.runwayMonths),
      cashFlowPositive: Boolean(m.runway?.cashFlowPositive),
      dso: numOrNull(r.dso),
      arTotal: m.receivables?.total ?? '0',
      arOverdue90: m.receivables?.aging?.d90_plus ?? '0',
      apOverdue30: ['d31_60', 'd61_90', 'd90_plus'].reduce((a, k) => a + Number(ap[k] ?? 0), 0).toFixed(4),
      concentration: m.customerConcentration ?? null,
      uncategorizedShare: (r.dataQuality as { uncategorizedShare?: number | null }).uncategorizedShare ?? null,
    };
  });

  const lastComplete =
    months[months.length - 1]?.periodStart ?? periodOf('month', addDays(periodOf('month', asOf).start, -1)).start;
  // The last seven complete months: the latest and six to compare it with.
  const monthList = periodsBetween('month', addDays(lastComplete, -200), lastComplete)
    .map((p) => p.start)
    .slice(-7);
  const from = monthList[0]!;
  const to = periodOf('month', lastComplete).end;

  const overdueCustomers = await queryRows<{ name: string; overdue: string; days: number }>(
    tx,
    sql`select coalesce(c.name, 'Unknown') as name, sum(round(i.amount_due / i.currency_rate, 4))::text as overdue,
               max(${asOf}::date - i.due_date)::int as days
        from invoices i left join contacts c on c.id = i.contact_id
        where i.business_id = ${id} and i.source <> 'stripe' and i.type = 'ACCREC' and i.status = 'AUTHORISED' and i.amount_due > 0 and i.due_date < ${asOf}::date
        group by 1 order by sum(i.amount_due / i.currency_rate) desc, 1 limit 5`,
  );
  // Spending by category and by supplier, net of tax: the ledger's cost lines when the books are Xero's,
  // otherwise the spend of bank statements and Stripe.
  const spendRows =
    (await revenueSourceOf(tx, id)) === 'xero'
      ? sql`select pl.name as category, c.name as supplier, pl.date, -pl.amount as amount
            from (${plLines(id, business.baseCurrency, from, to)}) pl left join contacts c on c.id = pl.contact_id
            where pl.section in ('cost_of_sales', 'operating_expenses') and pl.name <> ${FX_GAINS_NAME}`
      : sql`select category, counterparty as supplier, date, -base_amount as amount from transactions
            where business_id = ${id} and kind in ('BILL', 'SPEND') and deleted_at is null
              and date >= ${from}::date and date <= ${to}::date`;
  const spend = await queryRows<{ k: string; month: string; amount: string; by: 'category' | 'supplier' }>(
    tx,
    sql`with spend as (${spendRows})
        select 'category' as by, category as k, to_char(date_trunc('month', date), 'YYYY-MM-DD') as month, sum(amount)::text as amount
        from spend where category is not null group by 2, 3
        union all
        select 'supplier', supplier, to_char(date_trunc('month', date), 'YYYY-MM-DD'), sum(amount)::text
        from spend where supplier is not null group by 2, 3
        order by 1, 2, 3`,
  );
  const series = (by: 'category' | 'supplier') => {
    const map = new Map<string, Map<string, string>>();
    for (const r of spend.filter((x) => x.by === by)) {
      if (!map.has(r.k)) map.set(r.k, new Map());
      map.get(r.k)!.set(r.month, r.amount);
    }
    return [...map.entries()].map(([k, ms]) => ({
      k,
      months: monthList.map((month) => ({ month, amount: ms.get(month) ?? '0' })),
    }));
  };
  const duplicateBills = await queryRows<{
    supplier: string;
    amount: string;
    d1: string;
    d2: string;
    id1: string;
    id2: string;
  }>(
    tx,
    sql`select coalesce(c.name, 'Unknown') as supplier, a.total::text as amount, a.issue_date::text as d1, b.issue_date::text as d2,
               a.id::text as id1, b.id::text as id2
        from invoices a join invoices b on b.business_id = a.business_id and b.contact_id = a.contact_id and b.total = a.total and b.id > a.id
             and abs(b.issue_date - a.issue_date) <= 7
        left join contacts c on c.id = a.contact_id
        where a.business_id = ${id} and a.type = 'ACCPAY' and b.type = 'ACCPAY' and a.status in ('AUTHORISED', 'PAID')
          and b.status in ('AUTHORISED', 'PAID') and a.issue_date >= ${addDays(asOf, -365)}::date
        order by a.issue_date`,
  );
  const overduePayables = await queryRows<{ supplier: string; amount: string; days: number }>(
    tx,
    sql`select coalesce(c.name, 'Unknown') as supplier, round(i.amount_due / i.currency_rate, 4)::text as amount, (${asOf}::date - i.due_date)::int as days
        from invoices i left join contacts c on c.id = i.contact_id
        where i.business_id = ${id} and i.type = 'ACCPAY' and i.status = 'AUTHORISED' and i.amount_due > 0 and i.due_date < ${asOf}::date
        order by i.due_date`,
  );
  const [payouts] = await queryRows<{ n: number; amount: string }>(
    tx,
    sql`select count(*)::int as n, coalesce(sum(-base_amount), 0)::text as amount from transactions
        where business_id = ${id} and kind = 'PAYOUT' and deleted_at is null and linked_transaction_id is null`,
  );
  const disputes = await disputeMonitoring(tx, id, asOf);
  const worst = disputes.programs.find((p) => p.status === disputes.status);

  return {
    asOf,
    currency: business.baseCurrency,
    months,
    disputes: { status: disputes.status, summary: worst?.explanation ?? '' },
    overdueCustomers: overdueCustomers.map((c) => ({ name: c.name, overdue: c.overdue, daysPastDue: Number(c.days) })),
    expenseByCategory: series('category').map((s) => ({ category: s.k, months: s.months })),
    supplierMonthly: series('supplier').map((s) => ({ supplier: s.k, months: s.months })),
    duplicateBills: duplicateBills.map((b) => ({
      supplier: b.supplier,
      amount: b.amount,
      dates: [b.d1, b.d2],
      ids: [b.id1, b.id2],
    })),
    overduePayables: overduePayables.map((p) => ({
      supplier: p.supplier,
      amount: p.amount,
      daysPastDue: Number(p.days),
    })),
    unmatchedPayouts: { count: Number(payouts?.n ?? 0), amount: payouts?.amount ?? '0' },
    ledgerDifferences: (await reconciliationStatus(tx, id, 20))?.differences ?? [],
  };
}

export interface RunResult {
  created: number;
  updated: number;
  reopened: number;
  resolved: number;
  active: number;
}

export async function runRecommendations(
  tx: Db,
  business: { id: string; baseCurrency: string },
  asOf: string,
): Promise<RunResult> {
  const produced = evaluateRules(await loadRuleContext(tx, business, asOf));
  const existing = new Map(
    (await tx.select().from(recommendations).where(eq(recommendations.businessId, business.id))).map((r) => [
      r.dedupeKey,
      r,
    ]),
  );
  const now = new Date();
  const result: RunResult = { created: 0, updated: 0, reopened: 0, resolved: 0, active: produced.length };
  for (const p of produced) {
    const fields = {
      ruleId: p.ruleId,
      title: p.title,
      description: p.description,
      priority: p.priority,
      category: p.category,
      metricRefs: p.metricRefs,
      estimatedImpact: p.estimatedImpact,
      impactCurrency: p.estimatedImpact === null ? null : business.baseCurrency,
      impactDays: p.impactDays === null ? null : String(p.impactDays),
      details: p.details,
      updatedAt: now,
    };
    const old = existing.get(p.dedupeKey);
    if (!old) {
      const [row] = await tx
        .insert(recommendations)
        .values({ businessId: business.id, dedupeKey: p.dedupeKey, status: 'pending', ...fields })
        .returning({ id: recommendations.id });
      await emitEvent(tx, business.id, 'recommendation.created', {
        recommendation: recommendationView({ id: row!.id, ...fields, status: 'pending' }),
      });
      result.created += 1;
    } else if (old.status === 'resolved') {
      await tx
        .update(recommendations)
        .set({ ...fields, status: 'pending', resolvedAt: null })
        .where(and(eq(recommendations.businessId, business.id), eq(recommendations.id, old.id)));
      result.reopened += 1;
    } else {
      // Pending, accepted or dismissed: refresh the figures, keep what the person decided.
      await tx
        .update(recommendations)
        .set(fields)
        .where(and(eq(recommendations.businessId, business.id), eq(recommendations.id, old.id)));
      result.updated += 1;
    }
  }
  const live = new Set(produced.map((p) => p.dedupeKey));
  for (const old of existing.values()) {
    if (live.has(old.dedupeKey) || (old.status !== 'pending' && old.status !== 'accepted')) continue;
    await tx
      .update(recommendations)
      .set({ status: 'resolved', resolvedAt: now, updatedAt: now })
      .where(and(eq(recommendations.businessId, business.id), eq(recommendations.id, old.id)));
    await emitEvent(tx, business.id, 'recommendation.resolved', {
      recommendation: recommendationView({ ...old, status: 'resolved' }),
      resolvedBy: 'system',
      reason: 'The figures no longer call for it.',
    });
    result.resolved += 1;
  }
  return result;
}

/** A recommendation as events, the status route and list_recommendations show it. */
export function recommendationView(r: {
  id: string;
  title: string;
  description: string;
  priority: string;
  category: string;
  status: string;
  estimatedImpact: string | null;
}) {
  return {
    id: r.id,
    title: r.title,
    description: r.description,
    priority: r.priority,
    category: r.category,
    status: r.status,
    estimatedImpact: r.estimatedImpact,
  };
}

export interface StatusChange {
  id: string;
  title: string;
  from: string;
  to: string;
  applied: boolean;
}

/**
 * A person's decision on a recommendation: accepted, dismissed, resolved, or back to pending. Previews
 * unless `apply`; applied changes are audited, and resolving one tells the webhooks.
 */
export async function setRecommendationStatus(
  tx: Db,
  businessId: string,
  input: { id: string; status: (typeof REC_STATUSES)[number]; apply: boolean },
  actor: Actor,
): Promise<StatusChange> {
  const where = and(eq(recommendations.businessId, businessId), eq(recommendations.id, input.id));
  const [rec] = isUuid(input.id) ? await tx.select().from(recommendations).where(where) : [];
  if (!rec) throw new NotFoundError(`No recommendation ${input.id}.`);
  const result = { id: rec.id, title: rec.title, from: rec.status, to: input.status, applied: false };
  if (!input.apply || rec.status === input.status) return { ...result, applied: input.apply };
  await tx
    .update(recommendations)
    .set({
      status: input.status,
      statusChangedBy: actorLabel(actor),
      statusChangedAt: sql`now()`,
      resolvedAt: input.status === 'resolved' ? sql`now()` : null,
      updatedAt: sql`now()`,
    })
    .where(where);
  await audit(tx, businessId, actor, {
    action: 'update_status',
    entityType: 'recommendation',
    entityId: rec.id,
    oldValues: { status: rec.status },
    newValues: { status: input.status },
  });
  if (input.status === 'resolved')
    await emitEvent(tx, businessId, 'recommendation.resolved', {
      recommendation: recommendationView({ ...rec, status: 'resolved' }),
      resolvedBy: actorLabel(actor),
    });
  return { ...result, applied: true };
}
