import { z } from 'zod';
import { audit } from '../src/db/audit';
import { DomainError } from '../src/errors';
import { listConnections } from '../src/integrations/connections';
import { Apply, actorOf, defineTool } from './define';

const Connection = z.object({
  id: z.string(),
  provider: z.string(),
  name: z.string().nullable(),
  status: z.string(),
  lastSyncedAt: z.string().nullable(),
  /** What happened (or, previewing, would happen) to it. */
  action: z.enum(['sync', 'skipped']),
  reason: z.string().nullable(),
  /** How it was started: on the job queue, or in the background (no queue running); null when not started. */
  started: z.enum(['queued', 'background']).nullable(),
});

export default defineTool({
  name: 'start_sync',
  title: 'Sync Xero and Stripe now',
  description:
    "Starts a sync of the business's Xero and Stripe connections (or one of them) so that figures include the latest upstream changes; it does not wait for it — check progress with get_sync_status. Incremental by default (only what changed); full re-reads everything. Preview by default (lists what would sync); apply: true starts it.",
  input: z.object({
    connectionId: z
      .uuid()
      .optional()
      .describe('one connection (from get_sync_status); default: every active Xero and Stripe connection'),
    mode: z.enum(['incremental', 'full']).default('incremental'),
    apply: Apply,
  }),
  output: z.object({ applied: z.boolean(), mode: z.string(), connections: z.array(Connection) }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  scope: 'write',
  permission: 'sync',
  async run({ connectionId, mode, apply }, ctx) {
    const all = await listConnections(ctx.db, ctx.business.id);
    const chosen = connectionId ? all.filter((c) => c.id === connectionId) : all.filter((c) => c.provider !== 'csv');
    if (connectionId && chosen.length === 0)
      throw new DomainError('not_found', 404, `No connection ${connectionId} in this business (see get_sync_status).`);
    if (apply && !ctx.startSync)
      throw new DomainError(
        'not_available',
        409,
        'This channel cannot start a background sync; run `cfo sync` (or call POST /v1/connections/{id}/sync).',
      );
    const out: z.infer<typeof Connection>[] = [];
    for (const c of chosen) {
      const reason =
        c.provider === 'csv'
          ? 'CSV sources are imported, not synced'
          : c.status !== 'active'
            ? `${c.status}${c.statusMessage ? `: ${c.statusMessage}` : ''}`
            : null;
      const started = apply && !reason ? (await ctx.startSync!(c.id, c.provider as 'xero' | 'stripe', mode)).how : null;
      out.push({
        id: c.id,
        provider: c.provider,
        name: c.name,
        status: c.status,
        lastSyncedAt: c.lastSyncedAt?.toISOString() ?? null,
        action: reason ? 'skipped' : 'sync',
        reason,
        started,
      });
    }
    if (apply)
      await audit(ctx.db, ctx.business.id, actorOf(ctx), {
        action: 'start_sync',
        entityType: 'integration_account',
        newValues: { mode, connections: out.filter((c) => c.action === 'sync').map((c) => c.id) },
      });
    return { applied: apply, mode, connections: out };
  },
});
