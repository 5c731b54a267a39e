/**
 * Connections over HTTP.
 *
 * Public (the browser's side of OAuth):
 *   - `GET /connect/xero?ticket=…` (the link `cfo connect xero` prints) or with an API key (`admin`) →
 *     302 to Xero's consent screen with a signed state naming the business.
 *   - `GET /connect/xero/callback` → exchanges the code, maps each organisation to a business, queues a
 *     full sync of each, and shows a short HTML page saying what was connected.
 *
 * With an API key (`/v1`, the key's business):
 *   - `GET /v1/connections` — the business's connections and their last sync.
 *   - `POST /v1/connections/xero` (`admin`) → `{ url }` to send a user to Xero's consent screen.
 *   - `POST /v1/connections/stripe` (`admin`), body `{ "key": "rk_…" }` → validated, sealed, backfill queued.
 *   - `POST /v1/connections/{id}/sync` (`write`), body `{ "mode": "incremental" | "full" }` → queued (202).
 *   - `DELETE /v1/connections/{id}` (`admin`) — disconnect (revoke and delete the credentials; the books stay).
 *   - `GET /v1/sync-runs?limit=` — recent sync runs with their counts.
 *   - `GET /v1/sync-conflicts`, `POST /v1/sync-conflicts/{id}` (`write`) with `{ "keep": "ours" | "xero" }` —
 *     categories that changed in Xero after the last sync, and a person's decision on each.
 */
import { desc, eq } from 'drizzle-orm';
import type { Context, Hono } from 'hono';
import { html } from 'hono/html';
import { z } from 'zod';
import { describeZodError, type StartedSync, type ToolContext } from '../../tools/define';
import { type VerifiedKey, verifyApiKey } from '../auth/api-keys';
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
import { presentedKey } from './api';
import type { AppDeps, AppEnv } from './app';

type KeyEnv = { Variables: { requestId: string; key: VerifiedKey } };

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

async function jsonBody(c: Context): Promise<unknown> {
  const text = await c.req.text();
  if (!text.trim()) return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new InvalidInputError('The body is not valid JSON.');
  }
}

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

const need = (key: VerifiedKey, scope: 'write' | 'admin', what: string) => {
  if (!key.scopes.includes(scope) && !key.scopes.includes('admin'))
    throw new ForbiddenError(`${what} needs the "${scope}" scope.`);
};

