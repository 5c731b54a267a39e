import { desc, eq } from 'drizzle-orm';
import { z } from 'zod';
import { readinessScores } from '../src/db/schema';
import { NotSyncedError } from '../src/errors';
import { defineTool } from './define';

export default defineTool({
  name: 'get_funding_readiness',
  title: 'Funding readiness',
  description:
    'The latest funding-readiness score (0–100) and tier (not_ready, needs_work, funding_ready, highly_attractive), each component with its weight, contribution and the figures behind it, and the cheapest moves to reach the next tier. Use it for fundraising, "are we investable", and "what should we improve" questions.',
  input: z.object({}),
  output: z.object({
    score: z.number().int(),
    tier: z.string(),
    scoreVersion: z.string(),
    computedAt: z.string(),
    components: z.array(
      z.object({
        name: z.string(),
        weight: z.number(),
        value: z.number(),
        contribution: z.number(),
        figures: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
      }),
    ),
    nextBand: z
      .object({
        tier: z.string(),
        pointsNeeded: z.number(),
        actions: z.array(
          z.object({
            metric: z.string(),
            from: z.number().nullable(),
            to: z.number(),
            points: z.number(),
            text: z.string(),
          }),
        ),
      })
      .nullable(),
  }),
  annotations: { readOnlyHint: true, idempotentHint: true },
  scope: 'read',
  async run(_input, ctx) {
    const [row] = await ctx.db
      .select()
      .from(readinessScores)
      .where(eq(readinessScores.businessId, ctx.business.id))
      .orderBy(desc(readinessScores.computedAt))
      .limit(1);
    if (!row)
      throw new NotSyncedError('No readiness score yet: it is computed with the metrics (`cfo insights refresh`).');
    const components = row.components as {
      name: string;
      weight: number;
      value: number;
      contribution: number;
      evidence: { figures: Record<string, string | number | boolean | null> };
    }[];
    const next = row.nextBand as
      | {
          tier: string;
          pointsNeeded: number;
          actions: { metric: string; from: number | null; to: number; points: number; text: string }[];
        }
      | [];
    return {
      score: row.score,
      tier: row.tier,
      scoreVersion: row.scoreVersion,
      computedAt: row.computedAt.toISOString(),
      components: components.map((c) => ({
        name: c.name,
        weight: c.weight,
        value: c.value,
        contribution: c.contribution,
        figures: c.evidence.figures,
      })),
      nextBand: Array.isArray(next)
        ? null
        : {
            tier: next.tier,
            pointsNeeded: next.pointsNeeded,
            actions: next.actions.map(({ metric, from, to, points, text }) => ({ metric, from, to, points, text })),
          },
    };
  },
});
