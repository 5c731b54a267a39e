import { and, desc, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { queryRows } from '../src/db/client';
import { readinessScores, recommendations } from '../src/db/schema';
import { getSnapshot, resolvePeriod, snapshotView } from '../src/domain/metrics/read';
import { BY_PRIORITY } from '../src/domain/recommendations';
import { reconciliationStatus } from '../src/domain/reconciliation';
import { countAndSum } from '../src/domain/transaction-totals';
import { defineTool } from './define';
import { ReconciliationSchema, SnapshotSchema } from './schemas';

export default defineTool({
  name: 'get_business_overview',
  title: 'Business overview',
  description:
    'A one-look summary: the last complete month’s figures (revenue, expenses, net income, cash, burn, runway, MRR, DSO…), the funding-readiness score, how many recommendations are pending and the most urgent ones, what data the answers rest on, and whether the figures agree with Xero\'s own reports. Start here for open questions like "how are we doing?".',
  input: z.object({}),
  output: z.object({
    business: z.object({ name: z.string(), currency: z.string() }),
    lastMonth: SnapshotSchema,
    readiness: z.object({ score: z.number().int(), tier: z.string() }).nullable(),
    recommendations: z.object({
      pending: z.number().int(),
      top: z.array(z.object({ title: z.string(), priority: z.string(), category: z.string() })),
    }),
    data: z.object({
      transactions: z.number().int(),
      firstDate: z.string().nullable(),
      lastDate: z.string().nullable(),
    }),
    /** Whether the figures agree with Xero's own reports (null: never compared). */
    reconciliation: ReconciliationSchema.nullable(),
  }),
  annotations: { readOnlyHint: true, idempotentHint: true },
  scope: 'read',
  async run(_input, ctx) {
    const month = snapshotView(await getSnapshot(ctx.db, ctx.business.id, resolvePeriod('month', ctx.today())));
    const [score] = await ctx.db
      .select()
      .from(readinessScores)
      .where(eq(readinessScores.businessId, ctx.business.id))
      .orderBy(desc(readinessScores.computedAt))
      .limit(1);
    const pending = await ctx.db
      .select({ title: recommendations.title, priority: recommendations.priority, category: recommendations.category })
      .from(recommendations)
      .where(and(eq(recommendations.businessId, ctx.business.id), eq(recommendations.status, 'pending')))
      .orderBy(BY_PRIORITY);
    // The count is kept on write; min and max alone read the two ends of the (business_id, date) index.
    const { count } = await countAndSum(ctx.db, ctx.business.id, {});
    const [data] = await queryRows<{ first: string | null; last: string | null }>(
      ctx.db,
      sql`select min(date)::text as first, max(date)::text as last from transactions where business_id = ${ctx.business.id} and deleted_at is null`,
    );
    return {
      business: { name: ctx.business.name, currency: ctx.business.baseCurrency },
      lastMonth: month,
      readiness: score ? { score: score.score, tier: score.tier } : null,
      recommendations: { pending: pending.length, top: pending.slice(0, 3) },
      data: { transactions: count, firstDate: data?.first ?? null, lastDate: data?.last ?? null },
      reconciliation: await reconciliationStatus(ctx.db, ctx.business.id, 3),
    };
  },
});
