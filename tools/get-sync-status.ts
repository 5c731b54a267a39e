import { desc, eq } from 'drizzle-orm';
import { z } from 'zod';
import { integrationAccounts, syncRuns } from '../src/db/schema';
import { reconciliationStatus } from '../src/domain/reconciliation';
import { totalsBySource } from '../src/domain/transaction-totals';
import { defineTool } from './define';
import { ReconciliationSchema } from './schemas';

export default defineTool({
  name: 'get_sync_status',
  title: 'Sync status',
  description:
    "Which sources are connected (Xero, Stripe, CSV), their status and last sync, the latest sync runs with their counts and errors, the newest record in the local copy, and whether the figures agree with Xero's own Profit and Loss and Balance Sheet (checked on every sync; the months and lines that differ). Use it when figures look stale or wrong, or a user asks whether data is up to date.",
  input: z.object({}),
  output: z.object({
    connections: z.array(
      z.object({
        provider: z.string(),
        name: z.string().nullable(),
        status: z.string(),
        statusMessage: z.string().nullable(),
        lastSyncedAt: z.string().nullable(),
      }),
    ),
    recentRuns: z.array(
      z.object({
        provider: z.string(),
        mode: z.string(),
        status: z.string(),
        startedAt: z.string(),
        processed: z.number().int(),
        failed: z.number().int(),
        error: z.string().nullable(),
      }),
    ),
    newestRecord: z.string().nullable(),
    recordsBySource: z.record(z.string(), z.number().int()),
    reconciliation: ReconciliationSchema.nullable(),
  }),
  annotations: { readOnlyHint: true, idempotentHint: true },
  scope: 'read',
  async run(_input, ctx) {
    const conns = await ctx.db
      .select()
      .from(integrationAccounts)
      .where(eq(integrationAccounts.businessId, ctx.business.id));
    const runs = await ctx.db
      .select()
      .from(syncRuns)
      .where(eq(syncRuns.businessId, ctx.business.id))
      .orderBy(desc(syncRuns.startedAt))
      .limit(5);
    const counts = await totalsBySource(ctx.db, ctx.business.id);
    return {
      connections: conns.map((c) => ({
        provider: c.provider,
        name: c.name,
        status: c.status,
        statusMessage: c.statusMessage,
        lastSyncedAt: c.lastSyncedAt?.toISOString() ?? null,
      })),
      recentRuns: runs.map((r) => ({
        provider: r.provider,
        mode: r.mode,
        status: r.status,
        startedAt: r.startedAt.toISOString(),
        processed: r.processed,
        failed: r.failed,
        error: r.error,
      })),
      newestRecord:
        counts
          .map((c) => c.newest)
          .sort()
          .pop() ?? null,
      recordsBySource: Object.fromEntries(counts.map((c) => [c.source, c.count])),
      reconciliation: await reconciliationStatus(ctx.db, ctx.business.id),
    };
  },
});
