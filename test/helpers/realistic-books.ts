/**
 * "Thistle Analytics Ltd": a small UK company (GBP, VAT at 20%) whose books have what real books have and
 * Demo Co's generator was not written around: VAT-inclusive and exclusive documents, invoices and bills whose
 * lines go to different accounts, a VAT return and a director's loan paid from the bank (balance-sheet
 * accounts), a grant and bank interest (Other Income), a cash sale, transfers that Xero lists twice (as the
 * transfer and as its two bank transactions), euro invoices paid at another rate, a credit note allocated to
 * an invoice and one refunded in cash, a supplier's unallocated credit, a voided invoice, a deleted bank line
 * and a draft bill. Three months, August to October 2026, in Xero's own JSON; and Stripe subscriptions with
 * every kind of coupon and interval.
 *
 * Every figure its test expects is derived by hand in test/integration/realistic-books.test.ts.
 */
import type { FakeOrg } from '../fakes/xero';

type Rec = Record<string, unknown>;

export const THISTLE_TODAY = new Date('2026-11-15T09:00:00Z');
const at = (day: string) => `/Date(${Date.parse(`${day}T00:00:00Z`)}+0000)/`;
const touched = (day: string) => `/Date(${Date.parse(`${day}T12:00:00Z`)}+0000)/`;

const account = (id: string, code: string, name: string, type: string, cls: string): Rec => ({
  AccountID: id,
  Code: code,
  Name: name,
  Type: type,
  Class: cls,
  Status: 'ACTIVE',
  ...(type === 'BANK' ? { CurrencyCode: 'GBP', BankAccountNumber: `20-00-00 ${id.slice(-6)}` } : {}),
  UpdatedDateUTC: touched('2026-07-01'),
});
export const CURRENT = { AccountID: 'acc-090-current', Code: '090', Name: 'Business Current Account' };
export const SAVINGS = { AccountID: 'acc-091-savings', Code: '091', Name: 'Business Savings Account' };

const contact = (id: string, name: string, o: Rec = {}): Rec => ({
  ContactID: id,
  Name: name,
  ContactStatus: 'ACTIVE',
  IsCustomer: false,
  IsSupplier: false,
  UpdatedDateUTC: touched('2026-07-01'),
  ...o,
});
const ref = (c: Rec) => ({ ContactID: c.ContactID, Name: c.Name });
const ACME = contact('con-acme', 'Acme Retail Ltd', { IsCustomer: true });
const BRIGHT = contact('con-bright', 'Brightside GmbH', { IsCustomer: true, DefaultCurrency: 'EUR' });
const CORVID = contact('con-corvid', 'Corvid Ltd', { IsCustomer: true });
const LANDLORD = contact('con-landlord', 'Harbour Properties', { IsSupplier: true });
const CLOUD = contact('con-cloud', 'NimbusHost', { IsSupplier: true });
const ADS = contact('con-ads', 'Clickwise Ads', { IsSupplier: true });
const HMRC = contact('con-hmrc', 'HMRC', { IsSupplier: true });
const GRANTER = contact('con-innovate', 'Innovate UK');

interface Line {
  code: string;
  amount: number;
  tax?: number;
  description?: string;
}
const lines = (ls: Line[]) =>
  ls.map((l, i) => ({
    LineItemID: `li-${i}`,
    Description: l.description ?? `Line ${i + 1}`,
    Quantity: 1,
    UnitAmount: l.amount,
    AccountCode: l.code,
    TaxAmount: l.tax ?? 0,
    LineAmount: l.amount,
  }));
const cents = (n: number) => Math.round(n * 100);
const add = (...xs: number[]) => xs.reduce((a, x) => a + cents(x), 0) / 100;

/** A document's totals from its lines, as Xero computes them for each `LineAmountTypes`. */
function totals(kind: 'Exclusive' | 'Inclusive' | 'NoTax', ls: Line[]) {
  const gross = add(...ls.map((l) => l.amount));
  const tax = add(...ls.map((l) => l.tax ?? 0));
  return kind === 'Inclusive'
    ? { SubTotal: add(gross, -tax), TotalTax: tax, Total: gross }
    : { SubTotal: gross, TotalTax: tax, Total: add(gross, tax) };
}

