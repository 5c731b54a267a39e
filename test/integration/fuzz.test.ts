/**
 * Fuzzing (fast-check): every tool input and every authenticated route body, generated — wrong types, huge
 * and empty strings, unicode and control characters, NaN/Infinity/negative numbers, deep nesting, binary —
 * never yields a 5xx or a stack trace, and every refusal says what is wrong. Bodies over 1 MiB are refused
 * before they are read.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { createApiKey } from '../../src/auth/api-keys';
import { loadConfig } from '../../src/config';
import { createDemoCompany } from '../../src/demo/load';
import { createApp } from '../../src/http/app';
import { createLogger } from '../../src/logger';
import { invokeTool, TOOLS, type ToolContext } from '../../tools';
import { FAKE_XERO_CLIENT, type FakeXero, startFakeXero } from '../fakes/xero';
import { useTestDatabase } from '../helpers/db';

const t = useTestDatabase();
const TODAY = '2026-11-22';
let businessId = '';
let key = '';
let app: ReturnType<typeof createApp>;
let xero: FakeXero;

/** Values that break naive code. */
const weird = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme', maxLength: 50 }),
  fc.string({ unit: 'binary', maxLength: 50 }),
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    '\u202e',
    '𝟘𝟙',
    '-0',
    '1e309',
    'NaN',
    '2026-02-30',
    '../../etc/passwd',
    "'; drop table transactions; --",
  ),
  fc.constant('x'.repeat(100_000)),
  fc.double(),
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -1, 0, 2 ** 53, -(2 ** 63)),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string(), { maxLength: 5 }),
  fc.uuid(),
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
);
const deep = fc.letrec((tie) => ({
  node: fc.oneof(
    { depthSize: 'small' },
    weird,
    fc.array(tie('node'), { maxLength: 3 }),
    fc.dictionary(fc.string(), tie('node'), { maxKeys: 3 }),
  ),
})).node;

/** Inputs with the tool's own keys (so validation is passed as often as not) or anything at all. */
function inputsFor(schema: z.ZodObject): fc.Arbitrary<unknown> {
  const keys = Object.keys(schema.shape);
  return fc.oneof(
    keys.length
      ? fc.dictionary(fc.constantFrom(...keys), fc.oneof(weird, deep), { maxKeys: keys.length })
      : fc.constant({}),
    deep,
  );
}

const noStack = (s: string) => !/\n\s+at .+:\d+:\d+/.test(s) && !/node_modules|\/src\//.test(s);

beforeAll(async () => {
  xero = await startFakeXero([]);
  const demo = await createDemoCompany(t.database, {
    today: new Date(`${TODAY}T09:00:00Z`),
    name: 'Fuzzed Co',
    transactions: 2000,
  });
  businessId = demo.businessId;
  key = (await createApiKey(t.db, { businessId, name: 'fuzz', scopes: ['read', 'write', 'admin'] })).key;
  const config = loadConfig({
    DATA_DIR: '/tmp/cfo-fuzz',
    // Thousands of requests from one key: the limiter would answer 429 to most of them.
    RATE_LIMIT_PER_MINUTE: '1000000',
    ENCRYPTION_KEY: '4f'.repeat(32),
    XERO_CLIENT_ID: FAKE_XERO_CLIENT.clientId,
    XERO_CLIENT_SECRET: FAKE_XERO_CLIENT.clientSecret,
    XERO_REDIRECT_URI: 'http://localhost/connect/xero/callback',
    XERO_API_BASE_URL: xero.url,
    XERO_IDENTITY_BASE_URL: xero.url,
    XERO_WEBHOOK_KEY: 'fuzz-webhook-key',
    STRIPE_WEBHOOK_SECRET: 'whsec_fuzz',
    STRIPE_API_BASE_URL: 'http://127.0.0.1:9',
  });
  app = createApp({ config, database: t.database, logger: createLogger('silent') });
}, 120_000);
afterAll(async () => {
  await xero.close();
});

