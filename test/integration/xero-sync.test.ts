/**
 * Xero end to end against the fake: OAuth connect of three organisations through xero-node and
 * openid-client, full and incremental syncs whose counts and sums equal the fake's data, an upstream
 * change updated in place, single-flight token refresh, rate limits, faults, revoked grants, disconnect.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, queryRows, withBusiness, withSystem } from '../../src/db/client';
import { ReauthRequiredError } from '../../src/errors';
import type { XeroSettings } from '../../src/integrations/xero/client';
import { XERO_SCOPES } from '../../src/integrations/xero/client';
import {
  type ConnectedOrganisation,
  completeXeroConnection,
  consentUrl,
  disconnectXero,
  verifyState,
} from '../../src/integrations/xero/connect';
import { syncXero } from '../../src/integrations/xero/sync';
import { refreshGrant, xeroAccessToken } from '../../src/integrations/xero/tokens';
import { Limits } from '../../src/limits';
import { createLogger } from '../../src/logger';
import { D } from '../../src/money';
import { bankOrg, demoOrg, FAKE_XERO_CLIENT, type FakeOrg, type FakeXero, startFakeXero } from '../fakes/xero';
import { useTestDatabase } from '../helpers/db';

const t = useTestDatabase();
const logger = createLogger('silent');
const keys = [{ key: randomBytes(32), keyId: 'test-key' }];
const actor = { type: 'system' as const, channel: 'system' };

let fake: FakeXero;
let settings: XeroSettings;
const orgs: FakeOrg[] = [
  demoOrg(101, { name: 'Alpha Ltd' }),
  demoOrg(202, { name: 'Beta GmbH' }),
  demoOrg(303, { name: 'Gamma Pty' }),
];

const settingsFor = (f: FakeXero): XeroSettings => ({
  ...FAKE_XERO_CLIENT,
  redirectUri: 'http://127.0.0.1:9/connect/xero/callback',
  apiBaseUrl: f.url,
  identityBaseUrl: f.url,
  scopes: XERO_SCOPES,
});

/** What Xero would show the user, then the redirect back with a code: the callback URL. */
async function consent(s: XeroSettings, businessId?: string): Promise<string> {
  const res = await fetch(await consentUrl(s, keys[0]!, businessId), { redirect: 'manual' });
  expect(res.status).toBe(302);
  return res.headers.get('location')!;
}

beforeAll(async () => {
  fake = await startFakeXero(orgs);
  settings = settingsFor(fake);
});
afterAll(async () => {
  await fake.close();
});

const deps = () => ({ database: t.database, settings, keys, logger });

/** The fake's truth for one organisation: counts and sums per entity, as exact decimals. */
function expected(org: FakeOrg) {
  const sum = (rows: Record<string, unknown>[], field: string) =>
    rows.reduce((a, r) => a.plus(new D(String(r[field] ?? 0))), new D(0)).toFixed(2);
  return {
    accounts: org.data.Accounts.length,
    contacts: org.data.Contacts.length,
    invoices: { n: org.data.Invoices.length, total: sum(org.data.Invoices, 'Total') },
    creditNotes: { n: org.data.CreditNotes.length, total: sum(org.data.CreditNotes, 'Total') },
    payments: { n: org.data.Payments.length, total: sum(org.data.Payments, 'Amount') },
    bankTransactions: { n: org.data.BankTransactions.length, total: sum(org.data.BankTransactions, 'Total') },
    bankTransfers: { n: org.data.BankTransfers.length, total: sum(org.data.BankTransfers, 'Amount') },
  };
}

