/**
 * Connections over HTTP.
 *
 * Public (the browser's side of OAuth):
 *   - `GET /connect/xero?ticket=…` (the link `cfo connect xero` prints) or with an API key (`admin`) →
 *     302 to Xero's consent screen with a signed state naming the business.
 *   - `GET /connect/xero/callback` → exchanges the code, maps each organisation to a business, queues a
 *     full sync of each, and shows a short HTML page saying what was connected.
 *
 * Authenticated (`/v1`, the caller's business; permissions from src/auth/permissions):
 *   - `GET /v1/connections` — the business's connections and their last sync.
 *   - `POST /v1/connections/xero` (`connections`) → `{ url }` to send a user to Xero's consent screen.
 *   - `POST /v1/connections/stripe` (`connections`), body `{ "key": "rk_…" }` → validated, sealed, backfilled.
 *   - `POST /v1/connections/{id}/sync` (`sync`), body `{ "mode": "incremental" | "full" }` → queued (202).
 *   - `DELETE /v1/connections/{id}` (`connections`) — disconnect (revoke, delete the credentials; books stay).
 *   - `GET /v1/sync-runs?limit=` — recent sync runs with their counts.
 *   - `GET /v1/sync-conflicts`, `POST /v1/sync-conflicts/{id}` (`categorize`) with `{ "keep": "ours" | "xero" }`
 *     — categories that changed in Xero after the last sync, and a person's decision on each.
 */
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { desc, eq } from 'drizzle-orm';
import type { Hono } from 'hono';
import { html } from 'hono/html';
import type { StartedSync, ToolContext } from '../../tools/define';
import { verifyApiKey } from '../auth/api-keys';
import { can } from '../auth/permissions';
import type { Actor } from '../db/audit';
import { withBusiness } from '../db/client';
import { syncRuns } from '../db/schema';
import { DomainError, ForbiddenError, InvalidInputError, UnauthorizedError } from '../errors';
import {
  connectionOf,
  disconnectConnection,
  listConnections,
  type SyncServices,
  syncConnection,
  syncServices,
} from '../integrations/connections';
import { connectStripe } from '../integrations/stripe/sync';
import { completeXeroConnection, consentUrl, verifyState, xeroConfigured, xeroSyncDeps } from '../integrations/xero';
import { listConflicts, pushCategoriesToXero, resolveConflict } from '../integrations/xero/write-back';
import type { AppDeps, AppEnv } from './app';
import { type ApiEnv, actorOf, need, presentedToken } from './auth';
import { bodyOf, errors, json, jsonBody, SECURITY } from './openapi';
import { notice } from './pages';

const SyncBody = z.object({ mode: z.enum(['incremental', 'full']).default('incremental') });
const ResolveBody = z.object({
  keep: z.enum(['ours', 'xero']).describe("ours: write our account code to Xero; xero: take Xero's"),
});
const ConnectStripeBody = z.object({
  key: z
    .string()
    .trim()
    .min(1)
    .describe('a restricted (rk_…) or secret (sk_…) key; restricted with read access is enough'),
});

const services = (deps: AppDeps) => syncServices(deps.config, deps.database, deps.logger);

/**
 * Work a tool asked for, started once the tool's call has returned: a tool runs inside its business's
 * transaction, and on PGlite (one connection) anything touching the database from inside it would wait
 * for that transaction to end.
 */
function handOver(deps: AppDeps, failure: string, work: () => Promise<unknown>): void {
  setImmediate(() => {
    work().catch((err) => deps.logger.warn({ err }, failure));
  });
}

/** What the tools get as `startSync` in the HTTP, MCP and chat channels. */
export function toolSyncStarter(deps: AppDeps, businessId: string): NonNullable<ToolContext['startSync']> {
  return async (connectionId, provider, mode) => {
    handOver(deps, 'could not start the sync a tool asked for', () =>
      startSync(deps, services(deps), businessId, connectionId, provider, mode),
    );
    return { how: deps.jobs?.current ? 'queued' : 'background' };
  };
}

/** `{ [key]: value }` when the value exists: optional properties under exactOptionalPropertyTypes. */
export const optional = <K extends string, V>(key: K, value: V | undefined) =>
  (value === undefined ? {} : { [key]: value }) as Partial<Record<K, V>>;

