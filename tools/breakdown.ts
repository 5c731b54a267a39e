/** Shared by get_revenue_breakdown and get_expense_breakdown: the P&L's lines for a period. */
import { z } from 'zod';
import { resolvePeriod } from '../src/domain/metrics/read';
import { buildReport } from '../src/domain/reports';
import { InvalidInputError } from '../src/errors';
import { D } from '../src/money';
import { Amount, defineTool, IsoDate } from './define';

const Line = z.object({ name: z.string(), amount: Amount });
type Lines = z.infer<typeof Line>[];

export function breakdownTool(side: 'revenue' | 'expense') {
  const revenue = side === 'revenue';
  return defineTool({
    name: `get_${side}_breakdown`,
    title: revenue ? 'Revenue breakdown' : 'Expense breakdown',
    description: revenue
      ? 'Revenue by account (Xero), or card sales and refunds (Stripe), for a period, largest first (up to 15 lines), with the total — the same figures as the profit and loss. Default: the last complete month. Use it for "what did we sell", "where does revenue come from" questions.'
      : 'Spending by category (account) for a period, largest first (up to 15 lines), cost of sales separately, with the total of both — the same figures as the profit and loss. Default: the last complete month. Use it for "what do we spend on", "biggest costs" questions.',
    input: z.object({ from: IsoDate.optional(), to: IsoDate.optional() }),
    output: z.object({
      from: IsoDate,
      to: IsoDate,
      currency: z.string(),
      revenueSource: z.string(),
      lines: z.array(Line),
      costOfSales: z.array(Line),
      total: Amount,
    }),
    annotations: { readOnlyHint: true, idempotentHint: true },
    scope: 'read',
    async run({ from, to }, ctx) {
      const last = resolvePeriod('month', ctx.today());
      const range = { from: from ?? last.start, to: to ?? (from ? ctx.today() : last.end) };
      if (range.from > range.to) throw new InvalidInputError('from: the period starts after it ends.');
      const r = await buildReport(
        ctx.db,
        { id: ctx.business.id, baseCurrency: ctx.business.baseCurrency },
        { kind: 'profit_and_loss', ...range },
      );
      const d = r.data as {
        revenueSource: string;
        income: Lines;
        expenses: Lines;
        costOfSales: Lines;
        totalIncome: string;
        totalExpenses: string;
        totalCostOfSales: string;
      };
      return {
        ...range,
        currency: r.currency,
        revenueSource: d.revenueSource,
        lines: (revenue ? d.income : d.expenses).slice(0, 15),
        costOfSales: revenue ? [] : d.costOfSales.slice(0, 15),
        // All spending, as the snapshots' expenses: operating expenses plus cost of sales.
        total: revenue ? d.totalIncome : new D(d.totalExpenses).plus(d.totalCostOfSales).toFixed(2),
      };
    },
  });
}
