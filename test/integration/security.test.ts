/**
 * The hardening of issue 17, each item tried against the running app as an attacker would: what a widget token
 * may do, who may mint one and for whom, what a removed member keeps, two demotions at once, whose
 * conversations a person's key reads, deployments behind a TLS proxy (origin, Secure __Host- cookie, the
 * OpenAPI server), failed sign-ins, a dashboard-minted token after sign-out, and the small ones (no-store,
 * nosniff, future Stripe signatures, http origins). SSRF: webhook-destinations.test.ts; the data directory's
 * permissions: cli.test.ts; a real proxy: the browser suite.
 */

import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/auth/api-keys';
import { addMember, removeMember, setMemberRole } from '../../src/auth/members';
import { loginLink } from '../../src/auth/sessions';
import { loadConfig } from '../../src/config';
import { createBusiness } from '../../src/db/businesses';
import { queryRows, withBusiness } from '../../src/db/client';
import { ConflictError } from '../../src/errors';
import { type App, createApp } from '../../src/http/app';
import { FAILED_AUTH_PER_MINUTE } from '../../src/http/auth';
import { importStatement } from '../../src/integrations/csv/import';
import { createLogger } from '../../src/logger';
import { onPostgres, useTestDatabase } from '../helpers/db';
import { signal } from '../helpers/signal';

const t = useTestDatabase();
const config = loadConfig({ DATA_DIR: '/tmp/cfo-security', ENCRYPTION_KEY: '5b'.repeat(32), TRUST_PROXY: 'true' });
const sealing = { key: config.encryption.key, keyId: config.encryption.keyId };
const actor = { type: 'system' as const, id: 'test', channel: 'cli' };
const BASE = 'http://cfo.test';
let app: App;
let businessId = '';
const people: Record<'owner' | 'admin' | 'viewer', { userId: string; email: string }> = {} as never;
let adminKey = '';
let readKey = '';
let viewerKey = '';
let address = 0;

/** A request from its own address (X-Forwarded-For, as a trusted proxy sends it). */
const req = (path: string, init: RequestInit & { token?: string; cookie?: string; ip?: string } = {}) => {
  const headers = new Headers(init.headers);
  if (init.token) headers.set('authorization', `Bearer ${init.token}`);
  if (init.cookie) headers.set('cookie', init.cookie);
  headers.set('x-forwarded-for', init.ip ?? `10.9.0.${(address++ % 200) + 1}`);
  if (init.body && !headers.has('content-type')) headers.set('content-type', 'application/json');
  return app.request(`${BASE}${path}`, { ...init, headers });
};
const json = (body: unknown) => JSON.stringify(body);
async function mint(token: string, body: Record<string, unknown>) {
  const res = await req('/v1/widget-sessions', { method: 'POST', token, body: json(body) });
  return { status: res.status, body: (await res.json()) as { token: string; error?: { message: string } } };
}
const cookieOf = (res: Response) => /(?:__Host-)?cfo_session=([^;]+)/.exec(res.headers.get('set-cookie') ?? '')?.[0];

beforeAll(async () => {
  app = createApp({ config, database: t.database, logger: createLogger('silent'), today: () => '2026-11-22' });
  const business = await createBusiness(t.db, { name: 'Guarded Ltd' });
  businessId = business.id;
  await withBusiness(t.db, businessId, (tx) =>
    importStatement(tx, business, {
      account: 'Checking',
      text: 'Date,Description,Amount\n2026-10-01,Opening,5000.00\n2026-10-05,UBER TRIP,-23.40\n',
    }),
  );
  for (const role of ['owner', 'admin', 'viewer'] as const) {
    const m = await addMember(t.db, businessId, { email: `${role}@guarded.example`, role }, actor);
    people[role] = { userId: m.userId, email: m.email };
  }
  adminKey = (await createApiKey(t.db, { businessId, name: 'host app', scopes: ['admin'] })).key;
  readKey = (await createApiKey(t.db, { businessId, name: 'reader', scopes: ['read'] })).key;
  viewerKey = (
    await createApiKey(t.db, { businessId, name: 'viewer’s', scopes: ['read'], createdByUserId: people.viewer.userId })
  ).key;
});

