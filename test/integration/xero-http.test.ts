/**
 * Xero over HTTP, through the real app and the real job queue: the browser's OAuth round trip
 * (/connect/xero → consent → /connect/xero/callback), the connection routes, and a signed webhook
 * whose events the `xero.events` job turns into re-fetched records.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/auth/api-keys';
import { loadConfig } from '../../src/config';
import { createBusiness } from '../../src/db/businesses';
import { queryRows, withBusiness } from '../../src/db/client';
import { createApp, type JobsHolder } from '../../src/http/app';
import { syncServices } from '../../src/integrations/connections';
import { signState } from '../../src/integrations/xero';
import { xeroSignature } from '../../src/integrations/xero/webhooks';
import { cronEvery, type Jobs, startJobs } from '../../src/jobs';
import { createLogger } from '../../src/logger';
import { demoOrg, FAKE_XERO_CLIENT, type FakeOrg, type FakeXero, startFakeXero } from '../fakes/xero';
import { useTestDatabase } from '../helpers/db';

const t = useTestDatabase();
const WEBHOOK_KEY = 'xero-webhook-key-http-test';
const logger = createLogger('silent');
const org: FakeOrg = demoOrg(77, { name: 'Webhooked Ltd' });
let fake: FakeXero;
let app: ReturnType<typeof createApp>;
let config: ReturnType<typeof loadConfig>;
let jobs: Jobs;
const holder: JobsHolder = {};
let businessId = '';
let adminKey = '';
let readKey = '';
let connectionId = '';

beforeAll(async () => {
  fake = await startFakeXero([org]);
  config = loadConfig({
    DATA_DIR: '/tmp/cfo-xero-http',
    ENCRYPTION_KEY: 'ab'.repeat(32),
    XERO_CLIENT_ID: FAKE_XERO_CLIENT.clientId,
    XERO_CLIENT_SECRET: FAKE_XERO_CLIENT.clientSecret,
    XERO_REDIRECT_URI: 'http://localhost/connect/xero/callback',
    XERO_API_BASE_URL: fake.url,
    XERO_IDENTITY_BASE_URL: fake.url,
    XERO_WEBHOOK_KEY: WEBHOOK_KEY,
  });
  jobs = await startJobs(t.database, logger, {
    work: true,
    pollingIntervalSeconds: 0.5,
    sync: { services: syncServices(config, t.database, logger), intervalMinutes: 30 },
  });
  holder.current = jobs;
  app = createApp({ config, database: t.database, logger, jobs: holder });
  const b = await createBusiness(t.db, { name: 'Connect Me Ltd', baseCurrency: 'USD' });
  businessId = b.id;
  adminKey = (await createApiKey(t.db, { businessId, name: 'admin', scopes: ['admin'] })).key;
  readKey = (await createApiKey(t.db, { businessId, name: 'read', scopes: ['read'] })).key;
});
afterAll(async () => {
  await jobs?.stop();
  await fake.close();
});

async function until<T>(what: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await what();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 200));
  }
}

const auth = (key: string) => ({ authorization: `Bearer ${key}` });

describe('Xero connect over HTTP', () => {
  it('refuses /connect/xero without a ticket or an admin key, and a read key', async () => {
    expect((await app.request('/connect/xero')).status).toBe(401);
    const r = await app.request('/connect/xero', { headers: auth(readKey) });
    expect(r.status).toBe(403);
    const forged = await app.request('/connect/xero?ticket=eyJ9.abc');
    expect(forged.status).toBe(400);
  });

  it('a ticket from `cfo connect xero` starts the round trip; the callback connects and the first sync runs', async () => {
    const ticket = signState(
      { key: config.encryption.key, keyId: config.encryption.keyId },
      { purpose: 'ticket', businessId },
    );
    const start = await app.request(`/connect/xero?ticket=${ticket}`);
    expect(start.status).toBe(302);
    const consent = new URL(start.headers.get('location')!);
    expect(consent.origin + consent.pathname).toBe(`${fake.url}/connect/authorize`);
    expect(consent.searchParams.get('scope')).toContain('offline_access');
    // A ticket is not a state: the callback must not accept one.
    const swapped = await app.request(`/connect/xero/callback?code=x&state=${ticket}`);
    expect(swapped.status).toBe(400);

    const atXero = await fetch(consent, { redirect: 'manual' });
    const back = new URL(atXero.headers.get('location')!);
    const done = await app.request(back.pathname + back.search);
    expect(done.status).toBe(200);
    const page = await done.text();
    expect(page).toContain('Webhooked Ltd');
    expect(page).toContain(businessId);

    const list = await app.request('/v1/connections', { headers: auth(readKey) });
    const { connections } = (await list.json()) as { connections: { id: string; provider: string; status: string }[] };
    expect(connections).toEqual([expect.objectContaining({ provider: 'xero', status: 'active' })]);
    connectionId = connections[0]!.id;

    const run = await until(async () => {
      const r = await app.request('/v1/sync-runs', { headers: auth(readKey) });
      const { runs } = (await r.json()) as { runs: { status: string; mode: string; processed: number }[] };
      return runs.find((x) => x.status === 'succeeded');
    });
    expect(run).toMatchObject({ mode: 'full' });
    const [n] = await withBusiness(t.db, businessId, (tx) =>
      queryRows<{ n: number }>(tx, sql`select count(*)::int as n from invoices`),
    );
    expect(n!.n).toBe(org.data.Invoices.length + org.data.CreditNotes.length);
  });

  it('POST /v1/connections/{id}/sync needs write, queues a run, and checks the id belongs to the key', async () => {
    expect(
      (await app.request(`/v1/connections/${connectionId}/sync`, { method: 'POST', headers: auth(readKey) })).status,
    ).toBe(403);
    const bad = await app.request(`/v1/connections/${connectionId}/sync`, {
      method: 'POST',
      headers: { ...auth(adminKey), 'content-type': 'application/json' },
      body: JSON.stringify({ mode: 'sometimes' }),
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(/mode/);
    const runs = async () => {
      const r = await app.request('/v1/sync-runs?limit=100', { headers: auth(readKey) });
      return ((await r.json()) as { runs: { status: string }[] }).runs;
    };
    const before = (await runs()).length;
    const ok = await app.request(`/v1/connections/${connectionId}/sync`, { method: 'POST', headers: auth(adminKey) });
    expect(ok.status).toBe(202);
    // The queued run happens (and finishes before the next test counts Xero calls).
    await until(async () => {
      const all = await runs();
      return all.length > before && all.every((r) => r.status !== 'running') ? true : undefined;
    });
    const other = await createBusiness(t.db, { name: 'Nosy Ltd' });
    const nosy = (await createApiKey(t.db, { businessId: other.id, name: 'nosy', scopes: ['admin'] })).key;
    const stranger = await app.request(`/v1/connections/${connectionId}/sync`, { method: 'POST', headers: auth(nosy) });
    expect(stranger.status).toBe(404);
  });

  it('a signed Xero webhook naming an invoice gets 200 at once; the job re-fetches the invoice', async () => {
    const inv = org.data.Invoices.find((i) => i.Status === 'AUTHORISED')!;
    fake.update(org.tenantId, 'Invoices', String(inv.InvoiceID), { Reference: 'Changed via webhook' });
    const body = JSON.stringify({
      events: [
        {
          resourceUrl: `https://api.xero.com/api.xro/2.0/Invoices/${inv.InvoiceID}`,
          resourceId: inv.InvoiceID,
          eventDateUtc: new Date().toISOString(),
          eventType: 'UPDATE',
          eventCategory: 'INVOICE',
          tenantId: org.tenantId,
          tenantType: 'ORGANISATION',
        },
      ],
      firstEventSequence: 1,
      lastEventSequence: 1,
      entropy: 'abc',
    });
    const before = fake.calls.length;
    const r = await app.request('/webhooks/xero', {
      method: 'POST',
      headers: { 'x-xero-signature': xeroSignature(body, WEBHOOK_KEY), 'content-type': 'application/json' },
      body,
    });
    expect(r.status).toBe(200);
    expect(await r.text()).toBe('');
    const row = await until(async () => {
      const [x] = await withBusiness(t.db, businessId, (tx) =>
        queryRows<{ reference: string }>(
          tx,
          sql`select reference from invoices where external_id = ${String(inv.InvoiceID)}`,
        ),
      );
      return x?.reference === 'Changed via webhook' ? x : undefined;
    });
    expect(row.reference).toBe('Changed via webhook');
    // Only the named invoice was fetched, not a whole sync.
    const fetched = fake.calls.slice(before).filter((c) => c.status === 200);
    expect(fetched.map((c) => c.collection)).toEqual(['Invoices']);
    // The event is marked processed after the re-fetch has been written (a re-fetch is idempotent, so
    // an event left unmarked by a crash is simply fetched again): wait for the mark, too.
    const ev = await until(async () => {
      const [x] = await withBusiness(t.db, businessId, (tx) =>
        queryRows<{ processed: boolean; error: string | null }>(
          tx,
          sql`select processed_at is not null as processed, error from inbound_events`,
        ),
      );
      return x?.processed || x?.error ? x : undefined;
    });
    expect(ev).toEqual({ processed: true, error: null });
  });

  it('the schedule runs an incremental sync of every active connection', async () => {
    const runs = async () => {
      const r = await app.request('/v1/sync-runs?limit=100', { headers: auth(readKey) });
      return ((await r.json()) as { runs: { status: string; mode: string }[] }).runs;
    };
    const before = (await runs()).filter((r) => r.mode === 'incremental' && r.status === 'succeeded').length;
    expect(await jobs.enqueueScheduledSyncs()).toBeTruthy();
    await until(async () => {
      const n = (await runs()).filter((r) => r.mode === 'incremental' && r.status === 'succeeded').length;
      return n > before ? n : undefined;
    });
    expect(cronEvery(30)).toBe('*/30 * * * *');
    expect(cronEvery(7)).toBe('*/6 * * * *');
    expect(cronEvery(90)).toBe('0 * * * *');
    expect(cronEvery(240)).toBe('0 */4 * * *');
    expect(cronEvery(1440)).toBe('0 0 * * *');
  });

  it('the start_sync tool previews, then queues a sync through the same queue', async () => {
    const call = async (input: unknown) => {
      const r = await app.request('/v1/tools/start_sync', {
        method: 'POST',
        headers: { ...auth(adminKey), 'content-type': 'application/json' },
        body: JSON.stringify(input),
      });
      return (await r.json()) as {
        result: { applied: boolean; connections: { id: string; action: string; started: string | null }[] };
      };
    };
    const preview = await call({});
    expect(preview.result).toMatchObject({
      applied: false,
      connections: [{ id: connectionId, action: 'sync', started: null }],
    });
    const runs = async () => {
      const r = await app.request('/v1/sync-runs?limit=100', { headers: auth(readKey) });
      return ((await r.json()) as { runs: unknown[] }).runs.length;
    };
    const before = await runs();
    const started = await call({ apply: true, mode: 'incremental' });
    expect(started.result).toMatchObject({
      applied: true,
      connections: [{ id: connectionId, action: 'sync', started: 'queued' }],
    });
    await until(async () => ((await runs()) > before ? true : undefined));
  });

  it('DELETE /v1/connections/{id} needs admin, then the connection is revoked', async () => {
    const del = (key: string) =>
      app.request(`/v1/connections/${connectionId}`, { method: 'DELETE', headers: auth(key) });
    expect((await del(readKey)).status).toBe(403);
    // Let the queued syncs finish first so they do not race the disconnect.
    await until(async () => {
      const r = await app.request('/v1/sync-runs?limit=100', { headers: auth(readKey) });
      const { runs } = (await r.json()) as { runs: { status: string }[] };
      return runs.every((x) => x.status !== 'running') ? true : undefined;
    });
    await new Promise((r) => setTimeout(r, 300));
    expect((await del(adminKey)).status).toBe(200);
    const list = await app.request('/v1/connections', { headers: auth(readKey) });
    const { connections } = (await list.json()) as { connections: { status: string }[] };
    expect(connections[0]!.status).toBe('revoked');
    expect(fake.revoked).toHaveLength(1);
  });
});