function invoice(
  id: string,
  type: 'ACCREC' | 'ACCPAY',
  number: string,
  who: Rec,
  date: string,
  due: string,
  kind: 'Exclusive' | 'Inclusive' | 'NoTax',
  ls: Line[],
  o: Rec = {},
): Rec {
  const t = totals(kind, ls);
  return {
    InvoiceID: id,
    Type: type,
    InvoiceNumber: number,
    Contact: ref(who),
    Date: at(date),
    DueDate: at(due),
    Status: 'AUTHORISED',
    LineAmountTypes: kind,
    LineItems: lines(ls),
    ...t,
    AmountDue: t.Total,
    AmountPaid: 0,
    AmountCredited: 0,
    CurrencyCode: 'GBP',
    CurrencyRate: 1,
    UpdatedDateUTC: touched(date),
    ...o,
  };
}

function creditNote(
  id: string,
  type: 'ACCRECCREDIT' | 'ACCPAYCREDIT',
  number: string,
  who: Rec,
  date: string,
  kind: 'Exclusive' | 'Inclusive' | 'NoTax',
  ls: Line[],
  o: Rec = {},
): Rec {
  const t = totals(kind, ls);
  return {
    CreditNoteID: id,
    Type: type,
    CreditNoteNumber: number,
    Contact: ref(who),
    Date: at(date),
    Status: 'AUTHORISED',
    LineAmountTypes: kind,
    LineItems: lines(ls),
    ...t,
    RemainingCredit: t.Total,
    CurrencyCode: 'GBP',
    CurrencyRate: 1,
    UpdatedDateUTC: touched(date),
    ...o,
  };
}

function bankTxn(
  id: string,
  type: string,
  bank: typeof CURRENT,
  date: string,
  kind: 'Exclusive' | 'Inclusive' | 'NoTax',
  ls: Line[],
  o: Rec = {},
): Rec {
  return {
    BankTransactionID: id,
    Type: type,
    BankAccount: bank,
    Date: at(date),
    Reference: o.Reference ?? null,
    Status: 'AUTHORISED',
    IsReconciled: true,
    LineAmountTypes: kind,
    LineItems: lines(ls),
    ...totals(kind, ls),
    CurrencyCode: 'GBP',
    UpdatedDateUTC: touched(date),
    ...o,
  };
}

function payment(
  id: string,
  type: string,
  date: string,
  amount: number,
  doc: { InvoiceID?: string; CreditNoteID?: string; Type: string; Contact: Rec; CurrencyCode?: string },
  o: Rec = {},
): Rec {
  const onCredit = Boolean(doc.CreditNoteID);
  return {
    PaymentID: id,
    Date: at(date),
    Amount: amount,
    BankAmount: amount,
    CurrencyRate: 1,
    PaymentType: type,
    Status: 'AUTHORISED',
    IsReconciled: true,
    Account: { AccountID: CURRENT.AccountID, Code: CURRENT.Code },
    ...(onCredit
      ? { CreditNote: { CreditNoteID: doc.CreditNoteID, Type: doc.Type, Contact: ref(doc.Contact) } }
      : {
          Invoice: {
            InvoiceID: doc.InvoiceID,
            Type: doc.Type,
            Contact: ref(doc.Contact),
            CurrencyCode: doc.CurrencyCode ?? 'GBP',
          },
        }),
    UpdatedDateUTC: touched(date),
    ...o,
  };
}

/** A transfer as Xero lists it twice: the transfer, and a bank transaction for each side. */
function transfer(id: string, from: typeof CURRENT, to: typeof CURRENT, date: string, amount: number) {
  const fromTxn = `bt-${id}-from`;
  const toTxn = `bt-${id}-to`;
  return {
    transfer: {
      BankTransferID: id,
      FromBankAccount: from,
      ToBankAccount: to,
      Amount: amount,
      Date: at(date),
      Status: 'AUTHORISED',
      FromBankTransactionID: fromTxn,
      ToBankTransactionID: toTxn,
      FromIsReconciled: true,
      ToIsReconciled: true,
      Reference: 'Transfer',
      CreatedDateUTC: touched(date),
    } as Rec,
    sides: [
      bankTxn(fromTxn, 'SPEND-TRANSFER', from, date, 'NoTax', [], { Total: amount, SubTotal: amount, LineItems: [] }),
      bankTxn(toTxn, 'RECEIVE-TRANSFER', to, date, 'NoTax', [], { Total: amount, SubTotal: amount, LineItems: [] }),
    ],
  };
}

