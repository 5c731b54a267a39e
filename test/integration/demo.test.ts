import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { createBusiness, listBusinesses } from '../../src/db/businesses';
import { queryRows, withBusiness } from '../../src/db/client';
import { generateDemo } from '../../src/demo/generate';
import { deleteDemo, loadDemo } from '../../src/demo/load';
import { ingestStripe } from '../../src/integrations/stripe/mappers';
import { ingestXero } from '../../src/integrations/xero/mappers';
import { D } from '../../src/money';
import { useTestDatabase } from '../helpers/db';

const t = useTestDatabase();
const today = new Date('2026-11-22T10:00:00Z');

describe('demo generator', () => {
  it('is deterministic for a seed and a date, and differs for another seed', () => {
    const a = JSON.stringify([...generateDemo({ today, months: 3 })]);
    const b = JSON.stringify([...generateDemo({ today, months: 3 })]);
    const c = JSON.stringify([...generateDemo({ today, months: 3, seed: 7 })]);
    expect(a).toBe(b);
    expect(a).not.toBe(c);
  });

  it('produces Xero- and Stripe-shaped records', () => {
    const [setup, first] = [...generateDemo({ today, months: 1 })];
    expect(setup!.xero.organisation).toMatchObject({ Name: 'Demo Co', BaseCurrency: 'USD' });
    const inv = first!.xero.invoices!.find((i) => i.Type === 'ACCREC')!;
    expect(inv.InvoiceID).toMatch(/^[0-9a-f-]{36}$/);
    expect(inv.Date).toMatch(/^\/Date\(\d+\+0000\)\/$/);
    const ch = first!.stripe.charges![0]!;
    expect(ch).toMatchObject({ object: 'charge', currency: 'usd' });
    expect(ch.id).toMatch(/^ch_/);
    expect(Number.isInteger(ch.amount)).toBe(true);
  });
});

