import { readFileSync } from 'node:fs';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { createBusiness } from '../../src/db/businesses';
import { queryRows, withBusiness } from '../../src/db/client';
import {
  ingestStripe,
  type StripeCharge,
  type StripeSubscription,
  subscriptionMrr,
} from '../../src/integrations/stripe/mappers';
import { ingestXero, parseXeroDate, xeroDay } from '../../src/integrations/xero/mappers';
import type { XeroBatch } from '../../src/integrations/xero/types';
import { useTestDatabase } from '../helpers/db';

const t = useTestDatabase();
const fixture = (path: string) => JSON.parse(readFileSync(new URL(`../fixtures/${path}`, import.meta.url), 'utf8'));

describe('Xero dates', () => {
  it('reads both /Date(ms+0000)/ and ISO forms', () => {
    expect(xeroDay('/Date(1539993600000+0000)/')).toBe('2018-10-20');
    expect(xeroDay('/Date(1552326816230)/')).toBe('2019-03-11');
    expect(xeroDay('2018-10-20T00:00:00')).toBe('2018-10-20');
    expect(parseXeroDate('2018-11-02T16:31:30Z').toISOString()).toBe('2018-11-02T16:31:30.000Z');
    expect(() => parseXeroDate('yesterday')).toThrow(/Unreadable Xero date/);
  });
});

describe('Xero API responses (fixtures from Xero’s OpenAPI spec)', () => {
  it('ingest with the right signs, statuses, links and exact amounts', async () => {
    const biz = await createBusiness(t.db, { name: 'Fixture Org', baseCurrency: 'NZD' });
    const batch: XeroBatch = {
      organisation: fixture('xero/GET_Organisation.json').Organisations[0],
      accounts: fixture('xero/GET_Accounts.json').Accounts,
      contacts: fixture('xero/GET_Contacts.json').Contacts,
      invoices: fixture('xero/GET_Invoices.json').Invoices,
      creditNotes: fixture('xero/GET_CreditNotes.json').CreditNotes,
      payments: fixture('xero/GET_Payments.json').Payments,
      bankTransactions: fixture('xero/GET_BankTransactions.json').BankTransactions,
      bankTransfers: fixture('xero/GET_BankTransfers.json').BankTransfers,
    };
    const counts = await withBusiness(t.db, biz.id, (tx) => ingestXero(tx, { id: biz.id, baseCurrency: 'NZD' }, batch));
    // 3 invoices + 2 credit notes + 2 payments + 3 bank transactions + 2 transfers × 2 sides
    expect(counts).toMatchObject({ accounts: 2, contacts: 2, invoices: 5, transactions: 14 });

    const rows = await withBusiness(t.db, biz.id, (tx) =>
      queryRows<{
        external_id: string;
        kind: string;
        amount: string;
        date: string;
        deleted: boolean;
        linked_invoice: string | null;
        status: string;
      }>(
        tx,
        sql`select t.external_id, t.kind, t.amount::text, t.date::text, t.deleted_at is not null as deleted, i.number as linked_invoice, t.status
            from transactions t left join invoices i on i.id = t.invoice_id order by t.external_id`,
      ),
    );
    const by = (prefix: string, number?: string) =>
      rows.filter((r) => r.external_id.startsWith(prefix) && (number === undefined || r.linked_invoice === number));
    expect(by('invoice:', 'INV-0002')[0]).toMatchObject({
      kind: 'INVOICE',
      amount: '46.0000',
      date: '2018-10-20',
      deleted: false,
    });
    expect(by('invoice:', 'INV-0001')[0]).toMatchObject({ kind: 'INVOICE', status: 'VOIDED', deleted: true });
    expect(by('creditnote:', 'CN-0005')[0]).toMatchObject({ kind: 'CREDIT_NOTE', amount: '-34.5000', deleted: false });
    // A draft supplier credit note is not deleted, and is money owed to us.
    expect(rows.find((r) => r.kind === 'CREDIT_NOTE' && r.amount === '46.0000')).toMatchObject({
      status: 'DRAFT',
      deleted: false,
    });
    // The customer's payment of INV-0002 is linked to it; the refund of a credit note is money out.
    expect(rows.find((r) => r.kind === 'PAYMENT' && r.amount === '46.0000')).toMatchObject({
      linked_invoice: 'INV-0002',
    });
    expect(rows.find((r) => r.kind === 'PAYMENT' && r.amount === '-2.0000')).toMatchObject({
      linked_invoice: 'CN-0005',
    });
    expect(rows.filter((r) => r.kind === 'RECEIVE').map((r) => r.amount)).toEqual(['10.0000']);
    expect(
      rows
        .filter((r) => r.kind === 'SPEND')
        .map((r) => r.amount)
        .sort(),
    ).toEqual(['-8.0000', '-9.0000']);
    const transfers = rows.filter((r) => r.kind === 'TRANSFER');
    expect(transfers.map((r) => r.amount).sort()).toEqual(['-20.0000', '-20.0000', '20.0000', '20.0000']);

    const [org] = await withBusiness(t.db, biz.id, (tx) =>
      queryRows<{ base_currency: string; fy_end_month: number }>(
        tx,
        sql`select base_currency, fy_end_month from businesses`,
      ),
    );
    expect(org).toEqual({ base_currency: 'NZD', fy_end_month: 3 });
    const [acc] = await withBusiness(t.db, biz.id, (tx) =>
      queryRows<{ n: number }>(tx, sql`select count(*)::int as n from accounts where is_bank and currency = 'NZD'`),
    );
    expect(Number(acc!.n)).toBeGreaterThanOrEqual(1);
  });
});

