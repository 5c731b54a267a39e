/**
 * `sync_runs` for every provider: a run claims its connection (one at a time), beats after every committed
 * page, and is closed with its counts whatever happens. A run left 'running' by a process that died is
 * recognised — no heartbeat for two minutes, or its process gone on this machine — and closed as
 * interrupted by the next run, which resumes from the committed cursors.
 */
import { and, eq } from 'drizzle-orm';
import { type Db, withBusiness } from '../db/client';
import { integrationAccounts, syncRuns } from '../db/schema';
import { emitEvent } from '../domain/events';
import { ConflictError } from '../errors';
import { type Owner, processGone, thisProcess } from '../owner';

const STALE_MS = 2 * 60_000;

type RunOwner = { owner?: Owner };

/** A run is alive while its heartbeat is fresh, unless it ran on this machine in a process that is gone. */
const alive = (details: RunOwner): boolean => !processGone(details?.owner);

export interface RunTarget {
  id: string;
  businessId: string;
  name: string | null;
  provider: 'xero' | 'stripe';
}

/** Claim the connection for one run: refuse while another is alive, close interrupted ones. */
export async function startRun(db: Db, c: RunTarget, mode: 'full' | 'incremental' | 'webhook'): Promise<string> {
  return withBusiness(db, c.businessId, async (tx) => {
    await tx
      .select({ id: integrationAccounts.id })
      .from(integrationAccounts)
      .where(eq(integrationAccounts.id, c.id))
      .for('update');
    const running = await tx
      .select()
      .from(syncRuns)
      .where(and(eq(syncRuns.integrationAccountId, c.id), eq(syncRuns.status, 'running')));
    for (const r of running) {
      const beat = (r.heartbeatAt ?? r.startedAt).getTime();
      if (Date.now() - beat < STALE_MS && alive(r.details as RunOwner))
        throw new ConflictError(`A sync of ${c.name ?? 'this connection'} is already running (run ${r.id}).`, {
          runId: r.id,
        });
      await tx
        .update(syncRuns)
        .set({
          status: 'failed',
          finishedAt: new Date(),
          error: 'Interrupted (no heartbeat); the next run resumed it.',
        })
        .where(eq(syncRuns.id, r.id));
    }
    const [run] = await tx
      .insert(syncRuns)
      .values({
        businessId: c.businessId,
        integrationAccountId: c.id,
        provider: c.provider,
        mode,
        heartbeatAt: new Date(),
        details: { owner: thisProcess() },
      })
      .returning({ id: syncRuns.id });
    return run!.id;
  });
}

/** Inside a page's transaction: the run is alive. */
export async function heartbeat(tx: Db, runId: string): Promise<void> {
  await tx.update(syncRuns).set({ heartbeatAt: new Date() }).where(eq(syncRuns.id, runId));
}

export interface RunOutcome {
  status: 'succeeded' | 'failed';
  error?: string;
  processed: number;
  succeeded: number;
  failed: number;
  skipped: number;
  durationMs: number;
}

/** Close the run with its counts; a successful one also stamps the connection's last sync. */
export async function finishRun(
  db: Db,
  at: { businessId: string; connectionId: string; runId: string },
  r: RunOutcome,
  details: Record<string, unknown>,
): Promise<void> {
  await withBusiness(db, at.businessId, async (tx) => {
    const [run] = await tx
      .update(syncRuns)
      .set({
        status: r.status,
        finishedAt: new Date(),
        durationMs: r.durationMs,
        processed: r.processed,
        succeeded: r.succeeded,
        failed: r.failed,
        skipped: r.skipped,
        details: { owner: thisProcess(), ...details },
        error: r.error ?? null,
      })
      .where(eq(syncRuns.id, at.runId))
      .returning({ provider: syncRuns.provider, mode: syncRuns.mode, startedAt: syncRuns.startedAt });
    // Subscribers (n8n…) hear of it in the same transaction that records it.
    await emitEvent(tx, at.businessId, r.status === 'succeeded' ? 'sync.completed' : 'sync.failed', {
      run: {
        id: at.runId,
        connectionId: at.connectionId,
        provider: run?.provider ?? null,
        mode: run?.mode ?? null,
        status: r.status,
        processed: r.processed,
        succeeded: r.succeeded,
        failed: r.failed,
        skipped: r.skipped,
        durationMs: r.durationMs,
        error: r.error ?? null,
      },
    });
    if (r.status === 'succeeded')
      await tx
        .update(integrationAccounts)
        .set({ lastSyncedAt: new Date() })
        .where(eq(integrationAccounts.id, at.connectionId));
  });
}
