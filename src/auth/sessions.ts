/**
 * Sessions for people in a browser.
 *
 * - **Widget sessions**: a host application's backend calls `POST /v1/widget-sessions` with its API key and
 *   gets a signed token (`cfows_…`, at most an hour) for a named member; the widget sends it as a Bearer
 *   token. It is stateless, but every use re-reads the member's role (a removed member's tokens stop at
 *   once) and the minting key (revoking it ends its sessions). It never does more than that key could.
 * - **Login links**: `cfo open` prints a one-time link (15 minutes) signed with the encryption key, so it
 *   needs no database (the running service holds the embedded one). Using it records its nonce, which
 *   refuses it a second time, and starts a dashboard session.
 * - **Dashboard sessions**: a random token in an HttpOnly, SameSite=Strict cookie, 12 hours; only its
 *   SHA-256 is stored, and logging out revokes it.
 */
import { createHash, randomBytes } from 'node:crypto';
import { and, eq, gt, isNull } from 'drizzle-orm';
import { type Actor, audit } from '../db/audit';
import { type Db, isUuid, withBusiness, withSystem } from '../db/client';
import { apiKeys, businesses, webSessions } from '../db/schema';
import { InvalidInputError, NotFoundError, UnauthorizedError } from '../errors';
import { addMember, listMembers, memberByEmail, membershipOf, roleOf } from './members';
import type { Permission, Role } from './permissions';
import type { SealingKey } from './secrets';
import { type SignedClaims, SignedTokenError, signToken, verifyToken } from './signed';

export const WIDGET_TOKEN_PREFIX = 'cfows_';
export const MAX_WIDGET_SESSION_SECONDS = 3600;
export const LOGIN_LINK_MS = 15 * 60_000;
export const DASHBOARD_SESSION_MS = 12 * 3600_000;
export const SESSION_COOKIE = 'cfo_session';

const hash = (s: string) => createHash('sha256').update(s).digest('hex');

interface WidgetClaims {
  /** business, user, minting key (null: minted by a dashboard session), session id, permission cap */
  b: string;
  u: string;
  k: string | null;
  s: string;
  p: Permission[];
  /** When it was issued (ms): a token older than the person's current membership is refused. */
  t: number;
  /** The dashboard session that minted it, if one did: signing out ends the token too. */
  w?: string;
}

/**
 * What a widget session may ever do: read and chat, and categorize when the minting request asked for it.
 * Never keys, members, settings, webhooks, connections or imports, whoever the session is for.
 */
export const WIDGET_PERMISSIONS: readonly Permission[] = ['read', 'categorize'];

export interface SessionIdentity {
  businessId: string;
  userId: string;
  role: Role;
  /** What the minting key could do; the session never does more (undefined: a dashboard session, no cap). */
  cap: Permission[] | undefined;
  keyId: string | null;
  sessionId: string;
  expiresAt: Date;
}

/** Mints a widget session token for a member of the business. */
export function mintWidgetToken(
  key: SealingKey,
  input: {
    businessId: string;
    userId: string;
    keyId: string | null;
    cap: Permission[];
    ttlSeconds?: number;
    /** The dashboard session minting it (its end ends the token). */
    webSessionId?: string;
  },
): { token: string; sessionId: string; expiresAt: Date } {
  const ttl = input.ttlSeconds ?? MAX_WIDGET_SESSION_SECONDS;
  if (!Number.isInteger(ttl) || ttl < 60 || ttl > MAX_WIDGET_SESSION_SECONDS)
    throw new InvalidInputError(`ttlSeconds: between 60 and ${MAX_WIDGET_SESSION_SECONDS} (one hour).`);
  const sessionId = randomBytes(9).toString('base64url');
  const claims: WidgetClaims = {
    b: input.businessId,
    u: input.userId,
    k: input.keyId,
    s: sessionId,
    p: input.cap.filter((x) => WIDGET_PERMISSIONS.includes(x)),
    t: Date.now(),
    ...(input.webSessionId ? { w: input.webSessionId } : {}),
  };
  const token = WIDGET_TOKEN_PREFIX + signToken(key, 'widget session', claims, ttl * 1000);
  return { token, sessionId, expiresAt: new Date(Date.now() + ttl * 1000) };
}

