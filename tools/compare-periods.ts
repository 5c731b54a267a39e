import { z } from 'zod';
import { getSnapshot, resolvePeriod, snapshotView } from '../src/domain/metrics/read';
import { addDays, daysBetween, periodOf } from '../src/domain/periods';
import { figuresBetween } from '../src/domain/reports';
import { InvalidInputError } from '../src/errors';
import { D } from '../src/money';
import { defineTool, IsoDate } from './define';
import { SnapshotSchema } from './schemas';

const COMPARED = ['revenue', 'expenses', 'netIncome', 'cashBalance', 'grossBurn', 'netBurn', 'mrr'] as const;
type Compared = (typeof COMPARED)[number];

const day = (d: string) =>
  new Date(`${d}T00:00:00Z`).toLocaleDateString('en-GB', {
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    timeZone: 'UTC',
  });
const range = (from: string, to: string) => (from === to ? day(from) : `${day(from)} to ${day(to)}`);

export default defineTool({
  name: 'compare_periods',
  title: 'Compare two periods',
  description:
    'Two months, quarters or years side by side with the change in each money figure (absolute and percent). Default: the last complete period against the one before it; `against: "year_ago"` compares with the same period a year earlier. A period still under way is compared with the same number of days of the other period (quarter to date against the same days of last quarter), never with a whole one; `compares` says exactly what was compared. Use it for "vs last month", "vs last year", growth questions.',
  input: z.object({
    periodType: z.enum(['month', 'quarter', 'year']).default('month'),
    date: IsoDate.optional().describe('any day in the period to look at; default the last complete one'),
    against: z.enum(['previous', 'year_ago']).default('previous'),
    compareDate: IsoDate.optional().describe('any day in the period to compare with; overrides `against`'),
  }),
  output: z.object({
    basis: z
      .enum(['whole_periods', 'same_days'])
      .describe('same_days: the current period is under way, so both sides cover its first days only'),
    compares: z.string().describe('what was compared, in words'),
    ranges: z.object({
      current: z.object({ from: IsoDate, to: IsoDate }),
      previous: z.object({ from: IsoDate, to: IsoDate }),
    }),
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
    const today = ctx.today();
    const cur = resolvePeriod(periodType, today, date);
    if (cur.start > today) throw new InvalidInputError(`date: that ${periodType} has not started yet.`);
    const prev = compareDate
      ? periodOf(periodType, compareDate)
      : against === 'year_ago'
        ? periodOf(periodType, `${Number(cur.start.slice(0, 4)) - 1}${cur.start.slice(4)}`)
        : periodOf(periodType, addDays(cur.start, -1));
    const a = snapshotView(await getSnapshot(ctx.db, ctx.business.id, cur));
    const b = snapshotView(await getSnapshot(ctx.db, ctx.business.id, prev));
    const underWay = cur.end >= today;
    let pairs: Record<Compared, [string | null, string | null]>;
    let ranges = { current: { from: cur.start, to: cur.end }, previous: { from: prev.start, to: prev.end } };
    if (underWay) {
      // The same number of days from the start of each period (capped at the other period's end).
      const days = daysBetween(cur.start, today);
      const prevTo = addDays(prev.start, days) < prev.end ? addDays(prev.start, days) : prev.end;
      ranges = { current: { from: cur.start, to: today }, previous: { from: prev.start, to: prevTo } };
      const business = { id: ctx.business.id, baseCurrency: ctx.business.baseCurrency };
      const x = await figuresBetween(ctx.db, business, ranges.current.from, ranges.current.to);
      const y = await figuresBetween(ctx.db, business, ranges.previous.from, ranges.previous.to);
      pairs = {
        revenue: [x.revenue, y.revenue],
        expenses: [x.expenses, y.expenses],
        netIncome: [x.netIncome, y.netIncome],
        cashBalance: [x.cashBalance, y.cashBalance],
        grossBurn: [x.grossBurn, y.grossBurn],
        netBurn: [x.netBurn, y.netBurn],
        // MRR is kept at month ends only: not comparable part-way through a period.
        mrr: [null, null],
      };
    } else {
      pairs = Object.fromEntries(COMPARED.map((m) => [m, [a[m], b[m]]])) as typeof pairs;
    }
    const changes = COMPARED.map((metric) => {
      const [x, y] = pairs[metric];
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
    const n = daysBetween(ranges.current.from, ranges.current.to) + 1;
    const compares = underWay
      ? `${range(ranges.current.from, ranges.current.to)} with ${range(ranges.previous.from, ranges.previous.to)}: the same ${n === 1 ? 'first day' : `${n} days`}, because the ${periodType} is under way`
      : `${range(cur.start, cur.end)} with ${range(prev.start, prev.end)}`;
    const basis = underWay ? ('same_days' as const) : ('whole_periods' as const);
    return { basis, compares, ranges, current: a, previous: b, changes };
  },
});
