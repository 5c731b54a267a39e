/**
 * How people in a browser get in, and how far they get: one-time login links and the dashboard's HttpOnly,
 * SameSite=Strict cookie; widget session tokens (at most an hour, bounded by the key that minted them,
 * ended when the key is revoked); the business's allowed origins; rate limits per key and per session with
 * 429 and Retry-After.
 */
import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApiKey, revokeApiKey } from '../../src/auth/api-keys';
import { addMember } from '../../src/auth/members';
import { loginLink, mintWidgetToken } from '../../src/auth/sessions';
import { loadConfig } from '../../src/config';
import { createBusiness } from '../../src/db/businesses';
import { withBusiness } from '../../src/db/client';
import { businesses } from '../../src/db/schema';
import { type App, createApp } from '../../src/http/app';
import { Limits } from '../../src/limits';
import { createLogger } from '../../src/logger';
import { useTestDatabase } from '../helpers/db';

const t = useTestDatabase();
const ENV = { DATA_DIR: '/tmp/cfo-sessions', ENCRYPTION_KEY: '6a'.repeat(32) };
const config = loadConfig(ENV);
const sealing = { key: config.encryption.key, keyId: config.encryption.keyId };
const BASE = 'http://cfo.test';
const actor = { type: 'system' as const, id: 'test', channel: 'cli' };
let app: App;
let businessId = '';
let readKey = '';
let readKeyId = '';
/** A host application's backend: minting sessions for members takes the keys permission (the admin scope). */
let hostKey = '';

beforeAll(async () => {
  app = createApp({ config, database: t.database, logger: createLogger('silent'), today: () => '2026-11-22' });
  const b = await createBusiness(t.db, { name: 'Session Co' });
  businessId = b.id;
  await addMember(t.db, businessId, { email: 'viewer@session.example', role: 'viewer' }, actor);
  const k = await createApiKey(t.db, { businessId, name: 'host app', scopes: ['read'] });
  readKey = k.key;
  readKeyId = k.id;
  hostKey = (await createApiKey(t.db, { businessId, name: 'host app backend', scopes: ['admin'] })).key;
  await withBusiness(t.db, businessId, (tx) => tx.update(businesses).set({ allowedOrigins: ['https://shop.example'] }));
});

const cookieOf = (res: Response) => /cfo_session=([^;]+)/.exec(res.headers.get('set-cookie') ?? '')?.[1];

describe('dashboard sign-in', () => {
  it('a login link works once and sets an HttpOnly, SameSite=Strict cookie; the dashboard then loads', async () => {
    const link = loginLink(sealing, BASE, { businessId });
    const first = await app.request(link);
    expect(first.status).toBe(302);
    expect(first.headers.get('location')).toBe('/');
    const setCookie = first.headers.get('set-cookie')!;
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Strict/i);
    const cookie = cookieOf(first)!;

    const again = await app.request(link);
    expect(again.status).toBe(401);
    expect(await again.text()).toMatch(/used already/);

    const page = await app.request(`${BASE}/`, { headers: { cookie: `cfo_session=${cookie}` } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await page.text();
    expect(html).toContain('/assets/dashboard.js');
    expect(html).toContain('data-token-url="/v1/widget-sessions"');

    // Nobody was a member: the link made the operator the owner.
    const me = await (await app.request(`${BASE}/v1/me`, { headers: { cookie: `cfo_session=${cookie}` } })).json();
    expect(me).toMatchObject({ via: 'dashboard', role: 'owner', user: { email: 'owner@localhost' } });
  });

  it('the cookie works only on the service’s own origin, and signing out ends it', async () => {
    const cookie = cookieOf(await app.request(loginLink(sealing, BASE, { businessId })))!;
    const foreign = await app.request(`${BASE}/v1/me`, {
      headers: { cookie: `cfo_session=${cookie}`, origin: 'https://shop.example' },
    });
    expect(foreign.status).toBe(403);
    expect((await foreign.json()).error.code).toBe('origin_not_allowed');
    const out = await app.request(`${BASE}/logout`, { method: 'POST', headers: { cookie: `cfo_session=${cookie}` } });
    expect(out.status).toBe(303);
    const after = await app.request(`${BASE}/v1/me`, { headers: { cookie: `cfo_session=${cookie}` } });
    expect(after.status).toBe(401);
  });

  it('a forged, expired or foreign-purpose link is refused with a reason', async () => {
    const forged = await app.request(`${BASE}/login?ticket=eyJub25jZSI6IngifQ.AAAA`);
    expect(forged.status).toBe(401);
    const otherKey = loginLink({ key: Buffer.alloc(32, 1), keyId: 'other' }, BASE, { businessId });
    expect((await app.request(otherKey)).status).toBe(401);
    const widgetTokenAsTicket = mintWidgetToken(sealing, {
      businessId,
      userId: '00000000-0000-4000-8000-000000000000',
      keyId: null,
      cap: ['read'],
    }).token.replace('cfows_', '');
    expect((await app.request(`${BASE}/login?ticket=${widgetTokenAsTicket}`)).status).toBe(401);
  });
});

describe('widget sessions', () => {
  const mint = (body: unknown, key = hostKey) =>
    app.request(`${BASE}/v1/widget-sessions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('a host backend mints one for a member; it lasts at most an hour and reads only', async () => {
    const res = await mint({ email: 'viewer@session.example', ttlSeconds: 900 });
    expect(res.status).toBe(201);
    const { token, expiresAt } = await res.json();
    const ms = Date.parse(expiresAt) - Date.now();
    expect(ms).toBeGreaterThan(880_000);
    expect(ms).toBeLessThanOrEqual(900_000);
    expect((await mint({ email: 'viewer@session.example', ttlSeconds: 7200 })).status).toBe(400);
    const me = await (await app.request(`${BASE}/v1/me`, { headers: { authorization: `Bearer ${token}` } })).json();
    expect(me).toMatchObject({ via: 'widget', role: 'viewer', permissions: ['read'] });
    // A session cannot mint sessions.
    expect((await mint({ email: 'viewer@session.example' }, token)).status).toBe(403);
    // Not a member: 404, with what to do.
    const stranger = await mint({ email: 'nobody@session.example' });
    expect(stranger.status).toBe(404);
    expect((await stranger.json()).error.message).toMatch(/POST \/v1\/members/);
  });

  it('an expired token is 401 saying so; revoking the minting key ends its sessions', async () => {
    const member = await addMember(t.db, businessId, { email: 'temp@session.example', role: 'viewer' }, actor);
    const expired = mintWidgetToken(sealing, {
      businessId,
      userId: member.userId,
      keyId: null,
      cap: ['read'],
      ttlSeconds: 60,
    });
    const realNow = Date.now;
    Date.now = () => realNow() + 61_000;
    try {
      const res = await app.request(`${BASE}/v1/me`, { headers: { authorization: `Bearer ${expired.token}` } });
      expect(res.status).toBe(401);
      expect((await res.json()).error.message).toMatch(/expired/);
    } finally {
      Date.now = realNow;
    }
    const k = await createApiKey(t.db, { businessId, name: 'short-lived host', scopes: ['admin'] });
    const { token } = await (await mint({ email: 'temp@session.example' }, k.key)).json();
    expect((await app.request(`${BASE}/v1/me`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    await revokeApiKey(t.db, businessId, k.id);
    const ended = await app.request(`${BASE}/v1/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(ended.status).toBe(401);
    expect((await ended.json()).error.message).toMatch(/revoked/);
  });
});