/** Who a widget token speaks for, as of now: 401 when it is forged, expired, or its member or key is gone. */
export async function verifyWidgetToken(db: Db, key: SealingKey, token: string): Promise<SessionIdentity> {
  let claims: WidgetClaims & SignedClaims;
  try {
    claims = verifyToken<WidgetClaims>(key, 'widget session', token.slice(WIDGET_TOKEN_PREFIX.length));
  } catch (err) {
    if (err instanceof SignedTokenError && err.reason === 'expired')
      throw new UnauthorizedError('This chat session has expired; the page needs a new token.');
    throw new UnauthorizedError('That is not a valid session token.');
  }
  if (!isUuid(claims.b) || !isUuid(claims.u)) throw new UnauthorizedError('That is not a valid session token.');
  return withBusiness(db, claims.b, async (tx) => {
    const membership = await membershipOf(tx, claims.b, claims.u);
    if (!membership) throw new UnauthorizedError('The person this session was made for is no longer a member.');
    // Issued before the current membership began (they were removed and added again since): refused.
    if (typeof claims.t !== 'number' || claims.t < membership.since.getTime())
      throw new UnauthorizedError(
        'This session was made before the person’s current membership; the page needs a new token.',
      );
    const role = membership.role;
    if (claims.w) {
      const [web] = await tx
        .select({ revokedAt: webSessions.revokedAt, expiresAt: webSessions.expiresAt })
        .from(webSessions)
        .where(and(eq(webSessions.businessId, claims.b), eq(webSessions.id, claims.w)));
      if (!web || web.revokedAt || web.expiresAt <= new Date())
        throw new UnauthorizedError('The dashboard session that made this chat session has ended; sign in again.');
    }
    if (claims.k) {
      const [k] = await tx
        .select({ revokedAt: apiKeys.revokedAt, expiresAt: apiKeys.expiresAt })
        .from(apiKeys)
        .where(and(eq(apiKeys.businessId, claims.b), eq(apiKeys.id, claims.k)));
      if (!k || k.revokedAt || (k.expiresAt && k.expiresAt <= new Date()))
        throw new UnauthorizedError('The API key that made this session has been revoked or has expired.');
    }
    return {
      businessId: claims.b,
      userId: claims.u,
      role,
      // Tokens minted before the widget's limits existed carried more: the limits hold for them too.
      cap: claims.p.filter((x) => WIDGET_PERMISSIONS.includes(x)),
      keyId: claims.k,
      sessionId: claims.s,
      expiresAt: new Date(claims.exp),
    };
  });
}

interface LoginClaims {
  businessId?: string;
  email?: string;
}

/** The one-time dashboard link `cfo open` prints (no database needed). */
export function loginLink(key: SealingKey, baseUrl: string, claims: LoginClaims = {}): string {
  const ticket = signToken(key, 'dashboard login', claims, LOGIN_LINK_MS);
  return `${baseUrl.replace(/\/+$/, '')}/login?ticket=${encodeURIComponent(ticket)}`;
}

/**
 * Uses a login link: which business (the named one, or the only one), which person (the named member, or
 * the first owner; a business with no owner gets one, `owner@localhost`, since whoever holds the encryption
 * key runs this service anyway). Returns a new dashboard session's token.
 */
