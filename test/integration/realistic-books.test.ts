/**
 * Books that match the ledger. Thistle Analytics Ltd (test/helpers/realistic-books.ts: GBP, VAT, multi-line
 * documents, balance-sheet spending, other income, transfers listed twice, euro invoices paid at another rate,
 * allocated and refunded credit notes, voided/deleted/draft records, Stripe coupons of every kind) is connected
 * through the real OAuth round trip and synced with xero-node and stripe against the fakes. Every expected
 * figure is derived by hand in the comment beside it, never from the engine; the fake Xero's own Profit and
 * Loss and Balance Sheet (test/fakes/xero-reports.ts, separate arithmetic) must agree with ours on every
 * compared line, and a report made to disagree must be caught.
 */
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows, withBusiness, withSystem } from '../../src/db/client';
import { refreshInsights } from '../../src/domain/insights';
import { getSnapshot } from '../../src/domain/metrics/read';
import { periodOf } from '../../src/domain/periods';
import { buildReport } from '../../src/domain/reports';
import { storeInboundEvents } from '../../src/integrations/inbound-events';
import { processStripeEvents } from '../../src/integrations/stripe/events';
import { connectStripe, syncStripe } from '../../src/integrations/stripe/sync';
import type { XeroSettings } from '../../src/integrations/xero/client';
import { XERO_SCOPES } from '../../src/integrations/xero/client';
import { completeXeroConnection, consentUrl } from '../../src/integrations/xero/connect';
import { syncXero } from '../../src/integrations/xero/sync';
import { createLogger } from '../../src/logger';
import { D } from '../../src/money';
import { findTool, invokeTool } from '../../tools';
import { FAKE_STRIPE_KEY, type FakeStripe, startFakeStripe } from '../fakes/stripe';
import { FAKE_XERO_CLIENT, type FakeXero, startFakeXero } from '../fakes/xero';
import { useTestDatabase } from '../helpers/db';
import { THISTLE_TODAY, thistleOrg, thistleStripe } from '../helpers/realistic-books';
import { demoToolContext } from '../helpers/tools';

const t = useTestDatabase();
const ASOF = THISTLE_TODAY.toISOString().slice(0, 10); // 2026-11-15
const keys = [{ key: randomBytes(32), keyId: 'test-key' }];
const logger = createLogger('silent');
const actor = { type: 'system' as const, channel: 'system' };
const org = thistleOrg();

let xero: FakeXero;
let stripe: FakeStripe;
let settings: XeroSettings;
let businessId = '';
let connectionId = '';
const business = () => ({ id: businessId, baseCurrency: 'GBP' });
const xeroDeps = () => ({ database: t.database, settings, keys, logger, today: () => ASOF });

async function snapshot(type: 'month' | 'quarter', start: string) {
  return withBusiness(t.db, businessId, (tx) => getSnapshot(tx, businessId, periodOf(type, start)));
}
const thistleContext = () =>
  demoToolContext(t.db, businessId, ASOF, {
    business: { id: businessId, name: 'Thistle Analytics Ltd', baseCurrency: 'GBP' },
  });
async function refresh() {
  await withBusiness(t.db, businessId, (tx) => refreshInsights(tx, business(), { asOf: ASOF }));
}

beforeAll(async () => {
  xero = await startFakeXero([org]);
  const s = thistleStripe();
  stripe = await startFakeStripe({
    customers: s.customers,
    subscriptions: s.subscriptions,
    invoices: [],
    charges: [],
    refunds: [],
    disputes: [],
    payouts: [],
    balance_transactions: [],
  } as never);
  settings = {
    ...FAKE_XERO_CLIENT,
    redirectUri: 'http://127.0.0.1:9/connect/xero/callback',
    apiBaseUrl: xero.url,
    identityBaseUrl: xero.url,
    scopes: XERO_SCOPES,
  };
  const consent = await fetch(await consentUrl(settings, keys[0]!), { redirect: 'manual' });
  const [connected] = await completeXeroConnection(
    { db: t.db, settings, keys },
    consent.headers.get('location')!,
    actor,
  );
  businessId = connected!.businessId;
  connectionId = connected!.connectionId;
  const sync = await syncXero(xeroDeps(), businessId, connectionId, 'full');
  expect(sync.status).toBe('succeeded');
  const stripeDeps = { database: t.database, keys, logger, apiBaseUrl: stripe.url };
  const sc = await connectStripe(stripeDeps, businessId, FAKE_STRIPE_KEY, actor);
  await syncStripe(stripeDeps, businessId, sc.connectionId, 'full');
  await refresh();
});
afterAll(async () => {
  await xero?.close();
  await stripe?.close();
});