describe('fuzzing', () => {
  it('every tool: generated inputs give a result or a 4xx that says what is wrong, never a 5xx', async () => {
    const ctx: ToolContext = {
      db: t.db,
      business: { id: businessId, name: 'Fuzzed Co', baseCurrency: 'USD' },
      caller: { type: 'api_key', id: 'fuzz', scopes: ['read', 'write'] },
      channel: 'http',
      today: () => TODAY,
      logger: createLogger('silent'),
    };
    const outcomes = { ok: 0, refused: 0 };
    for (const tool of TOOLS) {
      await fc.assert(
        fc.asyncProperty(inputsFor(tool.input as z.ZodObject), async (input) => {
          const r = await invokeTool(tool, input, ctx);
          outcomes[r.ok ? 'ok' : 'refused']++;
          if (r.ok) return;
          expect(r.error.status, `${tool.name}: ${r.error.message}`).toBeLessThan(500);
          expect(r.error.message.length).toBeGreaterThan(5);
          expect(noStack(r.error.message), r.error.message).toBe(true);
        }),
        { numRuns: 25, seed: 20261122 },
      );
    }
    // Both paths were exercised: generated inputs got through validation, and were refused.
    expect(outcomes.ok).toBeGreaterThan(50);
    expect(outcomes.refused).toBeGreaterThan(50);
  }, 240_000);

  const ROUTES: [string, string][] = [
    ['POST', '/v1/tools/get_metrics'],
    ['POST', '/v1/tools/list_transactions'],
    ['POST', '/v1/tools/set_transaction_category'],
    ['POST', '/v1/tools/nope'],
    ['POST', '/v1/chat'],
    ['POST', '/v1/n8n/chat'],
    ['POST', '/v1/imports/csv?account=Fuzz'],
    ['POST', '/v1/categorization/reviews/00000000-0000-4000-8000-000000000000'],
    ['POST', '/v1/connections/not-a-uuid/sync'],
    ['POST', '/v1/connections/stripe'],
    ['POST', '/v1/sync-conflicts/00000000-0000-4000-8000-000000000000'],
    ['DELETE', '/v1/connections/00000000-0000-4000-8000-000000000000'],
    ['GET', '/v1/conversations/%00%ff/messages'],
    ['POST', '/webhooks/xero'],
    ['POST', '/webhooks/stripe'],
    ['GET', '/connect/xero/callback?code=x&state=%E2%80%AE'],
  ];
  const bodies = fc.oneof(
    deep.map((v) => JSON.stringify(v) ?? 'null'),
    fc.string({ unit: 'binary', maxLength: 200 }),
    fc.json(),
    fc.constant(''),
    fc.constant('{"message":'),
  );

  it('every route: generated bodies never give a 5xx, and JSON errors name the problem', async () => {
    const statuses = new Map<number, number>();
    for (const [method, path] of ROUTES) {
      await fc.assert(
        fc.asyncProperty(bodies, async (body) => {
          const r = await app.request(path, {
            method,
            headers: {
              authorization: `Bearer ${key}`,
              'content-type': 'application/json',
              'x-xero-signature': 'AA==',
              'stripe-signature': 't=1,v1=0',
            },
            ...(method === 'GET' || method === 'DELETE' ? {} : { body }),
          });
          const text = await r.text();
          statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
          expect(r.status, `${method} ${path} → ${r.status} ${text.slice(0, 200)}`).toBeLessThan(500);
          expect(noStack(text), text.slice(0, 300)).toBe(true);
          if (r.status >= 400 && r.headers.get('content-type')?.includes('json'))
            expect((JSON.parse(text) as { error?: { message?: string } }).error?.message?.length ?? 0).toBeGreaterThan(
              5,
            );
        }),
        { numRuns: 20, seed: 20261122 },
      );
    }
    expect([...statuses.keys()].filter((x) => x < 300).length, JSON.stringify([...statuses])).toBeGreaterThan(0);
    expect(statuses.get(400) ?? 0).toBeGreaterThan(20);
  }, 240_000);

  it('every route in the OpenAPI document, and the browser routes: generated bodies, paths and queries never give a 5xx', async () => {
    const doc = (await (await app.request('/openapi.json')).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => [m.toUpperCase(), path] as const),
    );
    expect(documented.length).toBeGreaterThan(50);
    const segment = fc.oneof(
      fc.uuid(),
      fc.constantFrom(
        '00000000-0000-4000-8000-000000000000',
        '%00',
        '%E2%80%AE',
        '..%2F..',
        'x'.repeat(300),
        '-1',
        'NaN',
      ),
      fc.string({ minLength: 1, maxLength: 40 }).map((x) => encodeURIComponent(x)),
    );
    const query = fc.oneof(
      fc.constant(''),
      fc
        .dictionary(
          fc.constantFrom('limit', 'before', 'account', 'dateFormat', 'stream', 'entityType'),
          fc.string({ maxLength: 30 }),
          {
            maxKeys: 3,
          },
        )
        .map((q) => `?${new URLSearchParams(q).toString()}`),
    );
    const seen = new Map<number, number>();
    for (const [method, template] of documented) {
      await fc.assert(
        fc.asyncProperty(segment, query, bodies, async (seg, q, body) => {
          const path = template.replace(/\{[^}]+\}/g, seg) + q;
          const r = await app.request(path, {
            method,
            headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
            ...(method === 'GET' || method === 'DELETE' ? {} : { body }),
          });
          const text = await r.text();
          seen.set(r.status, (seen.get(r.status) ?? 0) + 1);
          expect(r.status, `${method} ${path} → ${r.status} ${text.slice(0, 200)}`).toBeLessThan(500);
          expect(noStack(text), text.slice(0, 300)).toBe(true);
        }),
        { numRuns: 6, seed: 20261202 },
      );
    }
    // The web pages a browser reaches without an API key.
    for (const path of [
      '/',
      '/login',
      '/login?ticket=%00',
      '/widget.js',
      '/assets/..%2Fetc',
      '/docs',
      '/docs/%E2%80%AE',
    ]) {
      const r = await app.request(path);
      expect(r.status, path).toBeLessThan(500);
    }
    expect((await app.request('/logout', { method: 'POST', headers: { origin: 'https://evil.example' } })).status).toBe(
      403,
    );
    expect(seen.get(400) ?? 0, JSON.stringify([...seen])).toBeGreaterThan(30);
  }, 300_000);

  it('CSV statements: generated files are imported whole or refused whole, never a 5xx, nothing half-written', async () => {
    const cell = fc.oneof(
      fc.string({ maxLength: 12 }),
      fc.constantFrom(
        '2026-01-05',
        '05/01/2026',
        '1.234,56',
        '-12.00',
        '(9.99)',
        '€3',
        '"',
        '""',
        ';',
        '\t',
        '\r',
        '\uFEFF',
      ),
      fc.double().map(String),
    );
    const csv = fc.oneof(
      fc
        .array(fc.array(cell, { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 8 })
        .map((rows) => ['Date,Description,Amount', ...rows.map((r) => r.join(','))].join('\n')),
      fc.string({ unit: 'binary', maxLength: 300 }),
      fc.constantFrom('', '\n\n', 'Date;Description;Amount\n', '\uFEFFDate,Description,Amount\n2026-01-05,Ok,1.00'),
    );
    const count = async () => {
      const r = await app.request('/v1/tools/list_transactions', {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: '{}',
      });
      return (await r.json()).result.total.count as number;
    };
    let imported = 0;
    await fc.assert(
      fc.asyncProperty(csv, async (text) => {
        const before = await count();
        const r = await app.request('/v1/imports/csv?account=Fuzzed%20bank', {
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'text/csv' },
          body: text,
        });
        const body = await r.text();
        expect(r.status, body.slice(0, 200)).toBeLessThan(500);
        const after = await count();
        if (r.status === 201) {
          imported++;
          expect(after - before).toBe(JSON.parse(body).import.added);
        } else {
          expect(after, 'a refused statement wrote nothing').toBe(before);
          expect(JSON.parse(body).error.message.length).toBeGreaterThan(5);
        }
      }),
      { numRuns: 40, seed: 20261202 },
    );
    expect(imported).toBeGreaterThan(0);
  }, 240_000);

  it('a body over 1 MiB is refused with 413 before it is read', async () => {
    const big = 'x'.repeat(1024 * 1024 + 10);
    for (const path of ['/v1/tools/get_metrics', '/v1/chat', '/webhooks/xero']) {
      const r = await app.request(path, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${key}`,
          'content-type': 'application/json',
          'content-length': String(big.length),
        },
        body: big,
      });
      expect(r.status, path).toBe(413);
    }
  });
});
