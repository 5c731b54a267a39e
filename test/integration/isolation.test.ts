/**
 * Tenant isolation across every tool: two businesses with the same merchants, customers and account names
 * (the demo generator with different seeds). Called as business B with business A's ids and cursors, no
 * tool returns or changes anything of A's. And with row-level security alone: each tool runs believing it
 * serves A (its own `business_id` filters say A) inside a transaction confined to B — the application filter
 * defeated, as a bug would — and still sees and changes nothing of A's.
 */
import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { queryRows, withBusiness } from '../../src/db/client';
import { createDemoCompany } from '../../src/demo/load';
import { createLogger } from '../../src/logger';
import { invokeTool, TOOLS, type ToolContext } from '../../tools';
import { useTestDatabase } from '../helpers/db';
import { hostileInputs, leakedIds } from '../helpers/isolation';

const t = useTestDatabase();
const TODAY = '2026-11-22';
let a: string;
let b: string;
const aIds = new Set<string>();
let aTx: string[] = [];
let aRec = '';
let aCursor = '';
let aConn = '';
/** Syncs the tools asked for: any call here would be a leak (B starting A's sync). */
const started: string[] = [];

const ctxFor = (businessId: string, name: string): ToolContext => ({
  db: t.db,
  business: { id: businessId, name, baseCurrency: 'USD' },
  caller: { type: 'api_key', id: `key-${name}`, scopes: ['read', 'write'] },
  channel: 'http',
  today: () => TODAY,
  logger: createLogger('silent'),
  startSync: async (connectionId) => {
    started.push(connectionId);
    return { how: 'background' };
  },
});

const fingerprint = (businessId: string) =>
  withBusiness(t.db, businessId, (tx) =>
    queryRows<{ h: string }>(
      tx,
      sql`select md5(coalesce((select string_agg(id::text || coalesce(category, '') || coalesce(category_source, ''), ',' order by id) from transactions), '')
            || coalesce((select string_agg(id::text || status, ',' order by id) from recommendations), '')
            || coalesce((select string_agg(id::text, ',' order by id) from category_rules), '')) as h`,
    ),
  ).then((r) => r[0]!.h);

beforeAll(async () => {
  const today = new Date(`${TODAY}T09:00:00Z`);
  a = (await createDemoCompany(t.database, { today, name: 'Acme A', seed: 1, transactions: 4000 })).businessId;
  b = (await createDemoCompany(t.database, { today, name: 'Acme B', seed: 2, transactions: 4000 })).businessId;
  await withBusiness(t.db, a, async (tx) => {
    for (const table of ['transactions', 'recommendations', 'contacts', 'invoices', 'accounts']) {
      const rows = await queryRows<{ id: string }>(tx, sql`select id::text as id from ${sql.identifier(table)}`);
      for (const r of rows) aIds.add(r.id);
    }
    aTx = (
      await queryRows<{ id: string }>(tx, sql`select id::text as id from transactions where kind = 'SPEND' limit 3`)
    ).map((r) => r.id);
    aRec = (await queryRows<{ id: string }>(tx, sql`select id::text as id from recommendations limit 1`))[0]!.id;
    aConn = (
      await queryRows<{ id: string }>(
        tx,
        sql`insert into integration_accounts (business_id, provider, external_id, name)
            values (${a}, 'xero', 'tenant-of-acme-a', 'Acme A (Xero)') returning id::text as id`,
      )
    )[0]!.id;
    aIds.add(aConn);
  });
  const page = await invokeTool(TOOLS.find((x) => x.name === 'list_transactions')!, { limit: 5 }, ctxFor(a, 'Acme A'));
  if (!page.ok) throw new Error(page.error.message);
  aCursor = page.output.nextCursor as string;
}, 120_000);

const hostile = () => hostileInputs({ cursor: aCursor, transactions: aTx, recommendation: aRec, connection: aConn });

describe('tenant isolation across every tool', () => {
  it('as business B, with A’s ids and cursors, nothing of A is returned or changed', async () => {
    const before = await fingerprint(a);
    const inputs = hostile();
    for (const tool of TOOLS) {
      const r = await invokeTool(tool, inputs[tool.name] ?? {}, ctxFor(b, 'Acme B'));
      const text = JSON.stringify(r.ok ? r.output : r.error);
      if (leakedIds(text, inputs[tool.name], aIds).length) console.log('LEAK', tool.name, text.slice(0, 1500));
      expect(leakedIds(text, inputs[tool.name], aIds), tool.name).toEqual([]);
      expect(text, tool.name).not.toContain('Acme A');
    }
    expect(await fingerprint(a)).toBe(before);
  }, 120_000);

  it('A’s ids are "not found" for B, and a cursor of A’s pages nothing of A', async () => {
    const ctx = ctxFor(b, 'Acme B');
    const call = (name: string, input: unknown) => invokeTool(TOOLS.find((x) => x.name === name)!, input, ctx);
    const set = await call('set_transaction_category', { transactionId: aTx[0], category: 'Hacked', apply: true });
    expect(set.ok ? 'ok' : set.error.code).toBe('not_found');
    const rec = await call('update_recommendation_status', { id: aRec, status: 'dismissed', apply: true });
    expect(rec.ok ? 'ok' : rec.error.code).toBe('not_found');
    const cat = await call('categorize_transactions', { transactionIds: aTx, apply: true });
    expect(cat.ok ? 'ok' : cat.error.code).toBe('not_found');
    const sync = await call('start_sync', { connectionId: aConn, apply: true });
    expect(sync.ok ? 'ok' : sync.error.code).toBe('not_found');
    const all = await call('start_sync', { apply: true });
    expect(all.ok && all.output.connections).toEqual([]);
    expect(started).toEqual([]);
    const page = await call('list_transactions', { cursor: aCursor });
    if (page.ok) for (const row of page.output.transactions as { id: string }[]) expect(aIds.has(row.id)).toBe(false);
  });

  it('with row-level security alone (every tool’s own filter says A, the database session says B), nothing of A', async () => {
    const before = await fingerprint(a);
    const inputs = hostile();
    const believesA = ctxFor(a, 'Acme A');
    let refused = 0;
    for (const tool of TOOLS) {
      const input = tool.input.parse(inputs[tool.name] ?? {});
      let text: string;
      try {
        const out = await withBusiness(t.db, b, (tx) => tool.run(input, { ...believesA, db: tx }));
        text = JSON.stringify(out);
      } catch (err) {
        // Refused (not found, not synced, or a write the policy's WITH CHECK stopped): also nothing of A.
        refused++;
        text = String((err as Error).message);
      }
      expect(leakedIds(text, inputs[tool.name], aIds), tool.name).toEqual([]);
    }
    expect(refused).toBeGreaterThan(0);
    expect(await fingerprint(a)).toBe(before);
    expect(started).toEqual([]);
  }, 120_000);
});
