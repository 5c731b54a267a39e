/**
 * `GET /v1/me` — the caller: business, person or key, role, and what they may do (the UI hides the rest);
 * `GET /v1/business`, `PATCH /v1/business` (`settings`) — name and the origins allowed to embed the widget.
 */
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { eq } from 'drizzle-orm';
import { memberById } from '../auth/members';
import { permissionsOf } from '../auth/permissions';
import { audit } from '../db/audit';
import { withBusiness } from '../db/client';
import { businesses } from '../db/schema';
import { InvalidInputError } from '../errors';
import { BusinessView, businessView, MemberView, Role } from './access-views';
import { type AppDeps, realToday } from './app';
import { type ApiEnv, actorOf, need } from './auth';
import { errors, json, jsonBody, SECURITY } from './openapi';

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

export function registerBusinessRoutes(api: OpenAPIHono<ApiEnv>, deps: AppDeps): void {
  const { database } = deps;
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
}