describe('widget tokens read and chat, nothing more', () => {
  it('a token minted for an admin cannot make keys or further sessions, change origins, add webhooks, connect, import or manage members', async () => {
    const { status, body } = await mint(adminKey, { email: people.admin.email });
    expect(status).toBe(201);
    const token = body.token;
    expect((await req('/v1/business', { token })).status).toBe(200);
    expect((await req('/v1/tools/get_sync_status', { method: 'POST', token, body: '{}' })).status).toBe(200);
    const refused: [string, string, unknown][] = [
      ['POST', '/v1/keys', { name: 'mine now', scopes: ['admin'] }],
      ['PATCH', '/v1/business', { allowedOrigins: ['https://evil.example'] }],
      ['POST', '/v1/webhooks', { url: 'https://hooks.example/x', events: ['*'] }],
      ['POST', '/v1/connections/stripe', { key: 'sk_test_abcdefabcdefabcdef' }],
      ['POST', '/v1/members', { email: 'friend@evil.example', role: 'owner' }],
      ['POST', '/v1/widget-sessions', { email: people.admin.email }],
      ['POST', '/v1/widget-sessions', {}],
      ['GET', '/v1/keys', undefined],
      ['GET', '/v1/audit-log', undefined],
    ];
    for (const [method, path, b] of refused) {
      const res = await req(path, { method, token, ...(b ? { body: json(b) } : {}) });
      expect(res.status, `${method} ${path}`).toBe(403);
    }
    const csv = await req('/v1/imports/csv?account=Checking', {
      method: 'POST',
      token,
      headers: { 'content-type': 'text/csv' },
      body: 'Date,Description,Amount\n2026-01-01,x,1\n',
    });
    expect(csv.status).toBe(403);
  });

  it('categorizing takes the minting request asking for it, and the member being allowed to', async () => {
    const plain = (await mint(adminKey, { email: people.admin.email })).body.token;
    const me = async (token: string) => (await (await req('/v1/me', { token })).json()).permissions as string[];
    expect(await me(plain)).toEqual(['read']);
    const allowed = (await mint(adminKey, { email: people.admin.email, allow: ['categorize'] })).body.token;
    expect((await me(allowed)).sort()).toEqual(['categorize', 'read']);
    // A viewer may not categorize, whatever the request asks.
    const viewer = (await mint(adminKey, { email: people.viewer.email, allow: ['categorize'] })).body.token;
    expect(await me(viewer)).toEqual(['read']);
  });
});

describe('who may mint a widget session, and for whom', () => {
  it('a read-only key cannot mint for anyone; a person’s key mints for them only; never for a role above the key', async () => {
    const ro = await mint(readKey, { email: people.owner.email });
    expect(ro.status).toBe(403);
    expect(ro.body.error!.message).toMatch(/chat session for owner@guarded\.example needs/);
    const own = await mint(viewerKey, {});
    expect(own.status).toBe(201);
    expect((await mint(viewerKey, { email: people.owner.email })).status).toBe(403);
    // An admin key is an admin: it cannot speak for an owner.
    const up = await mint(adminKey, { email: people.owner.email });
    expect(up.status).toBe(403);
    expect(up.body.error!.message).toMatch(/owner@guarded\.example is an owner/);
  });

  it('the audit log names the minting key, on the minting and on what the session then does', async () => {
    const minted = await mint(adminKey, { email: people.admin.email, allow: ['categorize'] });
    const audit = (action: string) =>
      withBusiness(t.db, businessId, (tx) =>
        queryRows<{ actor_type: string; actor_id: string; via_key_id: string | null }>(
          tx,
          sql`select actor_type, actor_id, via_key_id from audit_logs where action = ${action} order by created_at desc limit 1`,
        ),
      );
    const [made] = await audit('widget_session.created');
    expect(made).toMatchObject({ actor_type: 'api_key', via_key_id: null });
    const keyId = made!.actor_id;
    // The session files a category: audited as the admin, through the key that made the session.
    const [line] = await withBusiness(t.db, businessId, (tx) =>
      queryRows<{ id: string }>(tx, sql`select id::text from transactions where kind = 'SPEND' limit 1`),
    );
    const set = await req('/v1/tools/set_transaction_category', {
      method: 'POST',
      token: minted.body.token,
      body: json({ transactionId: line!.id, category: 'Travel', apply: true }),
    });
    expect(set.status).toBe(200);
    const [filed] = await audit('set_category');
    expect(filed).toEqual({ actor_type: 'user', actor_id: people.admin.userId, via_key_id: keyId });
  });
});

