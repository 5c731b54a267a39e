/**
 * Every route of the HTTP API through `app.request()`: success; a body or query that fails validation gets
 * 400 naming the field; no credentials 401; a role (or key scope) that may not, 403; another business's ids,
 * 404 with nothing of theirs returned or changed. Business A is a Xero organisation synced from the fake Xero
 * (so sync, conflicts and the consent link work for real), with a member of each role; business B has one
 * of everything for A's callers to reach for. A final check compares the routes tested here with the
 * OpenAPI document, so a new route cannot go untested.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/auth/api-keys';
import { addMember } from '../../src/auth/members';
import { loadConfig } from '../../src/config';
import { createBusiness } from '../../src/db/businesses';
import { queryRows, withBusiness } from '../../src/db/client';
import { categoryReviews, recommendations, syncConflicts } from '../../src/db/schema';
import { createAlert } from '../../src/domain/alerts';
import { refreshInsights } from '../../src/domain/insights';
import { type App, createApp } from '../../src/http/app';
import { importStatement } from '../../src/integrations/csv/import';
import { createSubscription } from '../../src/integrations/outbound-webhooks';
import { connectStripe, stripeDeps } from '../../src/integrations/stripe/sync';
import { XERO_SCOPES } from '../../src/integrations/xero/client';
import { completeXeroConnection, consentUrl } from '../../src/integrations/xero/connect';
import { syncXero } from '../../src/integrations/xero/sync';
import { createLogger } from '../../src/logger';
import { demoStripeData, FAKE_STRIPE_KEY, type FakeStripe, startFakeStripe } from '../fakes/stripe';
import { demoOrg, FAKE_XERO_CLIENT, type FakeXero, startFakeXero } from '../fakes/xero';
import { useTestDatabase } from '../helpers/db';

const t = useTestDatabase();
/** These subscriptions point at this machine: private destinations allowed. */
const LOCAL = { allowPrivate: true };
const KEY = '7c'.repeat(32);
const actor = { type: 'system' as const, id: 'test', channel: 'cli' };
const org = demoOrg(5150, { name: 'Matrix Ltd', months: 4, scale: 0.04 });

let fakeXero: FakeXero;
let fakeStripe: FakeStripe;
let app: App;

type Who = 'none' | 'owner' | 'admin' | 'accountant' | 'viewer' | 'readKey' | 'writeKey' | 'adminKey';
const auth: Partial<Record<Who, string>> = {};
const A = {
  id: '',
  xeroConnection: '',
  reviewTxn: '',
  conflict: '',
  recommendation: '',
  conversation: '',
  webhook: '',
  spareWebhook: '',
  alert: '',
  spareKey: '',
  spareMember: '',
  viewerEmail: 'viewer@matrix.example',
  stripeConnection: '',
};
const B = {
  id: '',
  key: '',
  connection: '',
  transaction: '',
  conflict: '',
  recommendation: '',
  conversation: '',
  webhook: '',
  alert: '',
  apiKeyId: '',
  member: '',
  memberEmail: 'someone@other.example',
};

