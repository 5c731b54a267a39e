import { z } from 'zod';
import { getSnapshots, resolvePeriod } from '../src/domain/metrics/read';
import { addDays, periodOf } from '../src/domain/periods';
import { NotSyncedError } from '../src/errors';
import { D } from '../src/money';
import { Amount, defineTool, IsoDate } from './define';

export default defineTool({
  name: 'get_subscription_metrics',
  title: 'Subscription metrics',
  description:
    'MRR, ARR, active subscribers and subscriber churn at the end of each of the last `months` complete months (default 6), from Stripe subscriptions, with the change in MRR over the window (`mrrChange`, `mrrGrowthPercent`, since `windowStart`) and over the last month alone (`lastMonthGrowthPercent`). Use it for recurring-revenue, growth and churn questions.',
  input: z.object({ months: z.number().int().min(1).max(24).default(6) }),
  output: z.object({
    currency: z.string(),
    months: z.array(
      z.object({
        month: IsoDate,
        mrr: Amount,
        arr: Amount,
        activeSubscribers: z.number().int().nullable(),
        subscriberChurn: z.number().nullable(),
      }),
    ),
    mrrChange: Amount.describe('MRR at the last month end less MRR at the first month end of the window'),
    mrrGrowthPercent: z.number().nullable().describe('the same as a percent of the first month end'),
    windowStart: IsoDate.nullable().describe('the month the window-wide change is measured from'),
    lastMonthGrowthPercent: z.number().nullable().describe('the last month end against the month end before it'),
  }),
  annotations: { readOnlyHint: true, idempotentHint: true },
  scope: 'read',
  async run({ months }, ctx) {
    const last = resolvePeriod('month', ctx.today());
    let first = last;
    for (let i = 1; i < months; i++) first = periodOf('month', addDays(first.start, -1));
    const rows = await getSnapshots(ctx.db, ctx.business.id, 'month', first.start, last.start);
    const withMrr = rows.filter((r) => r.mrr !== null);
    if (withMrr.length === 0) throw new NotSyncedError('No subscription data: connect Stripe to see MRR and churn.');
    const out = withMrr.map((r) => ({
      month: r.periodStart,
      mrr: new D(r.mrr!).toFixed(2),
      arr: new D(r.arr!).toFixed(2),
      activeSubscribers: (r.metrics as { activeSubscribers?: number }).activeSubscribers ?? null,
      subscriberChurn: r.subscriberChurn === null ? null : Number(r.subscriberChurn),
    }));
    const growth = (from: string, to: string) =>
      new D(from).isZero() ? null : new D(to).minus(from).div(from).times(100).toDecimalPlaces(1).toNumber();
    const a = withMrr[0]!.mrr!;
    const b = withMrr[withMrr.length - 1]!.mrr!;
    const beforeLast = withMrr.length > 1 ? withMrr[withMrr.length - 2]!.mrr! : null;
    return {
      currency: ctx.business.baseCurrency,
      months: out,
      mrrChange: new D(b).minus(a).toFixed(2),
      mrrGrowthPercent: growth(a, b),
      windowStart: withMrr[0]!.periodStart,
      lastMonthGrowthPercent: beforeLast === null ? null : growth(beforeLast, b),
    };
  },
});