describe('realistic books: profit and loss as Xero books it', () => {
  it('August: VAT left out, each line on its own account, other income apart, balance-sheet lines out', async () => {
    const s = await snapshot('month', '2026-08-01');
    expect(s.revenueSource).toBe('xero');
    // Income: INV-001 Sales 5,000 + Other Revenue 500 (VAT of 1,100 excluded) + INV-002 €10,000 / 1.165 =
    // 8,583.69 + cash sale 360 incl. 60 VAT = 300. INV-003 is voided. = 14,383.69
    expect(s.revenue).toBe('14383.6900');
    // Cost of sales: NimbusHost's first line 1,200; operating: rent 2,400 incl. 400 VAT = 2,000, the bill's
    // second line 300 (General Expenses), ads 120 incl. 20 VAT = 100. The deleted 99 and the draft bill are out;
    // the 20,000 founder money is equity. = 1,200 + 2,400 = 3,600
    expect(s.expenses).toBe('3600.0000');
    // Other income: grant 5,000 + interest 12.34 = 5,012.34
    expect((s.metrics as { otherIncome: string }).otherIncome).toBe('5012.3400');
    // Net profit: 14,383.69 − 3,600 + 5,012.34 = 15,796.03
    expect(s.netIncome).toBe('15796.0300');
    // Gross margin: (14,383.69 − 1,200) / 14,383.69 = 0.916572
    expect(s.grossMargin).toBe('0.916572');
  });

  it('September: credit notes reduce income, a supplier credit reduces cost of sales, a currency loss', async () => {
    const s = await snapshot('month', '2026-09-01');
    // INV-004 8,000 − CN-001 1,000 − CN-002 (240 incl. 40 VAT) 200 + INV-005 €5,000 / 1.18 = 4,237.29
    // = 11,037.29
    expect(s.revenue).toBe('11037.2900');
    // Cost of sales: NimbusHost's credit −100. Operating: rent 2,000; INV-002 paid at 1.17: the bank got
    // 8,547.01 for 8,583.69 booked, a realised loss of 36.68. The VAT return (1,234.56) and the director's
    // drawings (500) are balance-sheet movements. = −100 + 2,036.68 = 1,936.68
    expect(s.expenses).toBe('1936.6800');
    expect(s.netIncome).toBe('9100.6100'); // 11,037.29 − 1,936.68
    // (11,037.29 + 100) / 11,037.29 = 1.009060
    expect(s.grossMargin).toBe('1.009060');
  });

  it('October: a currency gain lowers operating expenses', async () => {
    const s = await snapshot('month', '2026-10-01');
    expect(s.revenue).toBe('3000.0000'); // INV-006, VAT excluded
    // Rent 2,000 + bank fee 15 − gain on INV-005 (4,273.50 received for 4,237.29 booked: 36.21) = 1,978.79
    expect(s.expenses).toBe('1978.7900');
    expect(s.netIncome).toBe('1034.8700'); // 3,000 + interest 13.66 − 1,978.79
  });

  it('the quarter is the sum of its months', async () => {
    // Q3 is July (no records), August and September.
    const q = await snapshot('quarter', '2026-07-01');
    expect(q.revenue).toBe('25420.9800'); // 14,383.69 + 11,037.29
    expect(q.expenses).toBe('5536.6800'); // 3,600 + 1,936.68
    expect(q.netIncome).toBe('24896.6400'); // 15,796.03 + 9,100.61
  });

  it("the P&L report and the breakdowns have Xero's sections and account lines", async () => {
    const r = await withBusiness(t.db, businessId, (tx) =>
      buildReport(tx, business(), { kind: 'profit_and_loss', from: '2026-09-01', to: '2026-09-30' }),
    );
    expect(r.data).toEqual({
      revenueSource: 'xero',
      income: [{ name: 'Sales', amount: '11037.29' }],
      totalIncome: '11037.29',
      costOfSales: [{ name: 'Cost of Goods Sold', amount: '-100.00' }],
      totalCostOfSales: '-100.00',
      grossProfit: '11137.29',
      otherIncome: [],
      totalOtherIncome: '0.00',
      expenses: [
        { name: 'Rent', amount: '2000.00' },
        { name: 'Realised Currency Gains', amount: '36.68' },
      ],
      totalExpenses: '2036.68',
      netProfit: '9100.61',
    });
    const ctx = thistleContext();
    const rev = await invokeTool(findTool('get_revenue_breakdown')!, { from: '2026-08-01', to: '2026-08-31' }, ctx);
    expect(rev).toMatchObject({
      ok: true,
      output: {
        lines: [
          { name: 'Sales', amount: '13883.69' }, // 5,000 + 8,583.69 + 300
          { name: 'Other Revenue', amount: '500.00' },
        ],
        total: '14383.69',
      },
    });
  });
});

