import { z } from 'zod';
import { resolvePeriod } from '../src/domain/metrics/read';
import { buildReport } from '../src/domain/reports';
import { InvalidInputError } from '../src/errors';
import { Amount, defineTool, IsoDate } from './define';

const Line = z.object({ name: z.string(), amount: Amount });

export default defineTool({
  name: 'get_revenue_breakdown',
  title: 'Revenue breakdown',
  description:
    'Revenue by account (Xero), or card sales and refunds (Stripe), for a period, largest first (up to 15 lines), with the total — the same figures as the profit and loss. Default: the last complete month. Use it for "what did we sell", "where does revenue come from" questions.',
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
      income: z.infer<typeof Line>[];
      costOfSales: z.infer<typeof Line>[];
      totalIncome: string;
      totalCostOfSales: string;
    };
    return {
      ...range,
      currency: r.currency,
      revenueSource: d.revenueSource,
      lines: d.income.slice(0, 15),
      costOfSales: [],
      total: d.totalIncome,
    };
  },
});