beforeAll(async () => {
  fakeXero = await startFakeXero([org]);
  fakeStripe = await startFakeStripe(demoStripeData(77, 2, 0.02));
  const config = loadConfig({
    DATA_DIR: '/tmp/cfo-route-matrix',
    ENCRYPTION_KEY: KEY,
    XERO_CLIENT_ID: FAKE_XERO_CLIENT.clientId,
    XERO_CLIENT_SECRET: FAKE_XERO_CLIENT.clientSecret,
    XERO_REDIRECT_URI: 'http://127.0.0.1:9/connect/xero/callback',
    XERO_API_BASE_URL: fakeXero.url,
    XERO_IDENTITY_BASE_URL: fakeXero.url,
    STRIPE_API_BASE_URL: fakeStripe.url,
    TRUST_PROXY: 'true',
    RATE_LIMIT_PER_MINUTE: '100000',
    SESSION_RATE_LIMIT_PER_MINUTE: '100000',
  });
  app = createApp({
    config,
    database: t.database,
    logger: createLogger('silent'),
    today: () => '2026-11-22',
    // hooks.matrix.example resolves to a public address (nothing is delivered here).
    destinations: { allowPrivate: false, lookup: async () => [{ address: '93.184.216.34', family: 4 }] },
  });
  const keys = [{ key: config.encryption.key, keyId: config.encryption.keyId }];

  // A: a Xero organisation, connected and synced through the fake.
  const settings = {
    ...FAKE_XERO_CLIENT,
    redirectUri: 'http://127.0.0.1:9/connect/xero/callback',
    apiBaseUrl: fakeXero.url,
    identityBaseUrl: fakeXero.url,
    scopes: XERO_SCOPES,
  };
  const consent = await fetch(await consentUrl(settings, keys[0]!), { redirect: 'manual' });
  const [conn] = await completeXeroConnection({ db: t.db, settings, keys }, consent.headers.get('location')!, actor);
  A.id = conn!.businessId;
  A.xeroConnection = conn!.connectionId;
  const xeroDeps = { database: t.database, settings, keys, logger: createLogger('silent') };
  await syncXero(xeroDeps, A.id, A.xeroConnection, 'full');
  await withBusiness(t.db, A.id, (tx) =>
    refreshInsights(tx, { id: A.id, baseCurrency: 'GBP' }, { asOf: '2026-11-22' }),
  );

  for (const role of ['owner', 'admin', 'accountant', 'viewer'] as const) {
    const m = await addMember(t.db, A.id, { email: `${role}@matrix.example`, role }, actor);
    // The member's own key, with every scope: it acts as their role allows (a widget session would read only).
    auth[role] =
      `Bearer ${(await createApiKey(t.db, { businessId: A.id, name: `${role}'s key`, scopes: ['admin'], createdByUserId: m.userId })).key}`;
  }
  A.spareMember = (await addMember(t.db, A.id, { email: 'spare@matrix.example', role: 'viewer' }, actor)).userId;
  for (const [who, scopes] of [
    ['readKey', ['read']],
    ['writeKey', ['write']],
    ['adminKey', ['admin']],
  ] as const)
    auth[who] = `Bearer ${(await createApiKey(t.db, { businessId: A.id, name: who, scopes: [...scopes] })).key}`;
  A.spareKey = (await createApiKey(t.db, { businessId: A.id, name: 'spare', scopes: ['read'] })).id;

  await withBusiness(t.db, A.id, async (tx) => {
    const [bank] = await queryRows<{ id: string; external_id: string }>(
      tx,
      sql`select t.id::text, m.external_id from transactions t
          join sync_mappings m on m.business_id = t.business_id and m.local_id = t.id and m.entity_type = 'BankTransactions'
          where t.business_id = ${A.id} and t.kind = 'SPEND' order by t.date limit 1`,
    );
    const [other] = await queryRows<{ id: string }>(
      tx,
      sql`select id::text from transactions where business_id = ${A.id} and kind in ('SPEND', 'RECEIVE') and id <> ${bank!.id}::uuid order by date limit 1`,
    );
    A.reviewTxn = other!.id;
    await tx.insert(categoryReviews).values({
      businessId: A.id,
      transactionId: A.reviewTxn,
      category: 'Software',
      source: 'similar',
      confidence: 0.6,
    });
    const [c] = await tx
      .insert(syncConflicts)
      .values({
        businessId: A.id,
        integrationAccountId: A.xeroConnection,
        entityType: 'BankTransactions',
        localId: bank!.id,
        externalId: bank!.external_id,
        localValue: { category: 'Advertising', accountCode: '400' },
        remoteValue: { accountCodes: ['453'], updatedDateUtc: new Date().toISOString() },
      })
      .returning({ id: syncConflicts.id });
    A.conflict = c!.id;
    A.recommendation = (await recOf(tx, A.id)).id;
    A.webhook = (
      await createSubscription(tx, A.id, { url: 'http://127.0.0.1:9/hook', events: ['*'] }, keys[0]!, actor, LOCAL)
    ).subscription.id;
    A.spareWebhook = (
      await createSubscription(
        tx,
        A.id,
        { url: 'http://127.0.0.1:9/spare', events: ['sync.failed'] },
        keys[0]!,
        actor,
        LOCAL,
      )
    ).subscription.id;
    A.alert = (
      await createAlert(tx, A.id, { name: 'Runway', metric: 'runway_months', operator: 'lt', threshold: '6' }, actor)
    ).id;
  });
  const first = await app.request('/v1/chat', {
    method: 'POST',
    headers: { authorization: auth.viewer!, 'content-type': 'application/json' },
    body: JSON.stringify({ message: 'How much cash do we have?' }),
  });
  A.conversation = (await first.json()).conversationId;

  // B: one of everything.
  const b = await createBusiness(t.db, { name: 'Other Co', baseCurrency: 'GBP' });
  B.id = b.id;
  const bKey = await createApiKey(t.db, { businessId: B.id, name: 'b admin', scopes: ['admin'] });
  B.key = `Bearer ${bKey.key}`;
  B.apiKeyId = bKey.id;
  B.member = (await addMember(t.db, B.id, { email: B.memberEmail, role: 'admin' }, actor)).userId;
  await importStatement(t.db, b, {
    account: 'Other bank',
    text: 'Date,Description,Amount\n2026-10-01,Coffee beans,-42.10\n2026-10-02,Client payment,900.00\n',
  });
  B.connection = (
    await connectStripe(stripeDeps(config, t.database, createLogger('silent')), B.id, FAKE_STRIPE_KEY, actor)
  ).connectionId;
  await withBusiness(t.db, B.id, async (tx) => {
    const [txn] = await queryRows<{ id: string }>(
      tx,
      sql`select t.id::text from transactions t where t.business_id = ${B.id} limit 1`,
    );
    B.transaction = txn!.id;
    await tx.insert(categoryReviews).values({
      businessId: B.id,
      transactionId: B.transaction,
      category: 'Coffee',
      source: 'similar',
      confidence: 0.5,
    });
    const [c] = await tx
      .insert(syncConflicts)
      .values({
        businessId: B.id,
        integrationAccountId: B.connection,
        entityType: 'BankTransactions',
        localId: B.transaction,
        externalId: 'b-line',
        localValue: { category: 'Coffee', accountCode: '420' },
        remoteValue: { accountCodes: ['429'], updatedDateUtc: new Date().toISOString() },
      })
      .returning({ id: syncConflicts.id });
    B.conflict = c!.id;
    const [r] = await tx
      .insert(recommendations)
      .values({
        businessId: B.id,
        ruleId: 'test',
        dedupeKey: 'test:b',
        title: 'B only',
        description: 'Something only B should see',
        priority: 'high',
        category: 'risk',
      })
      .returning({ id: recommendations.id });
    B.recommendation = r!.id;
    B.webhook = (
      await createSubscription(tx, B.id, { url: 'http://127.0.0.1:9/b', events: ['*'] }, keys[0]!, actor, LOCAL)
    ).subscription.id;
    B.alert = (
      await createAlert(tx, B.id, { name: 'B alert', metric: 'mrr', operator: 'lt', threshold: '1' }, actor)
    ).id;
  });
  const bChat = await app.request('/v1/n8n/chat', {
    method: 'POST',
    headers: { authorization: B.key, 'content-type': 'application/json' },
    body: JSON.stringify({ sessionId: 'shared-session', chatInput: 'How much cash do we have?' }),
  });
  B.conversation = (await bChat.json()).conversationId;
}, 180_000);

