/**
 * Roles are enforced by the server on every channel: a viewer cannot categorize and an accountant cannot
 * create keys — over HTTP and over MCP (a real MCP SDK client on Streamable HTTP), with a widget session
 * or with a key acting for the person. Role changes and removals take effect on the next request.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/auth/api-keys';
import { addMember, removeMember, setMemberRole } from '../../src/auth/members';
import { PERMISSIONS } from '../../src/auth/permissions';
import { mintWidgetToken } from '../../src/auth/sessions';
import { loadConfig } from '../../src/config';
import { withBusiness } from '../../src/db/client';
import { type App, createApp } from '../../src/http/app';
import { listen, type RunningServer } from '../../src/http/server';
import { createLogger } from '../../src/logger';
import { useTestDatabase } from '../helpers/db';

const t = useTestDatabase({ demo: true }); // Demo Co made on 2026-11-22
const config = loadConfig({ DATA_DIR: '/tmp/cfo-roles', ENCRYPTION_KEY: '3d'.repeat(32) });
const sealing = { key: config.encryption.key, keyId: config.encryption.keyId };
const actor = { type: 'system' as const, id: 'test', channel: 'cli' };
let app: App;
let server: RunningServer;
let businessId = '';
const people: Record<string, { userId: string; token: string; key: string }> = {};

beforeAll(async () => {
  app = createApp({ config, database: t.database, logger: createLogger('silent'), today: () => '2026-11-22' });
  server = await listen(app, 0, '127.0.0.1');
  businessId = t.demoId;
  for (const role of ['owner', 'admin', 'accountant', 'viewer'] as const) {
    const m = await addMember(t.db, businessId, { email: `${role}@roles.example`, role }, actor);
    people[role] = {
      userId: m.userId,
      token: mintWidgetToken(sealing, { businessId, userId: m.userId, keyId: null, cap: [...PERMISSIONS] }).token,
      // An admin-scoped key the person made: it still acts within their role.
      key: (
        await createApiKey(t.db, { businessId, name: `${role}'s key`, scopes: ['admin'], createdByUserId: m.userId })
      ).key,
    };
  }
});
afterAll(async () => {
  await server?.close(1000);
});

const post = (path: string, credential: string, body: unknown) =>
  app.request(path, {
    method: 'POST',
    headers: { authorization: `Bearer ${credential}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

async function mcp(credential: string) {
  const client = new Client({ name: 'roles-test', version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), {
      requestInit: { headers: { authorization: `Bearer ${credential}` } },
    }),
  );
  return client;
}

describe('a viewer cannot categorize', () => {
  for (const via of ['token', 'key'] as const) {
    it(`over HTTP (${via === 'token' ? 'widget session' : 'their admin-scoped key'})`, async () => {
      const cred = people.viewer![via];
      const res = await post('/v1/tools/categorize_transactions', cred, { apply: true });
      expect(res.status).toBe(403);
      expect((await res.json()).error.message).toMatch(
        /categorize_transactions needs the "categorize" permission.*a viewer/,
      );
      const review = await post('/v1/categorization/reviews/00000000-0000-4000-8000-000000000000', cred, {
        category: 'Software',
      });
      expect(review.status).toBe(403);
      // …while reading works.
      expect((await post('/v1/tools/get_cash_position', cred, {})).status).toBe(200);
    });

    it(`over MCP (${via === 'token' ? 'widget session' : 'their admin-scoped key'})`, async () => {
      const client = await mcp(people.viewer![via]);
      try {
        const names = (await client.listTools()).tools.map((x) => x.name);
        expect(names).toContain('get_cash_position');
        expect(names).not.toContain('categorize_transactions');
        expect(names).not.toContain('set_transaction_category');
        const r = await client.callTool({ name: 'categorize_transactions', arguments: { apply: true } });
        expect(r.isError).toBe(true);
      } finally {
        await client.close();
      }
    });
  }

  it('an accountant can: the same call succeeds', async () => {
    const res = await post('/v1/tools/categorize_transactions', people.accountant!.token, {});
    expect(res.status).toBe(200);
    const client = await mcp(people.accountant!.key);
    try {
      expect((await client.listTools()).tools.map((x) => x.name)).toContain('categorize_transactions');
    } finally {
      await client.close();
    }
  });
});

describe('an accountant cannot create keys', () => {
  for (const via of ['token', 'key'] as const) {
    it(`over HTTP (${via === 'token' ? 'widget session' : 'their admin-scoped key'})`, async () => {
      const res = await post('/v1/keys', people.accountant![via], { name: 'escalate', scopes: ['admin'] });
      expect(res.status).toBe(403);
      expect((await res.json()).error.message).toMatch(/Creating API keys needs an admin or owner/);
    });
  }

  it('over MCP: admin-only tools are neither listed nor callable, and no tool hands out keys', async () => {
    const client = await mcp(people.accountant!.key);
    try {
      const names = (await client.listTools()).tools.map((x) => x.name);
      expect(names).not.toContain('start_sync');
      expect(names.some((n) => /key/i.test(n))).toBe(false);
      const r = await client.callTool({ name: 'start_sync', arguments: { apply: true } });
      expect(r.isError).toBe(true);
    } finally {
      await client.close();
    }
  });

  it('an admin can (with their key; a widget session never makes keys), and the key they make is bound to their role', async () => {
    const res = await post('/v1/keys', people.admin!.key, { name: 'admin made', scopes: ['admin'] });
    expect(res.status).toBe(201);
    const made = (await res.json()).key as string;
    // Bound to the admin: managing members (owners only) is still refused.
    const members = await post('/v1/members', made, { email: 'x@roles.example', role: 'viewer' });
    expect(members.status).toBe(403);
  });
});

describe('changes take effect on the next request', () => {
  it('a promoted viewer may categorize; a removed member is signed out everywhere', async () => {
    const m = await addMember(t.db, businessId, { email: 'temp@roles.example', role: 'viewer' }, actor);
    const token = mintWidgetToken(sealing, { businessId, userId: m.userId, keyId: null, cap: [...PERMISSIONS] }).token;
    const key = (
      await createApiKey(t.db, { businessId, name: 'temp', scopes: ['write', 'read'], createdByUserId: m.userId })
    ).key;
    expect((await post('/v1/tools/categorize_transactions', token, {})).status).toBe(403);
    await withBusiness(t.db, businessId, (tx) => setMemberRole(tx, businessId, m.userId, 'accountant', actor));
    expect((await post('/v1/tools/categorize_transactions', token, {})).status).toBe(200);
    expect((await post('/v1/tools/categorize_transactions', key, {})).status).toBe(200);
    await withBusiness(t.db, businessId, (tx) => removeMember(tx, businessId, m.userId, actor));
    // The token is refused for the membership it named; the key was revoked with the membership.
    for (const [cred, why] of [
      [token, /no longer a member/],
      [key, /revoked/],
    ] as const) {
      const res = await post('/v1/tools/get_cash_position', cred, {});
      expect(res.status).toBe(401);
      expect((await res.json()).error.message).toMatch(why);
    }
  });

  it('the last owner cannot be removed or demoted', async () => {
    const res = await app.request(`/v1/members/${people.owner!.userId}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${people.owner!.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ role: 'viewer' }),
    });
    expect(res.status).toBe(409);
    expect((await res.json()).error.message).toMatch(/last owner/);
  });
});
