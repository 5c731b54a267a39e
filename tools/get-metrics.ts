import { z } from 'zod';
import { getSnapshot, getSnapshots, resolvePeriod, snapshotView } from '../src/domain/metrics/read';
import { InvalidInputError } from '../src/errors';
import { defineTool, IsoDate } from './define';
import { PeriodInput, SnapshotSchema } from './schemas';

export default defineTool({
  name: 'get_metrics',
  title: 'Metrics for a period',
  description:
    'Revenue, expenses, net income, margins, cash, burn, runway, MRR, churn, refund and chargeback ratios, DSO/DPO and data quality for one month, quarter or year — or for a range of them with `to`. Use it for any "how much / how did we do" question about a period; figures are in the business currency, as decimal strings.',
  input: z.object({
    ...PeriodInput,
    to: IsoDate.optional().describe(
      'with `date`: return every period from the one containing `date` to the one containing `to` (at most 24)',
    ),
  }),
  output: z.object({ periods: z.array(SnapshotSchema), currency: z.string() }),
  annotations: { readOnlyHint: true, idempotentHint: true },
  scope: 'read',
  async run({ periodType, date, to }, ctx) {
    const first = resolvePeriod(periodType, ctx.today(), date);
    if (!to)
      return {
        periods: [snapshotView(await getSnapshot(ctx.db, ctx.business.id, first))],
        currency: ctx.business.baseCurrency,
      };
    const last = resolvePeriod(periodType, ctx.today(), to);
    if (last.start < first.start) throw new InvalidInputError('`to` is before `date`.');
    const rows = await getSnapshots(ctx.db, ctx.business.id, periodType, first.start, last.start);
    if (rows.length > 24)
      throw new InvalidInputError(`That is ${rows.length} ${periodType}s; ask for at most 24 at a time.`);
    return { periods: rows.map(snapshotView), currency: ctx.business.baseCurrency };
  },
});
