/**
 * Connections whatever the provider: list them, run a sync of one, disconnect one. The CLI, the HTTP
 * routes and the job queue all come through here, so each provider is wired in one place.
 */
import { and, asc, eq } from 'drizzle-orm';
import type { Config } from '../config';
import type { Actor } from '../db/audit';
import { type Database, type Db, isUuid, withBusiness } from '../db/client';
import { integrationAccounts } from '../db/schema';
import { ConfigError, InvalidInputError, NotFoundError } from '../errors';
import type { Logger } from '../logger';
import { disconnectStripe, type StripeDeps, stripeDeps, syncStripe } from './stripe/sync';
import { xeroConfigured, xeroSyncDeps } from './xero';
import { disconnectXero } from './xero/connect';
import { type SyncDeps, syncXero } from './xero/sync';

export interface SyncServices {
  /** Absent when Xero is not configured. */
  xero?: SyncDeps;
  stripe: StripeDeps;
}

export function syncServices(config: Config, database: Database, logger: Logger): SyncServices {
  return {
    ...(xeroConfigured(config) ? { xero: xeroSyncDeps(config, database, logger) } : {}),
    stripe: stripeDeps(config, database, logger),
  };
}

/** What a connection looks like to callers: never its credentials. */
const PUBLIC_COLUMNS = {
  id: integrationAccounts.id,
  provider: integrationAccounts.provider,
  name: integrationAccounts.name,
  status: integrationAccounts.status,
  statusMessage: integrationAccounts.statusMessage,
  lastSyncedAt: integrationAccounts.lastSyncedAt,
};

/** Progress of a sync, for a progress line: Xero adds pages and rate-limit waits. */
export interface SyncProgressEvent {
  entity: string;
  page?: number;
  records: number;
  written: number;
  waits?: number;
  waitedMs?: number;
}

export async function listConnections(db: Db, businessId: string) {
  return withBusiness(db, businessId, (tx) =>
    tx
      .select(PUBLIC_COLUMNS)
      .from(integrationAccounts)
      .where(eq(integrationAccounts.businessId, businessId))
      .orderBy(asc(integrationAccounts.provider), asc(integrationAccounts.name)),
  );
}

/** One of the business's connections; another business's id is simply not found. */
export async function connectionOf(db: Db, businessId: string, id: string) {
  const [row] = isUuid(id)
    ? await withBusiness(db, businessId, (tx) =>
        tx
          .select(PUBLIC_COLUMNS)
          .from(integrationAccounts)
          .where(and(eq(integrationAccounts.id, id), eq(integrationAccounts.businessId, businessId))),
      )
    : [];
  if (!row) throw new NotFoundError(`No connection ${id} in this business (see GET /v1/connections).`);
  return row;
}

function xeroOf(s: SyncServices): SyncDeps {
  if (!s.xero)
    throw new ConfigError(
      'XERO_CLIENT_ID',
      'Xero is not configured: set XERO_CLIENT_ID, XERO_CLIENT_SECRET and XERO_REDIRECT_URI.',
    );
  return s.xero;
}

export interface ConnectionSyncResult {
  provider: 'xero' | 'stripe';
  runId: string;
  status: 'succeeded' | 'failed';
  processed: number;
  changed: number;
  durationMs: number;
  changedDates: string[];
  /** Xero only: API calls and rate-limit waits. */
  calls?: number;
  waits?: number;
  waitedMs?: number;
  failed?: number;
}

export async function syncConnection(
  s: SyncServices,
  businessId: string,
  connectionId: string,
  mode: 'full' | 'incremental',
  onProgress?: (p: SyncProgressEvent) => void,
): Promise<ConnectionSyncResult> {
  const c = await connectionOf(s.stripe.database.db, businessId, connectionId);
  if (c.provider === 'xero') {
    const r = await syncXero({ ...xeroOf(s), ...(onProgress ? { onProgress } : {}) }, businessId, c.id, mode);
    return {
      provider: 'xero',
      runId: r.runId,
      status: r.status,
      processed: r.processed,
      changed: r.processed - r.skipped - r.failed,
      durationMs: r.durationMs,
      changedDates: r.changedDates,
      calls: r.calls,
      waits: r.waits,
      waitedMs: r.waitedMs,
      failed: r.failed,
    };
  }
  if (c.provider === 'stripe') {
    const r = await syncStripe({ ...s.stripe, ...(onProgress ? { onProgress } : {}) }, businessId, c.id, mode);
    return {
      provider: 'stripe',
      runId: r.runId,
      status: r.status,
      processed: r.processed,
      changed: r.written,
      durationMs: r.durationMs,
      changedDates: r.changedDates,
    };
  }
  throw new InvalidInputError(
    `${c.name ?? 'This source'} is a CSV source: import statements into it, there is nothing to sync.`,
  );
}

export async function disconnectConnection(s: SyncServices, businessId: string, connectionId: string, actor: Actor) {
  const c = await connectionOf(s.stripe.database.db, businessId, connectionId);
  const x = c.provider === 'xero' ? xeroOf(s) : undefined;
  if (x) await disconnectXero({ db: x.database.db, settings: x.settings, keys: x.keys }, businessId, c.id, actor);
  else if (c.provider === 'stripe') await disconnectStripe(s.stripe, businessId, c.id, actor);
  else throw new InvalidInputError('A CSV source has nothing to disconnect.');
}
