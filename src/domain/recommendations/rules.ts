/**
 * The recommendation library: each rule is a small pure function from a RuleContext to zero or more
 * recommendations. Amounts are decimal strings in the business's base currency.
 */
import { D, type Dec, format, money } from '../../money';
import type { DisputeStatus } from '../disputes';

export type Priority = 'low' | 'medium' | 'high' | 'critical';
export type Category = 'cash_flow' | 'risk' | 'revenue' | 'costs' | 'collections' | 'data';

export interface MonthView {
  periodStart: string;
  snapshotId: string;
  revenue: string;
  expenses: string;
  netIncome: string;
  grossMargin: number | null;
  revenueVolatility: number | null;
  refundRatio: number | null;
  subscriberChurn: number | null;
  cashBalance: string;
  grossBurn: string;
  netBurn: string;
  runwayMonths: number | null;
  cashFlowPositive: boolean;
  dso: number | null;
  arTotal: string;
  arOverdue90: string;
  apOverdue30: string;
  concentration: { name: string; share: number | null } | null;
  uncategorizedShare: number | null;
}

export interface RuleContext {
  asOf: string;
  currency: string;
  /** Complete months, oldest first (up to 12). */
  months: MonthView[];
  disputes: { status: DisputeStatus; summary: string } | null;
  /** Customers with the most overdue money, largest first (up to 5). */
  overdueCustomers: { name: string; overdue: string; daysPastDue: number }[];
  /** Monthly spend per expense category, for the complete months, oldest first. */
  expenseByCategory: { category: string; months: { month: string; amount: string }[] }[];
  /** Monthly spend per supplier, oldest first. */
  supplierMonthly: { supplier: string; months: { month: string; amount: string }[] }[];
  duplicateBills: { supplier: string; amount: string; dates: [string, string]; ids: [string, string] }[];
  /** Overdue bills, for late-fee risk. */
  overduePayables: { supplier: string; amount: string; daysPastDue: number }[];
  unmatchedPayouts: { count: number; amount: string };
  /** Lines whose figures differ from Xero's own reports at the last comparison (oldest month first). */
  ledgerDifferences: { month: string; line: string; ours: string; theirs: string; difference: string }[];
}

export interface Recommendation {
  ruleId: string;
  dedupeKey: string;
  title: string;
  description: string;
  priority: Priority;
  category: Category;
  metricRefs: { snapshotId?: string; metric: string; value: string | number | null }[];
  estimatedImpact: string | null;
  impactDays: number | null;
  details: Record<string, unknown>;
}

export interface Rule {
  id: string;
  category: Category;
  run(ctx: RuleContext): Recommendation[];
}

const d = (v: string | number) => new D(String(v));
const fmt = (ctx: RuleContext, v: Dec | string) =>
  format(money(typeof v === 'string' ? v : v.toFixed(4), ctx.currency));
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const last = (ctx: RuleContext) => ctx.months[ctx.months.length - 1];
const monthName = (m: string) =>
  new Date(`${m}T00:00:00Z`).toLocaleString('en-US', { month: 'long', year: 'numeric', timeZone: 'UTC' });
const mean = (xs: Dec[]) => (xs.length ? xs.reduce((a, x) => a.plus(x), d(0)).div(xs.length) : d(0));
const sd = (xs: Dec[]) => {
  if (xs.length < 2) return d(0);
  const m = mean(xs);
  return xs
    .reduce((a, x) => a.plus(x.minus(m).pow(2)), d(0))
    .div(xs.length - 1)
    .sqrt();
};

function rec(
  r: Omit<Recommendation, 'estimatedImpact' | 'impactDays' | 'details' | 'metricRefs'> & Partial<Recommendation>,
): Recommendation {
  return { estimatedImpact: null, impactDays: null, details: {}, metricRefs: [], ...r };
}

