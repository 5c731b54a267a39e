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
import { actorOfPrincipal, type Principal, resolvePrincipal } from '../auth/principal';
import { SESSION_COOKIE } from '../auth/sessions';
import type { Business } from '../db/businesses';
import { createEmbedder } from '../domain/categorize/embed';
import { DomainError, UnauthorizedError } from '../errors';
import type { Limits } from '../limits';
import type { AppDeps } from './app';
import { realToday } from './app';
import { optional, toolCategoryPusher, toolSyncStarter } from './connections';

/** Failed authentications an address may make in a minute before it is refused without a lookup. */
export const FAILED_AUTH_PER_MINUTE = 30;

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

/**
 * Where the browser sees this service: the request's own scheme and host — behind a trusted proxy, the ones the
 * proxy says it received (X-Forwarded-Proto, X-Forwarded-Host) — and PUBLIC_URL's origin. A TLS-terminating
 * proxy talks plain http to the service, so without this a dashboard on https://… would look foreign to it.
 */
export function ownOrigins(c: Context, config: AppDeps['config']): string[] {
  const url = new URL(c.req.url);
  const out = new Set([url.origin, new URL(config.http.publicUrl).origin]);
  if (config.http.trustProxy) {
    const proto = c.req.header('x-forwarded-proto')?.split(',')[0]?.trim().toLowerCase();
    const host = c.req.header('x-forwarded-host')?.split(',')[0]?.trim() || url.host;
    if (proto === 'https' || proto === 'http') out.add(`${proto}://${host}`);
  }
  return [...out];
}

/** Whether the browser reached this service over https (so its cookie must be Secure). */
export function servedOverHttps(c: Context, config: AppDeps['config']): boolean {
  if (new URL(c.req.url).protocol === 'https:') return true;
  if (config.http.trustProxy && c.req.header('x-forwarded-proto')?.split(',')[0]?.trim().toLowerCase() === 'https')
    return true;
  // Without a trusted proxy header, PUBLIC_URL says how people reach it.
  return !config.http.trustProxy && config.http.publicUrl.startsWith('https:');
}

/**
 * The dashboard's session cookie: `__Host-cfo_session` over https (Secure, path /, no domain: a subdomain cannot
 * set or shadow it), `cfo_session` on plain http (localhost).
 */
export const sessionCookieName = (secure: boolean) => (secure ? `__Host-${SESSION_COOKIE}` : SESSION_COOKIE);
export const readSessionCookie = (c: Context) =>
  getCookie(c, sessionCookieName(true)) ?? getCookie(c, sessionCookieName(false));

/** Resolves the caller, checks the browser origin against the business, and spends a rate-limit token. */
export function authenticate(deps: AppDeps, limiter: Limits): MiddlewareHandler<ApiEnv> {
  const { database, config } = deps;
  const key = { key: config.encryption.key, keyId: config.encryption.keyId };
  return async (c, next) => {
    // Wrong credentials cost a lookup each: an address that keeps failing is turned away before the lookup.
    const ip = requestMeta(c, config.http.trustProxy).ip;
    const failures = ip ? `failed:${ip}` : undefined;
    if (failures) await limiter.check(failures, FAILED_AUTH_PER_MINUTE);
    const principal = await resolvePrincipal(database.db, key, {
      token: presentedToken(c),
      sessionCookie: readSessionCookie(c),
    }).catch(async (err) => {
      if (failures && err instanceof UnauthorizedError) await limiter.spend(failures, FAILED_AUTH_PER_MINUTE);
      throw err;
    });
    await limiter.take(
      principal.bucket,
      principal.via === 'api_key' ? config.http.rateLimitPerMinute : config.http.sessionRateLimitPerMinute,
    );
    const business = principal.business;
    const origin = c.req.header('origin');
    if (origin && !ownOrigins(c, config).includes(origin)) {
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
  return actorOfPrincipal(c.get('principal'), channel, requestMeta(c, deps.config.http.trustProxy));
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