describe('realistic books: the questions behind the breakdowns, aging and forecast', () => {
  const call = async (name: string, input: Record<string, unknown>) => {
    const r = await invokeTool(findTool(name)!, input, thistleContext());
    if (!r.ok) throw new Error(r.error.message);
    return r.output as Record<string, unknown>;
  };

  it('revenue by customer adds up to the P&L, with each customer’s share', async () => {
    const aug = await call('get_revenue_breakdown', { from: '2026-08-01', to: '2026-08-31', by: 'customer' });
    // Brightside INV-002 €10,000 / 1.165 = 8,583.69; Acme INV-001 5,000 + 500 (VAT out) = 5,500; Corvid's cash
    // sale 360 incl. 60 VAT = 300. Shares of 14,383.69: 59.68% → 59.7, 38.24% → 38.2, 2.09% → 2.1.
    expect(aug).toMatchObject({
      by: 'customer',
      lines: [
        { name: 'Brightside GmbH', amount: '8583.69', sharePercent: 59.7 },
        { name: 'Acme Retail Ltd', amount: '5500.00', sharePercent: 38.2 },
        { name: 'Corvid Ltd', amount: '300.00', sharePercent: 2.1 },
      ],
      lineCount: 3,
      total: '14383.69',
    });
    // September: Acme INV-004 8,000 − CN-001 1,000 = 7,000; Brightside €5,000 / 1.18 = 4,237.29; Corvid's
    // credit CN-002 240 incl. 40 VAT = −200. Against August, largest change first.
    const sep = await call('get_revenue_breakdown', {
      from: '2026-09-01',
      to: '2026-09-30',
      by: 'customer',
      compare: 'previous',
      limit: 2,
    });
    expect(sep).toMatchObject({
      lines: [
        { name: 'Acme Retail Ltd', amount: '7000.00' },
        { name: 'Brightside GmbH', amount: '4237.29' },
      ],
      lineCount: 3,
      total: '11037.29',
      compared: {
        from: '2026-08-01',
        to: '2026-08-31',
        total: '14383.69',
        change: '-3346.40', // 11,037.29 − 14,383.69
        changes: [
          { name: 'Brightside GmbH', amount: '4237.29', previous: '8583.69', change: '-4346.40' },
          { name: 'Acme Retail Ltd', amount: '7000.00', previous: '5500.00', change: '1500.00' },
        ],
      },
    });
    expect((sep.lines as unknown[]).length).toBe(2);
  });

  it('the top expense lines, and what changed most against the month before', async () => {
    const aug = await call('get_expense_breakdown', { from: '2026-08-01', to: '2026-08-31', limit: 1 });
    // Operating: rent 2,000, General Expenses 300, advertising 100; cost of sales 1,200. Rent is 2,000 / 3,600.
    expect(aug).toMatchObject({
      lines: [{ name: 'Rent', amount: '2000.00', sharePercent: 55.6 }],
      lineCount: 3,
      costOfSales: [{ name: 'Cost of Goods Sold', amount: '1200.00', sharePercent: 33.3 }],
      total: '3600.00',
    });
    const sep = await call('get_expense_breakdown', { from: '2026-09-01', to: '2026-09-30', compare: 'previous' });
    // September: rent 2,000 (unchanged, so not listed), currency loss 36.68, cost of sales −100 (credit).
    expect((sep.compared as { changes: unknown }).changes).toEqual([
      { name: 'Cost of Goods Sold', amount: '-100.00', previous: '1200.00', change: '-1300.00' },
      { name: 'General Expenses', amount: '0.00', previous: '300.00', change: '-300.00' },
      { name: 'Advertising & Marketing', amount: '0.00', previous: '100.00', change: '-100.00' },
      { name: 'Realised Currency Gains', amount: '36.68', previous: '0.00', change: '36.68' },
    ]);
    // The same dates a year before: no books then.
    const ago = await call('get_expense_breakdown', { from: '2026-09-01', to: '2026-09-30', compare: 'year_ago' });
    expect(ago.compared).toMatchObject({ from: '2025-09-01', to: '2025-09-30', total: '0.00', change: '1936.68' });
  });

  it('documents falling due within a window, the last day included, overdue ones left to the aging', async () => {
    // 20 October: INV-004 (3,600 left) was due 30 September: overdue. INV-006 (3,600) falls due 4 November.
    const r14 = await call('get_receivables_aging', { asOf: '2026-10-20', dueWithinDays: 14 });
    expect(r14.dueSoon).toEqual({ from: '2026-10-20', to: '2026-11-03', total: '0.00', count: 0, documents: [] });
    const r15 = await call('get_receivables_aging', { asOf: '2026-10-20', dueWithinDays: 15 });
    expect(r15.dueSoon).toEqual({
      from: '2026-10-20',
      to: '2026-11-04',
      total: '3600.00',
      count: 1,
      documents: [{ contact: 'Corvid Ltd', number: 'INV-006', due: '2026-11-04', amount: '3600.00' }],
    });
    // 10 October: October's rent (2,400 incl. VAT) is due on the 15th; NimbusHost's credit is not due, it is owed.
    const p = await call('get_payables_aging', { asOf: '2026-10-10', dueWithinDays: 5 });
    expect(p.dueSoon).toMatchObject({
      total: '2400.00',
      count: 1,
      documents: [{ contact: 'Harbour Properties', due: '2026-10-15' }],
    });
    expect((await call('get_payables_aging', { asOf: '2026-10-10' })).dueSoon).toBeUndefined();
  });

  it('a what-if amount lands on each month end in the 13 weeks, and once now', async () => {
    const plain = await call('forecast_cash_flow', {});
    const hire = await call('forecast_cash_flow', { monthlyChange: '-1000', oneOffChange: '-500' });
    type W = { week: number; adjustments?: string; closingCash: string };
    const weeks = (f: Record<string, unknown>) => f.weeks as W[];
    // From 15 November 2026, week k starts on day 7(k − 1): 30 November is in week 3, 31 December (day 46) in
    // week 7, 31 January (day 77) in week 12; the one-off is in week 1. 13 weeks end on 13 February.
    const expected = new Map([
      [1, '-500.00'],
      [3, '-1000.00'],
      [7, '-1000.00'],
      [12, '-1000.00'],
    ]);
    for (const w of weeks(hire)) expect(w.adjustments).toBe(expected.get(w.week) ?? '0.00');
    expect(hire.whatIf).toEqual({ monthlyChange: '-1000.00', oneOffChange: '-500.00', total: '-3500.00' });
    expect(weeks(plain)[0]!.adjustments).toBeUndefined();
    const end = (f: Record<string, unknown>) => new D(weeks(f)[12]!.closingCash);
    expect(end(plain).minus(end(hire)).toFixed(2)).toBe('3500.00');
    expect(new D(weeks(plain)[1]!.closingCash).minus(weeks(hire)[1]!.closingCash).toFixed(2)).toBe('500.00');
  });
});

