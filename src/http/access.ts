/**
 * Who may use the business, over HTTP:
 *
 * - `GET /v1/me` — the caller: business, person or key, role, and what they may do (the UI hides the rest).
 * - `GET /v1/business`, `PATCH /v1/business` (`settings`) — name and the origins allowed to embed the widget.
 * - `GET|POST /v1/keys`, `DELETE /v1/keys/{id}` (`keys`) — API keys; a key made by a person acts within
 *   their role, so nobody mints more than they have.
 * - `GET /v1/members` (`settings`), `POST /v1/members`, `PATCH|DELETE /v1/members/{userId}` (`members`).
 * - `POST /v1/widget-sessions` — a short-lived token for the chat widget, for a named member (a host
 *   application's backend calls it with its key), or for oneself (the dashboard).
 */
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { eq } from 'drizzle-orm';
import { createApiKey, listApiKeys, parseExpiry, revokeApiKey } from '../auth/api-keys';
import { addMember, listMembers, memberByEmail, memberById, removeMember, setMemberRole } from '../auth/members';
import { permissionsOf, ROLES, type Role as RoleName } from '../auth/permissions';
import type { Principal } from '../auth/principal';
import { MAX_WIDGET_SESSION_SECONDS, mintWidgetToken } from '../auth/sessions';
import { audit } from '../db/audit';
import { withBusiness } from '../db/client';
import { businesses } from '../db/schema';
import { ForbiddenError, InvalidInputError, NotFoundError } from '../errors';
import { type AppDeps, realToday } from './app';
import { type ApiEnv, actorOf, need } from './auth';
import { bodyOf, errors, json, jsonBody, SECURITY } from './openapi';

const Role = z.enum(ROLES);
const Origin = z
  .string()
  .trim()
  .max(200)
  .refine((v) => {
    try {
      return new URL(v).origin === v;
    } catch {
      return false;
    }
  }, 'expected an origin like https://app.example.com (scheme, host and port only)')
  // A page on plain http can be changed by anyone on its network: it may hold a session only on this machine.
  .refine((v) => {
    if (!URL.canParse(v)) return true; // the check above names what is wrong
    const u = new URL(v);
    return (
      u.protocol === 'https:' || (u.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(u.hostname))
    );
  }, 'expected an https:// origin (http:// only for localhost)');

const BusinessView = z.object({
  id: z.string(),
  name: z.string(),
  baseCurrency: z.string(),
  timezone: z.string(),
  fyEndMonth: z.number().int(),
  allowedOrigins: z.array(z.string()),
  isDemo: z.boolean(),
});

const KeyView = z.object({
  id: z.string(),
  name: z.string(),
  prefix: z.string(),
  scopes: z.array(z.string()),
  createdAt: z.string(),
  expiresAt: z.string().nullable(),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
});

const MemberView = z.object({
  userId: z.string(),
  email: z.string(),
  name: z.string().nullable(),
  role: Role,
  since: z.string(),
});

const UserParam = z.object({ userId: z.string().min(1).max(100) });

const WidgetSessionBody = z.object({
  email: z.string().trim().max(254).optional().describe('the member the session is for'),
  userId: z.string().trim().max(100).optional().describe('or their user id'),
  ttlSeconds: z.number().int().min(60).max(MAX_WIDGET_SESSION_SECONDS).default(MAX_WIDGET_SESSION_SECONDS),
  allow: z
    .array(z.enum(['categorize']))
    .max(1)
    .default([])
    .describe('besides reading and chatting: "categorize" lets the session file categories (if the member may)'),
});

/** Roles from least to most: a key never mints a session for someone above what it is itself. */
const RANK: Record<RoleName, number> = { viewer: 0, accountant: 1, admin: 2, owner: 3 };
/** What a caller is worth as a role: its person's role, or for a key no one stands behind, its widest scope. */
function rankOf(p: Principal): number {
  if (p.caller.role) return RANK[p.caller.role];
  return p.caller.scopes.includes('admin')
    ? RANK.admin
    : p.caller.scopes.includes('write')
      ? RANK.accountant
      : RANK.viewer;
}

