/**
 * Tenant isolation through the channels: business B's API key, given business A's ids (transactions,
 * recommendation, conversation, connection), a cursor of A's pages and A's name in inputs, gets nothing
 * of A's through `POST /v1/tools/{name}`, MCP over Streamable HTTP, the chat and conversation routes, the
 * review queue or the connection routes — and changes nothing of A's.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/auth/api-keys';
import { loadConfig } from '../../src/config';
import { queryRows, withBusiness } from '../../src/db/client';
import { createDemoCompany } from '../../src/demo/load';
import { createApp } from '../../src/http/app';
import { listen } from '../../src/http/server';
import { createLogger } from '../../src/logger';
import { TOOLS } from '../../tools';
import { useTestDatabase } from '../helpers/db';
import { hostileInputs, leakedIds } from '../helpers/isolation';

const t = useTestDatabase();
const TODAY = new Date('2026-11-22T09:00:00Z');
let app: ReturnType<typeof createApp>;
let a = '';
let b = '';
let keyA = '';
let keyB = '';
const aIds = new Set<string>();
let aTx: string[] = [];
let aRec = '';
let aConn = '';
let aConversation = '';
let aCursor = '';

const bearer = (key: string) => ({ authorization: `Bearer ${key}`, 'content-type': 'application/json' });
const post = (path: string, key: string, body: unknown) =>
  app.request(path, { method: 'POST', headers: bearer(key), body: JSON.stringify(body) });

/** Everything of A's a write could touch, hashed. */
const fingerprint = () =>
  withBusiness(t.db, a, (tx) =>
    queryRows<{ h: string }>(
      tx,
      sql`select md5(coalesce((select string_agg(id::text || coalesce(category, ''), ',' order by id) from transactions), '')
            || coalesce((select string_agg(id::text || status, ',' order by id) from recommendations), '')
            || coalesce((select string_agg(id::text || status, ',' order by id) from integration_accounts), '')
            || coalesce((select string_agg(id::text, ',' order by id) from agent_messages), '')) as h`,
    ),
  ).then((r) => r[0]!.h);

const leaks = (text: string, request: unknown) => leakedIds(text, request, aIds);

beforeAll(async () => {
  a = (await createDemoCompany(t.database, { today: TODAY, name: 'Acme A', seed: 1, transactions: 2500 })).businessId;
  b = (await createDemoCompany(t.database, { today: TODAY, name: 'Acme B', seed: 2, transactions: 2500 })).businessId;
  keyA = (await createApiKey(t.db, { businessId: a, name: 'a', scopes: ['read', 'write', 'admin'] })).key;
  keyB = (await createApiKey(t.db, { businessId: b, name: 'b', scopes: ['read', 'write', 'admin'] })).key;
  const config = loadConfig({
    DATA_DIR: '/tmp/cfo-isolation-http',
    ENCRYPTION_KEY: '3c'.repeat(32),
    RATE_LIMIT_PER_MINUTE: '1000000',
  });
  app = createApp({ config, database: t.database, logger: createLogger('silent') });

  const chat = (await (await post('/v1/chat', keyA, { message: 'What is our runway?' })).json()) as {
    conversationId: string;
  };
  aConversation = chat.conversationId;
  const page = (await (await post('/v1/tools/list_transactions', keyA, { limit: 5 })).json()) as {
    result: { nextCursor: string };
  };
  aCursor = page.result.nextCursor;
  await withBusiness(t.db, a, async (tx) => {
    aConn = (
      await queryRows<{ id: string }>(
        tx,
        sql`insert into integration_accounts (business_id, provider, external_id, name)
            values (${a}, 'xero', 'tenant-a', 'Acme A (Xero)') returning id::text as id`,
      )
    )[0]!.id;
    for (const table of [
      'transactions',
      'recommendations',
      'contacts',
      'invoices',
      'accounts',
      'agent_conversations',
      'agent_messages',
      'integration_accounts',
    ]) {
      for (const r of await queryRows<{ id: string }>(tx, sql`select id::text as id from ${sql.identifier(table)}`))
        aIds.add(r.id);
    }
    aTx = (
      await queryRows<{ id: string }>(tx, sql`select id::text as id from transactions where kind = 'SPEND' limit 3`)
    ).map((r) => r.id);
    aRec = (await queryRows<{ id: string }>(tx, sql`select id::text as id from recommendations limit 1`))[0]!.id;
  });
}, 180_000);