async function actual(businessId: string) {
  return withBusiness(t.db, businessId, async (tx) => {
    const [r] = await queryRows<Record<string, string | number>>(
      tx,
      sql`select
        (select count(*)::int from accounts where source = 'xero') as accounts,
        (select count(*)::int from contacts where source = 'xero') as contacts,
        (select count(*)::int from invoices where type in ('ACCREC','ACCPAY')) as inv_n,
        (select coalesce(sum(total), 0)::numeric(20,2)::text from invoices where type in ('ACCREC','ACCPAY')) as inv_total,
        (select count(*)::int from invoices where type in ('ACCRECCREDIT','ACCPAYCREDIT')) as cn_n,
        (select coalesce(sum(total), 0)::numeric(20,2)::text from invoices where type in ('ACCRECCREDIT','ACCPAYCREDIT')) as cn_total,
        (select count(*)::int from transactions where external_id like 'payment:%') as pay_n,
        (select coalesce(sum(abs(amount)), 0)::numeric(20,2)::text from transactions where external_id like 'payment:%') as pay_total,
        (select count(*)::int from transactions where external_id like 'banktxn:%') as bt_n,
        (select coalesce(sum(abs(amount)), 0)::numeric(20,2)::text from transactions where external_id like 'banktxn:%') as bt_total,
        -- A transfer's sides are kept under its two bank transactions' keys (counted above too); the
        -- transfer record itself marks them with its id.
        (select count(*)::int from transactions where metadata ? 'bankTransferId' and amount > 0) as tf_n,
        (select coalesce(sum(amount), 0)::numeric(20,2)::text from transactions where metadata ? 'bankTransferId' and amount > 0) as tf_total,
        (select count(*)::int from transactions where metadata ? 'bankTransferId' and amount < 0) as tf_from_n`,
    );
    return {
      accounts: r!.accounts,
      contacts: r!.contacts,
      invoices: { n: r!.inv_n, total: r!.inv_total },
      creditNotes: { n: r!.cn_n, total: r!.cn_total },
      payments: { n: r!.pay_n, total: r!.pay_total },
      bankTransactions: { n: r!.bt_n, total: r!.bt_total },
      bankTransfers: { n: r!.tf_n, total: r!.tf_total },
      transferSides: r!.tf_from_n,
    };
  });
}

let connected: ConnectedOrganisation[] = [];

async function grantOf(c: ConnectedOrganisation): Promise<string> {
  const [row] = await withBusiness(t.db, c.businessId, (tx) =>
    queryRows<{ grant_id: string }>(tx, sql`select grant_id from integration_accounts where id = ${c.connectionId}`),
  );
  return row!.grant_id;
}

describe('Xero OAuth connect', () => {
  it('signs the state, refuses a forged or expired one', () => {
    expect(() => verifyState(keys[0]!, 'abc.def')).toThrow(/not issued by this service/);
    expect(() => verifyState(keys[0]!, undefined)).toThrow(/no valid state/);
  });

  it('connects three organisations through the consent round trip, one business each', async () => {
    const callback = await consent(settings);
    connected = await completeXeroConnection({ db: t.db, settings, keys }, callback, actor);
    expect(connected.map((c) => c.name).sort()).toEqual(['Alpha Ltd', 'Beta GmbH', 'Gamma Pty']);
    expect(new Set(connected.map((c) => c.businessId)).size).toBe(3);
    expect(connected.every((c) => c.createdBusiness)).toBe(true);
    expect(fake.tokenCalls).toEqual([{ grantType: 'authorization_code', ok: true }]);

    // Tokens are sealed: the row holds ciphertext, never the token itself, and only system code sees it.
    const grants = await withSystem(t.db, (tx) =>
      queryRows<{ credentials_ciphertext: string }>(tx, sql`select credentials_ciphertext from integration_grants`),
    );
    expect(grants).toHaveLength(1);
    expect(grants[0]!.credentials_ciphertext).not.toMatch(/at_|rt_/);
    const asTenant = await withBusiness(t.db, connected[0]!.businessId, (tx) =>
      queryRows(tx, sql`select * from integration_grants`),
    );
    expect(asTenant).toEqual([]);
  });

  it('reconnecting keeps each organisation on its business and forgets the old tokens; a replayed code fails', async () => {
    const callback = await consent(settings);
    const again = await completeXeroConnection({ db: t.db, settings, keys }, callback, actor);
    expect(again.map((c) => [c.connectionId, c.businessId, c.createdBusiness]).sort()).toEqual(
      connected.map((c) => [c.connectionId, c.businessId, false]).sort(),
    );
    const grants = await withSystem(t.db, (tx) =>
      queryRows<{ n: number }>(
        tx,
        sql`select count(*)::int as n from integration_grants where credentials_ciphertext is not null`,
      ),
    );
    expect(grants[0]!.n).toBe(1);
    await expect(completeXeroConnection({ db: t.db, settings, keys }, callback, actor)).rejects.toThrow(/code/);
  });
});