describe('a member removed and added again starts with no credentials', () => {
  it('their key and dashboard session are revoked at removal, and older widget tokens refused', async () => {
    const m = await addMember(t.db, businessId, { email: 'leaver@guarded.example', role: 'admin' }, actor);
    const key = (
      await createApiKey(t.db, { businessId, name: 'leaver’s', scopes: ['admin'], createdByUserId: m.userId })
    ).key;
    const login = await app.request(loginLink(sealing, BASE, { businessId, email: 'leaver@guarded.example' }));
    const cookie = cookieOf(login)!;
    const widget = (await mint(adminKey, { email: 'leaver@guarded.example' })).body.token;
    for (const c of [{ token: key }, { cookie }, { token: widget }]) expect((await req('/v1/me', c)).status).toBe(200);

    await withBusiness(t.db, businessId, (tx) => removeMember(tx, businessId, m.userId, actor));
    await addMember(t.db, businessId, { email: 'leaver@guarded.example', role: 'viewer' }, actor);
    for (const c of [{ token: key }, { cookie }, { token: widget }]) {
      const res = await req('/v1/me', c);
      expect(res.status, JSON.stringify(Object.keys(c))).toBe(401);
    }
  });
});

describe('two demotions at once (PostgreSQL)', () => {
  it.skipIf(!onPostgres)('leave the business an owner: the second waits for the first and is refused', async () => {
    const biz = (await createBusiness(t.db, { name: 'Two Owners Ltd' })).id;
    const a = await addMember(t.db, biz, { email: 'a@two.example', role: 'owner' }, actor);
    const b = await addMember(t.db, biz, { email: 'b@two.example', role: 'owner' }, actor);
    const firstHolds = signal();
    const release = signal();
    const first = withBusinessOn(biz, async (tx) => {
      await setMemberRole(tx, biz, a.userId, 'admin', actor);
      firstHolds.reach();
      await release.reached;
    });
    await firstHolds.reached;
    const second = withBusinessOn(biz, (tx) => setMemberRole(tx, biz, b.userId, 'admin', actor));
    // The second waits for the first's lock on the owners (without the lock it would not wait: it would see the
    // first owner still there and go ahead). Once it waits, let the first commit and see what the second does.
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      const [w] = await queryRows<{ n: number }>(
        t.db,
        sql`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`,
      );
      if (w!.n > 0) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    release.reach();
    await first;
    await expect(second).rejects.toBeInstanceOf(ConflictError);
    const owners = await withBusiness(t.db, biz, (tx) =>
      queryRows<{ n: number }>(tx, sql`select count(*)::int as n from memberships where role = 'owner'`),
    );
    expect(owners[0]!.n).toBe(1);
  });
});

/** A transaction of its own (PostgreSQL: another pooled connection), so two can run at once. */
const withBusinessOn = <T>(biz: string, fn: Parameters<typeof withBusiness<T>>[2]) => withBusiness(t.db, biz, fn);

describe('a key a person created sees that person’s conversations only', () => {
  it('the viewer’s key neither lists nor opens the owner’s conversation', async () => {
    const ownerKey = (
      await createApiKey(t.db, { businessId, name: 'owner’s', scopes: ['read'], createdByUserId: people.owner.userId })
    ).key;
    const asked = await req('/v1/chat', {
      method: 'POST',
      token: ownerKey,
      body: json({ message: 'What is our runway?' }),
    });
    const { conversationId } = await asked.json();
    const list = await (await req('/v1/conversations', { token: viewerKey })).json();
    expect(list.conversations.map((c: { id: string }) => c.id)).not.toContain(conversationId);
    expect((await req(`/v1/conversations/${conversationId}/messages`, { token: viewerKey })).status).toBe(404);
    // The owner's own key, and a key no person stands behind (the business's), do see it.
    expect((await req(`/v1/conversations/${conversationId}/messages`, { token: ownerKey })).status).toBe(200);
    expect((await req(`/v1/conversations/${conversationId}/messages`, { token: adminKey })).status).toBe(200);
  });
});