export function thistleOrg(tenantId = 'tenant-thistle'): FakeOrg {
  const inv1 = invoice('inv-001', 'ACCREC', 'INV-001', ACME, '2026-08-03', '2026-08-31', 'Exclusive', [
    { code: '200', amount: 5000, tax: 1000, description: 'Analytics retainer' },
    { code: '260', amount: 500, tax: 100, description: 'Dashboard licence resale' },
  ]);
  Object.assign(inv1, { Status: 'PAID', AmountDue: 0, AmountPaid: 6600, FullyPaidOnDate: at('2026-08-28') });
  const inv2 = invoice('inv-002', 'ACCREC', 'INV-002', BRIGHT, '2026-08-10', '2026-09-09', 'NoTax', [
    { code: '200', amount: 10000, description: 'Data platform build (EUR)' },
  ]);
  Object.assign(inv2, {
    CurrencyCode: 'EUR',
    CurrencyRate: 1.165,
    Status: 'PAID',
    AmountDue: 0,
    AmountPaid: 10000,
    FullyPaidOnDate: at('2026-09-05'),
  });
  const inv3 = invoice('inv-003', 'ACCREC', 'INV-003', ACME, '2026-08-18', '2026-09-17', 'Exclusive', [
    { code: '200', amount: 1000, tax: 200 },
  ]);
  Object.assign(inv3, { Status: 'VOIDED', AmountDue: 0 });
  const inv4 = invoice('inv-004', 'ACCREC', 'INV-004', ACME, '2026-09-01', '2026-09-30', 'Exclusive', [
    { code: '200', amount: 8000, tax: 1600, description: 'Analytics retainer' },
  ]);
  Object.assign(inv4, { AmountDue: 3600, AmountPaid: 4800, AmountCredited: 1200 });
  const inv5 = invoice('inv-005', 'ACCREC', 'INV-005', BRIGHT, '2026-09-15', '2026-10-15', 'NoTax', [
    { code: '200', amount: 5000, description: 'Data platform support (EUR)' },
  ]);
  Object.assign(inv5, {
    CurrencyCode: 'EUR',
    CurrencyRate: 1.18,
    Status: 'PAID',
    AmountDue: 0,
    AmountPaid: 5000,
    FullyPaidOnDate: at('2026-10-20'),
  });
  const inv6 = invoice('inv-006', 'ACCREC', 'INV-006', CORVID, '2026-10-05', '2026-11-04', 'Exclusive', [
    { code: '200', amount: 3000, tax: 600, description: 'Workshop' },
  ]);

  const b101 = invoice('bill-101', 'ACCPAY', 'HP-0801', LANDLORD, '2026-08-01', '2026-08-15', 'Inclusive', [
    { code: '469', amount: 2400, tax: 400, description: 'Office rent, August' },
  ]);
  Object.assign(b101, { Status: 'PAID', AmountDue: 0, AmountPaid: 2400, FullyPaidOnDate: at('2026-08-14') });
  const b102 = invoice('bill-102', 'ACCPAY', 'NH-5521', CLOUD, '2026-08-05', '2026-09-04', 'Exclusive', [
    { code: '310', amount: 1200, tax: 240, description: 'Client hosting' },
    { code: '429', amount: 300, tax: 60, description: 'Internal tools' },
  ]);
  Object.assign(b102, { Status: 'PAID', AmountDue: 0, AmountPaid: 1800, FullyPaidOnDate: at('2026-09-03') });
  const b103 = invoice('bill-103', 'ACCPAY', 'DRAFT', CLOUD, '2026-08-30', '2026-09-29', 'Exclusive', [
    { code: '310', amount: 500, tax: 100 },
  ]);
  Object.assign(b103, { Status: 'DRAFT' });
  const b104 = invoice('bill-104', 'ACCPAY', 'HP-0901', LANDLORD, '2026-09-01', '2026-09-15', 'Inclusive', [
    { code: '469', amount: 2400, tax: 400, description: 'Office rent, September' },
  ]);
  Object.assign(b104, { Status: 'PAID', AmountDue: 0, AmountPaid: 2400, FullyPaidOnDate: at('2026-09-14') });
  const b105 = invoice('bill-105', 'ACCPAY', 'HP-1001', LANDLORD, '2026-10-01', '2026-10-15', 'Inclusive', [
    { code: '469', amount: 2400, tax: 400, description: 'Office rent, October' },
  ]);

  const cn1 = creditNote('cn-001', 'ACCRECCREDIT', 'CN-001', ACME, '2026-09-15', 'Exclusive', [
    { code: '200', amount: 1000, tax: 200, description: 'Service credit' },
  ]);
  Object.assign(cn1, {
    Status: 'PAID',
    RemainingCredit: 0,
    Allocations: [{ AllocationID: 'al-1', Amount: 1200, Date: at('2026-09-15'), Invoice: { InvoiceID: 'inv-004' } }],
  });
  const cn2 = creditNote('cn-002', 'ACCRECCREDIT', 'CN-002', CORVID, '2026-09-10', 'Inclusive', [
    { code: '200', amount: 240, tax: 40, description: 'Refund: cancelled workshop seat' },
  ]);
  Object.assign(cn2, { Status: 'PAID', RemainingCredit: 0 });
  const scn = creditNote('scn-001', 'ACCPAYCREDIT', 'NH-CR-7', CLOUD, '2026-09-20', 'Exclusive', [
    { code: '310', amount: 100, tax: 20, description: 'Outage credit' },
  ]);

  const t1 = transfer('tr-1', CURRENT, SAVINGS, '2026-08-15', 3000);
  const t2 = transfer('tr-2', SAVINGS, CURRENT, '2026-09-28', 500);

  return {
    tenantId,
    organisation: {
      OrganisationID: tenantId,
      Name: 'Thistle Analytics Ltd',
      LegalName: 'Thistle Analytics Limited',
      BaseCurrency: 'GBP',
      CountryCode: 'GB',
      Timezone: 'GMTSTANDARDTIME',
      FinancialYearEndDay: 31,
      FinancialYearEndMonth: 3,
    },
    data: {
      Accounts: [
        account(CURRENT.AccountID, '090', CURRENT.Name, 'BANK', 'ASSET'),
        account(SAVINGS.AccountID, '091', SAVINGS.Name, 'BANK', 'ASSET'),
        account('acc-200', '200', 'Sales', 'REVENUE', 'REVENUE'),
        account('acc-260', '260', 'Other Revenue', 'REVENUE', 'REVENUE'),
        account('acc-270', '270', 'Interest Income', 'OTHERINCOME', 'REVENUE'),
        account('acc-280', '280', 'Grant Income', 'OTHERINCOME', 'REVENUE'),
        account('acc-310', '310', 'Cost of Goods Sold', 'DIRECTCOSTS', 'EXPENSE'),
        account('acc-400', '400', 'Advertising & Marketing', 'OVERHEADS', 'EXPENSE'),
        account('acc-404', '404', 'Bank Fees', 'OVERHEADS', 'EXPENSE'),
        account('acc-429', '429', 'General Expenses', 'OVERHEADS', 'EXPENSE'),
        account('acc-469', '469', 'Rent', 'OVERHEADS', 'EXPENSE'),
        account('acc-610', '610', 'Accounts Receivable', 'CURRENT', 'ASSET'),
        account('acc-800', '800', 'Accounts Payable', 'CURRLIAB', 'LIABILITY'),
        account('acc-820', '820', 'VAT', 'CURRLIAB', 'LIABILITY'),
        account('acc-835', '835', "Directors' Loan Account", 'CURRLIAB', 'LIABILITY'),
        account('acc-970', '970', 'Owner A Funds Introduced', 'EQUITY', 'EQUITY'),
      ],
      Contacts: [ACME, BRIGHT, CORVID, LANDLORD, CLOUD, ADS, HMRC, GRANTER],
      Invoices: [inv1, inv2, inv3, inv4, inv5, inv6, b101, b102, b103, b104, b105],
      CreditNotes: [cn1, cn2, scn],
      Payments: [
        payment('pay-01', 'ACCRECPAYMENT', '2026-08-28', 6600, { ...inv1, Type: 'ACCREC', Contact: ACME } as never),
        payment('pay-02', 'ACCRECPAYMENT', '2026-09-05', 10000, { ...inv2, Type: 'ACCREC', Contact: BRIGHT } as never, {
          // €10,000 at 1.1700 the day it arrived: £8,547.01 reached the bank (booked at 1.1650: £8,583.69).
          BankAmount: 8547.01,
          CurrencyRate: 1.17,
        }),
        payment('pay-03', 'ACCPAYPAYMENT', '2026-08-14', 2400, { ...b101, Type: 'ACCPAY', Contact: LANDLORD } as never),
        payment('pay-04', 'ACCPAYPAYMENT', '2026-09-03', 1800, { ...b102, Type: 'ACCPAY', Contact: CLOUD } as never),
        payment('pay-05', 'ACCRECPAYMENT', '2026-09-25', 4800, { ...inv4, Type: 'ACCREC', Contact: ACME } as never),
        payment('pay-06', 'ACCPAYPAYMENT', '2026-09-14', 2400, { ...b104, Type: 'ACCPAY', Contact: LANDLORD } as never),
        // CN-002 refunded to Corvid in cash.
        payment('pay-07', 'ARCREDITPAYMENT', '2026-09-12', 240, {
          ...cn2,
          Type: 'ACCRECCREDIT',
          Contact: CORVID,
        } as never),
        payment('pay-08', 'ACCRECPAYMENT', '2026-10-20', 5000, { ...inv5, Type: 'ACCREC', Contact: BRIGHT } as never, {
          // €5,000 at 1.1700: £4,273.50 (booked at 1.1800: £4,237.29).
          BankAmount: 4273.5,
          CurrencyRate: 1.17,
        }),
      ],
      BankTransactions: [
        bankTxn('bt-owner', 'RECEIVE', CURRENT, '2026-08-01', 'NoTax', [
          { code: '970', amount: 20000, description: 'Founder investment' },
        ]),
        bankTxn('bt-ads', 'SPEND', CURRENT, '2026-08-12', 'Inclusive', [{ code: '400', amount: 120, tax: 20 }], {
          Contact: ref(ADS),
          Reference: 'CLICKWISE ADS 0812',
        }),
        bankTxn('bt-cashsale', 'RECEIVE', CURRENT, '2026-08-20', 'Inclusive', [{ code: '200', amount: 360, tax: 60 }], {
          Contact: ref(CORVID),
          Reference: 'Workshop seats, card',
        }),
        bankTxn('bt-grant', 'RECEIVE', CURRENT, '2026-08-25', 'NoTax', [{ code: '280', amount: 5000 }], {
          Contact: ref(GRANTER),
          Reference: 'Smart grant tranche 1',
        }),
        bankTxn('bt-int-aug', 'RECEIVE', SAVINGS, '2026-08-31', 'NoTax', [{ code: '270', amount: 12.34 }], {
          Reference: 'Interest',
        }),
        bankTxn('bt-deleted', 'SPEND', CURRENT, '2026-08-22', 'Inclusive', [{ code: '429', amount: 99, tax: 16.5 }], {
          Status: 'DELETED',
          Reference: 'Entered twice',
        }),
        bankTxn('bt-vat', 'SPEND', CURRENT, '2026-09-30', 'NoTax', [{ code: '820', amount: 1234.56 }], {
          Contact: ref(HMRC),
          Reference: 'VAT return Q2',
        }),
        bankTxn('bt-dla', 'SPEND', CURRENT, '2026-09-20', 'NoTax', [{ code: '835', amount: 500 }], {
          Reference: 'Director drawings',
        }),
        bankTxn('bt-fees', 'SPEND', CURRENT, '2026-10-31', 'NoTax', [{ code: '404', amount: 15 }], {
          Reference: 'Account fee',
        }),
        bankTxn('bt-int-oct', 'RECEIVE', SAVINGS, '2026-10-31', 'NoTax', [{ code: '270', amount: 13.66 }], {
          Reference: 'Interest',
        }),
        ...t1.sides,
        ...t2.sides,
      ],
      BankTransfers: [t1.transfer, t2.transfer],
    },
  };
}