describe('Xero sync', () => {
  it('a full sync of three organisations matches the fake exactly: counts and sums per entity', async () => {
    const results = await Promise.all(connected.map((c) => syncXero(deps(), c.businessId, c.connectionId, 'full')));
    for (const [i, c] of connected.entries()) {
      const org = orgs.find((o) => o.tenantId === c.tenantId)!;
      const want = expected(org);
      const got = await actual(c.businessId);
      expect({ ...got, transferSides: undefined }).toEqual({ ...want, transferSides: undefined });
      expect(got.transferSides).toBe(want.bankTransfers.n);
      expect(results[i]!.status).toBe('succeeded');
      expect(results[i]!.failed).toBe(0);
    }
    const runs = await withBusiness(t.db, connected[0]!.businessId, (tx) =>
      queryRows<{ status: string; mode: string; processed: number; succeeded: number }>(
        tx,
        sql`select status, mode, processed, succeeded from sync_runs`,
      ),
    );
    expect(runs).toEqual([expect.objectContaining({ status: 'succeeded', mode: 'full' })]);
    expect(runs[0]!.processed).toBeGreaterThan(100);
    const org = await withBusiness(t.db, connected[0]!.businessId, (tx) =>
      queryRows<{ n: number }>(tx, sql`select count(*)::int as n from sync_mappings`),
    );
    expect(org[0]!.n).toBe(results[0]!.processed);
  });

  it('a second sync with nothing changed makes at most one call per entity and writes nothing', async () => {
    const c = connected[0]!;
    const before = fake.calls.length;
    const since = await withBusiness(t.db, c.businessId, (tx) =>
      queryRows<{ now: string }>(tx, sql`select now()::text as now`),
    );
    const r = await syncXero(deps(), c.businessId, c.connectionId);
    const calls = fake.calls.slice(before);
    const perEntity = new Map<string, number>();
    for (const call of calls) perEntity.set(call.collection, (perEntity.get(call.collection) ?? 0) + 1);
    expect([...perEntity.values()].every((n) => n <= 1)).toBe(true);
    // Nothing changed and the full sync just compared the figures with Xero's reports: not again.
    expect([...perEntity.keys()].filter((k) => k.startsWith('Reports/'))).toEqual([]);
    expect(calls.filter((x) => x.collection !== 'Organisation').every((x) => x.ifModifiedSince)).toBe(true);
    expect(Object.values(r.entities).reduce((a, e) => a + e.changed, 0)).toBe(0);
    const touched = await withBusiness(t.db, c.businessId, (tx) =>
      queryRows<{ n: number }>(
        tx,
        sql`select (select count(*) from transactions where updated_at > ${since[0]!.now}::timestamptz)
              + (select count(*) from invoices where updated_at > ${since[0]!.now}::timestamptz)
              + (select count(*) from contacts where updated_at > ${since[0]!.now}::timestamptz)
              + (select count(*) from accounts where updated_at > ${since[0]!.now}::timestamptz)
              + (select count(*) from businesses where updated_at > ${since[0]!.now}::timestamptz) as n`,
      ),
    );
    expect(Number(touched[0]!.n)).toBe(0);
  });

  it('an invoice changed upstream is updated in place, and a voided one is marked, not left live', async () => {
    const c = connected[1]!;
    const org = orgs.find((o) => o.tenantId === c.tenantId)!;
    const [a, b] = org.data.Invoices.filter((i) => i.Type === 'ACCREC' && i.Status === 'AUTHORISED');
    fake.update(c.tenantId, 'Invoices', String(a!.InvoiceID), {
      Total: 1234.56,
      SubTotal: 1234.56,
      TotalTax: 0,
      Reference: 'Changed upstream',
    });
    fake.update(c.tenantId, 'Invoices', String(b!.InvoiceID), { Status: 'VOIDED' });
    const before = await actual(c.businessId);
    const r = await syncXero(deps(), c.businessId, c.connectionId);
    expect(r.entities.Invoices!.changed).toBe(2);
    const after = await actual(c.businessId);
    expect(after.invoices.n).toBe(before.invoices.n);
    expect(after).toEqual(expect.objectContaining({ invoices: expected(org).invoices }));
    const rows = await withBusiness(t.db, c.businessId, (tx) =>
      queryRows<{ external_id: string; amount: string; deleted: boolean; description: string }>(
        tx,
        sql`select external_id, amount::numeric(20,2)::text as amount, deleted_at is not null as deleted, description from transactions
            where external_id in (${`invoice:${a!.InvoiceID}`}, ${`invoice:${b!.InvoiceID}`}) order by deleted`,
      ),
    );
    expect(rows[0]).toMatchObject({ amount: '1234.56', deleted: false });
    expect(rows[0]!.description).toContain('Changed upstream');
    expect(rows[1]!.deleted).toBe(true);
  });
});