describe('behind a TLS-terminating proxy', () => {
  let proxied: App;
  beforeAll(() => {
    proxied = createApp({
      config: loadConfig({
        DATA_DIR: '/tmp/cfo-security',
        ENCRYPTION_KEY: '5b'.repeat(32),
        PUBLIC_URL: 'https://cfo.example.com',
        TRUST_PROXY: 'true',
      }),
      database: t.database,
      logger: createLogger('silent'),
    });
  });
  const viaProxy = (path: string, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    headers.set('x-forwarded-proto', 'https');
    headers.set('x-forwarded-host', 'cfo.example.com');
    headers.set('x-forwarded-for', '203.0.113.7');
    // The proxy speaks plain http to the service.
    return proxied.request(`http://127.0.0.1:3000${path}`, { ...init, headers });
  };

  it('signs in with a Secure __Host- cookie, and the dashboard’s writes from its https origin are accepted', async () => {
    const link = new URL(loginLink(sealing, 'https://cfo.example.com', { businessId }));
    const res = await viaProxy(`${link.pathname}${link.search}`);
    expect(res.status).toBe(302);
    const set = res.headers.get('set-cookie')!;
    expect(set).toMatch(/^__Host-cfo_session=/);
    expect(set).toMatch(/Secure/);
    expect(set).toMatch(/Path=\//);
    const cookie = cookieOf(res)!;
    const write = await viaProxy('/v1/business', {
      method: 'PATCH',
      headers: { cookie, origin: 'https://cfo.example.com', 'content-type': 'application/json' },
      body: json({ name: 'Guarded Ltd' }),
    });
    expect(write.status).toBe(200);
    // A page elsewhere still cannot use the cookie.
    const foreign = await viaProxy('/v1/me', { headers: { cookie, origin: 'https://evil.example' } });
    expect(foreign.status).toBe(403);
  });

  it('/openapi.json names PUBLIC_URL, whatever Host a request claims', async () => {
    const doc = await (
      await proxied.request('http://evil.example/openapi.json', { headers: { host: 'evil.example' } })
    ).json();
    expect(doc.servers).toEqual([{ url: 'https://cfo.example.com' }]);
  });
});

describe('failed sign-ins from one address', () => {
  it(`are refused without a lookup after ${FAILED_AUTH_PER_MINUTE} in a minute, while other addresses go on`, async () => {
    const ip = '198.51.100.23';
    for (let i = 0; i < FAILED_AUTH_PER_MINUTE; i++)
      expect((await req('/v1/me', { token: `cfo_AAAAAAAA_${'x'.repeat(32)}${i}`, ip })).status).toBe(401);
    const blocked = await req('/v1/me', { token: adminKey, ip });
    expect(blocked.status).toBe(429);
    expect(blocked.headers.get('retry-after')).toMatch(/^\d+$/);
    expect((await blocked.json()).error.message).toMatch(/failed sign-ins a minute from this address/);
    expect((await req('/v1/me', { token: adminKey, ip: '198.51.100.24' })).status).toBe(200);
  });
});

describe('signing out of the dashboard', () => {
  it('ends the widget sessions the dashboard made', async () => {
    const login = await app.request(loginLink(sealing, BASE, { businessId, email: people.admin.email }));
    const cookie = cookieOf(login)!;
    const minted = await req('/v1/widget-sessions', { method: 'POST', cookie, body: '{}' });
    expect(minted.status).toBe(201);
    const { token } = await minted.json();
    expect((await req('/v1/me', { token })).status).toBe(200);
    expect((await req('/logout', { method: 'POST', cookie })).status).toBe(303);
    expect((await req('/v1/me', { token })).status).toBe(401);
  });
});

describe('the small ones', () => {
  it('/v1 answers are not cached and not sniffed, errors included', async () => {
    for (const res of [await req('/v1/business', { token: readKey }), await req('/v1/keys', { token: readKey })]) {
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    }
  });

  it('allowed origins are https (http only for localhost)', async () => {
    const set = (o: string) =>
      req('/v1/business', { method: 'PATCH', token: adminKey, body: json({ allowedOrigins: [o] }) });
    expect((await set('http://shop.example.com')).status).toBe(400);
    expect((await set('http://localhost:5173')).status).toBe(200);
    expect((await set('https://shop.example.com')).status).toBe(200);
  });
});