describe('realistic books: comparisons say exactly what they compare', () => {
  it('a period under way is compared with the same days of the one before, never a whole one', async () => {
    const month = await invokeTool(findTool('compare_periods')!, { periodType: 'month', date: ASOF }, thistleContext());
    expect(month).toMatchObject({
      ok: true,
      output: {
        basis: 'same_days',
        compares:
          '1 November 2026 to 15 November 2026 with 1 October 2026 to 15 October 2026: the same 15 days, because the month is under way',
        // Nothing invoiced in November yet; 1–15 October: INV-006, 3,000 net of VAT.
        changes: expect.arrayContaining([
          { metric: 'revenue', current: '0.00', previous: '3000.00', change: '-3000.00', changePercent: -100 },
        ]),
      },
    });
    const quarter = await invokeTool(
      findTool('compare_periods')!,
      { periodType: 'quarter', date: ASOF },
      thistleContext(),
    );
    // Q4 to 15 November (46 days) against 1 July – 15 August: INV-001 5,500 + INV-002 8,583.69 (the cash sale of
    // 20 August is after the 46th day) = 14,083.69; Q4 so far: 3,000.
    expect(quarter).toMatchObject({
      ok: true,
      output: {
        basis: 'same_days',
        ranges: {
          current: { from: '2026-10-01', to: '2026-11-15' },
          previous: { from: '2026-07-01', to: '2026-08-15' },
        },
        changes: expect.arrayContaining([
          { metric: 'revenue', current: '3000.00', previous: '14083.69', change: '-11083.69', changePercent: -78.7 },
        ]),
      },
    });
    const complete = await invokeTool(findTool('compare_periods')!, { periodType: 'month' }, thistleContext());
    expect(complete).toMatchObject({
      ok: true,
      output: {
        basis: 'whole_periods',
        compares: '1 October 2026 to 31 October 2026 with 1 September 2026 to 30 September 2026',
        changes: expect.arrayContaining([
          { metric: 'revenue', current: '3000.0000', previous: '11037.2900', change: '-8037.29', changePercent: -72.8 },
        ]),
      },
    });
  });
});