describe('Xero tokens', () => {
  it('two concurrent refreshes of one grant make one refresh call, and both callers get the new token', async () => {
    const c = connected[2]!;
    const grantId = await grantOf(c);
    const stale = await xeroAccessToken({ db: t.db, settings, keys }, grantId);
    // A second handle, as a second process would have (PostgreSQL: its own pool; PGlite: one engine).
    const other = t.url ? await openDatabase({ databaseUrl: t.url, poolSize: 2 }) : undefined;
    const before = fake.tokenCalls.filter((x) => x.grantType === 'refresh_token').length;
    const [x, y] = await Promise.all([
      refreshGrant({ db: t.db, settings, keys }, grantId, stale),
      refreshGrant({ db: other?.db ?? t.db, settings, keys }, grantId, stale),
    ]);
    await other?.close();
    expect(fake.tokenCalls.filter((x) => x.grantType === 'refresh_token')).toHaveLength(before + 1);
    expect(fake.tokenCalls.at(-1)).toEqual({ grantType: 'refresh_token', ok: true });
    expect(x).toBe(y);
    expect(x).not.toBe(stale);
    // And the new token works.
    const r = await syncXero(deps(), c.businessId, c.connectionId);
    expect(r.status).toBe('succeeded');
  });

  it('an expired access token mid-sync is refreshed once and the sync carries on', async () => {
    const c = connected[2]!;
    fake.expireAccessTokens();
    const before = fake.tokenCalls.length;
    const r = await syncXero(deps(), c.businessId, c.connectionId);
    expect(r.status).toBe('succeeded');
    expect(fake.tokenCalls.slice(before)).toEqual([{ grantType: 'refresh_token', ok: true }]);
  });
});

describe('Xero limits and faults', () => {
  // Xero's 60 a minute and 5 at once, on a compressed clock: 10 calls a second.
  const LIMITS = { perWindow: 10, windowMs: 1_000, concurrent: 5, perDay: 5_000 };

  async function bankConnection(f: FakeXero) {
    const s = settingsFor(f);
    const res = await fetch(await consentUrl(s, keys[0]!), { redirect: 'manual' });
    const [c] = await completeXeroConnection({ db: t.db, settings: s, keys }, res.headers.get('location')!, actor);
    return { c: c!, s };
  }

  it('30,000 bank transactions through 60 calls a window and 5 at once: nothing lost, nothing left unretried', async () => {
    const org = bankOrg(30_000);
    const f = await startFakeXero([org], { limits: LIMITS });
    f.maxPageSize = 250; // 120 pages: the window has to bind
    // Another process spends the same budget and the headers don't tell us: only 429s do. One call at a time
    // where the client's prefetching makes three, each answered after 100 ms, so the calls overlap and 429s
    // come however slowly a busy machine starts them.
    f.limitHeaders = false;
    f.limits = { ...LIMITS, concurrent: 1 };
    f.latencyMs = 100;
    try {
      const { c, s } = await bankConnection(f);
      // The client believes the per-window budget is bigger than the fake allows: 429s must be retried.
      const limiter = new Limits(t.db).budget(`xero:test:${randomUUID()}`, { ...LIMITS, perWindow: 100 });
      f.faults.push('500', 'drop', { slowMs: 300 });
      const r = await syncXero(
        { database: t.database, settings: s, keys, logger, limiter },
        c.businessId,
        c.connectionId,
        'full',
      );
      expect(r.status).toBe('succeeded');
      const got = await actual(c.businessId);
      expect(got.bankTransactions).toEqual(expected(org).bankTransactions);
      const apiCalls = f.calls.filter((x) => x.collection === 'BankTransactions');
      expect(apiCalls.filter((x) => x.status === 429).length).toBeGreaterThan(0);
      expect(apiCalls.filter((x) => x.status === 200)).toHaveLength(120);
      expect(r.retries).toBeGreaterThanOrEqual(2);
      expect(limiter.stats.throttled).toBe(apiCalls.filter((x) => x.status === 429).length);
    } finally {
      await f.close();
    }
  }, 120_000);

  it('a call Xero never answers times out and is retried; the books still equal Xero, once', async () => {
    const org = bankOrg(600);
    const f = await startFakeXero([org], { limits: LIMITS });
    f.maxPageSize = 100;
    try {
      const { c, s } = await bankConnection(f);
      // The first Accounting API call is never answered: the sync can only finish if the client gives up on it.
      f.faults.push('hang');
      const r = await syncXero(
        {
          database: t.database,
          settings: { ...s, timeoutMs: 300 },
          keys,
          logger,
          limiter: new Limits(t.db).budget(`xero:test:${randomUUID()}`, LIMITS),
        },
        c.businessId,
        c.connectionId,
        'full',
      );
      expect(r.status).toBe('succeeded');
      const hung = f.calls.findIndex((x) => x.status === -2); // the call that never came back
      expect(hung).toBeGreaterThanOrEqual(0);
      expect(f.calls[hung + 1]).toMatchObject({ collection: f.calls[hung]!.collection, status: 200 }); // asked again
      expect(r.retries).toBeGreaterThanOrEqual(1);
      expect((await actual(c.businessId)).bankTransactions).toEqual(expected(org).bankTransactions);
    } finally {
      await f.close();
    }
  }, 60_000);

  it('with the limits known, the limiter keeps under them: no 429 at all', async () => {
    const org = bankOrg(6_000);
    const f = await startFakeXero([org], { limits: LIMITS });
    f.maxPageSize = 100;
    f.latencyMs = 5;
    try {
      const { c, s } = await bankConnection(f);
      const limiter = new Limits(t.db).budget(`xero:test:${randomUUID()}`, LIMITS);
      const r = await syncXero(
        { database: t.database, settings: s, keys, logger, limiter },
        c.businessId,
        c.connectionId,
        'full',
      );
      expect(r.status).toBe('succeeded');
      expect(f.calls.filter((x) => x.status === 429)).toEqual([]);
      expect(r.waits).toBeGreaterThan(0);
      expect((await actual(c.businessId)).bankTransactions).toEqual(expected(org).bankTransactions);
    } finally {
      await f.close();
    }
  }, 60_000);
});

