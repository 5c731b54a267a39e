import { z } from 'zod';
import { getSnapshot, getSnapshots, resolvePeriod, type SnapshotView, snapshotView } from '../src/domain/metrics/read';
import { InvalidInputError } from '../src/errors';
import { defineTool, IsoDate, MAX_RESULT_BYTES } from './define';
import { PeriodInput, SnapshotSchema } from './schemas';

/** The figures a period always carries, whatever `fields` asks for. */
const ALWAYS = ['periodType', 'start', 'end', 'partial', 'currency', 'revenueSource'] as const;
const FIELDS = Object.keys(SnapshotSchema.shape).filter(
  (k) => !(ALWAYS as readonly string[]).includes(k),
) as (keyof SnapshotView)[];
/** What a long range keeps when every figure would not fit (the ones charts and comparisons use). */
const CORE = [
  'revenue',
  'expenses',
  'netIncome',
  'grossMargin',
  'cashBalance',
  'netBurn',
  'runwayMonths',
  'mrr',
  'dataQuality',
];

export default defineTool({
  name: 'get_metrics',
  title: 'Metrics for a period',
  description:
    'Revenue, expenses, net income, margins, cash, burn, runway, MRR, churn, refund and chargeback ratios, DSO/DPO and data quality for one month, quarter or year — or for a range of them with `to` (at most 24). `fields` picks figures; a long range of every figure is trimmed to the main ones, and `trimmed` says so. Use it for any "how much / how did we do" question about a period; figures are in the business currency, as decimal strings.',
  input: z.object({
    ...PeriodInput,
    to: IsoDate.optional().describe(
      'with `date`: return every period from the one containing `date` to the one containing `to` (at most 24)',
    ),
    fields: z
      .array(z.enum(FIELDS as [string, ...string[]]))
      .min(1)
      .optional()
      .describe('only these figures for each period (with the period itself), e.g. ["revenue","expenses"]'),
  }),
  output: z.object({
    periods: z.array(SnapshotSchema.partial().required({ periodType: true, start: true, end: true })),
    currency: z.string(),
    trimmed: z
      .object({ fields: z.array(z.string()), reason: z.string() })
      .optional()
      .describe('present when the periods carry only some figures: which ones, and why'),
  }),
  annotations: { readOnlyHint: true, idempotentHint: true },
  scope: 'read',
  async run({ periodType, date, to, fields }, ctx) {
    const first = resolvePeriod(periodType, ctx.today(), date);
    const last = to ? resolvePeriod(periodType, ctx.today(), to) : first;
    if (last.start < first.start) throw new InvalidInputError('`to` is before `date`.');
    const rows = to
      ? await getSnapshots(ctx.db, ctx.business.id, periodType, first.start, last.start)
      : [await getSnapshot(ctx.db, ctx.business.id, first)];
    if (rows.length > 24)
      throw new InvalidInputError(`That is ${rows.length} ${periodType}s; ask for at most 24 at a time.`);
    const views = rows.map(snapshotView);
    const pick = (keep: readonly string[]) =>
      views.map((v) =>
        Object.fromEntries(
          Object.entries(v).filter(([k]) => (ALWAYS as readonly string[]).includes(k) || keep.includes(k)),
        ),
      );
    const currency = ctx.business.baseCurrency;
    if (fields)
      return { periods: pick(fields) as never, currency, trimmed: { fields, reason: 'the figures asked for' } };
    const all = { periods: views, currency };
    // About 8 KB at most (every figure of 13 or more months is more): keep the main figures and say so.
    if (Buffer.byteLength(JSON.stringify(all)) <= MAX_RESULT_BYTES - 512) return all;
    return {
      periods: pick(CORE) as never,
      currency,
      trimmed: {
        fields: CORE,
        reason: `every figure of ${views.length} ${periodType}s would exceed the result size bound; ask with \`fields\` for others, or for fewer periods`,
      },
    };
  },
});
