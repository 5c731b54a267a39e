/**
 * Authentication, browser-origin policy and rate limits for `/v1` and `/mcp`, and the one way a request
 * becomes a tool context. Every authenticated route reads `c.get('principal')` and `c.get('business')`.
 *
 * Origins: a request from a browser on another site carries `Origin`. It is served only when that origin is
 * in the business's `allowedOrigins` (an admin sets them: PATCH /v1/business); the dashboard's cookie
 * works only on the service's own origin. A refused origin still gets the error with CORS headers, so the
 * widget can say why; it never gets data. Preflights are answered for any origin: they carry no
 * credentials, and the request that follows is checked.
 */
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context, MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import type { ToolContext } from '../../tools';
import { createCategoryModel } from '../agent';
import { type Permission, requirePermission } from '../auth/permissions';
import { type Principal, resolvePrincipal } from '../auth/principal';
import { SESSION_COOKIE } from '../auth/sessions';
import type { Business } from '../db/businesses';
import { createEmbedder } from '../domain/categorize/embed';
import { DomainError } from '../errors';
import type { AppDeps } from './app';
import { realToday } from './app';
import { optional, toolCategoryPusher, toolSyncStarter } from './connections';
import type { RateLimiter } from './rate-limit';

export type ApiEnv = {
  Variables: { requestId: string; principal: Principal; business: Business; corsOrigin?: string };
};

export interface RequestMeta {
  ip?: string | undefined;
  userAgent?: string | undefined;
}

export function requestMeta(c: Context, trustProxy: boolean): RequestMeta {
  let ip: string | undefined;
  if (trustProxy) ip = c.req.header('x-forwarded-for')?.split(',')[0]?.trim() || undefined;
  if (!ip) {
    try {
      ip = getConnInfo(c).remote.address;
    } catch {
      ip = undefined; // app.request() in tests has no socket
    }
  }
  return { ip, userAgent: c.req.header('user-agent')?.slice(0, 500) };
}

export function presentedToken(c: Context): string | undefined {
  const auth = c.req.header('authorization');
  if (auth?.toLowerCase().startsWith('bearer ')) return auth.slice(7).trim() || undefined;
  return c.req.header('x-api-key')?.trim() || undefined;
}

/** The service's own origin as the browser sees it (the Host it asked for). */
function ownOrigin(c: Context): string {
  return new URL(c.req.url).origin;
}

/** Resolves the caller, checks the browser origin against the business, and spends a rate-limit token. */
export function authenticate(deps: AppDeps, limiter: RateLimiter): MiddlewareHandler<ApiEnv> {
  const { database, config } = deps;
  const key = { key: config.encryption.key, keyId: config.encryption.keyId };
  return async (c, next) => {
    const principal = await resolvePrincipal(database.db, key, {
      token: presentedToken(c),
      sessionCookie: getCookie(c, SESSION_COOKIE),
    });
    limiter.take(
      principal.bucket,
      principal.via === 'api_key' ? config.http.rateLimitPerMinute : config.http.sessionRateLimitPerMinute,
    );
    const business = principal.business;
    const origin = c.req.header('origin');
    if (origin && origin !== ownOrigin(c)) {
      if (principal.via === 'dashboard')
        throw new DomainError('origin_not_allowed', 403, 'The dashboard session works only on the service’s own site.');
      if (!business.allowedOrigins.includes(origin))
        throw new DomainError(
          'origin_not_allowed',
          403,
          `This site (${origin}) is not one of the origins allowed to use this CFO: an admin adds it to the allowed origins (PATCH /v1/business).`,
        );
      c.set('corsOrigin', origin);
    }
    c.set('principal', principal);
    c.set('business', business);
    await next();
  };
}

/**
 * CORS for browsers on other sites: preflights are answered; responses get `Access-Control-Allow-Origin`
 * when the origin is allowed for the caller's business, and errors always (they say why, and hold no data).
 */
export function cors(): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const origin = c.req.header('origin');
    if (c.req.method === 'OPTIONS' && origin) {
      return c.body(null, 204, {
        'access-control-allow-origin': origin,
        'access-control-allow-methods': 'GET, POST, PATCH, DELETE, OPTIONS',
        'access-control-allow-headers':
          c.req.header('access-control-request-headers') ?? 'authorization, content-type, x-api-key',
        'access-control-max-age': '600',
        vary: 'Origin',
      });
    }
    try {
      await next();
    } finally {
      // On a thrown error the response is made by onError after this; see `corsOnError`.
      if (origin && (c.get('corsOrigin') === origin || (c.res && c.res.status >= 400))) {
        c.header('access-control-allow-origin', origin);
        c.header('access-control-expose-headers', 'retry-after, x-request-id');
        c.header('vary', 'Origin');
      }
    }
  };
}

/** 403 unless the caller may; the message says who may. */
export function need(c: Context<ApiEnv>, permission: Permission, what: string): Principal {
  const principal = c.get('principal');
  requirePermission(principal.caller, permission, what);
  return principal;
}

/** How audit rows name the caller of this request. */
export function actorOf(c: Context<ApiEnv>, deps: AppDeps, channel = 'http') {
  const p = c.get('principal');
  const meta = requestMeta(c, deps.config.http.trustProxy);
  return { type: p.caller.type, id: p.caller.id, channel, ip: meta.ip, userAgent: meta.userAgent };
}

export type ToolChannel = ToolContext['channel'];

/** The tool context of a request: its business, caller, where it came from, and the service's capabilities. */
export function toolContexts(deps: AppDeps) {
  const categoryModel = createCategoryModel(deps.config.anthropic);
  const embedder = createEmbedder(deps.config.embeddings);
  return (c: Context<ApiEnv>, channel: ToolChannel): ToolContext => {
    const principal = c.get('principal');
    const business = c.get('business');
    const request = requestMeta(c, deps.config.http.trustProxy);
    return {
      db: deps.database.db,
      business: { id: business.id, name: business.name, baseCurrency: business.baseCurrency },
      caller: principal.caller,
      request,
      channel,
      today: deps.today ?? realToday,
      logger: deps.logger,
      startSync: toolSyncStarter(deps, business.id),
      ...optional('categoryModel', categoryModel),
      embedder,
      ...optional(
        'pushCategories',
        toolCategoryPusher(deps, business.id, { type: principal.caller.type, id: principal.caller.id, channel }),
      ),
    };
  };
}