describe('Stripe objects (fixtures from stripe-ruby-mock)', () => {
  it('a succeeded charge becomes an exact CHARGE in major units with its card facts', async () => {
    const biz = await createBusiness(t.db, { name: 'Stripe Fixture' });
    const charge = fixture('stripe-webhooks/charge.succeeded.json').data.object as StripeCharge;
    const refund = fixture('stripe-webhooks/charge.refunded.json').data.object as StripeCharge;
    await withBusiness(t.db, biz.id, (tx) =>
      ingestStripe(tx, { id: biz.id, baseCurrency: 'USD' }, { charges: [charge] }),
    );
    const [row] = await withBusiness(t.db, biz.id, (tx) =>
      queryRows<{
        kind: string;
        amount: string;
        currency: string;
        status: string;
        card_present: boolean;
        brand: string;
      }>(
        tx,
        sql`select kind, amount::text, currency, status, (metadata->>'cardPresent')::boolean as card_present, metadata->>'cardBrand' as brand from transactions`,
      ),
    );
    expect(row).toEqual({
      kind: 'CHARGE',
      amount: '20.0000',
      currency: 'USD',
      status: 'succeeded',
      card_present: false,
      brand: 'visa',
    });
    expect(refund.amount_refunded).toBeGreaterThan(0);
  });

  it('MRR follows Stripe: licensed prices per month, forever discounts, metered excluded', () => {
    const sub = fixture('stripe-webhooks/customer.subscription.created.json').data.object as StripeSubscription;
    expect(subscriptionMrr(sub).toFixed(2)).toBe('15.00');
    const price = sub.items.data[0]!.price;
    const annual: StripeSubscription = {
      ...sub,
      items: {
        data: [
          {
            id: 'si_1',
            quantity: 3,
            price: { ...price, unit_amount: 120000, recurring: { interval: 'year', interval_count: 1 } },
          },
        ],
      },
      discounts: [{ id: 'di_1', source: { coupon: { id: 'c', duration: 'forever', percent_off: 25 } } }],
    };
    expect(subscriptionMrr(annual).toFixed(4)).toBe('225.0000'); // 3 × 1,200 / 12 × 0.75
    const metered: StripeSubscription = {
      ...sub,
      items: {
        data: [
          {
            id: 'si_2',
            price: { ...price, recurring: { interval: 'month', interval_count: 1, usage_type: 'metered' } },
          },
        ],
      },
    };
    expect(subscriptionMrr(metered).toFixed(2)).toBe('0.00');
    const weekly: StripeSubscription = {
      ...sub,
      discounts: [{ id: 'di_2', coupon: { duration: 'once', percent_off: 50 } }],
      items: {
        data: [
          { id: 'si_3', price: { ...price, unit_amount: 1200, recurring: { interval: 'week', interval_count: 2 } } },
        ],
      },
    };
    expect(subscriptionMrr(weekly).toFixed(2)).toBe('26.00'); // 12 × 52 / 12 / 2; a once-off coupon does not count
  });
});
