import { describe, expect, it } from 'vitest';
import { evaluateRules, RULES, type RuleContext } from '../../src/domain/recommendations';
import type { MonthView } from '../../src/domain/recommendations/rules';

const month = (i: number, o: Partial<MonthView> = {}): MonthView => ({
  periodStart: `2026-${String(i + 1).padStart(2, '0')}-01`,
  snapshotId: `s${i}`,
  revenue: '100000.0000',
  expenses: '80000.0000',
  netIncome: '20000.0000',
  grossMargin: 0.7,
  revenueVolatility: 0.1,
  refundRatio: 0.02,
  subscriberChurn: 0.02,
  cashBalance: '500000.0000',
  grossBurn: '80000.0000',
  netBurn: '-20000.0000',
  runwayMonths: null,
  cashFlowPositive: true,
  dso: 30,
  arTotal: '100000.0000',
  arOverdue90: '0.0000',
  apOverdue30: '0.0000',
  concentration: { name: 'Alpha', share: 0.2 },
  uncategorizedShare: 0.01,
  ...o,
});
const flat = (amount: string) => Array.from({ length: 7 }, (_, i) => ({ month: `2026-0${i + 1}-01`, amount }));

/** A healthy business: no rule fires. */
function healthy(): RuleContext {
  return {
    asOf: '2026-08-15',
    currency: 'USD',
    months: Array.from({ length: 7 }, (_, i) => month(i)),
    disputes: { status: 'ok', summary: '' },
    overdueCustomers: [],
    expenseByCategory: [{ category: 'Software', months: flat('1000.0000') }],
    supplierMonthly: [{ supplier: 'GitHub', months: flat('400.0000') }],
    duplicateBills: [],
    overduePayables: [],
    unmatchedPayouts: { count: 0, amount: '0' },
    ledgerDifferences: [],
  };
}
const lastMonth = (ctx: RuleContext, o: Partial<MonthView>) => {
  ctx.months[ctx.months.length - 1] = { ...ctx.months[ctx.months.length - 1]!, ...o };
  return ctx;
};
const fired = (ctx: RuleContext) => evaluateRules(ctx).map((r) => r.ruleId);