export function registerConnectRoutes(app: Hono<AppEnv>, deps: AppDeps): void {
  const { config, database, logger } = deps;
  const sealing = () => ({ key: config.encryption.key, keyId: config.encryption.keyId });

  app.get('/connect/xero', async (c) => {
    if (!xeroConfigured(config)) throw new DomainError('not_configured', 503, notConfigured);
    const ticket = c.req.query('ticket');
    let businessId: string | undefined;
    if (ticket) businessId = verifyState(sealing(), ticket, 'ticket').businessId;
    else {
      const key = await verifyApiKey(database.db, presentedKey(c)).catch(() => {
        throw new UnauthorizedError(
          'Open the link `cfo connect xero` prints, or call with an API key that has the admin scope.',
        );
      });
      need(key, 'admin', 'Connecting Xero');
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
        page(
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
      return c.html(page('Xero was not connected', html`<p>${err.message}</p>`), err.status as 400);
    }
  });
}

export function registerConnectionApiRoutes(api: Hono<KeyEnv>, deps: AppDeps): void {
  const { config, database, logger } = deps;
  const services = () => syncServices(config, database, logger);
  const actorOf = (c: Context<KeyEnv>): Actor => ({ type: 'api_key', id: c.get('key').keyId, channel: 'http' });

  api.get('/v1/connections', async (c) => {
    const key = c.get('key');
    return c.json({ connections: await listConnections(database.db, key.businessId) });
  });

  api.post('/v1/connections/xero', async (c) => {
    const key = c.get('key');
    need(key, 'admin', 'Connecting Xero');
    if (!xeroConfigured(config)) throw new DomainError('not_configured', 503, notConfigured);
    const xero = xeroSyncDeps(config, database, logger);
    return c.json({ url: await consentUrl(xero.settings, xero.keys[0]!, key.businessId) });
  });

  api.post('/v1/connections/stripe', async (c) => {
    const key = c.get('key');
    need(key, 'admin', 'Connecting Stripe');
    const body = ConnectStripeBody.safeParse(await jsonBody(c));
    if (!body.success) throw new InvalidInputError(describeZodError(body.error));
    const s = services();
    const connected = await connectStripe(s.stripe, key.businessId, body.data.key, actorOf(c));
    const sync = await startSync(deps, s, key.businessId, connected.connectionId, 'stripe', 'full');
    return c.json({ connection: connected, sync }, 201);
  });

  api.post('/v1/connections/:id/sync', async (c) => {
    const key = c.get('key');
    need(key, 'write', 'Starting a sync');
    const body = SyncBody.safeParse(await jsonBody(c));
    if (!body.success) throw new InvalidInputError(describeZodError(body.error));
    const conn = await connectionOf(database.db, key.businessId, c.req.param('id'));
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
      const r = await syncConnection(services(), key.businessId, conn.id, body.data.mode);
      return c.json({ status: r.status, run: r });
    }
    const jobId = await queue.enqueueSync({
      businessId: key.businessId,
      connectionId: conn.id,
      provider: conn.provider as 'xero' | 'stripe',
      mode: body.data.mode,
    });
    return c.json({ status: 'queued', jobId }, 202);
  });

  api.delete('/v1/connections/:id', async (c) => {
    const key = c.get('key');
    need(key, 'admin', 'Disconnecting');
    await disconnectConnection(services(), key.businessId, c.req.param('id'), actorOf(c));
    return c.json({ status: 'disconnected' });
  });

  api.get('/v1/sync-conflicts', async (c) => {
    const key = c.get('key');
    return c.json({
      conflicts: await withBusiness(database.db, key.businessId, (tx) => listConflicts(tx, key.businessId)),
    });
  });

  /** `{ "keep": "ours" | "xero" }`: which account code stands, here and in Xero. */
  api.post('/v1/sync-conflicts/:id', async (c) => {
    const key = c.get('key');
    need(key, 'write', 'Resolving a conflict');
    const body = ResolveBody.safeParse(await jsonBody(c));
    if (!body.success) throw new InvalidInputError(describeZodError(body.error));
    if (!xeroConfigured(config)) throw new DomainError('not_configured', 503, notConfigured);
    const r = await resolveConflict(
      xeroSyncDeps(config, database, logger),
      key.businessId,
      c.req.param('id'),
      body.data.keep,
      actorOf(c),
    );
    return c.json(r);
  });

  api.get('/v1/sync-runs', async (c) => {
    const key = c.get('key');
    const limit = Math.min(100, Math.max(1, Number(c.req.query('limit') ?? 20) || 20));
    const runs = await withBusiness(database.db, key.businessId, (tx) =>
      tx
        .select()
        .from(syncRuns)
        .where(eq(syncRuns.businessId, key.businessId))
        .orderBy(desc(syncRuns.startedAt))
        .limit(limit),
    );
    return c.json({ runs });
  });
}

const notConfigured =
  'Xero is not configured: set XERO_CLIENT_ID, XERO_CLIENT_SECRET and XERO_REDIRECT_URI (README, "Connecting Xero").';

function page(title: string, body: unknown) {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${title} · cfo-agent</title>
        <style>
          body { font: 16px/1.5 system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; padding: 0 1rem; color: #1d2430; }
          code { background: #f2f4f7; padding: 0 0.25rem; border-radius: 3px; }
        </style>
      </head>
      <body>
        <h1>${title}</h1>
        ${body}
      </body>
    </html>`;
}