describe('realistic books: cash per account', () => {
  it('transfers listed twice move each account once', async () => {
    const bs = await withBusiness(t.db, businessId, (tx) =>
      buildReport(tx, business(), { kind: 'balance_sheet', to: '2026-10-31' }),
    );
    // Current: +20,000 founder +6,600 INV-001 −2,400 rent −120 ads +360 cash sale +5,000 grant −3,000 to savings
    // = 26,440 (Aug); +8,547.01 INV-002 −1,800 NimbusHost +4,800 INV-004 −240 CN-002 refund −1,234.56 VAT
    // −500 drawings −2,400 rent +500 from savings = 34,112.45 (Sep); +4,273.50 INV-005 −15 fee = 38,370.95.
    // Savings: +3,000 +12.34 (Aug) −500 (Sep) +13.66 (Oct) = 2,526.00.
    expect(bs.data).toMatchObject({
      cash: [
        { name: 'Business Current Account', amount: '38370.95' },
        { name: 'Business Savings Account', amount: '2526.00' },
      ],
      totalCash: '40896.95',
    });
    const [n] = await withBusiness(t.db, businessId, (tx) =>
      queryRows<{ n: number }>(tx, sql`select count(*)::int as n from transactions where kind = 'TRANSFER'`),
    );
    expect(n!.n).toBe(4); // two transfers, two sides each, though Xero listed each side twice
    const aug = await snapshot('month', '2026-08-01');
    // Cash in (transfers excluded): 20,000 + 6,600 + 360 + 5,000 + 12.34 = 31,972.34; out: 2,400 + 120 = 2,520
    expect(aug.metrics).toMatchObject({ cashIn: '31972.3400', cashOut: '2520.0000' });
    expect(aug.cashBalance).toBe('29452.3400'); // 26,440 + 3,012.34
  });
});