/** For each rule: a context where it fires, and the nearest one where it does not. */
const CASES: Record<string, { fires: (c: RuleContext) => RuleContext; quiet: (c: RuleContext) => RuleContext }> = {
  runway_short: {
    fires: (c) => lastMonth(c, { cashFlowPositive: false, runwayMonths: 5.9 }),
    quiet: (c) => lastMonth(c, { cashFlowPositive: false, runwayMonths: 6 }),
  },
  cash_below_two_months_burn: {
    fires: (c) => lastMonth(c, { cashBalance: '159999.9900' }), // burn 80,000 a month
    quiet: (c) => lastMonth(c, { cashBalance: '160000.0000' }),
  },
  dispute_ratio: {
    fires: (c) => ({ ...c, disputes: { status: 'watch', summary: 'VAMP 1.2% projected.' } }),
    quiet: (c) => ({ ...c, disputes: { status: 'ok', summary: '' } }),
  },
  refund_ratio_rising: {
    fires: (c) => {
      for (const [k, r] of [0.01, 0.02, 0.03, 0.04].entries()) c.months[3 + k]!.refundRatio = r;
      return c;
    },
    quiet: (c) => {
      for (const [k, r] of [0.01, 0.02, 0.03, 0.03].entries()) c.months[3 + k]!.refundRatio = r;
      return c;
    },
  },
  dso_high: {
    fires: (c) => ({
      ...lastMonth(c, { dso: 60 }),
      overdueCustomers: [{ name: 'Beta', overdue: '5000.0000', daysPastDue: 40 }],
    }),
    quiet: (c) => lastMonth(c, { dso: 45 }),
  },
  customer_concentration: {
    fires: (c) => lastMonth(c, { concentration: { name: 'Alpha', share: 0.31 } }),
    quiet: (c) => lastMonth(c, { concentration: { name: 'Alpha', share: 0.3 } }),
  },
  expense_spike: {
    fires: (c) => ({
      ...c,
      expenseByCategory: [
        {
          category: 'Software',
          months: [...flat('1000.0000').slice(0, 6), { month: '2026-07-01', amount: '1300.0000' }],
        },
      ],
    }),
    quiet: (c) => ({
      ...c,
      expenseByCategory: [
        {
          category: 'Software',
          months: [...flat('1000.0000').slice(0, 6), { month: '2026-07-01', amount: '1250.0000' }],
        },
      ],
    }),
  },
  recurring_supplier_doubled: {
    fires: (c) => ({
      ...c,
      supplierMonthly: [
        { supplier: 'GitHub', months: [...flat('400.0000').slice(0, 6), { month: '2026-07-01', amount: '800.0000' }] },
      ],
    }),
    quiet: (c) => ({
      ...c,
      supplierMonthly: [
        { supplier: 'GitHub', months: [...flat('400.0000').slice(0, 6), { month: '2026-07-01', amount: '799.9900' }] },
      ],
    }),
  },
  duplicate_bills: {
    fires: (c) => ({
      ...c,
      duplicateBills: [
        { supplier: 'Intercom', amount: '485.2200', dates: ['2026-07-07', '2026-07-11'], ids: ['b2', 'b1'] },
      ],
    }),
    quiet: (c) => c,
  },
  uncategorized_money: {
    fires: (c) => lastMonth(c, { uncategorizedShare: 0.051 }),
    quiet: (c) => lastMonth(c, { uncategorizedShare: 0.05 }),
  },
  revenue_volatility: {
    fires: (c) => lastMonth(c, { revenueVolatility: 0.31 }),
    quiet: (c) => lastMonth(c, { revenueVolatility: 0.3 }),
  },
  subscriber_churn: {
    fires: (c) => lastMonth(c, { subscriberChurn: 0.051 }),
    quiet: (c) => lastMonth(c, { subscriberChurn: 0.05 }),
  },
  overdue_payables: {
    fires: (c) => ({ ...c, overduePayables: [{ supplier: 'Landlord', amount: '3000.0000', daysPastDue: 31 }] }),
    quiet: (c) => ({ ...c, overduePayables: [{ supplier: 'Landlord', amount: '3000.0000', daysPastDue: 30 }] }),
  },
  unmatched_payouts: {
    fires: (c) => ({ ...c, unmatchedPayouts: { count: 2, amount: '1500.0000' } }),
    quiet: (c) => c,
  },
  ledger_mismatch: {
    fires: (c) => ({
      ...c,
      ledgerDifferences: [
        { month: '2026-06-01', line: 'income', ours: '5000.0000', theirs: '5000.0100', difference: '-0.0100' },
      ],
    }),
    quiet: (c) => c,
  },
  net_loss_streak: {
    fires: (c) => {
      for (const m of c.months.slice(-3)) m.netIncome = '-1.0000';
      return c;
    },
    quiet: (c) => {
      for (const m of c.months.slice(-3)) m.netIncome = '-1.0000';
      c.months[5]!.netIncome = '0.0000';
      return c;
    },
  },
  gross_margin_falling: {
    fires: (c) => lastMonth(c, { grossMargin: 0.649 }), // three before at 0.70
    quiet: (c) => lastMonth(c, { grossMargin: 0.65 }),
  },
  receivables_over_90_days: {
    fires: (c) => lastMonth(c, { arOverdue90: '10000.0100' }), // of 100,000
    quiet: (c) => lastMonth(c, { arOverdue90: '10000.0000' }),
  },
};

describe('recommendation rules', () => {
  it('the library has at least 15 rules, and every one is covered here', () => {
    expect(RULES.length).toBeGreaterThanOrEqual(15);
    expect(Object.keys(CASES).sort()).toEqual(RULES.map((r) => r.id).sort());
  });

  it('a healthy business gets no recommendation', () => {
    expect(fired(healthy())).toEqual([]);
  });

  for (const rule of RULES) {
    it(`${rule.id}: fires at its threshold, and not just inside it`, () => {
      const c = CASES[rule.id]!;
      const on = evaluateRules(c.fires(healthy()));
      expect(on.map((r) => r.ruleId)).toEqual([rule.id]);
      const r = on[0]!;
      expect(r.category).toBe(rule.category);
      expect(r.title.length).toBeGreaterThan(10);
      expect(r.description).not.toMatch(/NaN|undefined|Infinity/);
      expect(fired(c.quiet(healthy()))).toEqual([]);
    });
  }

  it('ledger_mismatch names the months and lines that differ from Xero, with both figures', () => {
    const [r] = evaluateRules(CASES.ledger_mismatch!.fires(healthy()));
    expect(r!.title).toBe("Figures for June 2026 differ from Xero's own reports");
    expect(r!.description).toContain('June 2026 income: USD 5,000.00 here, USD 5,000.01 in Xero');
    expect(r!.priority).toBe('high');
  });

  it('estimates impact where it can: DSO down to 45 days frees receivables × (1 − 45/DSO)', () => {
    const [r] = evaluateRules(CASES.dso_high!.fires(healthy()));
    // 100,000 × (1 − 45/60) = 25,000
    expect(r!.estimatedImpact).toBe('25000.0000');
    expect(r!.impactDays).toBe(15);
    expect(r!.description).toContain('Beta (USD 5,000.00, 40 days)');
  });

  it('dedupe keys do not depend on the order things were found in', () => {
    const [a] = evaluateRules(CASES.duplicate_bills!.fires(healthy()));
    expect(a!.dedupeKey).toBe('duplicate_bills:b1:b2');
  });
});
