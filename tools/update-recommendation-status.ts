import { z } from 'zod';
import { setRecommendationStatus } from '../src/domain/recommendations';
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
  permission: 'recommendations',
  async run({ id, status, apply }, ctx) {
    return setRecommendationStatus(ctx.db, ctx.business.id, { id, status, apply }, actorOf(ctx));
  },
});
