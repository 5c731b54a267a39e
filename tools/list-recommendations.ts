import { and, desc, eq, inArray } from 'drizzle-orm';
import { z } from 'zod';
import { recommendations } from '../src/db/schema';
import { BY_PRIORITY, recommendationView } from '../src/domain/recommendations';
import { Amount, defineTool } from './define';

export default defineTool({
  name: 'list_recommendations',
  title: 'Recommendations',
  description:
    'What the business should look at, most urgent first: each recommendation with its title, explanation with the figures, priority, category (cash_flow, risk, revenue, costs, collections, data), status and estimated impact. Default: the pending ones.',
  input: z.object({
    status: z.array(z.enum(['pending', 'accepted', 'dismissed', 'resolved'])).default(['pending']),
    category: z.enum(['cash_flow', 'risk', 'revenue', 'costs', 'collections', 'data']).optional(),
    limit: z.number().int().min(1).max(20).default(10),
  }),
  output: z.object({
    recommendations: z.array(
      z.object({
        id: z.string(),
        title: z.string(),
        description: z.string(),
        priority: z.string(),
        category: z.string(),
        status: z.string(),
        estimatedImpact: Amount.nullable(),
        impactDays: z.number().nullable(),
        createdAt: z.string(),
      }),
    ),
    total: z.number().int(),
    currency: z.string(),
  }),
  annotations: { readOnlyHint: true, idempotentHint: true },
  scope: 'read',
  async run({ status, category, limit }, ctx) {
    const where = and(
      eq(recommendations.businessId, ctx.business.id),
      inArray(recommendations.status, status),
      category ? eq(recommendations.category, category) : undefined,
    );
    const rows = await ctx.db
      .select()
      .from(recommendations)
      .where(where)
      .orderBy(BY_PRIORITY, desc(recommendations.updatedAt));
    return {
      recommendations: rows.slice(0, limit).map((r) => ({
        ...recommendationView(r),
        impactDays: r.impactDays === null ? null : Number(r.impactDays),
        createdAt: r.createdAt.toISOString(),
      })),
      total: rows.length,
      currency: ctx.business.baseCurrency,
    };
  },
});
