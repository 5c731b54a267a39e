import { describe, expect, it } from 'vitest';
import { createBusiness } from '../../src/db/businesses';
import { withBusiness } from '../../src/db/client';
import { detectAnomalies, expenseVariance } from '../../src/domain/anomalies';
import { ingestXero } from '../../src/integrations/xero/mappers';
import type { XeroBankTransaction } from '../../src/integrations/xero/types';
import { useTestDatabase } from '../helpers/db';

const t = useTestDatabase();
let n = 0;
const spend = (date: string, who: string, amount: number, code: string): XeroBankTransaction => ({
  BankTransactionID: `bt-${++n}`,
  Type: 'SPEND',
  Contact: { ContactID: `c-${who}`, Name: who },
  BankAccount: { AccountID: 'bank' },
  Date: `${date}T00:00:00`,
  Status: 'AUTHORISED',
  LineItems: [{ AccountCode: code, LineAmount: amount }],
  Total: amount,
});
const month = (k: number, day = 5) => `2026-${String(k).padStart(2, '0')}-${String(day).padStart(2, '0')}`;

describe('anomalies', () => {
  it('flags a steady charge that triples; not a merchant whose amounts always vary; falls back to the category for a new merchant', async () => {
    const biz = await createBusiness(t.db, { name: 'Anomaly Co' });
    const noisy = [50, 480, 120, 300, 75, 410, 220, 600]; // restaurants: always all over the place
    const lines = [
      ...[1, 2, 3, 4, 5, 6, 7, 8].map((k) => spend(month(k), 'GitHub', k === 8 ? 350 : 100 + (k % 2), '485')), // 100/101, then 350
      ...noisy.map((a, k) => spend(month(k + 1, 12), 'Bistro', a, '420')),
      // Software category: GitHub plus a new vendor with only two charges, one of them 40× the category's usual
      spend(month(7, 20), 'NewTool', 98, '485'),
      spend(month(8, 20), 'NewTool', 4000, '485'),
    ];
    await withBusiness(t.db, biz.id, (tx) =>
      ingestXero(
        tx,
        { id: biz.id, baseCurrency: 'USD' },
        {
          accounts: [
            { AccountID: 'bank', Code: '090', Name: 'Bank', Type: 'BANK' },
            { AccountID: 'sw', Code: '485', Name: 'Software', Type: 'EXPENSE' },
            { AccountID: 'ent', Code: '420', Name: 'Entertainment', Type: 'EXPENSE' },
          ],
          contacts: ['GitHub', 'Bistro', 'NewTool'].map((w) => ({ ContactID: `c-${w}`, Name: w })),
          bankTransactions: lines,
        },
      ),
    );
    const found = await withBusiness(t.db, biz.id, (tx) => detectAnomalies(tx, biz.id, { asOf: '2026-09-01' }));
    const byWho = new Map(found.map((a) => [a.counterparty, a]));
    // GitHub: median of ln amounts ≈ ln(100.5); the 350 charge is 3.5× that
    expect(byWho.get('GitHub')).toMatchObject({ amount: '-350.00', comparedWith: 'counterparty', groupSize: 8 });
    expect(byWho.get('GitHub')!.ratioToTypical).toBeCloseTo(3.48, 1);
    expect(byWho.get('GitHub')!.zScore).toBeGreaterThan(3.5);
    // NewTool has 2 charges (< 5): compared with the Software category instead
    expect(byWho.get('NewTool')).toMatchObject({ amount: '-4000.00', comparedWith: 'category' });
    // Bistro's 600 is within its own spread
    expect(byWho.has('Bistro')).toBe(false);
    expect(found.every((a) => Math.abs(a.zScore) > 3.5)).toBe(true);
    // Income was not asked for
    expect(found.every((a) => Number(a.amount) < 0)).toBe(true);
  });
});

describe('expense variance', () => {
  it('compares a month with the one before and the trailing three-month average, largest change first', async () => {
    const biz = await createBusiness(t.db, { name: 'Variance Co' });
    await withBusiness(t.db, biz.id, (tx) =>
      ingestXero(
        tx,
        { id: biz.id, baseCurrency: 'USD' },
        {
          accounts: [
            { AccountID: 'bank', Code: '090', Name: 'Bank', Type: 'BANK' },
            { AccountID: 'rent', Code: '469', Name: 'Rent', Type: 'EXPENSE' },
            { AccountID: 'ads', Code: '400', Name: 'Advertising', Type: 'EXPENSE' },
          ],
          contacts: [],
          bankTransactions: [
            // Rent: 3,000 every month (Jan–Apr)
            ...[1, 2, 3, 4].map((k) => spend(month(k), 'Landlord', 3000, '469')),
            // Ads: Jan 1,000, Feb 2,000, Mar 3,000, Apr 6,000
            ...[1000, 2000, 3000, 6000].map((a, k) => spend(month(k + 1, 9), 'Google', a, '400')),
          ],
        },
      ),
    );
    const v = await withBusiness(t.db, biz.id, (tx) => expenseVariance(tx, biz.id, '2026-04-01'));
    // Ads: April 6,000; March 3,000; Jan–Mar average 2,000 → +3,000 and +4,000
    expect(v.categories[0]).toEqual({
      category: 'Advertising',
      current: '6000.00',
      previous: '3000.00',
      trailingAverage: '2000.00',
      vsPrevious: '3000.00',
      vsTrailing: '4000.00',
    });
    expect(v.categories[1]).toMatchObject({ category: 'Rent', vsPrevious: '0.00', vsTrailing: '0.00' });
    // Total: 9,000 vs 6,000 in March and 5,000 on average
    expect(v.total).toEqual({
      current: '9000.00',
      previous: '6000.00',
      trailingAverage: '5000.00',
      vsPrevious: '3000.00',
      vsTrailing: '4000.00',
    });
  });
});
