import { eq } from 'drizzle-orm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createBusiness } from '../../src/db/businesses';
import { withBusiness } from '../../src/db/client';
import { metricSnapshots } from '../../src/db/schema';
import { refreshSnapshots } from '../../src/domain/metrics/snapshots';
import { monthsOf } from '../../src/domain/periods';
import { ingestXero } from '../../src/integrations/xero/mappers';
import type { XeroBatch } from '../../src/integrations/xero/types';
import { D } from '../../src/money';
import { useTestDatabase } from '../helpers/db';

const t = useTestDatabase();

const day = fc
  .integer({ min: 0, max: 364 })
  .map((n) => new Date(Date.UTC(2025, 0, 1) + n * 86_400_000).toISOString().slice(0, 10));
const cents = fc.integer({ min: 1, max: 5_000_000 }).map((c) => c / 100);
const doc = fc.record({
  type: fc.constantFrom('ACCREC' as const, 'ACCPAY' as const),
  date: day,
  subtotal: cents,
  currency: fc.constantFrom('USD', 'EUR', 'JPY'),
  rate: fc.constantFrom(1, 0.9213, 151.37),
  paid: fc.boolean(),
});
const bankLine = fc.record({ type: fc.constantFrom('SPEND', 'RECEIVE'), date: day, total: cents });

const FLOWS = ['revenue', 'expenses', 'netIncome', 'grossBurn', 'netBurn'] as const;
const NUMERIC = [
  'revenue',
  'expenses',
  'netIncome',
  'grossMargin',
  'revenueVolatility',
  'refundRatio',
  'chargebackRatio',
  'mrr',
  'arr',
  'subscriberChurn',
  'cashBalance',
  'grossBurn',
  'netBurn',
  'runwayMonths',
  'dso',
  'dpo',
] as const;

describe('metric snapshot properties', () => {
  it('quarters and years are exactly the sums of their months; money is converted, never mixed; nothing is NaN or Infinity', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(doc, { minLength: 1, maxLength: 25 }),
        fc.array(bankLine, { maxLength: 25 }),
        async (docs, lines) => {
          n += 1;
          const biz = await createBusiness(t.db, { name: `Prop ${n}` });
          const batch: XeroBatch = {
            accounts: [
              { AccountID: 'bank', Code: '090', Name: 'Bank', Type: 'BANK' },
              { AccountID: 'general', Code: '400', Name: 'General Expenses', Type: 'EXPENSE' },
            ],
            contacts: [{ ContactID: 'c', Name: 'Someone' }],
            invoices: docs.map((d, i) => {
              // A document in the base currency has rate 1; a foreign one carries its rate.
              const rate = d.currency === 'USD' ? 1 : d.rate;
              return {
                InvoiceID: `doc-${i}`,
                Type: d.type,
                Contact: { ContactID: 'c', Name: 'Someone' },
                Date: `${d.date}T00:00:00`,
                DueDate: `${d.date}T00:00:00`,
                Status: d.paid ? 'PAID' : 'AUTHORISED',
                FullyPaidOnDate: d.paid ? `${d.date}T00:00:00` : undefined,
                SubTotal: d.subtotal,
                TotalTax: 0,
                Total: d.subtotal,
                CurrencyCode: d.currency,
                CurrencyRate: rate,
              };
            }),
            bankTransactions: lines.map((l, i) => ({
              BankTransactionID: `bt-${i}`,
              Type: l.type,
              BankAccount: { AccountID: 'bank' },
              Date: `${l.date}T00:00:00`,
              Status: 'AUTHORISED',
              LineItems: [{ AccountCode: '400', LineAmount: l.total }],
              Total: l.total,
            })),
          };
          const rows = await withBusiness(t.db, biz.id, async (tx) => {
            await ingestXero(tx, { id: biz.id, baseCurrency: 'USD' }, batch);
            await refreshSnapshots(tx, { id: biz.id, baseCurrency: 'USD' }, { asOf: '2026-01-31' });
            return tx.select().from(metricSnapshots).where(eq(metricSnapshots.businessId, biz.id));
          });

          // Revenue of the year, converted document by document: Xero's rate is foreign units per base unit,
          // and each converted line is rounded to the base currency's cent, as the ledger keeps it.
          const expectedRevenue = docs
            .filter((d) => d.type === 'ACCREC')
            .reduce(
              (a, d) =>
                a.plus(
                  new D(String(d.subtotal))
                    .div(new D(String(d.currency === 'USD' ? 1 : d.rate)))
                    .toDecimalPlaces(2, D.ROUND_HALF_UP),
                ),
              new D(0),
            );
          const year = rows.find((r) => r.periodType === 'year' && r.periodStart === '2025-01-01')!;
          expect(year.revenue).toBe(expectedRevenue.toFixed(4));
          expect(year.currency).toBe('USD');

          const months = new Map(rows.filter((r) => r.periodType === 'month').map((r) => [r.periodStart, r]));
          for (const p of rows.filter((r) => r.periodType === 'quarter' || r.periodType === 'year')) {
            const parts = monthsOf({ type: p.periodType as 'quarter', start: p.periodStart, end: p.periodEnd })
              .map((m) => months.get(m.start))
              .filter(Boolean);
            for (const field of FLOWS) {
              const total = parts.reduce((a, m) => a.plus(new D(m![field] ?? 0)), new D(0));
              expect(new D(p[field] ?? 0).eq(total), `${p.periodType} ${p.periodStart} ${field}`).toBe(true);
            }
          }
          for (const r of rows) {
            for (const field of NUMERIC) {
              const v = r[field];
              if (v !== null && v !== undefined) expect(Number.isFinite(Number(v)), `${field}=${v}`).toBe(true);
            }
            const runway = (r.metrics as { runway?: { cashFlowPositive: boolean } }).runway;
            if (runway) expect(runway.cashFlowPositive).toBe(r.runwayMonths === null);
          }
        },
      ),
      { numRuns: 25, seed: 4242 },
    );
  });
});