/** Stripe: customers and subscriptions with every kind of coupon, quantity and interval (amounts in pence). */
export function thistleStripe() {
  const unix = (day: string) => Math.floor(Date.parse(`${day}T00:00:00Z`) / 1000);
  const price = (id: string, pence: number, interval: 'day' | 'week' | 'month' | 'year', count = 1) => ({
    id,
    object: 'price',
    unit_amount: pence,
    currency: 'gbp',
    nickname: id,
    recurring: { interval, interval_count: count, usage_type: 'licensed' },
  });
  const coupon = (id: string, duration: string, o: Rec) => ({ id, object: 'coupon', duration, ...o });
  const discount = (id: string, c: Rec) => ({ id, object: 'discount', source: { type: 'coupon', coupon: c } });
  const customers = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'].map((k) => ({
    id: `cus_${k}`,
    object: 'customer',
    name: `Customer ${k.toUpperCase()}`,
    created: unix('2026-06-01'),
  }));
  const sub = (k: string, start: string, items: Rec[], o: Rec = {}) => ({
    id: `sub_${k}`,
    object: 'subscription',
    customer: `cus_${k}`,
    status: 'active',
    currency: 'gbp',
    created: unix(start),
    start_date: unix(start),
    items: { object: 'list', data: items },
    discounts: [],
    ...o,
  });
  const item = (id: string, p: Rec, quantity = 1, discounts: Rec[] = []) => ({
    id,
    object: 'subscription_item',
    price: p,
    quantity,
    discounts,
  });
  const subscriptions = [
    // £100 a month × 2 seats, 10% off forever.
    sub('a', '2026-06-01', [item('si_a', price('price_seat', 10000, 'month'), 2)], {
      discounts: [discount('di_a', coupon('TEN_FOREVER', 'forever', { percent_off: 10 }))],
    }),
    // £1,200 a year, £120 off every invoice forever.
    sub('b', '2026-06-15', [item('si_b', price('price_annual', 120000, 'year'))], {
      discounts: [discount('di_b', coupon('LOYAL120', 'forever', { amount_off: 12000, currency: 'gbp' }))],
    }),
    // £50 a month, 50% off for three months: MRR unaffected.
    sub('c', '2026-09-01', [item('si_c', price('price_basic', 5000, 'month'))], {
      discounts: [discount('di_c', coupon('HALF3', 'repeating', { percent_off: 50, duration_in_months: 3 }))],
    }),
    // £80 a month, £20 off the first invoice: MRR unaffected.
    sub('d', '2026-10-01', [item('si_d', price('price_plus', 8000, 'month'))], {
      discounts: [discount('di_d', coupon('WELCOME20', 'once', { amount_off: 2000, currency: 'gbp' }))],
    }),
    // Two items: £30 a month with 50% off that item forever, and £20 a month.
    sub('e', '2026-07-01', [
      item('si_e1', price('price_addon', 3000, 'month'), 1, [
        discount('di_e', coupon('ADDON50', 'forever', { percent_off: 50 })),
      ]),
      item('si_e2', price('price_extra', 2000, 'month')),
    ]),
    // £10 every two weeks.
    sub('f', '2026-08-01', [item('si_f', price('price_fortnight', 1000, 'week', 2))]),
    // £40 a month, cancelled on 10 October.
    sub('g', '2026-06-01', [item('si_g', price('price_small', 4000, 'month'))], {
      status: 'canceled',
      canceled_at: unix('2026-10-01'),
      ended_at: unix('2026-10-10'),
    }),
    // £60 a month, still in its trial at the end of October; it converts on 10 November.
    sub('h', '2026-10-20', [item('si_h', price('price_trial', 6000, 'month'))], {
      status: 'active',
      trial_end: unix('2026-11-10'),
    }),
    // £25 a month, in a trial that ends on 25 November: after "today" (15 November).
    sub('i', '2026-11-11', [item('si_i', price('price_later', 2500, 'month'))], {
      status: 'trialing',
      trial_end: unix('2026-11-25'),
    }),
  ];
  return { customers, subscriptions };
}
