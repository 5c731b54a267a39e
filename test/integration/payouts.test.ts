/**
 * A Stripe payout and its bank deposit are one movement of money: linked on ingest, each side once, so
 * nothing counts twice and unmatched payouts stand out.
 */
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { createBusiness } from '../../src/db/businesses';
import { queryRows, withBusiness } from '../../src/db/client';
import { createDemoCompany } from '../../src/demo/load';
import { importStatement } from '../../src/integrations/csv/import';
import { ingestStripe } from '../../src/integrations/stripe/mappers';
import { useTestDatabase } from '../helpers/db';

const t = useTestDatabase();

const payout = (id: string, cents: number, day: string, currency = 'usd') => ({
  id,
  object: 'payout' as const,
  amount: cents,
  currency,
  created: Date.parse(`${day}T00:00:00Z`) / 1000 - 2 * 86_400,
  arrival_date: Date.parse(`${day}T00:00:00Z`) / 1000,
  status: 'paid',
  description: 'STRIPE PAYOUT',
});

describe('payout ↔ bank deposit links', () => {
  it('every paid payout of the demo company is linked to its Xero deposit, both ways', async () => {
    const demo = await createDemoCompany(t.database, {
      today: new Date('2026-11-22T09:00:00Z'),
      months: 6,
      name: 'Links Co',
    });
    const [r] = await withBusiness(t.db, demo.businessId, (tx) =>
      queryRows<{ payouts: number; linked: number; reciprocal: number; same_amount: number }>(
        tx,
        sql`select count(*)::int as payouts,
                   count(p.linked_transaction_id)::int as linked,
                   count(*) filter (where d.linked_transaction_id = p.id)::int as reciprocal,
                   count(*) filter (where d.amount = -p.amount)::int as same_amount
            from transactions p left join transactions d on d.id = p.linked_transaction_id
            where p.kind = 'PAYOUT' and p.status = 'paid'`,
      ),
    );
    expect(r!.payouts).toBeGreaterThan(20);
    expect(r).toEqual({ payouts: r!.payouts, linked: r!.payouts, reciprocal: r!.payouts, same_amount: r!.payouts });
  });

  it('matches exact amount and currency within three days, best candidate first, each deposit once', async () => {
    const b = await createBusiness(t.db, { name: 'Two Payouts Ltd', baseCurrency: 'USD' });
    const csv = [
      'Date,Description,Amount',
      '2026-03-03,STRIPE TRANSFER ABC,1250.00', // names Stripe, 1 day off
      '2026-03-02,Customer deposit,1250.00', // same amount, same day, does not name Stripe
      '2026-03-20,STRIPE TRANSFER XYZ,980.10', // 5 days off: not this payout
      '2026-03-10,STRIPE TRANSFER EUR,500.00', // payout is in EUR
    ].join('\n');
    const biz = { id: b.id, baseCurrency: 'USD', name: b.name };
    await importStatement(t.db, biz, { account: 'Checking', text: csv });
    await withBusiness(t.db, b.id, (tx) =>
      ingestStripe(tx, biz, {
        payouts: [
          payout('po_a', 125_000, '2026-03-02'),
          payout('po_b', 125_000, '2026-03-02'),
          payout('po_c', 98_010, '2026-03-15'),
          payout('po_d', 50_000, '2026-03-10', 'eur'),
        ],
      }),
    );
    const links = await withBusiness(t.db, b.id, (tx) =>
      queryRows<{ payout: string; deposit: string | null }>(
        tx,
        sql`select p.external_id as payout, d.description as deposit
            from transactions p left join transactions d on d.id = p.linked_transaction_id
            where p.kind = 'PAYOUT' order by p.external_id`,
      ),
    );
    expect(links).toEqual([
      { payout: 'po_a', deposit: 'STRIPE TRANSFER ABC' },
      { payout: 'po_b', deposit: 'Customer deposit' },
      { payout: 'po_c', deposit: null },
      { payout: 'po_d', deposit: null },
    ]);

    // A later statement brings po_c's deposit: importing it links them.
    await importStatement(t.db, biz, {
      account: 'Checking',
      text: 'Date,Description,Amount\n2026-03-16,STRIPE TRANSFER,980.10',
    });
    const [c] = await withBusiness(t.db, b.id, (tx) =>
      queryRows<{ linked: boolean }>(
        tx,
        sql`select linked_transaction_id is not null as linked from transactions where external_id = 'po_c'`,
      ),
    );
    expect(c!.linked).toBe(true);
  });
});
