import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { createBusiness } from '../../src/db/businesses';
import { queryRows, withBusiness } from '../../src/db/client';
import { customerPaymentHealth, updateContactPaymentBehaviour } from '../../src/domain/payment-health';
import { addDays } from '../../src/domain/periods';
import { ingestXero } from '../../src/integrations/xero/mappers';
import type { XeroInvoice } from '../../src/integrations/xero/types';
import { useTestDatabase } from '../helpers/db';

const t = useTestDatabase();
let n = 0;
function invoice(who: string, issued: string, paidDaysAfterDue: number | null, total = 1000): XeroInvoice {
  const due = addDays(issued, 30);
  const paid = paidDaysAfterDue === null ? null : addDays(due, paidDaysAfterDue);
  return {
    InvoiceID: `inv-${++n}`,
    Type: 'ACCREC',
    Contact: { ContactID: `c-${who}`, Name: who },
    Date: `${issued}T00:00:00`,
    DueDate: `${due}T00:00:00`,
    ...(paid ? { FullyPaidOnDate: `${paid}T00:00:00` } : {}),
    Status: paid ? 'PAID' : 'AUTHORISED',
    SubTotal: total,
    Total: total,
    AmountDue: paid ? 0 : total,
    AmountPaid: paid ? total : 0,
    CurrencyCode: 'USD',
  };
}

describe('customer payment health', () => {
  it('days to pay, late share, trend, overdue, and who is at risk', async () => {
    const biz = await createBusiness(t.db, { name: 'Health Co' });
    await withBusiness(t.db, biz.id, (tx) =>
      ingestXero(
        tx,
        { id: biz.id, baseCurrency: 'USD' },
        {
          contacts: [
            { ContactID: 'c-Alpha', Name: 'Alpha' },
            { ContactID: 'c-Beta', Name: 'Beta' },
          ],
          invoices: [
            // Alpha pays two days early, every time: 28 days to pay
            ...['2026-01-01', '2026-02-01', '2026-03-01', '2026-05-01'].map((d) => invoice('Alpha', d, -2)),
            // Beta: 5 days late early in the year, 20 days late lately, and one invoice unpaid since 21 April
            invoice('Beta', '2026-01-05', 5),
            invoice('Beta', '2026-02-05', 5),
            invoice('Beta', '2026-04-10', 20),
            invoice('Beta', '2026-05-01', 20),
            invoice('Beta', '2026-03-22', null),
          ],
        },
      ),
    );
    const h = await withBusiness(t.db, biz.id, (tx) => customerPaymentHealth(tx, biz.id, '2026-06-30'));
    expect(h.map((x) => x.customer)).toEqual(['Beta', 'Alpha']); // at risk first
    const [beta, alpha] = h;
    expect(alpha).toMatchObject({
      invoicesPaid: 4,
      averageDaysToPay: 28,
      medianDaysToPay: 28,
      latePaidShare: 0,
      trend: 'stable',
      atRisk: false,
      reasons: [],
    });
    expect(alpha!.overdue).toEqual({ amount: '0.00', invoices: 0, oldestDaysPastDue: null });
    // (35 + 35 + 50 + 50) / 4 = 42.5 days; all late; 20 days late recently against 5 before
    expect(beta).toMatchObject({
      invoicesPaid: 4,
      averageDaysToPay: 42.5,
      medianDaysToPay: 42.5,
      latePaidShare: 1,
      recentDaysLate: 20,
      earlierDaysLate: 5,
      trend: 'worsening',
      atRisk: true,
    });
    // Due 21 April, 70 days before 30 June
    expect(beta!.overdue).toEqual({ amount: '1000.00', invoices: 1, oldestDaysPastDue: 70 });
    expect(beta!.reasons).toEqual([
      'an invoice 70 days overdue',
      '100% of invoices paid late',
      'paying 15 days later than before',
    ]);

    expect(
      await withBusiness(t.db, biz.id, (tx) => customerPaymentHealth(tx, biz.id, '2026-06-30', { customer: 'alp' })),
    ).toHaveLength(1);

    await withBusiness(t.db, biz.id, (tx) => updateContactPaymentBehaviour(tx, biz.id, '2026-06-30'));
    const stored = await withBusiness(t.db, biz.id, (tx) =>
      queryRows<{ name: string; avg: string; late: string }>(
        tx,
        sql`select name, avg_days_to_pay::text as avg, late_payment_share::text as late from contacts order by name`,
      ),
    );
    expect(stored.map((s) => [s.name, Number(s.avg), Number(s.late)])).toEqual([
      ['Alpha', 28, 0],
      ['Beta', 42.5, 1],
    ]);
  });
});
