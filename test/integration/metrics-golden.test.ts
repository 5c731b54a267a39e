/**
 * Golden figures: "Golden Ltd", a business small enough to compute by hand (36 records, Jan–Mar 2026),
 * loaded through the same mappers as a real sync. Every expected figure is derived in a comment.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createBusiness } from '../../src/db/businesses';
import { withBusiness } from '../../src/db/client';
import { getSnapshot } from '../../src/domain/metrics/read';
import { refreshSnapshots } from '../../src/domain/metrics/snapshots';
import { periodOf } from '../../src/domain/periods';
import { computeReadiness } from '../../src/domain/readiness';
import { buildReport } from '../../src/domain/reports';
import type { StripeBatch, StripeCharge, StripeSubscription } from '../../src/integrations/stripe/mappers';
import { ingestStripe } from '../../src/integrations/stripe/mappers';
import { ingestXero } from '../../src/integrations/xero/mappers';
import type { XeroBatch, XeroInvoice } from '../../src/integrations/xero/types';
import { useTestDatabase } from '../helpers/db';

const t = useTestDatabase();
const ASOF = '2026-04-15';

const acc = (id: string, code: string, name: string, type: string) => ({
  AccountID: id,
  Code: code,
  Name: name,
  Type: type,
});
const CHK = { AccountID: 'a-090', Code: '090', Name: 'Checking' };
const SAV = { AccountID: 'a-091', Code: '091', Name: 'Savings' };
const ALPHA = { ContactID: 'c-alpha', Name: 'Alpha Corp' };
const BETA = { ContactID: 'c-beta', Name: 'Beta LLC' };
const LANDLORD = { ContactID: 'c-land', Name: 'Landlord' };
const HOST = { ContactID: 'c-host', Name: 'HostCo' };

function inv(
  id: string,
  type: 'ACCREC' | 'ACCPAY',
  contact: typeof ALPHA,
  date: string,
  due: string,
  subtotal: number,
  o: Partial<XeroInvoice> = {},
): XeroInvoice {
  const tax = o.TotalTax ?? 0;
  return {
    InvoiceID: id,
    Type: type,
    InvoiceNumber: id.toUpperCase(),
    Contact: contact,
    Date: `${date}T00:00:00`,
    DueDate: `${due}T00:00:00`,
    Status: 'AUTHORISED',
    LineItems: [{ AccountCode: type === 'ACCREC' ? '200' : '469', LineAmount: subtotal }],
    SubTotal: subtotal,
    TotalTax: tax,
    Total: subtotal + tax,
    AmountDue: subtotal + tax,
    AmountPaid: 0,
    CurrencyCode: 'USD',
    CurrencyRate: 1,
    ...o,
  };
}
const pay = (id: string, invoiceId: string, type: 'ACCREC' | 'ACCPAY', date: string, amount: number) => ({
  PaymentID: id,
  Date: `${date}T00:00:00`,
  Amount: amount,
  PaymentType: type === 'ACCREC' ? 'ACCRECPAYMENT' : 'ACCPAYPAYMENT',
  Status: 'AUTHORISED',
  Account: { AccountID: CHK.AccountID },
  Invoice: { InvoiceID: invoiceId, Type: type },
});
const spend = (id: string, date: string, amount: number, code?: string) => ({
  BankTransactionID: id,
  Type: 'SPEND',
  BankAccount: CHK,
  Date: `${date}T00:00:00`,
  Reference: code ? 'GITHUB' : 'MYSTERY',
  Status: 'AUTHORISED',
  LineItems: code ? [{ AccountCode: code, LineAmount: amount }] : [],
  Total: amount,
});

const xero: XeroBatch = {
  accounts: [
    acc(CHK.AccountID, '090', 'Checking', 'BANK'),
    acc(SAV.AccountID, '091', 'Savings', 'BANK'),
    acc('a-200', '200', 'Sales', 'REVENUE'),
    acc('a-310', '310', 'Hosting', 'DIRECTCOSTS'),
    acc('a-469', '469', 'Rent', 'EXPENSE'),
    acc('a-485', '485', 'Software', 'EXPENSE'),
    acc('a-970', '970', 'Owner Funds', 'EQUITY'),
  ],
  contacts: [ALPHA, BETA, LANDLORD, HOST].map((c) => ({
    ...c,
    IsCustomer: c === ALPHA || c === BETA,
    IsSupplier: c === LANDLORD || c === HOST,
  })),
  invoices: [
    inv('inv-1', 'ACCREC', ALPHA, '2026-01-05', '2026-02-04', 10000, {
      Status: 'PAID',
      FullyPaidOnDate: '2026-02-10T00:00:00',
      AmountDue: 0,
      AmountPaid: 10000,
    }),
    inv('inv-2', 'ACCREC', BETA, '2026-01-20', '2026-02-19', 4000, { TotalTax: 600 }), // total 4,600, never paid
    inv('inv-3', 'ACCREC', ALPHA, '2026-02-03', '2026-03-05', 12000, {
      Status: 'PAID',
      FullyPaidOnDate: '2026-03-01T00:00:00',
      AmountDue: 0,
      AmountPaid: 12000,
    }),
    inv('inv-4', 'ACCREC', BETA, '2026-03-10', '2026-04-09', 6000, { AmountDue: 4000, AmountPaid: 2000 }),
    inv('inv-5', 'ACCREC', ALPHA, '2026-03-15', '2026-04-14', 999, { Status: 'VOIDED' }),
    inv('b-1', 'ACCPAY', LANDLORD, '2026-01-01', '2026-01-10', 3000, {
      Status: 'PAID',
      FullyPaidOnDate: '2026-01-10T00:00:00',
    }),
    inv('b-2', 'ACCPAY', LANDLORD, '2026-02-01', '2026-02-10', 3000, {
      Status: 'PAID',
      FullyPaidOnDate: '2026-02-10T00:00:00',
    }),
    inv('b-3', 'ACCPAY', LANDLORD, '2026-03-01', '2026-03-10', 3000),
    inv('b-4', 'ACCPAY', HOST, '2026-03-05', '2026-04-04', 1500, {
      LineItems: [{ AccountCode: '310', LineAmount: 1500 }],
    }),
  ],
  creditNotes: [
    {
      CreditNoteID: 'cn-1',
      Type: 'ACCRECCREDIT',
      CreditNoteNumber: 'CN-1',
      Contact: BETA,
      Date: '2026-03-20T00:00:00',
      Status: 'AUTHORISED',
      SubTotal: 500,
      TotalTax: 0,
      Total: 500,
      RemainingCredit: 500,
      CurrencyCode: 'USD',
    },
  ],
  payments: [
    pay('p-1', 'b-1', 'ACCPAY', '2026-01-10', 3000),
    pay('p-2', 'inv-1', 'ACCREC', '2026-02-10', 10000),
    pay('p-3', 'b-2', 'ACCPAY', '2026-02-10', 3000),
    pay('p-4', 'inv-3', 'ACCREC', '2026-03-01', 12000),
    pay('p-5', 'inv-4', 'ACCREC', '2026-03-25', 2000),
  ],
  bankTransactions: [
    {
      BankTransactionID: 'bt-invest',
      Type: 'RECEIVE',
      BankAccount: CHK,
      Date: '2026-01-02T00:00:00',
      Reference: 'Investment',
      Status: 'AUTHORISED',
      LineItems: [{ AccountCode: '970', LineAmount: 50000 }],
      Total: 50000,
    },
    spend('bt-1', '2026-01-15', 200, '485'),
    spend('bt-2', '2026-02-15', 200, '485'),
    spend('bt-3', '2026-03-15', 250, '485'),
    spend('bt-4', '2026-03-18', 100), // uncategorized
  ],
  bankTransfers: [
    { BankTransferID: 'tr-1', FromBankAccount: CHK, ToBankAccount: SAV, Amount: 5000, Date: '2026-02-20T00:00:00' },
  ],
};

const unix = (d: string) => Math.floor(Date.parse(`${d}T12:00:00Z`) / 1000);
const charge = (
  id: string,
  date: string,
  cents: number,
  status: StripeCharge['status'] = 'succeeded',
): StripeCharge => ({
  id,
  object: 'charge',
  amount: cents,
  currency: 'usd',
  created: unix(date),
  customer: 'cus_1',
  status,
  payment_method_details: { type: 'card' },
});
const monthly = (id: string, cents: number, interval: 'month' | 'year' = 'month') => ({
  data: [
    {
      id: `si_${id}`,
      price: { id: `price_${id}`, unit_amount: cents, currency: 'usd', recurring: { interval, interval_count: 1 } },
      quantity: 1,
    },
  ],
});
const sub = (id: string, customer: string, start: string, o: Partial<StripeSubscription> = {}): StripeSubscription => ({
  id,
  object: 'subscription',
  customer,
  status: 'active',
  currency: 'usd',
  created: unix(start),
  start_date: Math.floor(Date.parse(`${start}T00:00:00Z`) / 1000),
  items: monthly(id, 10000),
  ...o,
});
const stripe: StripeBatch = {
  customers: [
    { id: 'cus_1', object: 'customer', name: 'Stripe One', created: unix('2026-01-01') },
    { id: 'cus_2', object: 'customer', name: 'Stripe Two', created: unix('2026-01-01') },
  ],
  charges: [
    charge('ch_1', '2026-01-03', 10000),
    charge('ch_2', '2026-01-04', 10000),
    charge('ch_3', '2026-02-03', 10000),
    charge('ch_4', '2026-02-04', 10000),
    charge('ch_5', '2026-02-05', 5000, 'failed'),
    charge('ch_6', '2026-03-03', 10000),
    charge('ch_7', '2026-03-04', 10000),
    charge('ch_8', '2026-03-05', 20000),
  ],
  refunds: [
    {
      id: 're_1',
      object: 'refund',
      amount: 10000,
      charge: 'ch_6',
      currency: 'usd',
      created: unix('2026-03-12'),
      status: 'succeeded',
    },
  ],
  disputes: [
    {
      id: 'dp_1',
      object: 'dispute',
      amount: 10000,
      charge: 'ch_7',
      currency: 'usd',
      created: unix('2026-03-20'),
      reason: 'fraudulent',
      status: 'needs_response',
    },
  ],
  subscriptions: [
    sub('sub_1', 'cus_1', '2026-01-01'),
    sub('sub_2', 'cus_2', '2026-01-01', {
      status: 'canceled',
      canceled_at: unix('2026-03-10'),
      ended_at: Math.floor(Date.parse('2026-03-15T00:00:00Z') / 1000),
    }),
    sub('sub_3', 'cus_2', '2026-03-20', {
      status: 'trialing',
      trial_end: Math.floor(Date.parse('2026-04-03T00:00:00Z') / 1000),
      items: monthly('sub_3', 120000, 'year'),
    }),
  ],
};

let businessId = '';
async function snapshot(type: 'week' | 'month' | 'quarter' | 'year', start: string) {
  return withBusiness(t.db, businessId, (tx) => getSnapshot(tx, businessId, periodOf(type, start)));
}

beforeAll(async () => {
  const biz = await createBusiness(t.db, { name: 'Golden Ltd' });
  businessId = biz.id;
  await withBusiness(t.db, biz.id, async (tx) => {
    await ingestXero(tx, { id: biz.id, baseCurrency: 'USD' }, xero);
    await ingestStripe(tx, { id: biz.id, baseCurrency: 'USD' }, stripe);
    await refreshSnapshots(tx, { id: biz.id, baseCurrency: 'USD' }, { asOf: ASOF });
  });
});

describe('golden business: revenue, expenses, margin (Xero is connected, so Xero is the revenue source)', () => {
  it('January', async () => {
    const s = await snapshot('month', '2026-01-01');
    expect(s.revenueSource).toBe('xero');
    // INV-1 10,000 + INV-2 4,000 (subtotal, tax excluded) = 14,000
    expect(s.revenue).toBe('14000.0000');
    // B-1 rent 3,000 + software spend 200 = 3,200
    expect(s.expenses).toBe('3200.0000');
    expect(s.netIncome).toBe('10800.0000');
    expect(s.grossMargin).toBe('1.000000'); // no cost of sales in January
  });

  it('March: a voided invoice is ignored, a credit note reduces revenue, hosting is cost of sales', async () => {
    const s = await snapshot('month', '2026-03-01');
    // INV-4 6,000 − CN-1 500 = 5,500 (INV-5 is voided)
    expect(s.revenue).toBe('5500.0000');
    // B-3 3,000 + B-4 1,500 + spend 250 + uncategorized spend 100 = 4,850
    expect(s.expenses).toBe('4850.0000');
    expect(s.netIncome).toBe('650.0000');
    // (5,500 − 1,500) / 5,500 = 0.727273
    expect(s.grossMargin).toBe('0.727273');
  });

  it('Q1 is the sum of its months', async () => {
    const q = await snapshot('quarter', '2026-01-01');
    // 14,000 + 12,000 + 5,500
    expect(q.revenue).toBe('31500.0000');
    // 3,200 + 3,200 + 4,850
    expect(q.expenses).toBe('11250.0000');
    expect(q.netIncome).toBe('20250.0000');
    // (31,500 − 1,500) / 31,500 = 0.952381
    expect(q.grossMargin).toBe('0.952381');
    const y = await snapshot('year', '2026-01-01');
    expect(y.revenue).toBe('31500.0000'); // April to date has no revenue
  });

  it('revenue volatility over the trailing months with data', async () => {
    // Jan and Feb have fewer than three months behind them: not enough to say.
    expect((await snapshot('month', '2026-02-01')).revenueVolatility).toBeNull();
    // [14,000, 12,000, 5,500]: mean 10,500; sample variance (3,500² + 1,500² + 5,000²) / 2 = 19,750,000;
    // sd 4,444.0972; CV = 0.423247
    expect((await snapshot('month', '2026-03-01')).revenueVolatility).toBe('0.423247');
  });

  it('customer concentration: the top customer’s share', async () => {
    // January: Alpha 10,000 of 14,000 = 0.714286
    expect((await snapshot('month', '2026-01-01')).metrics).toMatchObject({
      customerConcentration: { name: 'Alpha Corp', share: 0.714286 },
    });
    // Q1: Alpha 22,000 of 31,500 = 0.698413
    expect((await snapshot('quarter', '2026-01-01')).metrics).toMatchObject({
      customerConcentration: { name: 'Alpha Corp', revenue: '22000.0000', share: 0.698413 },
    });
  });
});

describe('golden business: cash, burn, runway (bank accounts only, own transfers excluded)', () => {
  it('month by month', async () => {
    const jan = await snapshot('month', '2026-01-01');
    // in: investment 50,000; out: rent payment 3,000 + software 200
    expect(jan.cashBalance).toBe('46800.0000');
    expect(jan.grossBurn).toBe('3200.0000');
    expect(jan.netBurn).toBe('-46800.0000');
    const feb = await snapshot('month', '2026-02-01');
    // in: INV-1 paid 10,000; out: rent 3,000 + software 200; the 5,000 sweep to savings nets to zero
    expect(feb.cashBalance).toBe('53600.0000');
    expect(feb.grossBurn).toBe('3200.0000');
    expect(feb.netBurn).toBe('-6800.0000');
    const mar = await snapshot('month', '2026-03-01');
    // in: INV-3 12,000 + part of INV-4 2,000; out: software 250 + 100
    expect(mar.cashBalance).toBe('67250.0000');
    expect(mar.grossBurn).toBe('350.0000');
    expect(mar.netBurn).toBe('-13650.0000');
    // Net burn ≤ 0: cash-flow positive, reported as such rather than as a number.
    expect(mar.runwayMonths).toBeNull();
    expect(mar.metrics).toMatchObject({ runway: { cashFlowPositive: true, averageNetBurn: '-22416.6667' } }); // (−46,800 − 6,800 − 13,650) / 3
  });

  it('weekly cash', async () => {
    // Week of Mon 9 Feb: +10,000 and −3,000 on the 10th, −200 on the 15th; the sweep is on the 20th.
    const w = await snapshot('week', '2026-02-09');
    expect(w.periodEnd).toBe('2026-02-15');
    expect(w.cashBalance).toBe('53600.0000');
    expect(w.grossBurn).toBe('3200.0000');
    expect(w.netBurn).toBe('-6800.0000');
  });
});

describe('golden business: receivables, payables, DSO, DPO', () => {
  it('aging at each month end', async () => {
    // 31 Jan: INV-1 10,000 (due 4 Feb) and INV-2 4,600 (due 19 Feb), both current.
    expect((await snapshot('month', '2026-01-01')).metrics).toMatchObject({
      receivables: { total: '14600.0000', aging: { current: '14600.0000' } },
    });
    // 28 Feb: INV-1 paid; INV-2 9 days late; INV-3 12,000 current.
    expect((await snapshot('month', '2026-02-01')).metrics).toMatchObject({
      receivables: { total: '16600.0000', aging: { current: '12000.0000', d1_30: '4600.0000' } },
    });
    // 31 Mar: INV-2 40 days late; INV-4 6,000 − 2,000 paid = 4,000 current; INV-3 paid. CN-1's 500 is
    // not allocated: Beta LLC holds a credit, −500, aged from its date (20 Mar, 11 days) as Xero ages it.
    // Payables: B-3 3,000 21 days late, B-4 1,500 current.
    expect((await snapshot('month', '2026-03-01')).metrics).toMatchObject({
      receivables: {
        total: '8100.0000',
        aging: { current: '4000.0000', d1_30: '-500.0000', d31_60: '4600.0000', d90_plus: '0.0000' },
      },
      payables: { total: '4500.0000', aging: { current: '1500.0000', d1_30: '3000.0000' } },
    });
  });

  it('DSO and DPO (Xero executive summary: balance / flow × days)', async () => {
    // 14,600 / 14,000 × 31 = 32.33
    expect((await snapshot('month', '2026-01-01')).dso).toBe('32.33');
    // 16,600 / 12,000 × 28 = 38.73
    expect((await snapshot('month', '2026-02-01')).dso).toBe('38.73');
    // 8,100 / 5,500 × 31 = 45.65
    expect((await snapshot('month', '2026-03-01')).dso).toBe('45.65');
    // 8,100 / 31,500 × 90 = 23.14
    expect((await snapshot('quarter', '2026-01-01')).dso).toBe('23.14');
    // 4,500 / 4,850 × 31 = 28.76; January's payables were all paid: 0
    expect((await snapshot('month', '2026-03-01')).dpo).toBe('28.76');
    expect((await snapshot('month', '2026-01-01')).dpo).toBe('0.00');
  });
});

describe('golden business: Stripe refunds, chargebacks, MRR, churn', () => {
  it('refund and chargeback ratios are counts over succeeded charges', async () => {
    const feb = await snapshot('month', '2026-02-01');
    // ch_5 failed: 2 succeeded charges, no refunds
    expect(feb.refundCount).toBe(0);
    expect(feb.refundRatio).toBe('0.000000');
    const mar = await snapshot('month', '2026-03-01');
    // 3 succeeded charges; 1 refund (re_1), 1 dispute (dp_1): 1/3 each
    expect(mar.refundCount).toBe(1);
    expect(mar.refundRatio).toBe('0.333333');
    expect(mar.chargebackCount).toBe(1);
    expect(mar.chargebackRatio).toBe('0.333333');
    // Q1: 7 succeeded charges
    expect((await snapshot('quarter', '2026-01-01')).refundRatio).toBe('0.142857');
  });

  it('MRR counts active subscriptions at the period end, trials excluded; churn over 30 days', async () => {
    const jan = await snapshot('month', '2026-01-01');
    expect(jan.mrr).toBe('200.0000'); // sub_1 + sub_2
    expect(jan.subscriberChurn).toBe('0.000000');
    const mar = await snapshot('month', '2026-03-01');
    // sub_2 ended 15 Mar; sub_3 is still in its trial on 31 Mar
    expect(mar.mrr).toBe('100.0000');
    expect(mar.arr).toBe('1200.0000');
    // churned 1 (sub_2) / (active 30 days earlier 2 + new 0) = 0.5
    expect(mar.subscriberChurn).toBe('0.500000');
    // After its trial (3 Apr) sub_3 counts: 1,200 a year = 100 a month
    expect((await snapshot('month', '2026-04-01')).mrr).toBe('200.0000');
  });
});

describe('golden business: data quality', () => {
  it('grades the period by uncategorized money and connected sources', async () => {
    const mar = await snapshot('month', '2026-03-01');
    // 100 of the 350 spent in March has no category: 28.6% > 20%
    expect(mar.dataQuality).toMatchObject({
      grade: 'B',
      sourcesConnected: ['xero', 'stripe'],
      uncategorizedShare: 0.285714,
    });
    const q1 = await snapshot('quarter', '2026-01-01');
    // 100 of 50,750 in the quarter
    expect(q1.dataQuality).toMatchObject({ grade: 'A', uncategorizedShare: 0.00197 });
  });

  it('the current month is marked partial', async () => {
    const apr = await snapshot('month', '2026-04-01');
    expect(apr.metrics).toMatchObject({ partial: true, daysInPeriod: 15 });
  });
});

describe('golden business: funding readiness', () => {
  it('scores from the last three complete months, with evidence', async () => {
    const r = await withBusiness(t.db, businessId, (tx) => computeReadiness(tx, businessId, ASOF));
    const by = Object.fromEntries(r.components.map((c) => [c.name, c]));
    // Revenue Jan–Mar 31,500 → 126,000 a year: (log10(126,000) − 5) / 1.699 = 0.0591; no earlier quarter: growth 0.5 → 0.2795
    expect(by.revenue_scale_growth!.value).toBe(0.2795);
    // Volatility 0.423247 → (0.5 − 0.423247) / 0.4 = 0.1919
    expect(by.revenue_stability!.value).toBe(0.1919);
    // Cash-flow positive
    expect(by.burn_runway!.value).toBe(1);
    // Refunds 1/7 = 14.3% ≥ 5% and chargebacks 1/7 ≥ 1%: both 0
    expect(by.payment_risk!.value).toBe(0);
    expect(by.payment_risk!.evidence.figures).toEqual({ refundRatio: 0.142857, chargebackRatio: 0.142857 });
    // DSO 45.65 → (90 − 45.65) / 60 = 0.7392; overdue 4,600 − 500 = 4,100 of 8,100 = 50.6% ≥ 50% → 0; mean 0.3696
    expect(by.receivables_health!.value).toBe(0.3696);
    // March data quality 70
    expect(by.data_quality!.value).toBe(0.7);
    // 5.59 + 2.88 + 20 + 0 + 7.39 + 7 = 42.86
    expect(r).toMatchObject({ score: 43, tier: 'needs_work', scoreVersion: 'v1', asOfMonth: '2026-03-01' });
    expect(by.receivables_health!.evidence.snapshotIds).toHaveLength(3);
    expect(r.nextBand).toMatchObject({ tier: 'funding_ready', pointsNeeded: 17 }); // 60 − 43
    expect(r.nextBand!.actions.length).toBeGreaterThan(0);
  });
});

describe('golden business: reports agree with the snapshots', () => {
  const biz = () => ({ id: businessId, baseCurrency: 'USD' });

  it('profit and loss for March', async () => {
    const r = await withBusiness(t.db, businessId, (tx) =>
      buildReport(tx, biz(), { kind: 'profit_and_loss', from: '2026-03-01', to: '2026-03-31' }),
    );
    expect(r.data).toMatchObject({
      revenueSource: 'xero',
      // INV-4 6,000 on Sales; CN-1 −500 has no line items (no account: income, as a sales credit note)
      income: [
        { name: 'Sales', amount: '6000.00' },
        { name: 'Uncategorized', amount: '-500.00' },
      ],
      totalIncome: '5500.00', // = March revenue
      costOfSales: [{ name: 'Hosting', amount: '1500.00' }],
      grossProfit: '4000.00',
      // Rent bill 3,000, software 250, the uncategorized 100
      expenses: [
        { name: 'Rent', amount: '3000.00' },
        { name: 'Software', amount: '250.00' },
        { name: 'Uncategorized', amount: '100.00' },
      ],
      totalExpenses: '3350.00', // 3,350 + 1,500 = 4,850 = March expenses
      netProfit: '650.00', // = March net income
    });
  });

  it('cash summary for March: opening + in − out = closing = the snapshot cash balance', async () => {
    const r = await withBusiness(t.db, businessId, (tx) =>
      buildReport(tx, biz(), { kind: 'cash_summary', from: '2026-03-01', to: '2026-03-31' }),
    );
    expect(r.data).toMatchObject({
      openingCash: '53600.00',
      cashIn: [{ name: 'Customer payments', amount: '14000.00' }],
      totalCashIn: '14000.00',
      totalCashOut: '350.00',
      netCashFlow: '13650.00',
      transfersBetweenOwnAccounts: '0.00',
      closingCash: '67250.00',
    });
    const feb = await withBusiness(t.db, businessId, (tx) =>
      buildReport(tx, biz(), { kind: 'cash_summary', from: '2026-02-01', to: '2026-02-28' }),
    );
    // The sweep to savings moves money between own accounts: neither in nor out, zero in total.
    expect(feb.data).toMatchObject({
      totalCashIn: '10000.00',
      totalCashOut: '3200.00',
      transfersBetweenOwnAccounts: '0.00',
      closingCash: '53600.00',
    });
  });

  it('balance-sheet summary and aged receivables at 31 March', async () => {
    const bs = await withBusiness(t.db, businessId, (tx) =>
      buildReport(tx, biz(), { kind: 'balance_sheet', to: '2026-03-31' }),
    );
    expect(bs.data).toMatchObject({
      cash: [
        { name: 'Checking', amount: '62250.00' },
        { name: 'Savings', amount: '5000.00' },
      ],
      totalCash: '67250.00',
      receivables: '8100.00', // 8,600 owed less Beta's unallocated 500 credit
      payables: '4500.00',
      netWorkingPosition: '70850.00', // 67,250 + 8,100 − 4,500
    });
    const ar = await withBusiness(t.db, businessId, (tx) =>
      buildReport(tx, biz(), { kind: 'aged_receivables', to: '2026-03-31', save: true }),
    );
    expect(ar.data).toMatchObject({
      contacts: [{ contact: 'Beta LLC', current: '4000.00', d1_30: '-500.00', d31_60: '4600.00', total: '8100.00' }],
      totals: {
        current: '4000.00',
        d1_30: '-500.00',
        d31_60: '4600.00',
        d61_90: '0.00',
        d90_plus: '0.00',
        total: '8100.00',
      },
    });
    expect(ar.id).toMatch(/^[0-9a-f-]{36}$/);
    const ap = await withBusiness(t.db, businessId, (tx) =>
      buildReport(tx, biz(), { kind: 'aged_payables', to: '2026-03-31' }),
    );
    expect(ap.data).toMatchObject({ totals: { current: '1500.00', d1_30: '3000.00', total: '4500.00' } });
  });

  it('refuses a period that is missing or backwards', async () => {
    await expect(
      withBusiness(t.db, businessId, (tx) => buildReport(tx, biz(), { kind: 'profit_and_loss', to: '2026-03-31' })),
    ).rejects.toThrow(/needs a period/);
    await expect(
      withBusiness(t.db, businessId, (tx) =>
        buildReport(tx, biz(), { kind: 'cash_summary', from: '2026-04-01', to: '2026-03-31' }),
      ),
    ).rejects.toThrow(/starts \(2026-04-01\) after it ends/);
  });
});
