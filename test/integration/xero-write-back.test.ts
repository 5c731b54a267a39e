/**
 * Categories back to Xero, against the fake: previewed first; applied ones reach Xero's line; a line
 * changed in Xero since the last sync becomes a conflict row and is not overwritten; reconciled lines are
 * left alone; every push and conflict is audited.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/auth/api-keys';
import { loadConfig } from '../../src/config';
import { queryRows, withBusiness } from '../../src/db/client';
import { setTransactionCategory } from '../../src/domain/categorize/corrections';
import { createApp } from '../../src/http/app';
import { XERO_SCOPES } from '../../src/integrations/xero/client';
import { completeXeroConnection, consentUrl } from '../../src/integrations/xero/connect';
import { syncXero } from '../../src/integrations/xero/sync';
import { pushCategoriesToXero } from '../../src/integrations/xero/write-back';
import { createLogger } from '../../src/logger';
import { bankOrg, FAKE_XERO_CLIENT, type FakeXero, startFakeXero, xeroDate } from '../fakes/xero';
import { useTestDatabase } from '../helpers/db';

const t = useTestDatabase();
const ENV = {
  DATA_DIR: '/tmp/cfo-write-back',
  ENCRYPTION_KEY: '9a'.repeat(32),
  XERO_CLIENT_ID: FAKE_XERO_CLIENT.clientId,
  XERO_CLIENT_SECRET: FAKE_XERO_CLIENT.clientSecret,
  XERO_REDIRECT_URI: 'http://127.0.0.1:9/connect/xero/callback',
};
const config = loadConfig(ENV);
/** The service, configured for the fake Xero. */
const appWithFake = () =>
  createApp({
    config: loadConfig({ ...ENV, XERO_API_BASE_URL: fake.url, XERO_IDENTITY_BASE_URL: fake.url }),
    database: t.database,
    logger: createLogger('silent'),
  });
const keys = [{ key: config.encryption.key, keyId: config.encryption.keyId }];
const actor = { type: 'user' as const, id: 'owner', channel: 'web' };
const org = bankOrg(6, 'Write Back Ltd');
let fake: FakeXero;
let businessId = '';
const ids: Record<string, string> = {};

const deps = () => ({
  database: t.database,
  settings: {
    ...FAKE_XERO_CLIENT,
    redirectUri: 'http://127.0.0.1:9/connect/xero/callback',
    apiBaseUrl: fake.url,
    identityBaseUrl: fake.url,
    scopes: XERO_SCOPES,
  },
  keys,
  logger: createLogger('silent'),
});

beforeAll(async () => {
  org.data.Accounts.push(
    {
      AccountID: randomUUID(),
      Code: '400',
      Name: 'Advertising',
      Type: 'EXPENSE',
      Status: 'ACTIVE',
      UpdatedDateUTC: xeroDate(0),
    },
    {
      AccountID: randomUUID(),
      Code: '453',
      Name: 'Office Expenses',
      Type: 'EXPENSE',
      Status: 'ACTIVE',
      UpdatedDateUTC: xeroDate(0),
    },
  );
  // Lines 1, 2 and 4 (spends) and 3 (a receipt) are not reconciled yet; line 5 is.
  for (const i of [1, 2, 3, 4]) org.data.BankTransactions[i]!.IsReconciled = false;
  fake = await startFakeXero([org]);
  const d = deps();
  const res = await fetch(await consentUrl(d.settings, keys[0]!), { redirect: 'manual' });
  const [c] = await completeXeroConnection(
    { db: t.db, settings: d.settings, keys },
    res.headers.get('location')!,
    actor,
  );
  businessId = c!.businessId;
  await syncXero(d, businessId, c!.connectionId, 'full');
  const rows = await withBusiness(t.db, businessId, (tx) =>
    queryRows<{ id: string; ref: string }>(tx, sql`select id::text, description as ref from transactions`),
  );
  for (const r of rows) ids[r.ref] = r.id;
  for (const ref of ['Line 1', 'Line 2', 'Line 4', 'Line 5'])
    await withBusiness(t.db, businessId, (tx) =>
      setTransactionCategory(
        tx,
        { id: businessId },
        { transactionId: ids[ref]!, category: 'Advertising', accountCode: '400' },
        actor,
        {
          apply: true,
        },
      ),
    );
});
afterAll(async () => {
  await fake.close();
});