describe('demo company', () => {
  it('has at least 5,000 transactions over at least 24 months, ending last month, with the story it should tell', async () => {
    const r = await loadDemo(t.db, { today });
    expect(r.transactions).toBeGreaterThanOrEqual(5_000);
    const [span] = await withBusiness(t.db, r.businessId, (tx) =>
      queryRows<{ months: number; first: string; last: string; live: number }>(
        tx,
        sql`select count(distinct date_trunc('month', date))::int as months, min(date)::text as first, max(date)::text as last,
                   count(*) filter (where deleted_at is null)::int as live
            from transactions`,
      ),
    );
    expect(span!.months).toBeGreaterThanOrEqual(24);
    expect(span!.first.slice(0, 7)).toBe('2024-11');
    expect(span!.last.slice(0, 7)).toBe('2026-10');
    expect(span!.live).toBeGreaterThanOrEqual(5_000);

    const story = await withBusiness(t.db, r.businessId, (tx) =>
      queryRows<{ k: string; n: number }>(
        tx,
        sql`select 'refund_share' as k, (100.0 * count(*) filter (where kind = 'REFUND') / nullif(count(*) filter (where kind = 'CHARGE' and status = 'succeeded'), 0))::float8 as n from transactions
            union all select 'dispute_share', (100.0 * count(*) filter (where kind = 'DISPUTE') / nullif(count(*) filter (where kind = 'CHARGE' and status = 'succeeded'), 0))::float8 from transactions
            union all select 'suppliers', count(distinct contact_id)::float8 from invoices where type = 'ACCPAY'
            union all select 'spend_counterparties', count(distinct counterparty)::float8 from transactions where kind = 'SPEND'
            union all select 'overdue_invoices', count(*)::float8 from invoices where type = 'ACCREC' and status = 'AUTHORISED' and due_date < '2026-11-22'
            union all select 'late_paid_invoices', count(*)::float8 from invoices where type = 'ACCREC' and paid_date > due_date
            union all select 'bank_accounts', count(*)::float8 from accounts where is_bank
            union all select 'transfers', count(*)::float8 from transactions where kind = 'TRANSFER'
            union all select 'payouts', count(*)::float8 from transactions where kind = 'PAYOUT'
            union all select 'churned', count(*)::float8 from subscriptions where status = 'canceled'`,
      ),
    );
    const s = Object.fromEntries(story.map((x) => [x.k, Number(x.n)]));
    expect(s.refund_share).toBeGreaterThanOrEqual(2);
    expect(s.refund_share).toBeLessThanOrEqual(4);
    expect(s.dispute_share).toBeGreaterThanOrEqual(0.3);
    expect(s.dispute_share).toBeLessThanOrEqual(0.8);
    expect(s.suppliers! + s.spend_counterparties!).toBeGreaterThanOrEqual(30);
    expect(s.overdue_invoices).toBeGreaterThan(0);
    expect(s.late_paid_invoices).toBeGreaterThan(0);
    expect(s.bank_accounts).toBe(2);
    expect(s.transfers).toBeGreaterThan(0);
    expect(s.payouts).toBeGreaterThanOrEqual(90); // weekly
    expect(s.churned).toBeGreaterThan(0);
    await deleteDemo(t.db);
  });

  it('stores exactly what the generator emitted: counts and sums per kind', async () => {
    const r = await loadDemo(t.db, { today, name: 'Exact Co', months: 6 });
    const expected = new Map<string, { n: number; cents: bigint }>();
    const bump = (k: string, cents: bigint) => {
      const e = expected.get(k) ?? { n: 0, cents: 0n };
      expected.set(k, { n: e.n + 1, cents: e.cents + cents });
    };
    for (const b of generateDemo({ today, months: 6 })) {
      for (const c of b.stripe.charges ?? []) bump('CHARGE', BigInt(c.amount));
      for (const x of b.stripe.refunds ?? []) bump('REFUND', -BigInt(x.amount));
      for (const x of b.stripe.payouts ?? []) bump('PAYOUT', -BigInt(x.amount));
      for (const x of b.stripe.balanceTransactions ?? []) if (x.fee) bump('FEE', -BigInt(x.fee));
      for (const x of b.xero.bankTransactions ?? [])
        bump(x.Type, BigInt(Math.round(x.Total * 100)) * (x.Type === 'SPEND' ? -1n : 1n));
    }
    const rows = await withBusiness(t.db, r.businessId, (tx) =>
      queryRows<{ kind: string; n: number; total: string }>(
        tx,
        sql`select kind, count(*)::int as n, sum(amount)::text as total from transactions
            where kind in ('CHARGE', 'REFUND', 'PAYOUT', 'FEE', 'SPEND', 'RECEIVE') group by kind`,
      ),
    );
    expect(rows).toHaveLength(6);
    for (const row of rows) {
      const e = expected.get(row.kind)!;
      expect(row.n, row.kind).toBe(e.n);
      expect(new D(row.total).times(100).toFixed(0), row.kind).toBe(e.cents.toString());
    }
  });

  it('re-ingesting the same records writes nothing; a changed invoice is updated in place', async () => {
    const biz = await createBusiness(t.db, { name: 'Resync Co' });
    const ctx = { id: biz.id, baseCurrency: 'USD' };
    const batches = [...generateDemo({ today, months: 4, seed: 99 })];
    const ingestAll = () =>
      withBusiness(t.db, biz.id, async (tx) => {
        let written = 0;
        for (const b of batches) {
          written += (await ingestXero(tx, ctx, b.xero)).written;
          written += (await ingestStripe(tx, ctx, b.stripe)).written;
        }
        return written;
      });
    const count = () =>
      withBusiness(t.db, biz.id, (tx) =>
        queryRows<{ t: number; i: number; c: number; s: number }>(
          tx,
          sql`select (select count(*)::int from transactions) as t, (select count(*)::int from invoices) as i,
                     (select count(*)::int from contacts) as c, (select count(*)::int from subscriptions) as s`,
        ),
      );
    const firstWritten = await ingestAll();
    const before = await count();
    expect(firstWritten).toBeGreaterThan(1000);
    expect(await ingestAll()).toBe(0);
    expect(await count()).toEqual(before);

    const inv = batches.flatMap((b) => b.xero.invoices ?? []).find((i) => i.Type === 'ACCREC' && i.Status === 'PAID')!;
    const changed = {
      ...inv,
      Total: inv.Total + 100,
      SubTotal: inv.SubTotal + 100,
      Reference: 'Re-issued',
      UpdatedDateUTC: '2026-11-01T09:30:00',
    };
    const written = await withBusiness(t.db, biz.id, (tx) => ingestXero(tx, ctx, { invoices: [changed] }));
    expect(written.written).toBe(2); // the invoice and its transaction
    expect(await count()).toEqual(before);
    const [row] = await withBusiness(t.db, biz.id, (tx) =>
      queryRows<{ total: string; reference: string; amount: string }>(
        tx,
        sql`select i.total::text, i.reference, t.amount::text from invoices i join transactions t on t.invoice_id = i.id
            where i.external_id = ${inv.InvoiceID} and t.kind = 'INVOICE'`,
      ),
    );
    expect(row).toEqual({
      total: new D(String(inv.Total)).plus(100).toFixed(4),
      reference: 'Re-issued',
      amount: new D(String(inv.Total)).plus(100).toFixed(4),
    });
  });

  it('upstream categories never overwrite a person’s category', async () => {
    const biz = await createBusiness(t.db, { name: 'Category Co' });
    const ctx = { id: biz.id, baseCurrency: 'USD' };
    const [setup, month] = [...generateDemo({ today, months: 1, seed: 5 })];
    await withBusiness(t.db, biz.id, async (tx) => {
      await ingestXero(tx, ctx, setup!.xero);
      await ingestXero(tx, ctx, month!.xero);
    });
    const spend = month!.xero.bankTransactions!.find((b) => b.Type === 'SPEND')!;
    await withBusiness(t.db, biz.id, (tx) =>
      tx.execute(
        sql`update transactions set category = 'Meals', category_source = 'user' where external_id = ${`banktxn:${spend.BankTransactionID}`}`,
      ),
    );
    await withBusiness(t.db, biz.id, (tx) =>
      ingestXero(tx, ctx, { bankTransactions: [{ ...spend, Reference: 'changed upstream' }] }),
    );
    const [row] = await withBusiness(t.db, biz.id, (tx) =>
      queryRows<{ category: string; category_source: string; description: string }>(
        tx,
        sql`select category, category_source, description from transactions where external_id = ${`banktxn:${spend.BankTransactionID}`}`,
      ),
    );
    expect(row).toEqual({ category: 'Meals', category_source: 'user', description: 'changed upstream' });
  });

  it('deleting a demo removes every row of it and nothing of other businesses', async () => {
    const keep = await createBusiness(t.db, { name: 'Keep Me' });
    await loadDemo(t.db, { today, name: 'Short Demo', months: 2 });
    expect(await deleteDemo(t.db, 'Short Demo')).toBe(1);
    const names = (await listBusinesses(t.db)).map((b) => b.name);
    expect(names).toContain('Keep Me');
    expect(names).not.toContain('Short Demo');
    expect(keep.id).toBeTruthy();
  });
});
