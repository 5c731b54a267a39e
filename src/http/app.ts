/**
 * The Hono application (an OpenAPIHono: documented routes validate their input with zod). Channels add
 * their routes here; errors are mapped once, in `onError`: a DomainError becomes `{ error: { code, message } }`
 * with its status, a framework refusal (bad JSON, wrong media type) the same shape, and anything else a 500
 * with a reference id that is also in the log next to the real cause.
 *
 * Public: `/healthz`, `/readyz`, `/openapi.json`, `/docs`, the dashboard and widget assets, `/login`,
 * inbound webhooks and the OAuth callback. Everything under `/v1` and `/mcp` needs credentials.
 */
import { randomUUID } from 'node:crypto';
import { OpenAPIHono } from '@hono/zod-openapi';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Model } from '../agent/model';
import type { Config } from '../config';
import { type Database, isDatabaseUnavailable, migrationStatus } from '../db/client';
import { DatabaseUnavailableError, DomainError, RateLimitedError } from '../errors';
import type { DestinationPolicy } from '../integrations/destinations';
import type { Jobs } from '../jobs';
import type { Logger } from '../logger';
import { registerApiRoutes } from './api';
import type { ApiEnv } from './auth';
import { registerConnectRoutes } from './connections';
import { OPENAPI_INFO, validationHook } from './openapi';
import { registerWebRoutes } from './web';
import { registerWebhookRoutes } from './webhooks';

export interface AppDeps {
  config: Config;
  database: Database;
  logger: Logger;
  /** The chat model; default: Claude when ANTHROPIC_API_KEY is set, else the offline model. */
  model?: Model;
  /** The job queue, once started; until then (and in tests without one) work that would be queued runs inline. */
  jobs?: JobsHolder;
  /** "Today" for the tools and the agent (YYYY-MM-DD); default the real date. Tests pin it. */
  today?: () => string;
  /** Where outbound webhooks may go; default from config (WEBHOOK_ALLOW_PRIVATE). Tests substitute a resolver. */
  destinations?: DestinationPolicy;
}

export const destinationsOf = (deps: AppDeps): DestinationPolicy =>
  deps.destinations ?? { allowPrivate: deps.config.webhooks.allowPrivate };

export const realToday = () => new Date().toISOString().slice(0, 10);

export interface JobsHolder {
  current?: Jobs;
}

export type AppEnv = ApiEnv;
export type App = OpenAPIHono<ApiEnv>;

/** Framework refusals, in our error shape. */
function httpExceptionBody(err: HTTPException): { code: string; message: string } {
  if (err.status === 400)
    return {
      code: 'invalid_input',
      message: /json/i.test(err.message) ? 'The body is not valid JSON.' : err.message || 'Invalid request.',
    };
  if (err.status === 415)
    return {
      code: 'unsupported_media_type',
      message: 'Send the body as JSON, with Content-Type: application/json.',
    };
  if (err.status === 413) return { code: 'payload_too_large', message: 'The request body is too large.' };
  return { code: `http_${err.status}`, message: err.message || 'Request refused.' };
}

export function createApp(deps: AppDeps): App {
  const { database, logger } = deps;
  const app = new OpenAPIHono<ApiEnv>({ defaultHook: validationHook as never });

  app.use('*', async (c, next) => {
    const requestId = c.req.header('x-request-id')?.slice(0, 100) || randomUUID();
    c.set('requestId', requestId);
    const started = performance.now();
    await next();
    c.header('x-request-id', requestId);
    logger.debug(
      {
        requestId,
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        ms: Math.round(performance.now() - started),
      },
      'request',
    );
  });

  /** Liveness: the process is up and serving. */
  app.get('/healthz', (c) => c.json({ status: 'ok' }));

  /** Readiness: the database answers and every migration has been applied. */
  app.get('/readyz', async (c) => {
    try {
      // A probe wants an answer within its own timeout, not whenever the pool next reconnects.
      const { applied, expected } = await Promise.race([
        migrationStatus(database.db),
        new Promise<never>((_, reject) =>
          setTimeout(() => reject(new Error('readiness check timed out')), 2000).unref(),
        ),
      ]);
      // Anyone may ask, so the answer is only ready or not; why not is in the log.
      if (applied < expected) {
        logger.warn({ applied, expected }, 'not ready: migrations pending');
        return c.json({ status: 'unavailable' }, 503);
      }
      return c.json({ status: 'ready' });
    } catch (err) {
      logger.warn({ err }, 'readiness check failed');
      return c.json({ status: 'unavailable' }, 503);
    }
  });

  registerWebhookRoutes(app, deps);
  registerConnectRoutes(app, deps);
  registerApiRoutes(app, deps);
  registerWebRoutes(app, deps);

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description: 'An API key (cfo_…) or a widget session token (cfows_…)',
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'apiKey', {
    type: 'apiKey',
    in: 'header',
    name: 'X-API-Key',
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'session', {
    type: 'apiKey',
    in: 'cookie',
    name: 'cfo_session',
    description: 'The dashboard’s session (sign in with the link `cfo open` prints)',
  });
  // PUBLIC_URL, never the request's Host header: a forged Host must not turn up in a document clients trust.
  app.doc('/openapi.json', { ...OPENAPI_INFO, servers: [{ url: deps.config.http.publicUrl }] });

  app.notFound((c) =>
    c.json({ error: { code: 'not_found', message: `No route for ${c.req.method} ${c.req.path}.` } }, 404),
  );

  app.onError((err, c) => {
    if (err instanceof DomainError) {
      if (err instanceof RateLimitedError) c.header('Retry-After', String(err.retryAfterSeconds));
      if (err.code === 'database_unavailable') c.header('Retry-After', '5');
      if (err.status >= 500) logger.error({ err, requestId: c.get('requestId') }, err.message);
      return c.json({ error: { code: err.code, message: err.message } }, err.status as ContentfulStatusCode);
    }
    if (err instanceof HTTPException && err.status < 500)
      return c.json({ error: httpExceptionBody(err) }, err.status as ContentfulStatusCode);
    if (isDatabaseUnavailable(err)) {
      // A restart or a network blip: say so, and when to try again; the pool reconnects by itself.
      logger.warn({ requestId: c.get('requestId'), path: c.req.path }, 'database unavailable');
      const e = new DatabaseUnavailableError();
      c.header('Retry-After', String(e.retryAfterSeconds));
      return c.json({ error: { code: e.code, message: e.message } }, 503);
    }
    const ref = c.get('requestId') ?? randomUUID();
    logger.error({ err, requestId: ref, path: c.req.path }, 'unhandled error');
    return c.json({ error: { code: 'internal', message: `internal error (ref ${ref})` } }, 500);
  });

  return app;
}
