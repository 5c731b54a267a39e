import { z } from 'zod';
import { audit } from '../src/db/audit';
import { refreshInsights } from '../src/domain/insights';
import { addDays } from '../src/domain/periods';
import { Apply, actorOf, defineTool, IsoDate, WRITE_ANNOTATIONS } from './define';

export default defineTool({
  name: 'refresh_insights',
  title: 'Recompute metrics and recommendations',
  description:
    'Recomputes metric snapshots from the books (the recent months, or from a date), then the funding-readiness score and recommendations. Use it after changes to the books when figures look stale. Preview by default (says what would be recomputed); apply: true runs it.',
  input: z.object({
    from: IsoDate.optional().describe('recompute from this day; default: the last three months'),
    apply: Apply,
  }),
  output: z.object({
    applied: z.boolean(),
    from: z.string().nullable(),
    to: z.string(),
    written: z.record(z.string(), z.number().int()).nullable(),
    readiness: z.object({ score: z.number().int(), tier: z.string() }).nullable(),
    recommendations: z
      .object({
        created: z.number().int(),
        updated: z.number().int(),
        resolved: z.number().int(),
        active: z.number().int(),
      })
      .nullable(),
    ms: z.number().int().nullable(),
  }),
  annotations: WRITE_ANNOTATIONS,
  scope: 'write',
  permission: 'recommendations',
  async run({ from, apply }, ctx) {
    const to = ctx.today();
    if (!apply)
      return {
        applied: false,
        from: from ?? addDays(to, -92),
        to,
        written: null,
        readiness: null,
        recommendations: null,
        ms: null,
      };
    const r = await refreshInsights(ctx.db, ctx.business, { asOf: to, ...(from ? { from } : {}) });
    await audit(ctx.db, ctx.business.id, actorOf(ctx), {
      action: 'refresh_insights',
      entityType: 'metric_snapshots',
      newValues: { from: r.snapshots.from, to: r.snapshots.to, written: r.snapshots.written },
    });
    return {
      applied: true,
      from: r.snapshots.from,
      to: r.snapshots.to ?? to,
      written: r.snapshots.written,
      readiness: r.readiness,
      recommendations: {
        created: r.recommendations.created,
        updated: r.recommendations.updated,
        resolved: r.recommendations.resolved,
        active: r.recommendations.active,
      },
      ms: r.ms,
    };
  },
});
