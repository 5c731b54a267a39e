/**
 * Who is calling, from what they present: an API key (`cfo_…`, Bearer or X-API-Key), a widget session token
 * (`cfows_…`, Bearer), or the dashboard's session cookie. The result fixes the business, what the caller
 * may do, how audit rows name them, and which rate-limit bucket they draw from. Channels (HTTP, MCP over
 * HTTP) resolve it once per request; nothing downstream looks at credentials again.
 */
import type { Actor } from '../db/audit';
import { type Business, getBusiness } from '../db/businesses';
import type { Db } from '../db/client';
import { UnauthorizedError } from '../errors';
import { verifyApiKey } from './api-keys';
import type { Grant, Role, Scope } from './permissions';
import type { SealingKey } from './secrets';
import { verifyDashboardSession, verifyWidgetToken, WIDGET_TOKEN_PREFIX } from './sessions';

export interface Principal {
  businessId: string;
  business: Business;
  via: 'api_key' | 'widget' | 'dashboard';
  /** The tool context's caller: scopes, role, cap; `can()` decides with it. */
  caller: Grant & { type: 'user' | 'api_key'; id: string; scopes: Scope[]; role?: Role; viaKey?: string };
  keyId: string | null;
  userId: string | null;
  /** The browser session: the dashboard's (web session id) or the widget's; null for a key. */
  sessionId: string | null;
  /** The rate-limit bucket: the key, or the browser session. */
  bucket: string;
}

export interface Presented {
  /** `Authorization: Bearer …` or `X-API-Key` */
  token?: string | undefined;
  /** The dashboard cookie. */
  sessionCookie?: string | undefined;
}

const NO_CREDENTIALS =
  'Send an API key as "Authorization: Bearer cfo_…" or "X-API-Key: cfo_…", or a widget session token as "Authorization: Bearer cfows_…".';

export async function resolvePrincipal(db: Db, key: SealingKey, presented: Presented): Promise<Principal> {
  const token = presented.token;
  if (token?.startsWith(WIDGET_TOKEN_PREFIX)) {
    const s = await verifyWidgetToken(db, key, token);
    return {
      businessId: s.businessId,
      business: await getBusiness(db, s.businessId),
      via: 'widget',
      caller: {
        type: 'user',
        id: s.userId,
        scopes: ['admin'],
        role: s.role,
        cap: s.cap,
        ...(s.keyId ? { viaKey: s.keyId } : {}),
      },
      keyId: s.keyId,
      userId: s.userId,
      sessionId: s.sessionId,
      bucket: `session:${s.sessionId}`,
    };
  }
  if (token) {
    const k = await verifyApiKey(db, token);
    // A key a person created acts within their current role; if they left the business, it stops.
    let role: Role | undefined;
    if (k.userId) {
      if (!k.creatorRole) throw new UnauthorizedError('The person who created this API key is no longer a member.');
      role = k.creatorRole;
    }
    return {
      businessId: k.businessId,
      business: k.business,
      via: 'api_key',
      caller: { type: 'api_key', id: k.keyId, scopes: k.scopes, ...(role ? { role } : {}) },
      keyId: k.keyId,
      userId: k.userId,
      sessionId: null,
      bucket: `key:${k.keyId}`,
    };
  }
  if (presented.sessionCookie) {
    const s = await verifyDashboardSession(db, presented.sessionCookie);
    return {
      businessId: s.businessId,
      business: await getBusiness(db, s.businessId),
      via: 'dashboard',
      caller: { type: 'user', id: s.userId, scopes: ['admin'], role: s.role },
      keyId: null,
      userId: s.userId,
      sessionId: s.sessionId,
      bucket: `session:${s.sessionId}`,
    };
  }
  throw new UnauthorizedError(NO_CREDENTIALS);
}

/** How audit rows name this caller. */
export function actorOfPrincipal(
  p: Principal,
  channel: string,
  request: { ip?: string | undefined; userAgent?: string | undefined } = {},
): Actor {
  return {
    type: p.caller.type,
    id: p.caller.id,
    channel,
    ip: request.ip,
    userAgent: request.userAgent,
    // A widget session acts for its person, with the key that minted it.
    ...(p.caller.viaKey ? { viaKey: p.caller.viaKey } : {}),
  };
}
