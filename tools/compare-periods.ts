import { z } from 'zod';
import { getSnapshot, resolvePeriod, snapshotView } from '../src/domain/metrics/read';
import { addDays, periodOf } from '../src/domain/periods';
import { D } from '../src/money';
import { defineTool, IsoDate } from './define';
import { SnapshotSchema } from './schemas';

const COMPARED = ['revenue', 'expenses', 'netIncome', 'cashBalance', 'grossBurn', 'netBurn', 'mrr'] as const;

export default defineTool({
  name: 'compare_periods',
  title: 'Compare two periods',
  description:
    'Two months, quarters or years side by side with the change in each money figure (absolute and percent). Default: the last complete period against the one before it; `against: "year_ago"` compares with the same period a year earlier. Use it for "vs last month", "vs last year", growth questions.',
  input: z.object({
    periodType: z.enum(['month', 'quarter', 'year']).default('month'),
    date: IsoDate.optional().describe('any day in the period to look at; default the last complete one'),
    against: z.enum(['previous', 'year_ago']).default('previous'),
    compareDate: IsoDate.optional().describe('any day in the period to compare with; overrides `against`'),
  }),
  output: z.object({
    current: SnapshotSchema,
    previous: SnapshotSchema,
    changes: z.array(
      z.object({
        metric: z.string(),
        current: z.string().nullable(),
        previous: z.string().nullable(),
        change: z.string().nullable(),
        changePercent: z.number().nullable(),
      }),
    ),
  }),
  annotations: { readOnlyHint: true, idempotentHint: true },
  scope: 'read',
  async run({ periodType, date, against, compareDate }, ctx) {
    const cur = resolvePeriod(periodType, ctx.today(), date);
    const prev = compareDate
      ? periodOf(periodType, compareDate)
      : against === 'year_ago'
        ? periodOf(periodType, `${Number(cur.start.slice(0, 4)) - 1}${cur.start.slice(4)}`)
        : periodOf(periodType, addDays(cur.start, -1));
    const a = snapshotView(await getSnapshot(ctx.db, ctx.business.id, cur));
    const b = snapshotView(await getSnapshot(ctx.db, ctx.business.id, prev));
    const changes = COMPARED.map((metric) => {
      const x = a[metric];
      const y = b[metric];
      if (x === null || y === null) return { metric, current: x, previous: y, change: null, changePercent: null };
      const diff = new D(x).minus(y);
      return {
        metric,
        current: x,
        previous: y,
        change: diff.toFixed(2),
        changePercent: new D(y).isZero() ? null : diff.div(new D(y).abs()).times(100).toDecimalPlaces(1).toNumber(),
      };
    });
    return { current: a, previous: b, changes };
  },
});
