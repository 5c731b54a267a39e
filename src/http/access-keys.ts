/**
 * `GET|POST /v1/keys`, `DELETE /v1/keys/{id}` (`keys`) — API keys; a key made by a person acts within their
 * role, so nobody mints more than they have.
 */
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { createApiKey, listApiKeys, parseExpiry, revokeApiKey } from '../auth/api-keys';
import { NotFoundError } from '../errors';
import type { AppDeps } from './app';
import { type ApiEnv, actorOf, need } from './auth';
import { errors, json, jsonBody, SECURITY } from './openapi';

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

export function registerKeyRoutes(api: OpenAPIHono<ApiEnv>, deps: AppDeps): void {
  const { database } = deps;

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
}