describe('category write-back to Xero', () => {
  it('previews what it would push and writes nothing', async () => {
    const r = await pushCategoriesToXero(deps(), businessId, { apply: false, actor });
    const byRef = Object.fromEntries(r.items.map((i) => [i.description, i.outcome]));
    expect(byRef).toEqual({
      'Line 1': 'would_push',
      'Line 2': 'would_push',
      'Line 4': 'would_push',
      'Line 5': 'skipped',
    });
    expect(fake.writes).toEqual([]);
  });

  it('pushes applied categories; a line changed in Xero since the sync becomes a conflict and is not overwritten', async () => {
    const line2 = org.data.BankTransactions.find((x) => x.Reference === 'Line 2')!;
    fake.update(org.tenantId, 'BankTransactions', String(line2.BankTransactionID), {
      LineItems: [{ Description: 'Supplier payment', AccountCode: '453', LineAmount: 10 }],
    });
    const r = await pushCategoriesToXero(deps(), businessId, { apply: true, actor });
    expect({ pushed: r.pushed, conflicts: r.conflicts, skipped: r.skipped }).toEqual({
      pushed: 2,
      conflicts: 1,
      skipped: 1,
    });
    expect(
      fake.writes
        .map((w) => [
          org.data.BankTransactions.find((x) => x.BankTransactionID === w.id)!.Reference,
          w.lineItems[0]!.AccountCode,
        ])
        .sort(),
    ).toEqual([
      ['Line 1', '400'],
      ['Line 4', '400'],
    ]);
    // Xero's own change to line 2 stands.
    expect((line2.LineItems as { AccountCode: string }[])[0]!.AccountCode).toBe('453');
    const [conflict] = await withBusiness(t.db, businessId, (tx) =>
      queryRows<{ local_id: string; local_value: unknown; remote_value: { accountCodes: string[] }; status: string }>(
        tx,
        sql`select local_id::text, local_value, remote_value, status from sync_conflicts`,
      ),
    );
    expect(conflict).toMatchObject({
      local_id: ids['Line 2'],
      local_value: { category: 'Advertising', accountCode: '400' },
      remote_value: { accountCodes: ['453'] },
      status: 'open',
    });
    const audits = await withBusiness(t.db, businessId, (tx) =>
      queryRows<{ action: string; n: number }>(
        tx,
        sql`select action, count(*)::int as n from audit_logs where action like 'xero.category%' group by action order by action`,
      ),
    );
    expect(audits).toEqual([
      { action: 'xero.category_conflict', n: 1 },
      { action: 'xero.category_pushed', n: 2 },
    ]);
  });

  it('a second push has nothing left to send, and the next sync keeps our categories', async () => {
    const before = fake.writes.length;
    const r = await pushCategoriesToXero(deps(), businessId, { apply: true, actor });
    expect(r.pushed + r.conflicts).toBe(0);
    expect(fake.writes).toHaveLength(before);
    const [c] = await withBusiness(t.db, businessId, (tx) =>
      queryRows<{ id: string }>(tx, sql`select id::text from integration_accounts`),
    );
    await syncXero(deps(), businessId, c!.id);
    const [line1] = await withBusiness(t.db, businessId, (tx) =>
      queryRows<{ category: string; category_source: string }>(
        tx,
        sql`select category, category_source from transactions where id = ${ids['Line 1']}`,
      ),
    );
    expect(line1).toEqual({ category: 'Advertising', category_source: 'user' });
  });

  it('the push_categories_to_xero tool previews over HTTP, and applying sends the line to Xero', async () => {
    const app = appWithFake();
    const key = (await createApiKey(t.db, { businessId, name: 'w', scopes: ['read', 'write'] })).key;
    await withBusiness(t.db, businessId, (tx) =>
      setTransactionCategory(
        tx,
        { id: businessId },
        { transactionId: ids['Line 3']!, category: 'Office Expenses', accountCode: '453' },
        actor,
        {
          apply: true,
        },
      ),
    );
    const call = async (input: unknown) => {
      const r = await app.request('/v1/tools/push_categories_to_xero', {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify(input),
      });
      return (
        (await r.json()) as {
          result: { applied: boolean; toPush: number; lines: { description: string; action: string }[] };
        }
      ).result;
    };
    const preview = await call({});
    expect(preview).toMatchObject({ applied: false, toPush: 1 });
    expect(preview.lines.map((l) => [l.description, l.action])).toEqual([
      ['Line 3', 'push'],
      ['Line 5', 'skip'],
    ]);
    const before = fake.writes.length;
    expect(await call({ apply: true })).toMatchObject({ applied: true, toPush: 1 });
    const end = Date.now() + 10_000;
    while (fake.writes.length === before && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    expect(fake.writes.slice(before).map((w) => w.lineItems[0]!.AccountCode)).toEqual(['453']);
  });

  it("a conflict is resolved by a person: keep Xero's takes its code here; keep ours writes ours to Xero", async () => {
    const app = appWithFake();
    const read = (await createApiKey(t.db, { businessId, name: 'r', scopes: ['read'] })).key;
    const write = (await createApiKey(t.db, { businessId, name: 'w2', scopes: ['write'] })).key;
    const list = await app.request('/v1/sync-conflicts', { headers: { authorization: `Bearer ${read}` } });
    const { conflicts } = (await list.json()) as {
      conflicts: { id: string; transactionId: string; xeros: { accountCodes: string[] } }[];
    };
    expect(conflicts).toEqual([
      expect.objectContaining({
        transactionId: ids['Line 2'],
        xeros: expect.objectContaining({ accountCodes: ['453'] }),
      }),
    ]);
    const decide = (key: string, id: string, body: unknown) =>
      app.request(`/v1/sync-conflicts/${id}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await decide(read, conflicts[0]!.id, { keep: 'xero' })).status).toBe(403);
    expect((await decide(write, conflicts[0]!.id, { keep: 'maybe' })).status).toBe(400);
    const kept = await decide(write, conflicts[0]!.id, { keep: 'xero' });
    expect(await kept.json()).toEqual({ status: 'kept_remote', accountCode: '453' });
    const [line2] = await withBusiness(t.db, businessId, (tx) =>
      queryRows<{ category: string; account_code: string; category_source: string }>(
        tx,
        sql`select category, account_code, category_source from transactions where id = ${ids['Line 2']}`,
      ),
    );
    expect(line2).toEqual({ category: 'Office Expenses', account_code: '453', category_source: 'upstream' });
    expect((await decide(write, conflicts[0]!.id, { keep: 'ours' })).status).toBe(404); // already decided

    // Another conflict, decided the other way: ours goes to Xero.
    const line4 = org.data.BankTransactions.find((x) => x.Reference === 'Line 4')!;
    await withBusiness(t.db, businessId, (tx) =>
      setTransactionCategory(
        tx,
        { id: businessId },
        { transactionId: ids['Line 4']!, category: 'Office Expenses', accountCode: '453' },
        actor,
        {
          apply: true,
        },
      ),
    );
    fake.update(org.tenantId, 'BankTransactions', String(line4.BankTransactionID), {
      LineItems: [{ Description: 'Supplier payment', AccountCode: '400', LineAmount: 10, Note: 'changed in Xero' }],
    });
    const r = await pushCategoriesToXero(deps(), businessId, { apply: true, actor });
    expect(r.conflicts).toBe(1);
    const again = (await (
      await app.request('/v1/sync-conflicts', { headers: { authorization: `Bearer ${read}` } })
    ).json()) as {
      conflicts: { id: string }[];
    };
    const ours = await decide(write, again.conflicts[0]!.id, { keep: 'ours' });
    expect(await ours.json()).toEqual({ status: 'kept_local', accountCode: '453' });
    expect((line4.LineItems as { AccountCode: string }[])[0]!.AccountCode).toBe('453');
  });
});