describe('Xero grant lifecycle', () => {
  it('a revoked grant marks the connection needs_reauth and stops its syncs with a clear message', async () => {
    const f = await startFakeXero([demoOrg(404, { name: 'Delta' })]);
    try {
      const s = settingsFor(f);
      const res = await fetch(await consentUrl(s, keys[0]!), { redirect: 'manual' });
      const [c] = await completeXeroConnection({ db: t.db, settings: s, keys }, res.headers.get('location')!, actor);
      // The user removes the app in Xero: the refresh token dies and the access token stops working.
      const { grantTokens } = await import('../../src/integrations/xero/tokens');
      const grantId = await grantOf(c!);
      const tokens = await grantTokens({ db: t.db, keys }, grantId);
      await fetch(`${f.url}/connect/revocation`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${FAKE_XERO_CLIENT.clientId}:${FAKE_XERO_CLIENT.clientSecret}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: `token=${tokens.refreshToken}`,
      });
      await expect(
        syncXero({ database: t.database, settings: s, keys, logger }, c!.businessId, c!.connectionId),
      ).rejects.toThrow(ReauthRequiredError);
      const [row] = await withBusiness(t.db, c!.businessId, (tx) =>
        queryRows<{ status: string; status_message: string }>(
          tx,
          sql`select status, status_message from integration_accounts where id = ${c!.connectionId}`,
        ),
      );
      expect(row!.status).toBe('needs_reauth');
      expect(row!.status_message).toMatch(/reconnect Xero/);
      await expect(
        syncXero({ database: t.database, settings: s, keys, logger }, c!.businessId, c!.connectionId),
      ).rejects.toThrow(/reconnect Xero/);
    } finally {
      await f.close();
    }
  });

  it('disconnect removes the connection at Xero, revokes the grant and deletes the tokens; the books stay', async () => {
    const c = connected[0]!;
    const before = await actual(c.businessId);
    const grantId = await grantOf(c);
    // The other two organisations still use the grant: disconnecting one must not revoke it.
    await disconnectXero({ db: t.db, settings, keys }, c.businessId, c.connectionId, actor);
    expect(fake.revoked).toEqual([]);
    const r = await syncXero(deps(), connected[1]!.businessId, connected[1]!.connectionId);
    expect(r.status).toBe('succeeded');
    await disconnectXero({ db: t.db, settings, keys }, connected[1]!.businessId, connected[1]!.connectionId, actor);
    await disconnectXero({ db: t.db, settings, keys }, connected[2]!.businessId, connected[2]!.connectionId, actor);
    expect(fake.revoked).toHaveLength(1);
    const [grant] = await withSystem(t.db, (tx) =>
      queryRows<{ status: string; sealed: boolean }>(
        tx,
        sql`select status, credentials_ciphertext is not null as sealed from integration_grants where id = ${grantId}`,
      ),
    );
    expect(grant).toEqual({ status: 'revoked', sealed: false });
    await expect(syncXero(deps(), c.businessId, c.connectionId)).rejects.toThrow(/Disconnected|reconnect/);
    expect(await actual(c.businessId)).toEqual(before);
  });
});