const hostile = () => hostileInputs({ cursor: aCursor, transactions: aTx, recommendation: aRec, connection: aConn });

describe('tenant isolation through HTTP and MCP', () => {
  it('every tool over POST /v1/tools/{name}, as B with A’s ids: nothing of A returned or changed', async () => {
    // The detector works: A's own key does see A's ids and name.
    expect(aConversation).toMatch(/^[0-9a-f-]{36}$/);
    const own = await (await post('/v1/tools/list_transactions', keyA, { limit: 5 })).text();
    expect(leaks(own, {}).length).toBeGreaterThan(0);
    expect(await (await post('/v1/tools/get_business_overview', keyA, {})).text()).toContain('Acme A');
    const before = await fingerprint();
    const inputs = hostile();
    for (const tool of TOOLS) {
      const input = inputs[tool.name] ?? {};
      const r = await post(`/v1/tools/${tool.name}`, keyB, input);
      const text = await r.text();
      expect(r.status, `${tool.name}: ${text.slice(0, 200)}`).toBeLessThan(500);
      expect(leaks(text, input), tool.name).toEqual([]);
      expect(text, tool.name).not.toContain('Acme A');
    }
    expect(await fingerprint()).toBe(before);
  }, 120_000);

  it('every tool over MCP (Streamable HTTP, a real SDK client), as B: nothing of A', async () => {
    const server = await listen(app, 0, '127.0.0.1');
    const client = new Client({ name: 'isolation', version: '1.0.0' });
    try {
      await client.connect(
        new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), { requestInit: { headers: bearer(keyB) } }),
      );
      const inputs = hostile();
      const before = await fingerprint();
      for (const tool of TOOLS) {
        const input = inputs[tool.name] ?? {};
        const r = await client.callTool({ name: tool.name, arguments: input });
        const text = JSON.stringify(r);
        expect(leaks(text, input), tool.name).toEqual([]);
        expect(text, tool.name).not.toContain('Acme A');
      }
      expect(await fingerprint()).toBe(before);
    } finally {
      await client.close();
      await server.close(1_000);
    }
  }, 120_000);

  it('A’s conversation, reviews and connection are "not found" for B, and B’s lists hold none of A’s', async () => {
    const before = await fingerprint();
    const messages = await app.request(`/v1/conversations/${aConversation}/messages`, { headers: bearer(keyB) });
    expect(messages.status).toBe(404);
    const chat = await post('/v1/chat', keyB, { message: 'And the runway now?', conversationId: aConversation });
    expect(chat.status).toBe(404);
    const list = await (await app.request('/v1/conversations', { headers: bearer(keyB) })).text();
    expect(leaks(list, {})).toEqual([]);
    expect((await post(`/v1/categorization/reviews/${aTx[0]}`, keyB, { category: 'Hacked' })).status).toBe(404);
    expect((await post(`/v1/connections/${aConn}/sync`, keyB, {})).status).toBe(404);
    expect((await app.request(`/v1/connections/${aConn}`, { method: 'DELETE', headers: bearer(keyB) })).status).toBe(
      404,
    );
    for (const path of ['/v1/connections', '/v1/sync-runs', '/v1/sync-conflicts', '/v1/categorization/reviews']) {
      const text = await (await app.request(path, { headers: bearer(keyB) })).text();
      expect(leaks(text, {}), path).toEqual([]);
      expect(text, path).not.toContain('Acme A');
    }
    expect(await fingerprint()).toBe(before);
  });
});
