import { z } from 'zod';
import { detectAnomalies, expenseVariance } from '../src/domain/anomalies';
import { resolvePeriod } from '../src/domain/metrics/read';
import { Amount, defineTool, IsoDate } from './define';

export default defineTool({
  name: 'detect_anomalies',
  title: 'Anomalies and spending variance',
  description:
    'Transactions far outside their counterparty’s usual amount (robust z-score on log amounts; a merchant’s own history, or its category when it has little), and how a month’s spending per category moved against the month before and the three-month average. Use it for "anything unusual", "why did costs go up" questions.',
  input: z.object({
    direction: z.enum(['out', 'in', 'both']).default('out').describe('spending (default), income, or both'),
    lookbackDays: z.number().int().min(7).max(730).default(365),
    month: IsoDate.optional().describe('a day in the month for the variance; default the last complete month'),
    limit: z.number().int().min(1).max(20).default(10),
  }),
  output: z.object({
    currency: z.string(),
    anomalies: z.array(
      z.object({
        date: IsoDate,
        kind: z.string(),
        counterparty: z.string().nullable(),
        category: z.string().nullable(),
        amount: Amount,
        typicalAmount: Amount,
        ratioToTypical: z.number(),
        zScore: z.number(),
        comparedWith: z.enum(['counterparty', 'category']),
      }),
    ),
    variance: z.object({
      month: z.object({ start: IsoDate, end: IsoDate }),
      total: z.object({
        current: Amount,
        previous: Amount,
        trailingAverage: Amount,
        vsPrevious: Amount,
        vsTrailing: Amount,
      }),
      categories: z.array(
        z.object({
          category: z.string(),
          current: Amount,
          previous: Amount,
          trailingAverage: Amount,
          vsPrevious: Amount,
          vsTrailing: Amount,
        }),
      ),
    }),
  }),
  annotations: { readOnlyHint: true, idempotentHint: true },
  scope: 'read',
  async run({ direction, lookbackDays, month, limit }, ctx) {
    const anomalies = await detectAnomalies(ctx.db, ctx.business.id, {
      asOf: ctx.today(),
      lookbackDays,
      limit,
      direction,
    });
    const variance = await expenseVariance(ctx.db, ctx.business.id, resolvePeriod('month', ctx.today(), month).start, {
      limit: 8,
    });
    return {
      currency: ctx.business.baseCurrency,
      anomalies: anomalies.map(({ transactionId: _t, description: _d, groupSize: _g, ...a }) => a),
      variance,
    };
  },
});