describe('realistic books: receivables and payables', () => {
  it('foreign invoices paid in full are settled; allocated credit reduces what is owed; credits are negative', async () => {
    const aug = await snapshot('month', '2026-08-01');
    // 31 Aug: INV-002 €10,000 at its own rate 8,583.69, due 9 Sep (current); NimbusHost's 1,800 due 4 Sep.
    expect(aug.metrics).toMatchObject({
      receivables: { total: '8583.6900', aging: { current: '8583.6900' } },
      payables: { total: '1800.0000', aging: { current: '1800.0000' } },
    });
    const sep = await snapshot('month', '2026-09-01');
    // 30 Sep: INV-002 paid (no residue); INV-004 9,600 − 4,800 paid − 1,200 credit = 3,600 (due that day:
    // current) + INV-005 4,237.29. Payables: NimbusHost's unallocated 120 credit, 10 days old: −120.
    expect(sep.metrics).toMatchObject({
      receivables: { total: '7837.2900', aging: { current: '7837.2900', d90_plus: '0.0000' } },
      payables: { total: '-120.0000', aging: { d1_30: '-120.0000' } },
    });
    const oct = await snapshot('month', '2026-10-01');
    // 31 Oct: INV-004 3,600, 31 days late; INV-006 3,600 current. INV-005 paid in euros: settled.
    // Payables: October rent 2,400, 16 days late; the credit −120, 41 days old.
    expect(oct.metrics).toMatchObject({
      receivables: { total: '7200.0000', aging: { current: '3600.0000', d31_60: '3600.0000', d90_plus: '0.0000' } },
      payables: { total: '2280.0000', aging: { d1_30: '2400.0000', d31_60: '-120.0000' } },
    });
    expect(oct.dso).toBe('74.40'); // 7,200 / 3,000 × 31
    expect(oct.dpo).toBe('35.72'); // 2,280 / 1,978.79 × 31
    expect(sep.dso).toBe('21.30'); // 7,837.29 / 11,037.29 × 30
    const aged = await withBusiness(t.db, businessId, (tx) =>
      buildReport(tx, business(), { kind: 'aged_receivables', to: '2026-10-31' }),
    );
    expect(aged.data).toMatchObject({
      contacts: [
        { contact: 'Acme Retail Ltd', d31_60: '3600.00', total: '3600.00' },
        { contact: 'Corvid Ltd', current: '3600.00', total: '3600.00' },
      ],
      documents: 2,
    });
  });
});

describe('realistic books: subscriptions', () => {
  it('MRR after forever coupons only, per item and per invoice interval; churn over 30 days', async () => {
    const oct = await snapshot('month', '2026-10-01');
    // A: 2 × 100 × 0.9 = 180; B: (1,200 − 120) / 12 = 90; C: 50 (repeating coupon: not in MRR);
    // D: 80 (once coupon); E: 30 × 0.5 + 20 = 35; F: 10 × 52 / 12 / 2 = 21.6667; G ended 10 Oct; H in trial.
    expect(oct.mrr).toBe('456.6667');
    // 12 × MRR; each subscription's MRR is kept to 4 places (F: 21.6667), so ARR is 5,480.0004: 5,480.00 to the cent.
    expect(new D(oct.arr!).toFixed(2)).toBe('5480.00');
    // Churned in the 30 days to 31 Oct: G. Active 30 days before (2 Oct): A B C D E F G = 7; new since: none.
    expect(oct.subscriberChurn).toBe('0.142857');
    const sep = await snapshot('month', '2026-09-01');
    expect(sep.mrr).toBe('416.6667'); // A B C E F G: 180 + 90 + 50 + 35 + 21.6667 + 40
    // November is under way: its stocks are today's (15 November). H's trial ended on the 10th: +60. I's trial
    // ends on the 25th, after today: not yet. Churn over the 30 days to today (16 Oct to 15 Nov): none left;
    // active on 16 Oct: A B C D E F = 6 (G ended on the 10th); new since: H.
    const nov = await snapshot('month', '2026-11-01');
    expect(nov.mrr).toBe('516.6667');
    expect(nov.subscriberChurn).toBe('0.000000');
    expect(nov.metrics).toMatchObject({ partial: true, activeSubscribers: 7 });
  });
});

