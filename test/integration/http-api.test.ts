import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApiKey, listApiKeys, revokeApiKey } from '../../src/auth/api-keys';
import { loadConfig } from '../../src/config';
import { createBusiness } from '../../src/db/businesses';
import { createApp } from '../../src/http/app';
import { listen } from '../../src/http/server';
import { createLogger } from '../../src/logger';
import { findTool, invokeTool, TOOLS } from '../../tools';
import { useTestDatabase } from '../helpers/db';
import { demoToolContext } from '../helpers/tools';

const t = useTestDatabase({ demo: true }); // Demo Co made on 2026-11-22
const config = loadConfig({ DATA_DIR: '/tmp/cfo-http-api', ENCRYPTION_KEY: 'ab'.repeat(32) });
let app: ReturnType<typeof createApp>;
let demoId = '';
let readKey = '';
let writeOnlyKey = '';
let otherKey = '';

beforeAll(async () => {
  app = createApp({ config, database: t.database, logger: createLogger('silent'), today: () => '2026-11-22' });
  const demo = { businessId: t.demoId };
  demoId = demo.businessId;
  readKey = (await createApiKey(t.db, { businessId: demoId, name: 'reader', scopes: ['read'] })).key;
  writeOnlyKey = (await createApiKey(t.db, { businessId: demoId, name: 'writer', scopes: ['write'] })).key;
  const other = await createBusiness(t.db, { name: 'Other Ltd' });
  otherKey = (await createApiKey(t.db, { businessId: other.id, name: 'other', scopes: ['read'] })).key;
});

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const post = (path: string, key: string, body: unknown) =>
  app.request(path, {
    method: 'POST',
    headers: { ...bearer(key), 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

describe('API keys on the HTTP API', () => {
  it('401 without a key, with a malformed or unknown one', async () => {
    const attempts: Record<string, string>[] = [
      {},
      { authorization: 'Bearer nope' },
      { 'x-api-key': 'cfo_AAAAAAAA_BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB' },
    ];
    for (const headers of attempts) {
      const res = await app.request('/v1/tools', { headers });
      expect(res.status).toBe(401);
      const body = await res.json();
      expect(body.error.code).toBe('unauthorized');
    }
  });

  it('lists the tools the key may use, by Bearer or X-API-Key, and records the use', async () => {
    for (const headers of [bearer(readKey), { 'x-api-key': readKey }]) {
      const res = await app.request('/v1/tools', { headers });
      expect(res.status).toBe(200);
      const { tools } = await res.json();
      expect(tools).toHaveLength(TOOLS.filter((x) => x.scope === 'read').length);
      expect(tools[0].inputSchema.type).toBe('object');
    }
    const keys = await listApiKeys(t.db, demoId);
    expect(keys.find((k) => k.name === 'reader')!.lastUsedAt).not.toBeNull();
    // The key itself is never stored or listed.
    expect(JSON.stringify(keys)).not.toContain(readKey.slice(13));
  });

  it('calls a tool: 200 with the result; 404, 400 naming the field, 400 for bad JSON', async () => {
    const ok = await post('/v1/tools/get_runway', readKey, {});
    expect(ok.status).toBe(200);
    expect((await ok.json()).result).toMatchObject({ asOfMonth: '2026-10-01', currency: 'USD' });
    const missing = await post('/v1/tools/get_everything', readKey, {});
    expect(missing.status).toBe(404);
    const invalid = await post('/v1/tools/get_metrics', readKey, { periodType: 'decade' });
    expect(invalid.status).toBe(400);
    expect((await invalid.json()).error.message).toMatch(/periodType/);
    const badJson = await post('/v1/tools/get_metrics', readKey, '{"periodType":');
    expect(badJson.status).toBe(400);
  });

  it('refuses a body over 1 MiB with 413 before reading it', async () => {
    const big = JSON.stringify({ metric: 'x'.repeat(1024 * 1024 + 10) });
    const res = await post('/v1/tools/explain_metric', readKey, big);
    expect(res.status).toBe(413);
    expect((await res.json()).error.code).toBe('payload_too_large');
  });

  it('imports a CSV statement with a write key; refuses a read-only key; names the bad rows', async () => {
    const csv = 'Date,Description,Amount\n2026-11-05,Printer paper,-23.99\n2026-11-06,Refund from supplier,12.00\n';
    const send = (key: string, query: string, body: string) =>
      app.request(`/v1/imports/csv${query}`, {
        method: 'POST',
        headers: { ...bearer(key), 'content-type': 'text/csv' },
        body,
      });
    const created = await send(writeOnlyKey, '?account=Petty%20cash', csv);
    expect(created.status).toBe(201);
    const body = await created.json();
    expect(body.import).toMatchObject({
      account: 'Petty cash',
      lines: 2,
      added: 2,
      dateFormat: 'ymd',
      changedDates: ['2026-11-05', '2026-11-06'],
    });
    // No job queue in this app: the figures the lines change are refreshed in the request.
    expect(body.refresh).toBe('done');
    const again = await send(writeOnlyKey, '?account=Petty%20cash', csv);
    expect(again.status).toBe(201);
    expect(await again.json()).toMatchObject({ import: { added: 0, changedDates: [] }, refresh: 'none' });
    expect((await send(readKey, '?account=Petty%20cash', csv)).status).toBe(403);
    const noAccount = await send(writeOnlyKey, '', csv);
    expect(noAccount.status).toBe(400);
    expect((await noAccount.json()).error.message).toMatch(/^account:/);
    const bad = await send(writeOnlyKey, '?account=Petty%20cash', 'Date,Description,Amount\n2026-13-01,x,1\n');
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.message).toMatch(/row 2: "2026-13-01" is not a date/);
  });

  it('403 for a key without the scope; its tool list has only what it may call', async () => {
    expect((await post('/v1/tools/get_runway', writeOnlyKey, {})).status).toBe(403);
    const { tools } = await (await app.request('/v1/tools', { headers: bearer(writeOnlyKey) })).json();
    expect(tools.map((x: { scope: string }) => x.scope)).toEqual(tools.map(() => 'write'));
  });

  it('a key only ever reaches its own business', async () => {
    const res = await post('/v1/tools/list_transactions', otherKey, {});
    expect(res.status).toBe(200);
    expect((await res.json()).result.total.count).toBe(0);
    const demo = await post('/v1/tools/list_transactions', readKey, {});
    expect((await demo.json()).result.total.count).toBeGreaterThan(5_000);
  });

  it('a revoked or expired key stops working at once', async () => {
    const k = await createApiKey(t.db, { businessId: demoId, name: 'temp', scopes: ['read'] });
    expect((await post('/v1/tools/get_runway', k.key, {})).status).toBe(200);
    await revokeApiKey(t.db, demoId, k.id);
    const revoked = await post('/v1/tools/get_runway', k.key, {});
    expect(revoked.status).toBe(401);
    expect((await revoked.json()).error.message).toMatch(/revoked/);
    const old = await createApiKey(t.db, {
      businessId: demoId,
      name: 'old',
      scopes: ['read'],
      expiresAt: new Date(Date.now() - 1000),
    });
    expect((await (await post('/v1/tools/get_runway', old.key, {})).json()).error.message).toMatch(/expired/);
  });
});

describe('MCP over Streamable HTTP (real SDK client against the listening server)', () => {
  it('lists and calls tools with a key; refuses an invalid key with 401', async () => {
    const server = await listen(app, 0, '127.0.0.1');
    try {
      const client = new Client({ name: 'http-test', version: '1.0.0' });
      await client.connect(
        new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), { requestInit: { headers: bearer(readKey) } }),
      );
      const { tools } = await client.listTools();
      expect(tools).toHaveLength(TOOLS.filter((x) => x.scope === 'read').length);
      const r = await client.callTool({ name: 'get_cash_position', arguments: { asOf: '2026-10-31' } });
      expect(r.isError).toBeFalsy();
      // The channel serves the tool's own answer: the same figures invokeTool gives.
      const direct = await invokeTool(
        findTool('get_cash_position')!,
        { asOf: '2026-10-31' },
        demoToolContext(t.db, demoId, '2026-11-22'),
      );
      expect(direct.ok && direct.output.total).toMatch(/^\d+\.\d\d$/);
      expect(r.structuredContent).toEqual(direct.ok ? direct.output : null);
      await client.close();

      const denied = new Client({ name: 'http-test', version: '1.0.0' });
      const err = await denied
        .connect(
          new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), {
            requestInit: { headers: bearer('cfo_AAAAAAAA_BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB') },
          }),
        )
        .then(
          () => null,
          (e: unknown) => e as { code?: number; message: string },
        );
      expect(err).not.toBeNull();
      expect(err!.code).toBe(401);
      expect(err!.message).toContain('That is not a valid API key.');
    } finally {
      await server.close(1000);
    }
  });
});