afterAll(async () => {
  await fakeXero?.close();
  await fakeStripe?.close();
});

async function recOf(tx: Parameters<Parameters<typeof withBusiness>[2]>[0], businessId: string) {
  const [existing] = await tx.select({ id: recommendations.id }).from(recommendations).limit(1);
  if (existing) return existing;
  const [r] = await tx
    .insert(recommendations)
    .values({
      businessId,
      ruleId: 'test',
      dedupeKey: `test:${randomUUID()}`,
      title: 'Look at cash',
      description: 'x',
      priority: 'medium',
      category: 'cash_flow',
    })
    .returning({ id: recommendations.id });
  return r!;
}

interface Call {
  as: Who | 'b';
  path?: string;
  query?: string;
  body?: unknown;
  /** A raw body (CSV). */
  text?: string;
}

let anonymous = 0;
async function call(method: string, path: string, c: Call) {
  const headers: Record<string, string> = {
    'user-agent': 'route-matrix/1.0',
    // An address that fails to sign in 30 times a minute is turned away (security.test.ts): each anonymous
    // call here comes from its own.
    'x-forwarded-for': c.as === 'none' ? `198.51.100.${(anonymous++ % 250) + 1}` : '203.0.113.9',
  };
  const who = c.as === 'b' ? B.key : c.as === 'none' ? undefined : auth[c.as];
  if (who) headers.authorization = who;
  let body: string | undefined;
  if (c.text !== undefined) {
    headers['content-type'] = 'text/csv';
    body = c.text;
  } else if (c.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(c.body);
  }
  const res = await app.request(`${c.path ?? path}${c.query ?? ''}`, {
    method,
    headers,
    ...(body !== undefined ? { body } : {}),
  });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return {
    status: res.status,
    json: json as Record<string, unknown> & { error?: { code: string; message: string } },
    text,
  };
}