/** What the tools get as `pushCategories`: the push runs after the call. */
export function toolCategoryPusher(
  deps: AppDeps,
  businessId: string,
  actor: Actor,
): NonNullable<ToolContext['pushCategories']> | undefined {
  if (!xeroConfigured(deps.config)) return undefined;
  return async (transactionIds) => {
    handOver(deps, 'pushing categories to Xero failed', async () => {
      const xero = xeroSyncDeps(deps.config, deps.database, deps.logger);
      const r = await pushCategoriesToXero(xero, businessId, {
        ...(transactionIds ? { transactionIds } : {}),
        apply: true,
        actor,
      });
      deps.logger.info({ businessId, pushed: r.pushed, conflicts: r.conflicts }, 'categories pushed to Xero');
    });
    return { how: 'background' };
  };
}

/** Queue a sync (or, with no queue running, start it in the background) — never inside the request. */
async function startSync(
  deps: AppDeps,
  s: SyncServices,
  businessId: string,
  connectionId: string,
  provider: 'xero' | 'stripe',
  mode: 'incremental' | 'full',
): Promise<StartedSync & { jobId: string | null }> {
  const queue = deps.jobs?.current;
  // A null job id from the queue: one is already waiting for this connection, which will do.
  if (queue) return { how: 'queued', jobId: await queue.enqueueSync({ businessId, connectionId, provider, mode }) };
  void syncConnection(s, businessId, connectionId, mode).catch((err) =>
    deps.logger.warn({ err, businessId, connectionId }, 'background sync failed'),
  );
  return { how: 'background', jobId: null };
}

export function registerConnectRoutes(app: Hono<AppEnv>, deps: AppDeps): void {
  const { config, database, logger } = deps;
  const sealing = () => ({ key: config.encryption.key, keyId: config.encryption.keyId });

  app.get('/connect/xero', async (c) => {
    if (!xeroConfigured(config)) throw new DomainError('not_configured', 503, notConfigured);
    const ticket = c.req.query('ticket');
    let businessId: string | undefined;
    if (ticket) businessId = verifyState(sealing(), ticket, 'ticket').businessId;
    else {
      const key = await verifyApiKey(database.db, presentedToken(c)).catch(() => {
        throw new UnauthorizedError(
          'Open the link `cfo connect xero` prints, or call with an API key that has the admin scope.',
        );
      });
      if (key.userId || !can({ scopes: key.scopes }, 'connections'))
        throw new ForbiddenError('Connecting Xero needs an API key with the "admin" scope.');
      businessId = key.businessId;
    }
    return c.redirect(await consentUrl(xeroSyncDeps(config, database, logger).settings, sealing(), businessId), 302);
  });

  app.get('/connect/xero/callback', async (c) => {
    if (!xeroConfigured(config)) throw new DomainError('not_configured', 503, notConfigured);
    const xero = xeroSyncDeps(config, database, logger);
    const actor: Actor = { type: 'user', channel: 'web' };
    try {
      const connected = await completeXeroConnection(
        { db: database.db, settings: xero.settings, keys: xero.keys },
        c.req.url,
        actor,
      );
      for (const org of connected)
        await startSync(deps, services(deps), org.businessId, org.connectionId, 'xero', 'full');
      return c.html(
        notice(
          'Xero connected',
          html`<p>Connected ${connected.length === 1 ? 'one organisation' : `${connected.length} organisations`}; the first sync has started.</p>
            <ul>
              ${connected.map(
                (o) =>
                  html`<li><strong>${o.name}</strong> → business <code>${o.businessId}</code>${o.createdBusiness ? ' (new)' : ''}</li>`,
              )}
            </ul>
            <p>Follow progress with <code>cfo connections</code> or <code>GET /v1/sync-runs</code>.</p>`,
        ),
      );
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      logger.warn({ reason: err.message }, 'xero callback refused');
      return c.html(notice('Xero was not connected', html`<p>${err.message}</p>`), err.status as 400);
    }
  });
}

const Connection = z.object({
  id: z.string(),
  provider: z.string(),
  name: z.string().nullable(),
  status: z.string(),
  statusMessage: z.string().nullable(),
  lastSyncedAt: z.string().nullable(),
});

