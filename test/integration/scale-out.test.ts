/**
 * Several processes on one PostgreSQL (PostgreSQL runs only): two `cfo serve --no-worker` and a `cfo worker`,
 * real child processes, as behind a load balancer.
 *
 *   - one API key's requests a minute hold across both servers (not once per server);
 *   - 500 Stripe webhook events, each posted to one server or the other and 100 of them to both, are applied
 *     once each — with the worker killed (SIGKILL) while it applies them and a new one started — and the books
 *     equal the same events applied in order in one process;
 *   - a sync of one Xero organisation asked of both servers and of `cfo sync` at once never runs twice at the
 *     same time, and together they stay under Xero's limits (the fake answers 429 to anything over them).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/auth/api-keys';
import { loadConfig } from '../../src/config';
import { createBusiness } from '../../src/db/businesses';
import { queryRows, withBusiness } from '../../src/db/client';
import { integrationAccounts } from '../../src/db/schema';
import { completeXeroConnection, consentUrl, xeroSyncDeps } from '../../src/integrations/xero';
import { createLogger } from '../../src/logger';
import { bankOrg, FAKE_XERO_CLIENT, type FakeXero, startFakeXero, XERO_LIMITS } from '../fakes/xero';
import { cfo, childEnv, ROOT, TEST_KEY } from '../helpers/cli';
import { onPostgres, useTestDatabase } from '../helpers/db';
import { stripeBooks, stripeEvents } from '../helpers/stripe-events';

const t = useTestDatabase();
const STRIPE_SECRET = 'whsec_scale_out';
const PER_MINUTE = 30;

interface Child {
  child: ChildProcess;
  exited: Promise<unknown>;
  output: () => string;
  url?: string;
}

let fake: FakeXero;
let env: Record<string, string>;
const children: Child[] = [];

function start(args: string[], ready: RegExp): Promise<Child> {
  const child = spawn(process.execPath, [join(ROOT, 'bin/cfo.mjs'), ...args], {
    cwd: ROOT,
    env: childEnv({ ...env, LOG_LEVEL: 'info' }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const c: Child = { child, exited: new Promise((r) => child.on('exit', r)), output: () => out };
  children.push(c);
  return new Promise((resolve, reject) => {
    const deadline = setTimeout(() => reject(new Error(`${args.join(' ')} did not start:\n${out}`)), 90_000);
    const read = (d: Buffer) => {
      out += d;
      const m = ready.exec(out);
      if (m) {
        clearTimeout(deadline);
        c.url = m[1];
        resolve(c);
      }
    };
    child.stdout!.on('data', read);
    child.stderr!.on('data', read);
    child.on('exit', (code) => reject(new Error(`${args.join(' ')} exited (${code}):\n${out}`)));
  });
}
const server = () => start(['serve', '--no-worker'], /cfo-agent listening on (http:\/\/[^"\s]+)/);
const worker = () => start(['worker'], /cfo-agent worker running/);

async function until<T>(what: () => Promise<T | undefined>, ms = 120_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await what();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`still waiting after ${ms / 1000} s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe.skipIf(!onPostgres)('two servers and a worker on one PostgreSQL', () => {
  let a: Child;
  let b: Child;
  let businessId = '';
  let connectionId = '';

  beforeAll(async () => {
    fake = await startFakeXero([bankOrg(1_500, 'Shared Org Ltd')], { limits: XERO_LIMITS });
    fake.maxPageSize = 100; // 15 pages of bank transactions
    fake.latencyMs = 40;
    // Only the shared budget can keep the processes under Xero's limits: no remaining-calls headers to learn from.
    fake.limitHeaders = false;
    env = {
      DATABASE_URL: t.url!,
      ENCRYPTION_KEY: TEST_KEY,
      PORT: '0',
      HOST: '127.0.0.1',
      RATE_LIMIT_PER_MINUTE: String(PER_MINUTE),
      STRIPE_WEBHOOK_SECRET: STRIPE_SECRET,
      XERO_CLIENT_ID: FAKE_XERO_CLIENT.clientId,
      XERO_CLIENT_SECRET: FAKE_XERO_CLIENT.clientSecret,
      XERO_REDIRECT_URI: 'http://127.0.0.1:9/connect/xero/callback',
      XERO_API_BASE_URL: fake.url,
      XERO_IDENTITY_BASE_URL: fake.url,
    };
    const deps = xeroSyncDeps(loadConfig(env), t.database, createLogger('silent'));
    const res = await fetch(await consentUrl(deps.settings, deps.keys[0]!), { redirect: 'manual' });
    const [c] = await completeXeroConnection(
      { db: t.db, settings: deps.settings, keys: deps.keys },
      res.headers.get('location')!,
      { type: 'system' },
    );
    businessId = c!.businessId;
    connectionId = c!.connectionId;
    // Migrated by this process already: the servers start side by side (the worker when there is work).
    [a, b] = await Promise.all([server(), server()]);
  }, 180_000);

  afterAll(async () => {
    if (process.env.SCALE_OUT_LOGS) for (const c of children) console.info(c.output());
    for (const c of children) if (c.child.exitCode === null) c.child.kill('SIGKILL');
    await Promise.all(children.map((c) => c.exited));
    await fake?.close();
  });

  it("one key's requests a minute hold across both servers", async () => {
    const { key } = await createApiKey(t.db, { businessId, name: 'limits', scopes: ['read'] });
    const started = performance.now();
    const statuses = await Promise.all(
      Array.from({ length: 2 * PER_MINUTE }, (_, i) =>
        fetch(`${(i % 2 ? a : b).url}/v1/tools/get_sync_status`, {
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          body: '{}',
        }).then((r) => ({ server: i % 2, status: r.status })),
      ),
    );
    const seconds = (performance.now() - started) / 1000;
    const ok = statuses.filter((s) => s.status === 200).length;
    expect(statuses.filter((s) => s.status !== 200 && s.status !== 429)).toEqual([]);
    // One bucket of 30, refilled by one every 2 s while the 60 are asked: per server it would be 60.
    expect(ok).toBeGreaterThanOrEqual(PER_MINUTE);
    expect(ok).toBeLessThanOrEqual(PER_MINUTE + Math.floor(seconds / 2));
    for (const s of [0, 1]) expect(statuses.some((x) => x.server === s && x.status === 429)).toBe(true);
  }, 60_000);

  it('webhooks received by either server are applied once, and a worker killed while applying loses nothing', async () => {
    // Two Stripe accounts: one whose events are delivered twice and whose worker is killed, and the reference.
    const stripeBusiness = async (name: string, account: string) => {
      const biz = await createBusiness(t.db, { name });
      await withBusiness(t.db, biz.id, (tx) =>
        tx.insert(integrationAccounts).values({ businessId: biz.id, provider: 'stripe', externalId: account }),
      );
      return biz.id;
    };
    const hooked = await stripeBusiness('Hooked', 'acct_hooked');
    const ref = await stripeBusiness('Reference', 'acct_ref');
    const events = stripeEvents();
    const post = async (url: string, e: (typeof events)[number], account: string) => {
      const payload = JSON.stringify({ ...e, id: `${e.id}_${account}`, object: 'event', account });
      const r = await fetch(`${url}/webhooks/stripe`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'stripe-signature': Stripe.webhooks.generateTestHeaderString({ payload, secret: STRIPE_SECRET }),
        },
        body: payload,
      });
      expect(r.status).toBe(200);
    };
    // In order, alternately to each server; a hundred of them reach both (Stripe retries, or two endpoints).
    for (const [i, e] of events.entries()) {
      await post(i % 2 ? a.url! : b.url!, e, 'acct_hooked');
      if (i % 5 === 0) await post(i % 2 ? b.url! : a.url!, e, 'acct_hooked');
      await post(a.url!, e, 'acct_ref');
    }
    // A worker starts, and is killed while it applies them (inside its job's transaction).
    const w0 = await worker();
    for (const deadline = Date.now() + 90_000; !/applying Stripe events/.test(w0.output()); ) {
      if (Date.now() > deadline) throw new Error(`the worker never started applying:\n${w0.output()}`);
      await new Promise((r) => setTimeout(r, 5));
    }
    w0.child.kill('SIGKILL');
    await w0.exited;
    const count = (re: RegExp) => w0.output().match(re)?.length ?? 0;
    const [atKill] = await withBusiness(t.db, hooked, (tx) =>
      queryRows<{ n: number }>(tx, sql`select count(*)::int as n from inbound_events where processed_at is not null`),
    );
    // The kill landed mid-job (a run started and did not finish), and left all of its events or none.
    expect(count(/applying Stripe events/g), w0.output()).toBeGreaterThan(count(/Stripe events applied/g));
    expect([0, 500]).toContain(atKill!.n);
    await worker();

    const done = async (id: string) => {
      const [r] = await withBusiness(t.db, id, (tx) =>
        queryRows<{ n: number; open: number }>(
          tx,
          sql`select count(*)::int as n, count(*) filter (where processed_at is null)::int as open
              from inbound_events where provider = 'stripe'`,
        ),
      );
      return r!.n === 500 && r!.open === 0 ? r : undefined;
    };
    expect(await until(() => done(hooked))).toEqual({ n: 500, open: 0 });
    expect(await until(() => done(ref))).toEqual({ n: 500, open: 0 });
    const got = await stripeBooks(t.db, hooked);
    const want = await stripeBooks(t.db, ref);
    expect(got.transactions.length).toBe(320);
    expect(got).toEqual(want);
  }, 240_000);

  it('a sync asked of both servers and of `cfo sync` at once runs one at a time, under Xero’s limits together', async () => {
    const { key } = await createApiKey(t.db, { businessId, name: 'sync', scopes: ['read', 'write', 'admin'] });
    const ask = (url: string) =>
      fetch(`${url}/v1/connections/${connectionId}/sync`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ mode: 'full' }),
      });
    const [ra, rb, cli] = await Promise.all([
      ask(a.url!),
      ask(b.url!),
      cfo(['sync', '--business', businessId, '--full'], { env }),
    ]);
    expect([ra.status, rb.status]).toEqual([202, 202]);
    // The command either ran its sync or was told one is running; it never runs beside another.
    expect(cli.code === 0 || /already running/.test(cli.stderr), cli.stderr).toBe(true);

    const runs = await until(async () => {
      const rows = await withBusiness(t.db, businessId, (tx) =>
        queryRows<{ status: string; started: number; finished: number | null }>(
          tx,
          sql`select status, extract(epoch from started_at)::float8 * 1000 as started,
                extract(epoch from finished_at)::float8 * 1000 as finished
              from sync_runs where integration_account_id = ${connectionId} order by started_at`,
        ),
      );
      return rows.length && rows.every((r) => r.status !== 'running') ? rows : undefined;
    });
    expect(runs.filter((r) => r.status === 'succeeded').length).toBeGreaterThan(0);
    for (let i = 1; i < runs.length; i++) expect(runs[i]!.started).toBeGreaterThanOrEqual(runs[i - 1]!.finished!);
    // Under Xero's limits, all processes together: no call was refused, and the books are Xero's.
    expect(fake.calls.filter((c) => c.status === 429)).toEqual([]);
    const [n] = await withBusiness(t.db, businessId, (tx) =>
      queryRows<{ n: number }>(tx, sql`select count(*)::int as n from transactions where source = 'xero'`),
    );
    expect(n!.n).toBe(1_500);
  }, 240_000);
});