export const RULES: Rule[] = [
  {
    id: 'runway_short',
    category: 'cash_flow',
    run(ctx) {
      const m = last(ctx);
      if (!m || m.cashFlowPositive || m.runwayMonths === null || m.runwayMonths >= 6) return [];
      return [
        rec({
          ruleId: this.id,
          dedupeKey: this.id,
          title: `Runway is ${m.runwayMonths.toFixed(1)} months`,
          description: `At the average net burn of the last three months, cash of ${fmt(ctx, m.cashBalance)} lasts ${m.runwayMonths.toFixed(1)} months. Cut costs, bring in receivables, or start raising now: a raise usually takes 3–6 months.`,
          priority: m.runwayMonths < 3 ? 'critical' : 'high',
          category: 'cash_flow',
          metricRefs: [{ snapshotId: m.snapshotId, metric: 'runway_months', value: m.runwayMonths }],
          impactDays: Math.round(m.runwayMonths * 30.4),
        }),
      ];
    },
  },
  {
    id: 'cash_below_two_months_burn',
    category: 'cash_flow',
    run(ctx) {
      const recent = ctx.months.slice(-3);
      const m = last(ctx);
      if (!m || recent.length === 0) return [];
      const burn = mean(recent.map((x) => d(x.grossBurn)));
      if (burn.lte(0) || d(m.cashBalance).gte(burn.times(2))) return [];
      return [
        rec({
          ruleId: this.id,
          dedupeKey: this.id,
          title: 'Cash covers less than two months of spending',
          description: `Cash of ${fmt(ctx, m.cashBalance)} is below two months of gross spending (${fmt(ctx, burn.times(2))} at ${fmt(ctx, burn)} a month). One slow month of receipts would leave bills unpaid.`,
          priority: 'high',
          category: 'cash_flow',
          metricRefs: [{ snapshotId: m.snapshotId, metric: 'cash_balance', value: m.cashBalance }],
          estimatedImpact: burn.times(2).minus(m.cashBalance).toFixed(4),
        }),
      ];
    },
  },
  {
    id: 'dispute_ratio',
    category: 'risk',
    run(ctx) {
      const s = ctx.disputes?.status;
      if (!s || s === 'ok') return [];
      const priority: Priority = s === 'over' ? 'critical' : s === 'at_risk' ? 'high' : 'medium';
      return [
        rec({
          ruleId: this.id,
          dedupeKey: `${this.id}:${ctx.asOf.slice(0, 7)}`,
          title: `Card dispute monitoring: ${s.replace('_', ' ')}`,
          description: `${ctx.disputes!.summary} Respond to open disputes with evidence, refund unhappy customers before they dispute, and check fraud screening.`,
          priority,
          category: 'risk',
          metricRefs: [{ metric: 'dispute_status', value: s }],
        }),
      ];
    },
  },
  {
    id: 'refund_ratio_rising',
    category: 'risk',
    run(ctx) {
      const r = ctx.months.slice(-4).map((m) => m.refundRatio);
      if (r.length < 4 || r.some((x) => x === null)) return [];
      const [a, b, c, e] = r as number[];
      if (!(b! > a! && c! > b! && e! > c!)) return [];
      const m = last(ctx)!;
      return [
        rec({
          ruleId: this.id,
          dedupeKey: `${this.id}:${m.periodStart}`,
          title: 'Refunds have risen three months in a row',
          description: `The refund ratio went ${r.map((x) => pct(x!)).join(' → ')}. Look at what changed in product, pricing or onboarding; refunds turn into disputes when they are slow.`,
          priority: 'medium',
          category: 'risk',
          metricRefs: [{ snapshotId: m.snapshotId, metric: 'refund_ratio', value: e! }],
        }),
      ];
    },
  },
  {
    id: 'dso_high',
    category: 'collections',
    run(ctx) {
      const m = last(ctx);
      if (!m || m.dso === null || m.dso <= 45) return [];
      // Cash freed if DSO came down to 45 days: receivables × (1 − 45 / DSO).
      const freed = d(m.arTotal).times(d(1).minus(d(45).div(m.dso)));
      const who = ctx.overdueCustomers
        .map((c) => `${c.name} (${fmt(ctx, c.overdue)}, ${c.daysPastDue} days)`)
        .join('; ');
      return [
        rec({
          ruleId: this.id,
          dedupeKey: this.id,
          title: `Customers take ${Math.round(m.dso)} days to pay`,
          description: `DSO is ${m.dso.toFixed(1)} days, above 45. Bringing it to 45 would free about ${fmt(ctx, freed)} of cash.${who ? ` Most overdue: ${who}.` : ''}`,
          priority: m.dso > 75 ? 'high' : 'medium',
          category: 'collections',
          metricRefs: [{ snapshotId: m.snapshotId, metric: 'dso', value: m.dso }],
          estimatedImpact: freed.toFixed(4),
          impactDays: Math.round(m.dso - 45),
          details: { overdueCustomers: ctx.overdueCustomers },
        }),
      ];
    },
  },
  {
    id: 'customer_concentration',
    category: 'revenue',
    run(ctx) {
      const m = last(ctx);
      const c = m?.concentration;
      if (!m || !c || c.share === null || c.share <= 0.3) return [];
      return [
        rec({
          ruleId: this.id,
          dedupeKey: `${this.id}:${c.name}`,
          title: `${c.name} is ${pct(c.share)} of revenue`,
          description: `One customer brought ${pct(c.share)} of ${monthName(m.periodStart)} revenue. Losing them would hurt; investors discount concentrated revenue. Grow other accounts or secure a longer contract.`,
          priority: c.share > 0.5 ? 'high' : 'medium',
          category: 'revenue',
          metricRefs: [{ snapshotId: m.snapshotId, metric: 'customer_concentration', value: c.share }],
        }),
      ];
    },
  },
  {
    id: 'expense_spike',
    category: 'costs',
    run(ctx) {
      const out: Recommendation[] = [];
      for (const cat of ctx.expenseByCategory) {
        const series = cat.months.map((x) => d(x.amount));
        if (series.length < 4) continue;
        const current = series[series.length - 1]!;
        const trailing = series.slice(-7, -1);
        const avg = mean(trailing);
        const limit = avg.plus(sd(trailing).times(2));
        // Both unusual (above mean + 2σ) and material (25% above the average): steady growth is not a jump.
        if (avg.lte(0) || current.lte(limit) || current.lte(avg.times(1.25))) continue;
        const month = cat.months[cat.months.length - 1]!.month;
        out.push(
          rec({
            ruleId: this.id,
            dedupeKey: `${this.id}:${cat.category}:${month}`,
            title: `${cat.category} spending jumped in ${monthName(month)}`,
            description: `${cat.category} was ${fmt(ctx, current)} against a trailing average of ${fmt(ctx, avg)} (more than two standard deviations and 25% above). Check for one-off charges, price changes or waste.`,
            priority: current.gt(avg.times(2)) ? 'high' : 'medium',
            category: 'costs',
            metricRefs: [{ metric: `expenses:${cat.category}`, value: current.toFixed(4) }],
            estimatedImpact: current.minus(avg).toFixed(4),
            details: { category: cat.category, month, trailingAverage: avg.toFixed(4) },
          }),
        );
      }
      return out;
    },
  },
  {
    id: 'recurring_supplier_doubled',
    category: 'costs',
    run(ctx) {
      const out: Recommendation[] = [];
      for (const s of ctx.supplierMonthly) {
        const series = s.months.map((x) => d(x.amount));
        if (series.length < 4) continue;
        const prior = series.slice(-4, -1);
        const current = series[series.length - 1]!;
        if (prior.some((x) => x.lte(0))) continue; // recurring: charged in each of the three months before
        const avg = mean(prior);
        if (current.lt(avg.times(2))) continue;
        const month = s.months[s.months.length - 1]!.month;
        out.push(
          rec({
            ruleId: this.id,
            dedupeKey: `${this.id}:${s.supplier}:${month}`,
            title: `${s.supplier} charged twice its usual amount`,
            description: `${s.supplier} billed ${fmt(ctx, current)} in ${monthName(month)}, against ${fmt(ctx, avg)} a month before. Check for a plan change, extra seats or a billing error.`,
            priority: 'medium',
            category: 'costs',
            metricRefs: [{ metric: `supplier:${s.supplier}`, value: current.toFixed(4) }],
            estimatedImpact: current.minus(avg).toFixed(4),
          }),
        );
      }
      return out;
    },
  },
  {
    id: 'duplicate_bills',
    category: 'costs',
    run(ctx) {
      return ctx.duplicateBills.map((b) =>
        rec({
          ruleId: this.id,
          dedupeKey: `${this.id}:${[...b.ids].sort().join(':')}`,
          title: `Possible duplicate bill from ${b.supplier}`,
          description: `Two bills from ${b.supplier} for ${fmt(ctx, b.amount)} on ${b.dates[0]} and ${b.dates[1]}. If it is the same invoice entered twice, void one before paying it.`,
          priority: 'medium',
          category: 'costs',
          metricRefs: [{ metric: 'bill_amount', value: b.amount }],
          estimatedImpact: b.amount,
          details: { billIds: b.ids },
        }),
      );
    },
  },
  {
    id: 'uncategorized_money',
    category: 'data',
    run(ctx) {
      const m = last(ctx);
      if (!m || m.uncategorizedShare === null || m.uncategorizedShare <= 0.05) return [];
      return [
        rec({
          ruleId: this.id,
          dedupeKey: this.id,
          title: `${pct(m.uncategorizedShare)} of money has no category`,
          description: `In ${monthName(m.periodStart)}, ${pct(m.uncategorizedShare)} of bank spending and receipts had no category, so expense figures are incomplete. Review the categorization queue.`,
          priority: m.uncategorizedShare > 0.2 ? 'high' : 'medium',
          category: 'data',
          metricRefs: [{ snapshotId: m.snapshotId, metric: 'uncategorized_share', value: m.uncategorizedShare }],
        }),
      ];
    },
  },
  {
    id: 'revenue_volatility',
    category: 'revenue',
    run(ctx) {
      const m = last(ctx);
      if (!m || m.revenueVolatility === null || m.revenueVolatility <= 0.3) return [];
      return [
        rec({
          ruleId: this.id,
          dedupeKey: this.id,
          title: 'Revenue swings a lot month to month',
          description: `Monthly revenue varies by ${m.revenueVolatility.toFixed(2)} (standard deviation / mean over six months). Retainers, annual plans or deposits would make cash planning easier.`,
          priority: 'medium',
          category: 'revenue',
          metricRefs: [{ snapshotId: m.snapshotId, metric: 'revenue_volatility', value: m.revenueVolatility }],
        }),
      ];
    },
  },
  {
    id: 'subscriber_churn',
    category: 'revenue',
    run(ctx) {
      const m = last(ctx);
      if (!m || m.subscriberChurn === null || m.subscriberChurn <= 0.05) return [];
      return [
        rec({
          ruleId: this.id,
          dedupeKey: this.id,
          title: `Subscriber churn is ${pct(m.subscriberChurn)} a month`,
          description: `${pct(m.subscriberChurn)} of subscribers left in the last 30 days (above 5%). At that rate most of the base turns over within a year; ask leavers why and fix failed-payment recovery.`,
          priority: m.subscriberChurn > 0.1 ? 'high' : 'medium',
          category: 'revenue',
          metricRefs: [{ snapshotId: m.snapshotId, metric: 'subscriber_churn', value: m.subscriberChurn }],
        }),
      ];
    },
  },
  {
    id: 'overdue_payables',
    category: 'cash_flow',
    run(ctx) {
      const late = ctx.overduePayables.filter((p) => p.daysPastDue > 30);
      if (late.length === 0) return [];
      const total = late.reduce((a, p) => a.plus(p.amount), d(0));
      return [
        rec({
          ruleId: this.id,
          dedupeKey: this.id,
          title: `${late.length} bill${late.length === 1 ? ' is' : 's are'} more than 30 days overdue`,
          description: `${fmt(ctx, total)} owed to ${[...new Set(late.map((p) => p.supplier))].join(', ')} is over 30 days late. Late fees and stopped supplies cost more than the float; pay or agree new terms.`,
          priority: 'medium',
          category: 'cash_flow',
          metricRefs: [{ metric: 'overdue_payables', value: total.toFixed(4) }],
          estimatedImpact: total.toFixed(4),
          details: { bills: late },
        }),
      ];
    },
  },
  {
    id: 'unmatched_payouts',
    category: 'data',
    run(ctx) {
      if (ctx.unmatchedPayouts.count === 0) return [];
      return [
        rec({
          ruleId: this.id,
          dedupeKey: this.id,
          title: `${ctx.unmatchedPayouts.count} Stripe payouts are not matched to a bank deposit`,
          description: `Payouts worth ${fmt(ctx, ctx.unmatchedPayouts.amount)} have no matching bank line. Until they are matched, money may be missing between Stripe and the bank, or counted twice.`,
          priority: 'low',
          category: 'data',
          metricRefs: [{ metric: 'unmatched_payouts', value: ctx.unmatchedPayouts.count }],
          estimatedImpact: ctx.unmatchedPayouts.amount,
        }),
      ];
    },
  },
  {
    id: 'ledger_mismatch',
    category: 'data',
    run(ctx) {
      if (ctx.ledgerDifferences.length === 0) return [];
      const months = [...new Set(ctx.ledgerDifferences.map((x) => x.month))];
      const lines = ctx.ledgerDifferences
        .slice(0, 6)
        .map(
          (x) =>
            `${monthName(x.month)} ${x.line.replace(/^bank:/, 'bank account ').replace(/_/g, ' ')}: ${fmt(ctx, x.ours)} here, ${fmt(ctx, x.theirs)} in Xero`,
        );
      return [
        rec({
          ruleId: this.id,
          dedupeKey: this.id,
          title: `Figures for ${months.length === 1 ? monthName(months[0]!) : `${months.length} months`} differ from Xero's own reports`,
          description: `Xero's Profit and Loss and Balance Sheet do not agree with the books synced here: ${lines.join('; ')}${ctx.ledgerDifferences.length > lines.length ? '; …' : ''}. Until they agree, treat these months' figures with care: run a full sync (cfo sync --full), and check for changes made in Xero since.`,
          priority: 'high',
          category: 'data',
          metricRefs: ctx.ledgerDifferences
            .slice(0, 10)
            .map((x) => ({ metric: `ledger:${x.month}:${x.line}`, value: x.difference })),
          details: { months, differences: ctx.ledgerDifferences.slice(0, 20) },
        }),
      ];
    },
  },
  {
    id: 'net_loss_streak',
    category: 'costs',
    run(ctx) {
      const recent = ctx.months.slice(-3);
      if (recent.length < 3 || recent.some((m) => d(m.netIncome).gte(0))) return [];
      const total = recent.reduce((a, m) => a.plus(m.netIncome), d(0));
      const m = last(ctx)!;
      return [
        rec({
          ruleId: this.id,
          dedupeKey: `${this.id}:${m.periodStart}`,
          title: 'Three loss-making months in a row',
          description: `Net income was negative in each of the last three months (${fmt(ctx, total)} in total). Find the costs that grew faster than revenue.`,
          priority: 'high',
          category: 'costs',
          metricRefs: recent.map((x) => ({ snapshotId: x.snapshotId, metric: 'net_income', value: x.netIncome })),
          estimatedImpact: total.neg().toFixed(4),
        }),
      ];
    },
  },
  {
    id: 'gross_margin_falling',
    category: 'costs',
    run(ctx) {
      const recent = ctx.months.slice(-4);
      if (recent.length < 4 || recent.some((m) => m.grossMargin === null)) return [];
      const prior = recent.slice(0, 3).map((m) => m.grossMargin!);
      const avg = prior.reduce((a, x) => a + x, 0) / 3;
      const now = recent[3]!.grossMargin!;
      if (avg - now <= 0.05) return [];
      return [
        rec({
          ruleId: this.id,
          dedupeKey: `${this.id}:${recent[3]!.periodStart}`,
          title: 'Gross margin fell',
          description: `Gross margin was ${pct(now)} in ${monthName(recent[3]!.periodStart)}, down from an average of ${pct(avg)} over the three months before. Check supplier prices and discounting.`,
          priority: 'medium',
          category: 'costs',
          metricRefs: [{ snapshotId: recent[3]!.snapshotId, metric: 'gross_margin', value: now }],
        }),
      ];
    },
  },
  {
    id: 'receivables_over_90_days',
    category: 'collections',
    run(ctx) {
      const m = last(ctx);
      if (!m || d(m.arTotal).lte(0)) return [];
      const share = d(m.arOverdue90).div(m.arTotal).toNumber();
      if (share <= 0.1) return [];
      return [
        rec({
          ruleId: this.id,
          dedupeKey: this.id,
          title: `${fmt(ctx, m.arOverdue90)} of receivables is over 90 days late`,
          description: `${pct(share)} of what customers owe is more than 90 days past due; the longer it waits, the less of it comes in. Chase it now, or provide for it as doubtful.`,
          priority: 'high',
          category: 'collections',
          metricRefs: [{ snapshotId: m.snapshotId, metric: 'receivables_90_plus', value: m.arOverdue90 }],
          estimatedImpact: m.arOverdue90,
        }),
      ];
    },
  },
];
