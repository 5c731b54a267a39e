/**
 * `POST /v1/widget-sessions` — a short-lived token for the chat widget, for a named member (a host application's
 * backend calls it with its key), or for oneself (the dashboard).
 */
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { memberByEmail, memberById } from '../auth/members';
import { permissionsOf, type Role as RoleName } from '../auth/permissions';
import type { Principal } from '../auth/principal';
import { MAX_WIDGET_SESSION_SECONDS, mintWidgetToken } from '../auth/sessions';
import { audit } from '../db/audit';
import { withBusiness } from '../db/client';
import { ForbiddenError, InvalidInputError, NotFoundError } from '../errors';
import { MemberView } from './access-views';
import type { AppDeps } from './app';
import { type ApiEnv, actorOf, need } from './auth';
import { bodyOf, errors, json, jsonBody, SECURITY } from './openapi';

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

export function registerWidgetSessionRoutes(api: OpenAPIHono<ApiEnv>, deps: AppDeps): void {
  const { database, config } = deps;
  const sealing = { key: config.encryption.key, keyId: config.encryption.keyId };

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