interface Case {
  route: string;
  ok: Call & { status: number; check?: (json: Record<string, unknown>) => void };
  bad?: Call & { field: string };
  /** A caller that may not (403), or 'anyone' when every caller may. */
  deny: (Call & { status?: 403 }) | 'anyone';
  /** Another business's id (404), or how the route keeps it out when it takes no id. */
  foreign?: Call | { listsOnly: Call; mustNotContain: () => string };
}

const csv = 'Date,Description,Amount\n2026-11-03,Stationery,-12.50\n';
const longId = 'x'.repeat(101);

const CASES: Case[] = [
  {
    route: 'GET /v1/tools',
    ok: {
      as: 'viewer',
      status: 200,
      check: (j) => expect((j.tools as { scope: string }[]).every((x) => x.scope === 'read')).toBe(true),
    },
    deny: 'anyone',
  },
  {
    route: 'POST /v1/tools/{name}',
    ok: { as: 'viewer', path: '/v1/tools/get_cash_position', body: {}, status: 200 },
    bad: { as: 'viewer', path: '/v1/tools/get_metrics', body: { periodType: 'decade' }, field: 'periodType' },
    deny: { as: 'viewer', path: '/v1/tools/categorize_transactions', body: {} },
    foreign: {
      as: 'accountant',
      path: '/v1/tools/set_transaction_category',
      body: { transactionId: '{B.transaction}', category: 'Hacked', apply: true },
    },
  },
  {
    route: 'POST /v1/imports/csv',
    ok: {
      as: 'admin',
      query: '?account=Petty%20cash',
      text: csv,
      status: 201,
      // The one new line was put through categorization, whatever it proposed.
      check: (j) => {
        const r = j as {
          import: Record<string, unknown>;
          categorized: { considered: number; apply: number; review: number; none: number };
        };
        expect(r.import).toMatchObject({ lines: 1, added: 1 });
        expect(r.import.uncategorizedIds).toBeUndefined();
        expect(r.categorized.considered).toBe(1);
        expect(r.categorized.apply + r.categorized.review + r.categorized.none).toBe(1);
      },
    },
    bad: { as: 'admin', query: '', text: csv, field: 'account' },
    deny: { as: 'accountant', query: '?account=Petty%20cash', text: csv },
  },
  {
    route: 'POST /v1/chat',
    ok: {
      as: 'viewer',
      body: { message: 'Who owes us money?' },
      status: 200,
      check: (j) => expect(j.answer).toBeTruthy(),
    },
    bad: { as: 'viewer', body: { message: '   ' }, field: 'message' },
    deny: { as: 'writeKey', body: { message: 'Cash?' } },
    foreign: { as: 'viewer', body: { message: 'And now?', conversationId: '{B.conversation}' } },
  },
  {
    route: 'POST /v1/n8n/chat',
    ok: {
      as: 'readKey',
      body: { sessionId: 'shared-session', chatInput: 'Cash?' },
      status: 200,
      check: (j) => expect(j.conversationId).not.toBe(B.conversation),
    },
    bad: { as: 'readKey', body: { sessionId: 'x' }, field: 'chatInput' },
    deny: { as: 'writeKey', body: { sessionId: 'x', chatInput: 'Cash?' } },
  },
  {
    route: 'GET /v1/conversations',
    ok: { as: 'viewer', status: 200 },
    bad: { as: 'viewer', query: '?limit=0', field: 'limit' },
    deny: { as: 'writeKey' },
    foreign: { listsOnly: { as: 'readKey' }, mustNotContain: () => B.conversation },
  },
  {
    route: 'GET /v1/conversations/{id}/messages',
    ok: { as: 'viewer', path: '/v1/conversations/{A.conversation}/messages', status: 200 },
    bad: { as: 'viewer', path: `/v1/conversations/${longId}/messages`, field: 'id' },
    deny: { as: 'writeKey', path: '/v1/conversations/{A.conversation}/messages' },
    foreign: { as: 'readKey', path: '/v1/conversations/{B.conversation}/messages' },
  },
  {
    route: 'GET /v1/categorization/reviews',
    ok: { as: 'viewer', status: 200, check: (j) => expect(j.total).toBeGreaterThanOrEqual(1) },
    bad: { as: 'viewer', query: '?limit=lots', field: 'limit' },
    deny: { as: 'writeKey' },
    foreign: { listsOnly: { as: 'viewer' }, mustNotContain: () => B.transaction },
  },
  {
    route: 'POST /v1/categorization/reviews/{transactionId}',
    ok: { as: 'accountant', path: '/v1/categorization/reviews/{A.reviewTxn}', body: {}, status: 200 },
    bad: {
      as: 'accountant',
      path: '/v1/categorization/reviews/{A.reviewTxn}',
      body: { category: '' },
      field: 'category',
    },
    deny: { as: 'viewer', path: '/v1/categorization/reviews/{A.reviewTxn}', body: {} },
    foreign: { as: 'accountant', path: '/v1/categorization/reviews/{B.transaction}', body: {} },
  },
  {
    route: 'GET /v1/connections',
    ok: { as: 'viewer', status: 200, check: (j) => expect((j.connections as unknown[]).length).toBeGreaterThan(0) },
    deny: { as: 'writeKey' },
    foreign: { listsOnly: { as: 'viewer' }, mustNotContain: () => B.connection },
  },
  {
    route: 'POST /v1/connections/xero',
    ok: { as: 'admin', status: 200, check: (j) => expect(String(j.url)).toContain(fakeXero.url) },
    deny: { as: 'accountant' },
  },
  {
    route: 'POST /v1/connections/stripe',
    ok: {
      as: 'admin',
      body: { key: FAKE_STRIPE_KEY },
      status: 201,
      check: (j) => {
        A.stripeConnection = (j.connection as { connectionId: string }).connectionId;
      },
    },
    bad: { as: 'admin', body: {}, field: 'key' },
    deny: { as: 'accountant', body: { key: FAKE_STRIPE_KEY } },
  },
  {
    route: 'POST /v1/connections/{id}/sync',
    ok: { as: 'admin', path: '/v1/connections/{A.xeroConnection}/sync', body: { mode: 'incremental' }, status: 200 },
    bad: { as: 'admin', path: '/v1/connections/{A.xeroConnection}/sync', body: { mode: 'weekly' }, field: 'mode' },
    deny: { as: 'accountant', path: '/v1/connections/{A.xeroConnection}/sync', body: {} },
    foreign: { as: 'admin', path: '/v1/connections/{B.connection}/sync', body: {} },
  },
  {
    route: 'DELETE /v1/connections/{id}',
    ok: { as: 'admin', path: '/v1/connections/{A.stripeConnection}', status: 200 },
    bad: { as: 'admin', path: `/v1/connections/${longId}`, field: 'id' },
    deny: { as: 'accountant', path: '/v1/connections/{A.xeroConnection}' },
    foreign: { as: 'admin', path: '/v1/connections/{B.connection}' },
  },
  {
    route: 'GET /v1/sync-conflicts',
    ok: { as: 'viewer', status: 200, check: (j) => expect((j.conflicts as unknown[]).length).toBe(1) },
    deny: { as: 'writeKey' },
    foreign: { listsOnly: { as: 'viewer' }, mustNotContain: () => B.conflict },
  },
  {
    route: 'POST /v1/sync-conflicts/{id}',
    ok: { as: 'accountant', path: '/v1/sync-conflicts/{A.conflict}', body: { keep: 'xero' }, status: 200 },
    bad: { as: 'accountant', path: '/v1/sync-conflicts/{A.conflict}', body: { keep: 'both' }, field: 'keep' },
    deny: { as: 'viewer', path: '/v1/sync-conflicts/{A.conflict}', body: { keep: 'xero' } },
    foreign: { as: 'accountant', path: '/v1/sync-conflicts/{B.conflict}', body: { keep: 'xero' } },
  },
  {
    route: 'GET /v1/sync-runs',
    ok: { as: 'viewer', status: 200, check: (j) => expect((j.runs as unknown[]).length).toBeGreaterThan(0) },
    bad: { as: 'viewer', query: '?limit=1000', field: 'limit' },
    deny: { as: 'writeKey' },
  },
  {
    route: 'GET /v1/me',
    ok: { as: 'accountant', status: 200, check: (j) => expect(j.role).toBe('accountant') },
    deny: 'anyone',
  },
  {
    route: 'GET /v1/business',
    ok: { as: 'viewer', status: 200, check: (j) => expect(j.name).toBe('Matrix Ltd') },
    deny: { as: 'writeKey' },
  },
  {
    route: 'PATCH /v1/business',
    ok: { as: 'admin', body: { allowedOrigins: ['https://app.matrix.example'] }, status: 200 },
    bad: { as: 'admin', body: { allowedOrigins: ['not an origin'] }, field: 'allowedOrigins' },
    deny: { as: 'accountant', body: { allowedOrigins: [] } },
  },
  { route: 'GET /v1/keys', ok: { as: 'admin', status: 200 }, deny: { as: 'accountant' } },
  {
    route: 'POST /v1/keys',
    ok: {
      as: 'admin',
      body: { name: 'made over HTTP', scopes: ['read'] },
      status: 201,
      check: (j) => expect(String(j.key)).toMatch(/^cfo_/),
    },
    bad: { as: 'admin', body: { name: 'empty', scopes: [] }, field: 'scopes' },
    deny: { as: 'accountant', body: { name: 'nope', scopes: ['admin'] } },
  },
  {
    route: 'DELETE /v1/keys/{id}',
    ok: { as: 'admin', path: '/v1/keys/{A.spareKey}', status: 200 },
    bad: { as: 'admin', path: `/v1/keys/${longId}`, field: 'id' },
    deny: { as: 'accountant', path: '/v1/keys/{A.spareKey}' },
    foreign: { as: 'admin', path: '/v1/keys/{B.apiKeyId}' },
  },
  { route: 'GET /v1/members', ok: { as: 'admin', status: 200 }, deny: { as: 'accountant' } },
  {
    route: 'POST /v1/members',
    ok: { as: 'owner', body: { email: 'new@matrix.example', role: 'viewer' }, status: 201 },
    bad: { as: 'owner', body: { email: 'x@matrix.example', role: 'boss' }, field: 'role' },
    deny: { as: 'admin', body: { email: 'x@matrix.example', role: 'viewer' } },
  },
  {
    route: 'PATCH /v1/members/{userId}',
    ok: { as: 'owner', path: '/v1/members/{A.spareMember}', body: { role: 'accountant' }, status: 200 },
    bad: { as: 'owner', path: '/v1/members/{A.spareMember}', body: { role: 'boss' }, field: 'role' },
    deny: { as: 'admin', path: '/v1/members/{A.spareMember}', body: { role: 'owner' } },
    foreign: { as: 'owner', path: '/v1/members/{B.member}', body: { role: 'viewer' } },
  },
  {
    route: 'DELETE /v1/members/{userId}',
    ok: { as: 'owner', path: '/v1/members/{A.spareMember}', status: 200 },
    bad: { as: 'owner', path: `/v1/members/${longId}`, field: 'userId' },
    deny: { as: 'admin', path: '/v1/members/{A.spareMember}' },
    foreign: { as: 'owner', path: '/v1/members/{B.member}' },
  },
  {
    route: 'POST /v1/widget-sessions',
    ok: {
      as: 'adminKey',
      body: { email: 'viewer@matrix.example', ttlSeconds: 600 },
      status: 201,
      check: (j) => expect(String(j.token)).toMatch(/^cfows_/),
    },
    bad: { as: 'adminKey', body: { email: 'viewer@matrix.example', ttlSeconds: 99_999 }, field: 'ttlSeconds' },
    // A viewer may mint for themselves (their key speaks for them), not for anyone else.
    deny: { as: 'viewer', body: { email: 'accountant@matrix.example' } },
    foreign: { as: 'adminKey', body: { email: B.memberEmail } },
  },
  { route: 'GET /v1/webhooks', ok: { as: 'admin', status: 200 }, deny: { as: 'accountant' } },
  {
    route: 'POST /v1/webhooks',
    ok: {
      as: 'admin',
      body: { url: 'https://hooks.matrix.example/cfo', events: ['sync.completed'] },
      status: 201,
      check: (j) => expect(String(j.secret)).toMatch(/^whsec_/),
    },
    bad: { as: 'admin', body: { url: 'ftp://hooks.matrix.example', events: ['*'] }, field: 'url' },
    deny: { as: 'accountant', body: { url: 'https://hooks.matrix.example/x', events: ['*'] } },
  },
  {
    route: 'GET /v1/webhooks/{id}',
    ok: { as: 'admin', path: '/v1/webhooks/{A.webhook}', status: 200 },
    bad: { as: 'admin', path: `/v1/webhooks/${longId}`, field: 'id' },
    deny: { as: 'accountant', path: '/v1/webhooks/{A.webhook}' },
    foreign: { as: 'admin', path: '/v1/webhooks/{B.webhook}' },
  },
  {
    route: 'PATCH /v1/webhooks/{id}',
    ok: { as: 'admin', path: '/v1/webhooks/{A.webhook}', body: { description: 'n8n' }, status: 200 },
    bad: { as: 'admin', path: '/v1/webhooks/{A.webhook}', body: { events: [] }, field: 'events' },
    deny: { as: 'accountant', path: '/v1/webhooks/{A.webhook}', body: { description: 'mine' } },
    foreign: { as: 'admin', path: '/v1/webhooks/{B.webhook}', body: { url: 'https://evil.example/' } },
  },
  {
    route: 'DELETE /v1/webhooks/{id}',
    ok: { as: 'admin', path: '/v1/webhooks/{A.spareWebhook}', status: 200 },
    bad: { as: 'admin', path: `/v1/webhooks/${longId}`, field: 'id' },
    deny: { as: 'accountant', path: '/v1/webhooks/{A.webhook}' },
    foreign: { as: 'admin', path: '/v1/webhooks/{B.webhook}' },
  },
  {
    route: 'POST /v1/webhooks/{id}/test',
    ok: { as: 'admin', path: '/v1/webhooks/{A.webhook}/test', status: 202 },
    bad: { as: 'admin', path: `/v1/webhooks/${longId}/test`, field: 'id' },
    deny: { as: 'accountant', path: '/v1/webhooks/{A.webhook}/test' },
    foreign: { as: 'admin', path: '/v1/webhooks/{B.webhook}/test' },
  },
  {
    route: 'GET /v1/webhooks/{id}/deliveries',
    ok: {
      as: 'admin',
      path: '/v1/webhooks/{A.webhook}/deliveries',
      status: 200,
      check: (j) => expect((j.deliveries as unknown[]).length).toBeGreaterThan(0),
    },
    bad: { as: 'admin', path: '/v1/webhooks/{A.webhook}/deliveries', query: '?limit=0', field: 'limit' },
    deny: { as: 'accountant', path: '/v1/webhooks/{A.webhook}/deliveries' },
    foreign: { as: 'admin', path: '/v1/webhooks/{B.webhook}/deliveries' },
  },
  {
    route: 'GET /v1/alerts',
    ok: { as: 'viewer', status: 200, check: (j) => expect((j.alerts as unknown[]).length).toBe(1) },
    deny: { as: 'writeKey' },
    foreign: { listsOnly: { as: 'viewer' }, mustNotContain: () => B.alert },
  },
  {
    route: 'POST /v1/alerts',
    ok: {
      as: 'admin',
      body: { name: 'Low cash', metric: 'cash_balance', operator: 'lt', threshold: '10000' },
      status: 201,
    },
    bad: { as: 'admin', body: { name: 'Vibes', metric: 'vibes', operator: 'lt', threshold: '1' }, field: 'metric' },
    deny: { as: 'accountant', body: { name: 'Low cash', metric: 'cash_balance', operator: 'lt', threshold: '1' } },
  },
  {
    route: 'DELETE /v1/alerts/{id}',
    ok: { as: 'admin', path: '/v1/alerts/{A.alert}', status: 200 },
    bad: { as: 'admin', path: `/v1/alerts/${longId}`, field: 'id' },
    deny: { as: 'accountant', path: '/v1/alerts/{A.alert}' },
    foreign: { as: 'admin', path: '/v1/alerts/{B.alert}' },
  },
  {
    route: 'PATCH /v1/recommendations/{id}',
    ok: { as: 'accountant', path: '/v1/recommendations/{A.recommendation}', body: { status: 'accepted' }, status: 200 },
    bad: {
      as: 'accountant',
      path: '/v1/recommendations/{A.recommendation}',
      body: { status: 'maybe' },
      field: 'status',
    },
    deny: { as: 'viewer', path: '/v1/recommendations/{A.recommendation}', body: { status: 'dismissed' } },
    foreign: { as: 'accountant', path: '/v1/recommendations/{B.recommendation}', body: { status: 'dismissed' } },
  },
  {
    route: 'GET /v1/audit-log',
    ok: {
      as: 'admin',
      status: 200,
      check: (j) => {
        const entries = j.entries as { action: string; actor: { ip: string | null; userAgent: string | null } }[];
        const patch = entries.find((e) => e.action === 'business.updated');
        expect(patch?.actor).toMatchObject({ ip: '203.0.113.9', userAgent: 'route-matrix/1.0' });
      },
    },
    bad: { as: 'admin', query: '?limit=500', field: 'limit' },
    deny: { as: 'accountant' },
    foreign: { listsOnly: { as: 'admin' }, mustNotContain: () => B.webhook },
  },
];