describe('realistic books: reconciliation against Xero’s own reports', () => {
  it("every compared line agrees with the fake Xero's P&L and Balance Sheet, to the cent", async () => {
    const rows = await withBusiness(t.db, businessId, (tx) =>
      queryRows<{ month: string; line: string; ours: string; theirs: string; difference: string }>(
        tx,
        sql`select month::text, line, ours::text, theirs::text, difference::text from ledger_reconciliations order by month, line`,
      ),
    );
    // August to October, each: four sections, net profit, two bank accounts.
    expect(rows).toHaveLength(3 * 7);
    expect(rows.filter((r) => Number(r.difference) !== 0)).toEqual([]);
    expect(rows.find((r) => r.month === '2026-09-01' && r.line === 'net_profit')).toMatchObject({
      theirs: '9100.6100',
    });
    expect(rows.find((r) => r.month === '2026-10-01' && r.line === 'bank:Business Current Account')).toMatchObject({
      theirs: '38370.9500',
    });
    expect((await snapshot('month', '2026-09-01')).dataQuality).toMatchObject({ grade: 'A', ledgerDifferences: [] });
  });

  it('a report that disagrees is stored, lowers the month’s data quality and raises a recommendation', async () => {
    xero.tamperReport = (kind, report) => {
      if (kind !== 'ProfitAndLoss') return;
      // Xero shows 100.00 more Sales in September (the second column, newest first), and its totals with it.
      type Row = { RowType?: string; Title?: string; Cells?: { Value: string }[]; Rows?: Row[] };
      const rows = report.Reports[0]!.Rows as Row[];
      const income = rows.find((r) => r.Title === 'Income')!;
      const net = rows.flatMap((r) => r.Rows ?? []).find((r) => r.Cells?.[0]?.Value === 'Net Profit')!;
      for (const row of [...income.Rows!.filter((r) => /^(Sales|Total Income)$/.test(r.Cells![0]!.Value)), net])
        row.Cells![2]!.Value = (Number(row.Cells![2]!.Value) + 100).toFixed(2);
    };
    try {
      // Nothing changed in the books, so only a full sync (or the daily check) asks for the reports again.
      const quiet = await syncXero(xeroDeps(), businessId, connectionId, 'incremental');
      expect(quiet.reconciliation).toBeUndefined();
      const sync = await syncXero(xeroDeps(), businessId, connectionId, 'full');
      expect(sync.reconciliation).toMatchObject({
        differences: [
          { month: '2026-09-01', line: 'income', ours: '11037.2900', theirs: '11137.2900', difference: '-100.0000' },
          { month: '2026-09-01', line: 'net_profit', ours: '9100.6100', theirs: '9200.6100', difference: '-100.0000' },
        ],
      });
      await refresh();
      const sep = await snapshot('month', '2026-09-01');
      expect(sep.dataQuality).toMatchObject({ grade: 'B', score: 75, ledgerDifferences: ['2026-09-01'] });
      expect((sep.dataQuality as { notes: string[] }).notes).toContain(
        "Figures for 2026-09 differ from Xero's own reports (income, net profit).",
      );
      expect((await snapshot('month', '2026-08-01')).dataQuality).toMatchObject({ grade: 'A' });
      const status = await invokeTool(findTool('get_sync_status')!, {}, thistleContext());
      expect(status).toMatchObject({
        ok: true,
        output: {
          reconciliation: {
            monthsCompared: 3,
            differenceCount: 2,
            differences: [
              { month: '2026-09-01', line: 'income', ours: '11037.29', theirs: '11137.29', difference: '-100.00' },
              { month: '2026-09-01', line: 'net_profit', difference: '-100.00' },
            ],
          },
        },
      });
      const recs = await withBusiness(t.db, businessId, (tx) =>
        queryRows<{ rule_id: string; title: string; status: string }>(
          tx,
          sql`select rule_id, title, status from recommendations where rule_id = 'ledger_mismatch'`,
        ),
      );
      expect(recs).toEqual([
        {
          rule_id: 'ledger_mismatch',
          title: "Figures for September 2026 differ from Xero's own reports",
          status: 'pending',
        },
      ]);
    } finally {
      xero.tamperReport = null;
    }
    // Once the reports agree again, the difference and the recommendation go.
    await syncXero(xeroDeps(), businessId, connectionId, 'full');
    await refresh();
    expect((await snapshot('month', '2026-09-01')).dataQuality).toMatchObject({ grade: 'A' });
    const [rec] = await withBusiness(t.db, businessId, (tx) =>
      queryRows<{ status: string }>(tx, sql`select status from recommendations where rule_id = 'ledger_mismatch'`),
    );
    expect(rec!.status).toBe('resolved');
  });

  it('a second sync with nothing new upstream changes no figure', async () => {
    const before = await snapshot('month', '2026-09-01');
    const sync = await syncXero(xeroDeps(), businessId, connectionId, 'full');
    expect(sync.status).toBe('succeeded');
    await refresh();
    const after = await snapshot('month', '2026-09-01');
    expect([after.revenue, after.expenses, after.netIncome, after.cashBalance]).toEqual([
      before.revenue,
      before.expenses,
      before.netIncome,
      before.cashBalance,
    ]);
  });
});

