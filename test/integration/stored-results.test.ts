/**
 * Stored results (src/domain/stored-results.ts): the slow read tools answer from what they stored while
 * nothing they read has changed, the same answer as computing it; any write to the books — by any path —
 * makes the next answer a fresh computation; the refresh's own writes do not; and a change still in
 * progress while a result was computed makes that result stale once it commits.
 */
import { and, eq, sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { createBusiness } from '../../src/db/businesses';
import { type Db, queryRows, withBusiness } from '../../src/db/client';
import { contacts, invoices, subscriptions, transactions } from '../../src/db/schema';
import { createDemoCompany } from '../../src/demo/load';
import { refreshInsights } from '../../src/domain/insights';
import { buildReport } from '../../src/domain/reports';
import { findTool, invokeTool, type ToolContext } from '../../tools';
import { onPostgres, useTestDatabase } from '../helpers/db';
import { signal } from '../helpers/signal';
import { demoToolContext } from '../helpers/tools';

const t = useTestDatabase();
const TODAY = '2026-11-22';
let ctx: ToolContext;

/** The tools whose domain functions store their results, and an input for each. */
const STORED: [string, Record<string, unknown>][] = [
  ['forecast_cash_flow', {}],
  ['get_receivables_aging', {}],
  ['get_payables_aging', {}],
  ['get_customer_payment_health', {}],
  ['get_dispute_monitoring', {}],
  ['detect_anomalies', {}],
];

async function call(name: string, input: Record<string, unknown> = {}) {
  const r = await invokeTool(findTool(name)!, input, ctx);
  if (!r.ok) throw new Error(`${name}: ${r.error.message}`);
  return r.output as Record<string, unknown>;
}

const inBusiness = <T>(fn: (tx: Db) => Promise<T>) => withBusiness(t.db, ctx.business.id, fn);
const storedKeys = () =>
  inBusiness(async (tx) =>
    (await queryRows<{ key: string }>(tx, sql`select key from stored_results order by key`)).map((r) => r.key),
  );
/** What computing from the books gives now: the same call with nothing stored. */
async function computed(name: string, input: Record<string, unknown> = {}) {
  await inBusiness((tx) => tx.execute(sql`delete from stored_results`));
  return call(name, input);
}

beforeAll(async () => {
  const demo = await createDemoCompany(t.database, { today: new Date(`${TODAY}T09:00:00Z`), transactions: 4_000 });
  ctx = demoToolContext(t.db, demo.businessId, TODAY);
});

describe('stored results', () => {
  it('a second ask reads what the first stored, and it is the computed answer', async () => {
    for (const [name, input] of STORED) {
      const first = await call(name, input);
      const keys = await storedKeys();
      expect(keys.length, name).toBeGreaterThan(0);
      expect(await call(name, input), name).toEqual(first);
      expect(await storedKeys(), name).toEqual(keys);
    }
    // The second ask really reads the stored row: a marker planted in it comes back.
    await inBusiness((tx) =>
      tx.execute(
        sql`update stored_results set result = jsonb_set(result, '{notes}', '["planted"]') where key like ${`%:dispute_monitoring:${TODAY}`}`,
      ),
    );
    expect((await call('get_dispute_monitoring')).notes).toEqual(['planted']);
    expect((await computed('get_dispute_monitoring')).notes).not.toEqual(['planted']);
  });

  it('aging stores the largest contacts with the count of all; a saved report keeps every contact', async () => {
    const tool = await call('get_receivables_aging');
    const saved = await inBusiness((tx) =>
      buildReport(tx, ctx.business, { kind: 'aged_receivables', to: TODAY, save: true }),
    );
    const all = saved.data as { contacts: { contact: string }[]; contactCount: number };
    expect(all.contactCount).toBe(all.contacts.length);
    expect(tool.contactCount).toBe(all.contactCount);
    expect((tool.contacts as { contact: string }[]).map((c) => c.contact)).toEqual(
      all.contacts.slice(0, 15).map((c) => c.contact),
    );
  });

  it('the insights refresh leaves them valid: its own writes are derived, not the books', async () => {
    await call('get_dispute_monitoring');
    await inBusiness((tx) =>
      tx.execute(
        sql`update stored_results set result = jsonb_set(result, '{notes}', '["planted"]') where key like ${`%:dispute_monitoring:${TODAY}`}`,
      ),
    );
    // The refresh rewrites snapshots, scores, recommendations and customers' payment behaviour on contacts.
    await inBusiness((tx) => refreshInsights(tx, ctx.business, { asOf: TODAY }));
    expect((await call('get_dispute_monitoring')).notes).toEqual(['planted']);
  });

  /** Each write changes what one tool answers; after it, the tool answers as computed from the books. */
  const writes: { what: string; tool: string; write: (tx: Db) => Promise<unknown> }[] = [
    {
      what: 'a bank line inserted',
      tool: 'forecast_cash_flow',
      write: async (tx) => {
        const [bank] = await queryRows<{ id: string }>(tx, sql`select id from accounts where is_bank limit 1`);
        return tx.insert(transactions).values({
          businessId: ctx.business.id,
          source: 'csv',
          externalId: 'stored-results-spend',
          kind: 'SPEND',
          status: 'AUTHORISED',
          date: '2026-11-20',
          amount: '-123456.78',
          currency: 'USD',
          baseAmount: '-123456.78',
          bankAccountId: bank!.id,
          counterparty: 'One-off purchase',
        });
      },
    },
    {
      what: 'that bank line deleted',
      tool: 'forecast_cash_flow',
      write: (tx) => tx.delete(transactions).where(eq(transactions.externalId, 'stored-results-spend')),
    },
    {
      what: 'a subscription’s MRR changed',
      tool: 'forecast_cash_flow',
      write: async (tx) => {
        const [sub] = await queryRows<{ id: string }>(
          tx,
          sql`select id from subscriptions where status = 'active' order by mrr_amount desc limit 1`,
        );
        return tx.update(subscriptions).set({ mrrAmount: '99999.00' }).where(eq(subscriptions.id, sub!.id));
      },
    },
    {
      what: 'the largest open receivable voided',
      tool: 'get_receivables_aging',
      write: async (tx) => {
        const [inv] = await queryRows<{ id: string }>(
          tx,
          sql`select id from invoices where type = 'ACCREC' and status = 'AUTHORISED' and amount_due > 0 order by total desc limit 1`,
        );
        return tx.update(invoices).set({ status: 'VOIDED' }).where(eq(invoices.id, inv!.id));
      },
    },
    {
      what: 'a supplier renamed',
      tool: 'get_payables_aging',
      write: async (tx) => {
        const [c] = await queryRows<{ id: string }>(
          tx,
          sql`select c.id from contacts c join invoices i on i.contact_id = c.id
              where i.type = 'ACCPAY' and i.status = 'AUTHORISED' and i.amount_due > 0 limit 1`,
        );
        return tx
          .update(contacts)
          .set({ name: 'Renamed Supplier Ltd' })
          .where(and(eq(contacts.id, c!.id)));
      },
    },
    {
      what: 'a dispute on a Visa charge',
      tool: 'get_dispute_monitoring',
      write: async (tx) => {
        const [ch] = await queryRows<{ external_id: string }>(
          tx,
          sql`select external_id from transactions where kind = 'CHARGE' and metadata->>'cardBrand' = 'visa' limit 1`,
        );
        return tx.insert(transactions).values({
          businessId: ctx.business.id,
          source: 'stripe',
          externalId: 'dp_stored_results',
          kind: 'DISPUTE',
          status: 'needs_response',
          date: '2026-11-20',
          amount: '-50.00',
          currency: 'USD',
          baseAmount: '-50.00',
          metadata: { charge: ch!.external_id, reason: 'fraudulent' },
        });
      },
    },
  ];

  for (const w of writes) {
    it(`${w.what}: ${w.tool} answers afresh`, async () => {
      const before = await call(w.tool);
      expect(await call(w.tool)).toEqual(before); // stored
      await inBusiness(w.write);
      const after = await call(w.tool);
      expect(after).not.toEqual(before);
      expect(after).toEqual(await computed(w.tool));
    });
  }

  it('another business neither sees these results nor makes them stale', async () => {
    const other = await createBusiness(t.db, { name: 'Other Co' });
    const before = await call('forecast_cash_flow');
    const seen = await withBusiness(t.db, other.id, (tx) =>
      queryRows<{ n: number }>(tx, sql`select count(*)::int as n from stored_results`),
    );
    expect(Number(seen[0]!.n)).toBe(0);
    await withBusiness(t.db, other.id, (tx) =>
      tx.insert(transactions).values({
        businessId: other.id,
        source: 'csv',
        externalId: 'other-line',
        kind: 'SPEND',
        status: 'AUTHORISED',
        date: '2026-11-20',
        amount: '-1.00',
        currency: 'USD',
        baseAmount: '-1.00',
      }),
    );
    const [mine] = await inBusiness((tx) =>
      queryRows<{ n: number }>(
        tx,
        sql`select count(*)::int as n from books_changes where business_id <> ${ctx.business.id}`,
      ),
    );
    expect(Number(mine!.n)).toBe(0);
    expect(await call('forecast_cash_flow')).toEqual(before);
  });

  // Two connections are needed: PGlite has one, so its transactions never overlap.
  it.skipIf(!onPostgres)('a change in progress while a result is computed makes it stale once it commits', async () => {
    const before = await computed('forecast_cash_flow');
    const commit = signal();
    const inserted = signal();
    const writer = inBusiness(async (tx) => {
      const [bank] = await queryRows<{ id: string }>(tx, sql`select id from accounts where is_bank limit 1`);
      await tx.insert(transactions).values({
        businessId: ctx.business.id,
        source: 'csv',
        externalId: 'in-progress',
        kind: 'RECEIVE',
        status: 'AUTHORISED',
        date: '2026-11-21',
        amount: '777.00',
        currency: 'USD',
        baseAmount: '777.00',
        bankAccountId: bank!.id,
      });
      inserted.reach();
      await commit.reached;
    });
    await inserted.reached;
    await inBusiness((tx) => tx.execute(sql`delete from stored_results`));
    // Computed and stored while the line is uncommitted: it cannot be in this answer.
    expect(await call('forecast_cash_flow')).toEqual(before);
    commit.reach();
    await writer;
    const after = await call('forecast_cash_flow');
    expect(after).not.toEqual(before);
    expect(after).toEqual(await computed('forecast_cash_flow'));
  });
});