/** `{A.x}` / `{B.x}` in a path or body → the id. */
function fill<T>(value: T): T {
  const text = JSON.stringify(value ?? null).replace(/\{([AB])\.(\w+)\}/g, (_m, side: 'A' | 'B', key: string) => {
    const v = (side === 'A' ? A : B)[key as keyof typeof A & keyof typeof B];
    if (!v) throw new Error(`no ${side}.${key} yet`);
    return v;
  });
  return JSON.parse(text) as T;
}

describe('every route of the HTTP API', () => {
  for (const kase of CASES) {
    const [method, path] = kase.route.split(' ') as [string, string];
    it(kase.route, async () => {
      // 401 without credentials.
      const anon = await call(method, path, fill({ ...kase.ok, as: 'none' as const }));
      expect(anon.status, `${kase.route} without credentials`).toBe(401);
      expect(anon.json.error?.code).toBe('unauthorized');

      // 400 naming the field.
      if (kase.bad) {
        const bad = await call(method, path, fill(kase.bad));
        expect(bad.status, `${kase.route} with a bad ${kase.bad.field}`).toBe(400);
        expect(bad.json.error?.code).toBe('invalid_input');
        expect(bad.json.error?.message).toContain(kase.bad.field);
      }

      // 403 for a caller that may not.
      if (kase.deny !== 'anyone') {
        const denied = await call(method, path, fill(kase.deny));
        expect(denied.status, `${kase.route} as ${kase.deny.as}`).toBe(403);
        expect(denied.json.error?.code).toBe('forbidden');
      }

      // 404 for another business's ids, with nothing of theirs in the answer.
      if (kase.foreign) {
        if ('listsOnly' in kase.foreign) {
          const listed = await call(method, path, fill(kase.foreign.listsOnly));
          expect(listed.status).toBe(200);
          expect(listed.text).not.toContain(kase.foreign.mustNotContain());
        } else {
          const foreign = await call(method, path, fill(kase.foreign));
          expect(foreign.status, `${kase.route} with B's id`).toBe(404);
          expect(foreign.json.error?.code).toBe('not_found');
          for (const id of [B.recommendation, B.webhook, B.alert, B.member, B.conversation])
            if (!JSON.stringify(fill(kase.foreign)).includes(id)) expect(foreign.text).not.toContain(id);
        }
      }

      // Success last, so the checks above saw the state the case set up.
      const ok = await call(method, path, fill(kase.ok));
      expect(ok.status, `${kase.route}: ${ok.text.slice(0, 300)}`).toBe(kase.ok.status);
      kase.ok.check?.(ok.json);
    });
  }

  it('B is untouched: its recommendation, webhook, alert, member and key are as they were', async () => {
    const rows = await withBusiness(t.db, B.id, (tx) =>
      queryRows<{
        rec: string;
        hook_url: string;
        alert_deleted: boolean;
        members: number;
        revoked: boolean;
        reviews: number;
      }>(
        tx,
        sql`select (select status from recommendations where id = ${B.recommendation}::uuid) as rec,
                   (select url from webhook_subscriptions where id = ${B.webhook}::uuid) as hook_url,
                   (select deleted_at is not null from alert_rules where id = ${B.alert}::uuid) as alert_deleted,
                   (select count(*)::int from memberships where business_id = ${B.id}) as members,
                   (select revoked_at is not null from api_keys where id = ${B.apiKeyId}::uuid) as revoked,
                   (select count(*)::int from category_reviews where business_id = ${B.id} and status = 'open') as reviews`,
      ),
    );
    expect(rows[0]).toEqual({
      rec: 'pending',
      hook_url: 'http://127.0.0.1:9/b',
      alert_deleted: false,
      members: 1,
      revoked: false,
      reviews: 1,
    });
  });

  it('covers every route in the OpenAPI document', async () => {
    const doc = (await (await app.request('/openapi.json')).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    // Each tool is documented as its own path; they are one route, POST /v1/tools/{name}.
    const documented = Object.entries(doc.paths).flatMap(([p, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${p.replace(/^\/v1\/tools\/[a-z_]+$/, '/v1/tools/{name}')}`),
    );
    expect([...new Set(documented)].sort()).toEqual(CASES.map((c) => c.route).sort());
  });
});