describe('realistic books: a webhook names discounts by id', () => {
  it('keeps the discount it already knows when a subscription event names it only by id', async () => {
    const { subscriptions } = thistleStripe();
    const a = subscriptions[0]!;
    // Customer A adds a seat: Stripe's event carries the subscription as the API shows it, discounts as ids.
    const updated = {
      ...a,
      items: { ...a.items, data: a.items.data.map((i) => ({ ...i, quantity: 3, discounts: [] })) },
      discounts: ['di_a'],
    };
    const event = {
      id: 'evt_seat',
      type: 'customer.subscription.updated',
      created: 1_793_000_000,
      data: { object: updated },
    };
    await withSystem(t.db, (tx) =>
      storeInboundEvents(tx, [
        {
          businessId,
          provider: 'stripe',
          externalEventId: event.id,
          eventType: event.type,
          payload: JSON.stringify(event),
        },
      ]),
    );
    await withBusiness(t.db, businessId, (tx) => processStripeEvents(tx, business()));
    const [row] = await withBusiness(t.db, businessId, (tx) =>
      queryRows<{ mrr: string }>(
        tx,
        sql`select mrr_amount::text as mrr from subscriptions where external_id = 'sub_a'`,
      ),
    );
    expect(row!.mrr).toBe('270.0000'); // 3 seats × 100 × 0.9: TEN_FOREVER still applies
  });
});

describe('realistic books: a line changed in Xero', () => {
  it('moves to its new account when a later line of a document is recoded, the first line unchanged', async () => {
    // NimbusHost's bill: the 300 of internal tools moves from General Expenses to Advertising & Marketing.
    const bill = org.data.Invoices.find((i) => i.InvoiceID === 'bill-102')!;
    const lines = (bill.LineItems as Record<string, unknown>[]).map((l, i) =>
      i === 1 ? { ...l, AccountCode: '400' } : l,
    );
    xero.update(org.tenantId, 'Invoices', 'bill-102', { LineItems: lines });
    const sync = await syncXero(xeroDeps(), businessId, connectionId, 'incremental');
    expect(sync.entities.Invoices!.changed).toBe(1);
    const r = await withBusiness(t.db, businessId, (tx) =>
      buildReport(tx, business(), { kind: 'profit_and_loss', from: '2026-08-01', to: '2026-08-31' }),
    );
    // August's operating expenses: rent 2,000, advertising 100 + 300 = 400; the total is unchanged (2,400).
    expect(r.data).toMatchObject({
      expenses: [
        { name: 'Rent', amount: '2000.00' },
        { name: 'Advertising & Marketing', amount: '400.00' },
      ],
      totalExpenses: '2400.00',
      costOfSales: [{ name: 'Cost of Goods Sold', amount: '1200.00' }],
    });
  });
});