export async function redeemLoginTicket(
  db: Db,
  key: SealingKey,
  ticket: string | undefined,
  request: { ip?: string | undefined; userAgent?: string | undefined },
): Promise<{ token: string; businessId: string; userId: string; expiresAt: Date }> {
  let claims: LoginClaims & SignedClaims;
  try {
    claims = verifyToken<LoginClaims>(key, 'dashboard login', ticket);
  } catch (err) {
    if (err instanceof SignedTokenError && err.reason === 'expired')
      throw new UnauthorizedError('This sign-in link has expired (15 minutes); run `cfo open` for a new one.');
    throw new UnauthorizedError('This sign-in link was not issued by this service; run `cfo open` for a new one.');
  }
  const businessId = claims.businessId ?? (await onlyBusiness(db));
  const actor: Actor = { type: 'system', id: 'cfo open', channel: 'web', ...request };
  let userId: string;
  const existing = await withBusiness(db, businessId, async (tx) => {
    if (claims.email) return memberByEmail(tx, businessId, claims.email);
    return (await listMembers(tx, businessId)).find((m) => m.role === 'owner') ?? null;
  });
  if (existing) userId = existing.userId;
  else if (claims.email) throw new NotFoundError(`${claims.email} is not a member of this business.`);
  else
    userId = (await addMember(db, businessId, { email: 'owner@localhost', name: 'Owner', role: 'owner' }, actor))
      .userId;

  const token = randomBytes(32).toString('base64url');
  const expiresAt = new Date(Date.now() + DASHBOARD_SESSION_MS);
  await withBusiness(db, businessId, async (tx) => {
    // The link's nonce, once: a second use hits the unique hash.
    const used = await tx
      .insert(webSessions)
      .values({
        businessId,
        userId,
        kind: 'login_link',
        tokenHash: hash(`login:${claims.nonce}`),
        expiresAt: new Date(claims.exp),
        ip: request.ip ?? null,
        userAgent: request.userAgent ?? null,
      })
      .onConflictDoNothing()
      .returning({ id: webSessions.id });
    if (!used.length) throw new UnauthorizedError('This sign-in link has been used already; run `cfo open` again.');
    const [session] = await tx
      .insert(webSessions)
      .values({
        businessId,
        userId,
        kind: 'dashboard',
        tokenHash: hash(token),
        expiresAt,
        ip: request.ip ?? null,
        userAgent: request.userAgent ?? null,
      })
      .returning({ id: webSessions.id });
    await audit(
      tx,
      businessId,
      { type: 'user', id: userId, channel: 'web', ...request },
      {
        action: 'session.started',
        entityType: 'web_session',
        entityId: session!.id,
      },
    );
  });
  return { token, businessId, userId, expiresAt };
}

async function onlyBusiness(db: Db): Promise<string> {
  const all = await withSystem(db, (tx) =>
    tx.select({ id: businesses.id }).from(businesses).where(isNull(businesses.deletedAt)).limit(2),
  );
  if (all.length === 1) return all[0]!.id;
  throw new InvalidInputError(
    all.length ? 'There are several businesses: run `cfo open --business ID`.' : 'There is no business yet.',
  );
}

/** The dashboard session a cookie names, if it is current. */
export async function verifyDashboardSession(db: Db, token: string): Promise<SessionIdentity> {
  const [row] = await withSystem(db, (tx) =>
    tx
      .select()
      .from(webSessions)
      .where(
        and(
          eq(webSessions.tokenHash, hash(token)),
          eq(webSessions.kind, 'dashboard'),
          isNull(webSessions.revokedAt),
          gt(webSessions.expiresAt, new Date()),
        ),
      ),
  );
  if (!row) throw new UnauthorizedError('Your dashboard session has ended; sign in again with `cfo open`.');
  const role = await withBusiness(db, row.businessId, (tx) => roleOf(tx, row.businessId, row.userId));
  if (!role) throw new UnauthorizedError('You are no longer a member of this business.');
  return {
    businessId: row.businessId,
    userId: row.userId,
    role,
    cap: undefined,
    keyId: null,
    sessionId: row.id,
    expiresAt: row.expiresAt,
  };
}

export async function endDashboardSession(db: Db, token: string): Promise<void> {
  await withSystem(db, (tx) =>
    tx
      .update(webSessions)
      .set({ revokedAt: new Date() })
      .where(and(eq(webSessions.tokenHash, hash(token)), isNull(webSessions.revokedAt))),
  );
}
