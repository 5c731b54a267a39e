import { and, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { actorLabel, audit } from '../src/db/audit';
import { isUuid } from '../src/db/client';
import { recommendations } from '../src/db/schema';
import { NotFoundError } from '../src/errors';
import { Apply, actorOf, defineTool, WRITE_ANNOTATIONS } from './define';

export default defineTool({
  name: 'update_recommendation_status',
  title: 'Accept, dismiss or resolve a recommendation',
  description:
    'Changes a recommendation’s status: accepted (we will act on it), dismissed (not relevant), resolved (done), or back to pending. Preview by default; apply: true makes the change, which is audited. Get ids from list_recommendations.',
  input: z.object({
    id: z.string().min(1).max(60),
    status: z.enum(['pending', 'accepted', 'dismissed', 'resolved']),
    apply: Apply,
  }),
  output: z.object({
    id: z.string(),
    title: z.string(),
    from: z.string(),
    to: z.string(),
    applied: z.boolean(),
  }),
  annotations: WRITE_ANNOTATIONS,
  scope: 'write',
  async run({ id, status, apply }, ctx) {
    const where = and(eq(recommendations.businessId, ctx.business.id), eq(recommendations.id, id));
    const [rec] = isUuid(id)
      ? await ctx.db
          .select({ id: recommendations.id, title: recommendations.title, status: recommendations.status })
          .from(recommendations)
          .where(where)
      : [];
    if (!rec) throw new NotFoundError(`No recommendation ${id}.`);
    const result = { id: rec.id, title: rec.title, from: rec.status, to: status, applied: false };
    if (!apply || rec.status === status) return { ...result, applied: Boolean(apply) };
    const actor = actorOf(ctx);
    await ctx.db
      .update(recommendations)
      .set({
        status,
        statusChangedBy: actorLabel(actor),
        statusChangedAt: sql`now()`,
        resolvedAt: status === 'resolved' ? sql`now()` : null,
        updatedAt: sql`now()`,
      })
      .where(where);
    await audit(ctx.db, ctx.business.id, actor, {
      action: 'update_status',
      entityType: 'recommendation',
      entityId: rec.id,
      oldValues: { status: rec.status },
      newValues: { status },
    });
    return { ...result, applied: true };
  },
});