const SyncRun = z.object({
  id: z.string(),
  integrationAccountId: z.string().nullable(),
  provider: z.string(),
  mode: z.string(),
  status: z.string(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  durationMs: z.number().nullable(),
  processed: z.number(),
  succeeded: z.number(),
  failed: z.number(),
  skipped: z.number(),
  error: z.string().nullable(),
});

const Conflict = z.object({
  id: z.string(),
  transactionId: z.string().nullable(),
  xeroId: z.string(),
  ours: z.object({ category: z.string(), accountCode: z.string() }),
  xeros: z.object({ accountCodes: z.array(z.string().nullable()), updatedDateUtc: z.string() }),
  createdAt: z.string(),
});

const IdParam = z.object({ id: z.string().min(1).max(100) });
const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function registerConnectionApiRoutes(api: OpenAPIHono<ApiEnv>, deps: AppDeps): void {
  const { config, database, logger } = deps;
  const services = () => syncServices(config, database, logger);

  api.openapi(
    createRoute({
      method: 'get',
      path: '/v1/connections',
      tags: ['Connections'],
      summary: 'The business’s connections (Xero organisations, Stripe, CSV sources) and their last sync',
      security: SECURITY,
      responses: { 200: json(z.object({ connections: z.array(Connection) }), 'Connections'), ...errors() },
    }),
    async (c) => {
      need(c, 'read', 'Listing connections');
      const rows = await listConnections(database.db, c.get('business').id);
      return c.json({ connections: rows.map((r) => ({ ...r, lastSyncedAt: iso(r.lastSyncedAt) })) }, 200);
    },
  );

  api.openapi(
    createRoute({
      method: 'post',
      path: '/v1/connections/xero',
      tags: ['Connections'],
      summary: 'A link to Xero’s consent screen',
      security: SECURITY,
      responses: { 200: json(z.object({ url: z.string() }), 'Send the person here'), ...errors(503) },
    }),
    async (c) => {
      need(c, 'connections', 'Connecting Xero');
      if (!xeroConfigured(config)) throw new DomainError('not_configured', 503, notConfigured);
      const xero = xeroSyncDeps(config, database, logger);
      return c.json({ url: await consentUrl(xero.settings, xero.keys[0]!, c.get('business').id) }, 200);
    },
  );

  api.openapi(
    createRoute({
      method: 'post',
      path: '/v1/connections/stripe',
      tags: ['Connections'],
      summary: 'Connect Stripe with a key (validated, sealed, then backfilled)',
      security: SECURITY,
      request: { body: jsonBody(ConnectStripeBody) },
      responses: {
        201: json(
          z.object({
            connection: z.object({ connectionId: z.string(), accountId: z.string(), name: z.string() }),
            sync: z.object({ how: z.enum(['queued', 'background']), jobId: z.string().nullable() }),
          }),
          'Connected; the backfill has started',
        ),
        ...errors(502),
      },
    }),
    async (c) => {
      need(c, 'connections', 'Connecting Stripe');
      const body = c.req.valid('json');
      const s = services();
      const businessId = c.get('business').id;
      const connected = await connectStripe(s.stripe, businessId, body.key, actorOf(c, deps));
      const sync = await startSync(deps, s, businessId, connected.connectionId, 'stripe', 'full');
      return c.json({ connection: connected, sync }, 201);
    },
  );

  api.openapi(
    createRoute({
      method: 'post',
      path: '/v1/connections/{id}/sync',
      tags: ['Connections'],
      summary: 'Sync now',
      description: 'Queued on the job queue (202), or run in the request when no worker runs (200).',
      security: SECURITY,
      request: { params: IdParam, body: jsonBody(SyncBody, false) },
      responses: {
        200: json(z.object({ status: z.string(), run: z.record(z.string(), z.unknown()) }), 'Synced'),
        202: json(z.object({ status: z.literal('queued'), jobId: z.string().nullable() }), 'Queued'),
        ...errors(404, 409),
      },
    }),
    async (c) => {
      need(c, 'sync', 'Starting a sync');
      const body = bodyOf(c, SyncBody);
      const businessId = c.get('business').id;
      const conn = await connectionOf(database.db, businessId, c.req.valid('param').id);
      if (conn.provider === 'csv')
        throw new InvalidInputError('A CSV source is imported (POST /v1/imports/csv), not synced.');
      if (conn.status !== 'active')
        throw new DomainError(
          'reauth_required',
          409,
          `${conn.statusMessage ?? 'This connection is not active.'} Connect it again.`,
        );
      const queue = deps.jobs?.current;
      if (!queue) {
        const r = await syncConnection(services(), businessId, conn.id, body.mode);
        return c.json({ status: r.status, run: r as unknown as Record<string, unknown> }, 200);
      }
      const jobId = await queue.enqueueSync({
        businessId,
        connectionId: conn.id,
        provider: conn.provider as 'xero' | 'stripe',
        mode: body.mode,
      });
      return c.json({ status: 'queued' as const, jobId }, 202);
    },
  );

  api.openapi(
    createRoute({
      method: 'delete',
      path: '/v1/connections/{id}',
      tags: ['Connections'],
      summary: 'Disconnect (revoke and delete the credentials; the synced books stay)',
      security: SECURITY,
      request: { params: IdParam },
      responses: { 200: json(z.object({ status: z.literal('disconnected') }), 'Disconnected'), ...errors(404) },
    }),
    async (c) => {
      need(c, 'connections', 'Disconnecting');
      await disconnectConnection(services(), c.get('business').id, c.req.valid('param').id, actorOf(c, deps));
      return c.json({ status: 'disconnected' as const }, 200);
    },
  );

  api.openapi(
    createRoute({
      method: 'get',
      path: '/v1/sync-conflicts',
      tags: ['Connections'],
      summary: 'Categories changed in Xero after the last sync, waiting for a decision',
      security: SECURITY,
      responses: { 200: json(z.object({ conflicts: z.array(Conflict) }), 'Open conflicts'), ...errors() },
    }),
    async (c) => {
      need(c, 'read', 'Listing conflicts');
      const businessId = c.get('business').id;
      return c.json(
        { conflicts: await withBusiness(database.db, businessId, (tx) => listConflicts(tx, businessId)) },
        200,
      );
    },
  );

  api.openapi(
    createRoute({
      method: 'post',
      path: '/v1/sync-conflicts/{id}',
      tags: ['Connections'],
      summary: 'Settle a conflict: keep ours (written to Xero) or keep Xero’s',
      security: SECURITY,
      request: { params: IdParam, body: jsonBody(ResolveBody) },
      responses: {
        200: json(
          z.object({ status: z.enum(['kept_local', 'kept_remote']), accountCode: z.string().nullable() }),
          'Settled',
        ),
        ...errors(404, 503),
      },
    }),
    async (c) => {
      need(c, 'categorize', 'Resolving a conflict');
      const body = c.req.valid('json');
      if (!xeroConfigured(config)) throw new DomainError('not_configured', 503, notConfigured);
      const r = await resolveConflict(
        xeroSyncDeps(config, database, logger),
        c.get('business').id,
        c.req.valid('param').id,
        body.keep,
        actorOf(c, deps),
      );
      return c.json(r, 200);
    },
  );

  api.openapi(
    createRoute({
      method: 'get',
      path: '/v1/sync-runs',
      tags: ['Connections'],
      summary: 'Recent sync runs with their counts',
      security: SECURITY,
      request: { query: z.object({ limit: z.coerce.number().int().min(1).max(100).default(20) }) },
      responses: { 200: json(z.object({ runs: z.array(SyncRun) }), 'Runs, newest first'), ...errors() },
    }),
    async (c) => {
      need(c, 'read', 'Listing sync runs');
      const businessId = c.get('business').id;
      const runs = await withBusiness(database.db, businessId, (tx) =>
        tx
          .select()
          .from(syncRuns)
          .where(eq(syncRuns.businessId, businessId))
          .orderBy(desc(syncRuns.startedAt))
          .limit(c.req.valid('query').limit),
      );
      return c.json(
        {
          runs: runs.map((r) => ({
            id: r.id,
            integrationAccountId: r.integrationAccountId,
            provider: r.provider,
            mode: r.mode,
            status: r.status,
            startedAt: r.startedAt.toISOString(),
            finishedAt: iso(r.finishedAt),
            durationMs: r.durationMs,
            processed: r.processed,
            succeeded: r.succeeded,
            failed: r.failed,
            skipped: r.skipped,
            error: r.error,
          })),
        },
        200,
      );
    },
  );
}

const notConfigured =
  'Xero is not configured: set XERO_CLIENT_ID, XERO_CLIENT_SECRET and XERO_REDIRECT_URI (README, "Connecting Xero").';