describe('origins and CORS', () => {
  it('an allowed origin gets its CORS headers; another gets the refusal with them, and no data', async () => {
    const token = (
      await (
        await app.request(`${BASE}/v1/widget-sessions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${hostKey}`, 'content-type': 'application/json' },
          body: JSON.stringify({ email: 'viewer@session.example' }),
        })
      ).json()
    ).token as string;
    const allowed = await app.request(`${BASE}/v1/me`, {
      headers: { authorization: `Bearer ${token}`, origin: 'https://shop.example' },
    });
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://shop.example');
    expect(allowed.headers.get('access-control-allow-credentials')).toBeNull();
    const refused = await app.request(`${BASE}/v1/me`, {
      headers: { authorization: `Bearer ${token}`, origin: 'https://evil.example' },
    });
    expect(refused.status).toBe(403);
    const body = await refused.json();
    expect(body.error.message).toMatch(/https:\/\/evil\.example.*allowed origins/);
    expect(JSON.stringify(body)).not.toContain('Session Co');
    // Same-origin and server-to-server calls carry no foreign Origin and pass.
    expect(
      (await app.request(`${BASE}/v1/me`, { headers: { authorization: `Bearer ${token}`, origin: BASE } })).status,
    ).toBe(200);
  });
});

describe('rate limits', () => {
  it('a key over its limit gets 429 with Retry-After; another key is unaffected', async () => {
    const limited = createApp({
      config: loadConfig({ ...ENV, RATE_LIMIT_PER_MINUTE: '3' }),
      database: t.database,
      logger: createLogger('silent'),
    });
    const other = (await createApiKey(t.db, { businessId, name: 'other', scopes: ['read'] })).key;
    const hit = (key: string) => limited.request(`${BASE}/v1/me`, { headers: { authorization: `Bearer ${key}` } });
    for (let i = 0; i < 3; i++) expect((await hit(readKey)).status).toBe(200);
    const over = await hit(readKey);
    expect(over.status).toBe(429);
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await over.json()).error).toMatchObject({
      code: 'rate_limited',
      message: expect.stringMatching(/at most 3 requests a minute for this API key/),
    });
    expect((await hit(other)).status).toBe(200);
    void readKeyId;
  });

  it('the bucket refills over time (a minute’s worth, continuously), on the database’s clock', async () => {
    // 6 a minute: one every 10 s, so the few milliseconds this test takes never refill one by themselves.
    const limiter = new Limits(t.db);
    for (let i = 0; i < 6; i++) await limiter.take('session:x', 6);
    await expect(limiter.take('session:x', 6)).rejects.toThrow(/Try again in 10 s/);
    // Ten seconds pass (the bucket's clock is moved back rather than waited for).
    await t.db.execute(sql`update rate_limit_buckets set at = at - interval '10 seconds' where key = 'session:x'`);
    await limiter.take('session:x', 6);
    await expect(limiter.take('session:x', 6)).rejects.toThrow(/Try again in 10 s/);
    // `check` refuses without taking; `spend` takes what is there and never refuses.
    await t.db.execute(sql`update rate_limit_buckets set at = at - interval '10 seconds' where key = 'session:x'`);
    await limiter.check('session:x', 6);
    await limiter.spend('session:x', 6);
    await limiter.spend('session:x', 6);
    await expect(limiter.check('session:x', 6)).rejects.toThrow(/Try again in 10 s/);
  });
});
