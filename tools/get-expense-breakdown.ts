import { z } from 'zod';
import { resolvePeriod } from '../src/domain/metrics/read';
import { buildReport } from '../src/domain/reports';
import { InvalidInputError } from '../src/errors';
import { D } from '../src/money';
import { Amount, defineTool, IsoDate } from './define';

const Line = z.object({ name: z.string(), amount: Amount });

export default defineTool({
  name: 'get_expense_breakdown',
  title: 'Expense breakdown',
  description:
    'Spending by category (account) for a period, cost of sales separately, largest first (up to 15 lines), with the total — the same figures as the profit and loss. Default: the last complete month. Use it for "what do we spend on", "biggest costs" questions.',
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
      expenses: z.infer<typeof Line>[];
      costOfSales: z.infer<typeof Line>[];
      totalExpenses: string;
      totalCostOfSales: string;
    };
    return {
      ...range,
      currency: r.currency,
      revenueSource: d.revenueSource,
      lines: d.expenses.slice(0, 15),
      costOfSales: d.costOfSales.slice(0, 15),
      // All spending, as the snapshots' expenses: operating expenses plus cost of sales.
      total: new D(d.totalExpenses).plus(d.totalCostOfSales).toFixed(2),
    };
  },
});
