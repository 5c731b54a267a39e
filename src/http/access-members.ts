/** `GET /v1/members` (`settings`), `POST /v1/members`, `PATCH|DELETE /v1/members/{userId}` (`members`). */
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { addMember, listMembers, removeMember, setMemberRole } from '../auth/members';
import { withBusiness } from '../db/client';
import { MemberView, Role } from './access-views';
import type { AppDeps } from './app';
import { type ApiEnv, actorOf, need } from './auth';
import { errors, json, jsonBody, SECURITY } from './openapi';

const UserParam = z.object({ userId: z.string().min(1).max(100) });

export function registerMemberRoutes(api: OpenAPIHono<ApiEnv>, deps: AppDeps): void {
  const { database } = deps;

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
}