export function registerAccessRoutes(api: OpenAPIHono<ApiEnv>, deps: AppDeps): void {
  const { database, config } = deps;
  const sealing = { key: config.encryption.key, keyId: config.encryption.keyId };
  const businessView = (b: ApiEnv['Variables']['business']) => ({
    id: b.id,
    name: b.name,
    baseCurrency: b.baseCurrency,
    timezone: b.timezone,
    fyEndMonth: b.fyEndMonth,
    allowedOrigins: b.allowedOrigins,
    isDemo: b.isDemo,
  });

  api.openapi(
    createRoute({
      method: 'get',
      path: '/v1/me',
      tags: ['Access'],
      summary: 'Who is calling, and what they may do',
      security: SECURITY,
      responses: {
        200: json(
          z.object({
            business: BusinessView,
            via: z.enum(['api_key', 'widget', 'dashboard']),
            user: MemberView.nullable(),
            key: z.object({ id: z.string(), scopes: z.array(z.string()) }).nullable(),
            role: Role.nullable(),
            permissions: z.array(z.string()),
            today: z.string().describe('the date the figures are as of (YYYY-MM-DD)'),
          }),
          'The caller',
        ),
        ...errors(),
      },
    }),
    async (c) => {
      const p = c.get('principal');
      const business = c.get('business');
      const user = p.userId
        ? await withBusiness(database.db, business.id, (tx) => memberById(tx, business.id, p.userId!))
        : null;
      return c.json(
        {
          business: businessView(business),
          via: p.via,
          user,
          key: p.via === 'api_key' && p.keyId ? { id: p.keyId, scopes: p.caller.scopes } : null,
          role: p.caller.role ?? null,
          permissions: [...permissionsOf(p.caller)],
          today: (deps.today ?? realToday)(),
        },
        200,
      );
    },
  );

  api.openapi(
    createRoute({
      method: 'get',
      path: '/v1/business',
      tags: ['Access'],
      summary: 'The business',
      security: SECURITY,
      responses: { 200: json(BusinessView, 'The business'), ...errors() },
    }),
    (c) => {
      need(c, 'read', 'Reading the business');
      return c.json(businessView(c.get('business')), 200);
    },
  );

  api.openapi(
    createRoute({
      method: 'patch',
      path: '/v1/business',
      tags: ['Access'],
      summary: 'Rename the business, or set the origins allowed to embed the chat widget',
      security: SECURITY,
      request: {
        body: jsonBody(
          z.object({
            name: z.string().trim().min(1).max(200).optional(),
            allowedOrigins: z.array(Origin).max(50).optional(),
          }),
        ),
      },
      responses: { 200: json(BusinessView, 'The business after the change'), ...errors() },
    }),
    async (c) => {
      need(c, 'settings', 'Changing the business');
      const body = c.req.valid('json');
      const before = c.get('business');
      const set = {
        ...(body.name !== undefined ? { name: body.name } : {}),
        ...(body.allowedOrigins !== undefined ? { allowedOrigins: [...new Set(body.allowedOrigins)] } : {}),
      };
      if (!Object.keys(set).length) throw new InvalidInputError('Give name or allowedOrigins.');
      const after = await withBusiness(database.db, before.id, async (tx) => {
        const [row] = await tx
          .update(businesses)
          .set({ ...set, updatedAt: new Date() })
          .where(eq(businesses.id, before.id))
          .returning();
        await audit(tx, before.id, actorOf(c, deps), {
          action: 'business.updated',
          entityType: 'business',
          entityId: before.id,
          oldValues: { name: before.name, allowedOrigins: before.allowedOrigins },
          newValues: { name: row!.name, allowedOrigins: row!.allowedOrigins },
        });
        return row!;
      });
      return c.json(businessView(after), 200);
    },
  );

  // ---------- API keys ----------

  api.openapi(
    createRoute({
      method: 'get',
      path: '/v1/keys',
      tags: ['Access'],
      summary: 'API keys (the keys themselves are never shown again)',
      security: SECURITY,
      responses: { 200: json(z.object({ keys: z.array(KeyView) }), 'Keys'), ...errors() },
    }),
    async (c) => {
      need(c, 'keys', 'Listing API keys');
      return c.json({ keys: await listApiKeys(database.db, c.get('business').id) }, 200);
    },
  );

  api.openapi(
    createRoute({
      method: 'post',
      path: '/v1/keys',
      tags: ['Access'],
      summary: 'Create an API key (shown once)',
      security: SECURITY,
      request: {
        body: jsonBody(
          z.object({
            name: z.string().trim().min(1).max(100),
            scopes: z.array(z.enum(['read', 'write', 'admin'])).min(1, 'give at least one of read, write, admin'),
            expires: z.string().trim().optional().describe('a duration like 90d, 12h or 30m; default none'),
          }),
        ),
      },
      responses: {
        201: json(
          KeyView.pick({ id: true, name: true, prefix: true, scopes: true, expiresAt: true }).extend({
            key: z.string().describe('the whole key: store it now, it is not shown again'),
          }),
          'Created',
        ),
        ...errors(),
      },
    }),
    async (c) => {
      const p = need(c, 'keys', 'Creating API keys');
      const body = c.req.valid('json');
      const k = await createApiKey(database.db, {
        businessId: c.get('business').id,
        name: body.name,
        scopes: body.scopes,
        expiresAt: parseExpiry(body.expires),
        // A person's key acts within their role; a key made by a bound key stays bound to that person.
        createdByUserId: p.userId,
        actor: actorOf(c, deps),
      });
      return c.json(
        {
          id: k.id,
          name: body.name,
          prefix: k.prefix,
          scopes: k.scopes,
          expiresAt: k.expiresAt?.toISOString() ?? null,
          key: k.key,
        },
        201,
      );
    },
  );

  api.openapi(
    createRoute({
      method: 'delete',
      path: '/v1/keys/{id}',
      tags: ['Access'],
      summary: 'Revoke an API key (it stops working at once)',
      security: SECURITY,
      request: { params: z.object({ id: z.string().min(1).max(100) }) },
      responses: { 200: json(z.object({ status: z.literal('revoked') }), 'Revoked'), ...errors(404) },
    }),
    async (c) => {
      need(c, 'keys', 'Revoking API keys');
      const id = c.req.valid('param').id;
      if (!/^[0-9a-f-]{36}$/i.test(id)) throw new NotFoundError(`No active key ${id} for this business.`);
      await revokeApiKey(database.db, c.get('business').id, id, actorOf(c, deps));
      return c.json({ status: 'revoked' as const }, 200);
    },
  );

  // ---------- members ----------

  api.openapi(
    createRoute({
      method: 'get',
      path: '/v1/members',
      tags: ['Access'],
      summary: 'People in the business and their roles',
      security: SECURITY,
      responses: { 200: json(z.object({ members: z.array(MemberView) }), 'Members'), ...errors() },
    }),
    async (c) => {
      need(c, 'settings', 'Listing members');
      const id = c.get('business').id;
      return c.json({ members: await withBusiness(database.db, id, (tx) => listMembers(tx, id)) }, 200);
    },
  );

  api.openapi(
    createRoute({
      method: 'post',
      path: '/v1/members',
      tags: ['Access'],
      summary: 'Add a person (or change the role of one already in)',
      description:
        'Roles: viewer (reads), accountant (+ categorizes, handles recommendations), admin (+ keys, connections, webhooks, audit log), owner (+ members).',
      security: SECURITY,
      request: {
        body: jsonBody(
          z.object({
            email: z.string().trim().min(3).max(254),
            name: z.string().trim().max(200).optional(),
            role: Role,
          }),
        ),
      },
      responses: { 201: json(MemberView, 'The member'), ...errors(409) },
    }),
    async (c) => {
      need(c, 'members', 'Adding members');
      const body = c.req.valid('json');
      const member = await addMember(database.db, c.get('business').id, body, actorOf(c, deps));
      return c.json(member, 201);
    },
  );

  api.openapi(
    createRoute({
      method: 'patch',
      path: '/v1/members/{userId}',
      tags: ['Access'],
      summary: 'Change a member’s role',
      security: SECURITY,
      request: { params: UserParam, body: jsonBody(z.object({ role: Role })) },
      responses: { 200: json(MemberView, 'The member'), ...errors(404, 409) },
    }),
    async (c) => {
      need(c, 'members', 'Changing roles');
      const id = c.get('business').id;
      const { userId } = c.req.valid('param');
      const { role } = c.req.valid('json');
      const member = await withBusiness(database.db, id, (tx) => setMemberRole(tx, id, userId, role, actorOf(c, deps)));
      return c.json(member, 200);
    },
  );

  api.openapi(
    createRoute({
      method: 'delete',
      path: '/v1/members/{userId}',
      tags: ['Access'],
      summary: 'Remove a member (their sessions and keys stop working)',
      security: SECURITY,
      request: { params: UserParam },
      responses: { 200: json(z.object({ status: z.literal('removed') }), 'Removed'), ...errors(404, 409) },
    }),
    async (c) => {
      need(c, 'members', 'Removing members');
      const id = c.get('business').id;
      const { userId } = c.req.valid('param');
      await withBusiness(database.db, id, (tx) => removeMember(tx, id, userId, actorOf(c, deps)));
      return c.json({ status: 'removed' as const }, 200);
    },
  );

  // ---------- widget sessions ----------

  api.openapi(
    createRoute({
      method: 'post',
      path: '/v1/widget-sessions',
      tags: ['Access'],
      summary: 'A short-lived token for the chat widget',
      description: `For a named member of the business (by email or user id), at most ${MAX_WIDGET_SESSION_SECONDS} s. Call it from your backend with an API key and hand the token to the page that embeds /widget.js; the widget never sees the key. The token can do no more than the member's role and the key allow. A dashboard session may mint one for itself.`,
      security: SECURITY,
      request: { body: jsonBody(WidgetSessionBody, false) },
      responses: {
        201: json(
          z.object({ token: z.string(), expiresAt: z.string(), user: MemberView }),
          'The token (send it as Authorization: Bearer …)',
        ),
        ...errors(404),
      },
    }),
    async (c) => {
      const p = need(c, 'read', 'Making a chat session');
      const raw = bodyOf(c, WidgetSessionBody);
      const business = c.get('business');
      if (p.via === 'widget') throw new ForbiddenError('A widget session cannot make further sessions.');
      const member = await withBusiness(database.db, business.id, async (tx) => {
        if (p.via === 'dashboard') {
          if ((raw.email || raw.userId) && raw.userId !== p.userId)
            throw new ForbiddenError('A dashboard session makes widget sessions for itself only.');
          return memberById(tx, business.id, p.userId!);
        }
        if (raw.userId) return memberById(tx, business.id, raw.userId);
        if (raw.email) return memberByEmail(tx, business.id, raw.email);
        // A key a person created speaks for that person.
        if (p.userId) return memberById(tx, business.id, p.userId);
        throw new InvalidInputError('email: name the member the session is for (or userId).');
      });
      if (!member)
        throw new NotFoundError(
          `${raw.email ?? raw.userId} is not a member of this business; add them with POST /v1/members.`,
        );
      // Speaking for someone else is handing out a credential: it takes the permission to manage keys, and
      // never reaches a role above the caller's own.
      if (member.userId !== p.userId) need(c, 'keys', `Making a chat session for ${member.email}`);
      if (RANK[member.role] > rankOf(p))
        throw new ForbiddenError(
          `${member.email} is ${member.role === 'owner' ? 'an owner' : `an ${member.role}`}: a caller that is less cannot make a session for them.`,
        );
      const cap = [...permissionsOf(p.caller)].filter((x) => x === 'read' || raw.allow.includes(x as 'categorize'));
      const minted = mintWidgetToken(sealing, {
        businessId: business.id,
        userId: member.userId,
        keyId: p.keyId,
        cap,
        ttlSeconds: raw.ttlSeconds,
        ...(p.via === 'dashboard' && p.sessionId ? { webSessionId: p.sessionId } : {}),
      });
      await withBusiness(database.db, business.id, (tx) =>
        audit(tx, business.id, actorOf(c, deps), {
          action: 'widget_session.created',
          entityType: 'widget_session',
          entityId: minted.sessionId,
          newValues: { userId: member.userId, role: member.role, cap, expiresAt: minted.expiresAt.toISOString() },
        }),
      );
      return c.json({ token: minted.token, expiresAt: minted.expiresAt.toISOString(), user: member }, 201);
    },
  );
}
