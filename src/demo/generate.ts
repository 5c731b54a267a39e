/**
 * A deterministic demo company: a small B2B software business with Stripe subscriptions (seats, quarterly and
 * annual prices, forever, repeating and once coupons) and one-off charges, Xero-invoiced services (sales tax
 * on some customers, projects with a second revenue line, a customer invoiced in euros and paid at the day's
 * rate, service credits allocated or refunded), ~30 suppliers (a cloud bill split between cost of sales and
 * internal tools), payroll, cash sales with tax included, a quarterly sales tax return, a grant, interest, two
 * bank accounts with transfers Xero lists twice, and a few deleted duplicates, over the 24 months ending last
 * month.
 *
 * It emits records shaped like the real APIs (Xero's PascalCase JSON, Stripe's objects), month by
 * month, so the loader feeds them through the same mappers as a real sync and memory stays flat
 * for the million-transaction benchmark businesses. Same seed and same `today` → same data.
 */
import type {
  StripeBalanceTransaction,
  StripeBatch,
  StripeCharge,
  StripeCustomer,
  StripeDispute,
  StripePayout,
  StripeRefund,
  StripeSubscription,
} from '../integrations/stripe/mappers';
import type {
  XeroAccount,
  XeroBankTransaction,
  XeroBankTransfer,
  XeroBatch,
  XeroContact,
} from '../integrations/xero/types';

export interface DemoOptions {
  seed?: number;
  /** The generated history ends with the month before this date's month. */
  today?: Date;
  /** 1 ≈ 8,300 transactions; the benchmark sizes scale subscribers and customers by this factor (see scaleForTransactions). */
  scale?: number;
  months?: number;
}

export interface DemoBatch {
  label: string;
  xero: XeroBatch;
  stripe: StripeBatch;
}

/**
 * Scale for a target number of transactions. Measured: about 1,300 transactions do not grow with the
 * scale (suppliers, payroll, transfers) and about 7,000 per unit of scale do (subscribers, customers).
 */
export function scaleForTransactions(n: number): number {
  return Math.max(0.05, (n - 1_300) / 7_000);
}

const DAY = 86_400_000;

/** mulberry32: small, fast, good enough for believable data, and reproducible. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)),
    chance: (p: number) => next() < p,
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!,
    /** Roughly normal, mean 0, sd 1 (sum of uniforms). */
    gauss: () => next() + next() + next() + next() + next() + next() - 3,
    hex: (n: number) => Array.from({ length: n }, () => Math.floor(next() * 16).toString(16)).join(''),
    id: (prefix: string) =>
      `${prefix}_${Array.from({ length: 14 }, () => 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789'[Math.floor(next() * 56)]).join('')}`,
  };
}
type Rng = ReturnType<typeof prng>;

/** Sales tax charged to customers in taxable states (Texas' combined rate). */
const SALES_TAX = 0.0825;

/** Euros per dollar on a day: a slow, deterministic drift around 0.92 (Xero's CurrencyRate for a EUR document). */
const eurPerUsd = (ms: number) => Math.round((0.92 + 0.03 * Math.sin(ms / (DAY * 45))) * 10_000) / 10_000;

const uuid = (r: Rng) => `${r.hex(8)}-${r.hex(4)}-4${r.hex(3)}-${'89ab'[r.int(0, 3)]}${r.hex(3)}-${r.hex(12)}`;
const xeroDate = (ms: number) => `/Date(${ms}+0000)/`;
const unix = (ms: number) => Math.floor(ms / 1000);
const cents = (c: number) => Math.round(c) / 100;
const utc = (y: number, m: number, d: number) => Date.UTC(y, m, d);
const daysInMonth = (y: number, m: number) => new Date(Date.UTC(y, m + 1, 0)).getUTCDate();

// ---------- the chart of accounts and the cast ----------

const ACCOUNTS: [code: string, name: string, type: string, cls: string][] = [
  ['090', 'Business Checking', 'BANK', 'ASSET'],
  ['091', 'Business Savings', 'BANK', 'ASSET'],
  ['200', 'Sales', 'REVENUE', 'REVENUE'],
  ['201', 'Subscription Revenue', 'REVENUE', 'REVENUE'],
  ['260', 'Other Revenue', 'REVENUE', 'REVENUE'],
  ['270', 'Interest Income', 'OTHERINCOME', 'REVENUE'],
  ['280', 'Grant Income', 'OTHERINCOME', 'REVENUE'],
  ['310', 'Cost of Goods Sold', 'DIRECTCOSTS', 'EXPENSE'],
  ['400', 'Advertising', 'EXPENSE', 'EXPENSE'],
  ['404', 'Bank Fees', 'EXPENSE', 'EXPENSE'],
  ['412', 'Consulting & Accounting', 'EXPENSE', 'EXPENSE'],
  ['413', 'Contractors', 'EXPENSE', 'EXPENSE'],
  ['420', 'Entertainment', 'EXPENSE', 'EXPENSE'],
  ['433', 'Insurance', 'EXPENSE', 'EXPENSE'],
  ['453', 'Office Expenses', 'EXPENSE', 'EXPENSE'],
  ['469', 'Rent', 'EXPENSE', 'EXPENSE'],
  ['477', 'Wages and Salaries', 'EXPENSE', 'EXPENSE'],
  ['478', 'Payroll Taxes', 'EXPENSE', 'EXPENSE'],
  ['485', 'Software Subscriptions', 'EXPENSE', 'EXPENSE'],
  ['489', 'Telephone & Internet', 'EXPENSE', 'EXPENSE'],
  ['493', 'Travel', 'EXPENSE', 'EXPENSE'],
  ['610', 'Accounts Receivable', 'CURRENT', 'ASSET'],
  ['615', 'Stripe Clearing', 'CURRENT', 'ASSET'],
  ['800', 'Accounts Payable', 'CURRLIAB', 'LIABILITY'],
  ['820', 'Sales Tax Payable', 'CURRLIAB', 'LIABILITY'],
  ['970', 'Owner Funds Introduced', 'EQUITY', 'EQUITY'],
];

interface Supplier {
  name: string;
  code: string;
  /** bill: an ACCPAY invoice paid later; spend: a card or direct debit on the bank statement. */
  how: 'bill' | 'spend';
  /** cents per occurrence at month 0 */
  amount: number;
  /** monthly growth factor */
  growth: number;
  /** relative noise */
  noise: number;
  /** occurrences per month (fractional = probability) */
  perMonth: number;
  every?: number; // months between occurrences (quarterly = 3)
  terms?: number;
  line: string;
}

const SUPPLIERS: Supplier[] = [
  {
    name: 'Harbor Properties LLC',
    code: '469',
    how: 'bill',
    amount: 450000,
    growth: 1,
    noise: 0,
    perMonth: 1,
    terms: 5,
    line: 'Office rent',
  },
  {
    name: 'Gusto',
    code: '477',
    how: 'spend',
    amount: 2450000,
    growth: 1.016,
    noise: 0.02,
    perMonth: 2,
    line: 'GUSTO PAYROLL NET PAY',
  },
  {
    name: 'IRS',
    code: '478',
    how: 'spend',
    amount: 720000,
    growth: 1.016,
    noise: 0.03,
    perMonth: 1,
    line: 'IRS USATAXPYMT EFTPS',
  },
  {
    name: 'Amazon Web Services',
    code: '310',
    how: 'bill',
    amount: 120000,
    growth: 1.03,
    noise: 0.1,
    perMonth: 1,
    terms: 15,
    line: 'AWS usage',
  },
  {
    name: 'Google Workspace',
    code: '485',
    how: 'spend',
    amount: 14400,
    growth: 1.02,
    noise: 0,
    perMonth: 1,
    line: 'GOOGLE *GSUITE_demo.co CC GOOGLE.COM',
  },
  {
    name: 'Slack Technologies',
    code: '485',
    how: 'spend',
    amount: 8750,
    growth: 1.02,
    noise: 0,
    perMonth: 1,
    line: 'SLACK T01ABC2DEF DUBLIN',
  },
  {
    name: 'GitHub',
    code: '485',
    how: 'spend',
    amount: 4400,
    growth: 1.015,
    noise: 0,
    perMonth: 1,
    line: 'GITHUB, INC. HTTPSGITHUB.C CA',
  },
  {
    name: 'Figma',
    code: '485',
    how: 'spend',
    amount: 4500,
    growth: 1.01,
    noise: 0,
    perMonth: 1,
    line: 'FIGMA MONTHLY RENEWAL FIGMA.COM',
  },
  {
    name: 'Notion Labs',
    code: '485',
    how: 'spend',
    amount: 2000,
    growth: 1.01,
    noise: 0,
    perMonth: 1,
    line: 'NOTION LABS, INC. NOTION.SO',
  },
  {
    name: 'HubSpot',
    code: '485',
    how: 'bill',
    amount: 80000,
    growth: 1,
    noise: 0,
    perMonth: 1,
    terms: 30,
    line: 'HubSpot Marketing Hub Professional',
  },
  {
    name: 'Zoom Video Communications',
    code: '485',
    how: 'spend',
    amount: 1599,
    growth: 1,
    noise: 0,
    perMonth: 1,
    line: 'ZOOM.US 888-799-9666 CA',
  },
  {
    name: 'Atlassian',
    code: '485',
    how: 'spend',
    amount: 7000,
    growth: 1.01,
    noise: 0,
    perMonth: 1,
    line: 'ATLASSIAN SYDNEY',
  },
  {
    name: 'Intercom',
    code: '485',
    how: 'bill',
    amount: 39500,
    growth: 1.01,
    noise: 0.03,
    perMonth: 1,
    terms: 14,
    line: 'Intercom support seats',
  },
  {
    name: 'Linear',
    code: '485',
    how: 'spend',
    amount: 1600,
    growth: 1.01,
    noise: 0,
    perMonth: 1,
    line: 'LINEAR.APP SAN FRANCISCO',
  },
  {
    name: 'Dropbox',
    code: '485',
    how: 'spend',
    amount: 2400,
    growth: 1,
    noise: 0,
    perMonth: 1,
    line: 'DROPBOX*ZX81Q DB.TT/CCHELP',
  },
  {
    name: 'Alice Nguyen Design',
    code: '413',
    how: 'bill',
    amount: 420000,
    growth: 1,
    noise: 0.3,
    perMonth: 0.6,
    terms: 14,
    line: 'Product design sprint',
  },
  {
    name: 'Rivera Dev Studio',
    code: '413',
    how: 'bill',
    amount: 650000,
    growth: 1,
    noise: 0.25,
    perMonth: 0.7,
    terms: 30,
    line: 'Contract development',
  },
  {
    name: 'Kowalski Consulting',
    code: '413',
    how: 'bill',
    amount: 250000,
    growth: 1,
    noise: 0.2,
    perMonth: 0.3,
    terms: 30,
    line: 'Security review',
  },
  {
    name: 'Google Ads',
    code: '400',
    how: 'spend',
    amount: 260000,
    growth: 1.01,
    noise: 0.2,
    perMonth: 1,
    line: 'GOOGLE *ADS8342901234 CC GOOGLE.COM',
  },
  {
    name: 'Meta Platforms',
    code: '400',
    how: 'spend',
    amount: 140000,
    growth: 1.01,
    noise: 0.25,
    perMonth: 1,
    line: 'FACEBK *ADS 3J8KD2M MENLO PARK',
  },
  {
    name: 'LinkedIn Ads',
    code: '400',
    how: 'bill',
    amount: 90000,
    growth: 1,
    noise: 0.3,
    perMonth: 0.8,
    terms: 30,
    line: 'Sponsored content campaign',
  },
  {
    name: 'Hiscox Insurance',
    code: '433',
    how: 'bill',
    amount: 180000,
    growth: 1,
    noise: 0,
    perMonth: 1,
    every: 3,
    terms: 30,
    line: 'Professional liability, quarterly premium',
  },
  {
    name: 'Baker & Co CPAs',
    code: '412',
    how: 'bill',
    amount: 95000,
    growth: 1,
    noise: 0,
    perMonth: 1,
    terms: 30,
    line: 'Monthly bookkeeping and payroll review',
  },
  {
    name: 'Comcast Business',
    code: '489',
    how: 'spend',
    amount: 21900,
    growth: 1,
    noise: 0,
    perMonth: 1,
    line: 'COMCAST BUSINESS 800-391-3000',
  },
  {
    name: 'Verizon Wireless',
    code: '489',
    how: 'spend',
    amount: 34000,
    growth: 1.01,
    noise: 0.05,
    perMonth: 1,
    line: 'VZWRLSS*APOCC VISB 800-922-0204',
  },
  {
    name: 'Delta Air Lines',
    code: '493',
    how: 'spend',
    amount: 64000,
    growth: 1,
    noise: 0.4,
    perMonth: 0.8,
    line: 'DELTA AIR 0062345678901 ATLANTA',
  },
  {
    name: 'Uber',
    code: '493',
    how: 'spend',
    amount: 3800,
    growth: 1,
    noise: 0.5,
    perMonth: 4,
    line: 'UBER *TRIP HELP.UBER.COM',
  },
  {
    name: 'Airbnb',
    code: '493',
    how: 'spend',
    amount: 52000,
    growth: 1,
    noise: 0.4,
    perMonth: 0.4,
    line: 'AIRBNB * HMQ2ZX9PLK',
  },
  {
    name: 'Blue Bottle Coffee',
    code: '420',
    how: 'spend',
    amount: 2600,
    growth: 1,
    noise: 0.5,
    perMonth: 3,
    line: 'SQ *BLUE BOTTLE COFFEE OAKLAND',
  },
  {
    name: 'Sweetgreen',
    code: '420',
    how: 'spend',
    amount: 9800,
    growth: 1,
    noise: 0.5,
    perMonth: 2,
    line: 'SWEETGREEN SOMA 0421',
  },
  {
    name: 'Staples',
    code: '453',
    how: 'spend',
    amount: 11500,
    growth: 1,
    noise: 0.5,
    perMonth: 0.7,
    line: 'STAPLES 00115 SAN FRANCISCO',
  },
  {
    name: 'Amazon Business',
    code: '453',
    how: 'spend',
    amount: 15800,
    growth: 1,
    noise: 0.6,
    perMonth: 1.2,
    line: 'AMZN Mktp US*2K4L19JX2 AMZN.COM/BILL',
  },
  {
    name: 'First National Bank',
    code: '404',
    how: 'spend',
    amount: 2500,
    growth: 1,
    noise: 0,
    perMonth: 1,
    line: 'MONTHLY SERVICE FEE',
  },
];

const CUSTOMER_NAMES = [
  'Northwind Traders',
  'Contoso Ltd',
  'Fabrikam Inc',
  'Tailspin Toys',
  'Wide World Importers',
  'Adventure Works',
  'Proseware Inc',
  'Litware Inc',
  'Lucerne Publishing',
  "Margie's Travel",
  'Alpine Ski House',
  'Coho Winery',
  'Fourth Coffee',
  'Graphic Design Institute',
  'Humongous Insurance',
  'Woodgrove Bank',
  'Trey Research',
  'Blue Yonder Airlines',
  'City Power & Light',
  'Southridge Video',
  'Consolidated Messenger',
  'School of Fine Art',
];

/** Prices: `months` between invoices (a quarterly price is `month` × 3); `seats` plans sell several at once. */
const PLANS = [
  {
    id: 'price_starter_monthly',
    nickname: 'Starter',
    unit: 4900,
    interval: 'month' as const,
    months: 1,
    seats: false,
    weight: 0.38,
  },
  {
    id: 'price_starter_quarterly',
    nickname: 'Starter (quarterly)',
    unit: 13900,
    interval: 'month' as const,
    months: 3,
    seats: false,
    weight: 0.04,
  },
  {
    id: 'price_growth_monthly',
    nickname: 'Growth',
    unit: 14900,
    interval: 'month' as const,
    months: 1,
    seats: true,
    weight: 0.33,
  },
  {
    id: 'price_pro_monthly',
    nickname: 'Pro',
    unit: 39900,
    interval: 'month' as const,
    months: 1,
    seats: true,
    weight: 0.12,
  },
  {
    id: 'price_growth_annual',
    nickname: 'Growth (annual)',
    unit: 149000,
    interval: 'year' as const,
    months: 12,
    seats: false,
    weight: 0.09,
  },
  {
    id: 'price_pro_annual',
    nickname: 'Pro (annual)',
    unit: 399000,
    interval: 'year' as const,
    months: 12,
    seats: false,
    weight: 0.04,
  },
];

/**
 * The coupons the demo's subscribers hold: a launch discount forever, money off every annual invoice forever,
 * half off the first three months, and money off the first invoice. Only the forever ones change MRR.
 */
const COUPONS = {
  launch: { id: 'LAUNCH20', duration: 'forever' as const, percent_off: 20 },
  annual: { id: 'ANNUAL100', duration: 'forever' as const, amount_off: 10000, currency: 'usd' },
  firstThree: { id: 'FIRST3HALF', duration: 'repeating' as const, percent_off: 50, duration_in_months: 3 },
  welcome: { id: 'WELCOME10', duration: 'once' as const, amount_off: 1000, currency: 'usd' },
};
type Coupon = (typeof COUPONS)[keyof typeof COUPONS];
const FIRST = [
  'Ava',
  'Ben',
  'Chloe',
  'Diego',
  'Emma',
  'Farah',
  'Gus',
  'Hana',
  'Ivan',
  'Jade',
  'Kai',
  'Lena',
  'Milo',
  'Nia',
  'Omar',
  'Pia',
  'Quinn',
  'Rosa',
  'Sami',
  'Tess',
  'Uma',
  'Vik',
  'Wen',
  'Yara',
  'Zoe',
];
const LAST = [
  'Studio',
  'Labs',
  'Analytics',
  'Partners',
  'Health',
  'Logistics',
  'Media',
  'Foods',
  'Legal',
  'Dental',
  'Fitness',
  'Realty',
  'Bakery',
  'Robotics',
  'Design',
  'Clinic',
  'Motors',
  'Books',
];
const DISPUTE_REASONS = [
  'fraudulent',
  'fraudulent',
  'product_not_received',
  'subscription_canceled',
  'duplicate',
  'general',
];

interface Sub {
  id: string;
  customer: string;
  plan: (typeof PLANS)[number];
  quantity: number;
  start: number;
  trialEnd: number | null;
  nextBill: number;
  coupon: Coupon | null;
  /** Invoices billed so far (a repeating or once coupon ends after its first ones). */
  billed: number;
  canceledAt: number | null;
  endedAt: number | null;
  pastDue: boolean;
  willConvert: boolean;
}

/** Whether a coupon still takes money off a subscription's invoice number `billed` (0 for the first). */
function couponApplies(c: Coupon, billed: number, monthsPerInvoice: number): boolean {
  if (c.duration === 'forever') return true;
  if (c.duration === 'once') return billed === 0;
  return billed * monthsPerInvoice < c.duration_in_months;
}

/** One invoice of a subscription in cents: price × seats, less its coupon while the coupon applies. */
function invoiceAmount(sub: Sub): number {
  const gross = sub.plan.unit * sub.quantity;
  const c = sub.coupon;
  if (!c || !couponApplies(c, sub.billed, sub.plan.months)) return gross;
  if ('percent_off' in c) return Math.round((gross * (100 - c.percent_off)) / 100);
  return Math.max(0, gross - c.amount_off);
}

/** The whole company as a sequence of batches: set-up first, then one per month, then subscriptions' final state. */
export function* generateDemo(opts: DemoOptions = {}): Generator<DemoBatch> {
  const { first, demo } = setUp(opts);
  yield first;
  for (let m = 0; m < demo.months; m++) {
    const month = monthOf(demo, m);
    const h = helpersFor(demo, month);
    seedFunding(demo, month);
    stripeMonth(demo, month, h);
    servicesMonth(demo, month);
    euroCustomerMonth(demo, month);
    otherIncomeMonth(demo, month);
    suppliersMonth(demo, month, h);
    bankMonth(demo, month, h);
    yield { label: `${month.y}-${String(month.mo + 1).padStart(2, '0')}`, xero: month.x, stripe: month.s };
  }
  yield { label: 'subscriptions', xero: {}, stripe: { subscriptions: subscriptionsAtEnd(demo) } };
}

/** Before the first month: the chart of accounts and the contacts (the first batch), and the state every month shares. */
function setUp(opts: DemoOptions) {
  const r = prng(opts.seed ?? 20261101);
  const scale = Math.max(0.05, opts.scale ?? 1);
  const today = opts.today ?? new Date();
  const months = opts.months ?? 24;
  const todayMs = utc(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate());
  const firstMonth = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth() - months, 1));
  const historyEnd = utc(today.getUTCFullYear(), today.getUTCMonth(), 1) - DAY; // last day of last month
  const start = firstMonth.getTime();
  const n = (k: number) => Math.max(1, Math.round(k * scale));

  // ---- set-up: organisation, accounts, contacts ----
  const accounts: XeroAccount[] = ACCOUNTS.map(([code, name, type, cls]) => ({
    AccountID: uuid(r),
    Code: code,
    Name: name,
    Type: type,
    Class: cls,
    Status: 'ACTIVE',
    ...(type === 'BANK' ? { BankAccountNumber: `12-3456-${r.int(1000000, 9999999)}-00`, CurrencyCode: 'USD' } : {}),
    UpdatedDateUTC: xeroDate(start - 30 * DAY),
  }));
  const acct = (code: string) => accounts.find((a) => a.Code === code)!;
  const checking = acct('090');
  const savings = acct('091');

  const contact = (name: string, isCustomer: boolean, isSupplier: boolean): XeroContact => ({
    ContactID: uuid(r),
    Name: name,
    EmailAddress: `accounts@${name.toLowerCase().replace(/[^a-z]+/g, '')}.example`,
    ContactStatus: 'ACTIVE',
    IsCustomer: isCustomer,
    IsSupplier: isSupplier,
    DefaultCurrency: 'USD',
    UpdatedDateUTC: xeroDate(start - 20 * DAY),
  });
  const suppliers = SUPPLIERS.map((s) => ({ s, c: contact(s.name, false, true) }));
  const serviceCustomers = Array.from({ length: n(CUSTOMER_NAMES.length) }, (_, i) => {
    const base = CUSTOMER_NAMES[i % CUSTOMER_NAMES.length]!;
    const name = i < CUSTOMER_NAMES.length ? base : `${base} ${Math.floor(i / CUSTOMER_NAMES.length) + 1}`;
    return {
      c: contact(name, true, false),
      // Northwind is the big one: a large monthly retainer, about a fifth of services revenue.
      retainer: i === 0 ? 1400000 : r.chance(0.35) ? r.int(150000, 450000) : 0,
      projectRate: 0.25 + r.next() * 0.35,
      termsDays: r.chance(0.3) ? 14 : 30,
      lateMean: r.chance(0.25) ? r.int(15, 45) : r.int(0, 6),
      since: i < CUSTOMER_NAMES.length * 0.6 ? 0 : r.int(1, months - 6),
      // Customers in a state where the services are taxable are charged sales tax on top.
      taxed: r.chance(0.3),
    };
  });
  // One customer is invoiced in euros and pays at the rate of the day it pays.
  const euroCustomer = { ...contact('Nordlicht GmbH', true, false), DefaultCurrency: 'EUR' };
  const walkIn = contact('Workshop attendees', true, false);
  const taxOffice = contact('Texas Comptroller', false, true);
  const grantor = contact('Small Business Innovation Research', false, false);
  const stripeCustomersContact = contact('Stripe Customers', true, false);
  const stripeContact = contact('Stripe', false, true);
  const ownerContact = contact('Demo Co Founders', false, false);
  const first: DemoBatch = {
    label: 'chart of accounts and contacts',
    xero: {
      organisation: {
        OrganisationID: uuid(r),
        Name: 'Demo Co',
        LegalName: 'Demo Co Inc.',
        BaseCurrency: 'USD',
        CountryCode: 'US',
        Timezone: 'PACIFICSTANDARDTIME',
        FinancialYearEndDay: 31,
        FinancialYearEndMonth: 12,
      },
      accounts,
      contacts: [
        ...suppliers.map((x) => x.c),
        ...serviceCustomers.map((x) => x.c),
        euroCustomer,
        walkIn,
        taxOffice,
        grantor,
        stripeCustomersContact,
        stripeContact,
        ownerContact,
      ],
    },
    stripe: {},
  };

  // ---- state carried across months (the months advance the payout day and the numbering through `d`) ----
  const subs: Sub[] = [];
  // Stripe balance movements (cents) with the time they become available for payout.
  const ledger: { at: number; net: number }[] = [];
  const nextPayout = start + ((8 - new Date(start).getUTCDay()) % 7 || 7) * DAY; // first Monday after start
  const pendingRefunds: { at: number; refund: StripeRefund }[] = [];
  const pendingDisputes: { at: number; dispute: StripeDispute; fee: StripeBalanceTransaction }[] = [];
  const invoiceNo = 1000;
  const billNo = 5000;
  /** Sales tax collected (cents) in the current calendar quarter, paid to the state after it ends. */
  const salesTaxDue = 0;

  const newCustomer = (at: number): StripeCustomer => {
    const name = `${r.pick(FIRST)} ${r.pick(LAST)}`;
    return {
      id: r.id('cus'),
      object: 'customer',
      name,
      email: `${name.toLowerCase().replace(/\s+/g, '.')}@example.com`,
      created: unix(at),
    };
  };
  const pickCoupon = (plan: (typeof PLANS)[number]): Coupon | null => {
    const x = r.next();
    if (plan.interval === 'year') return x < 0.15 ? COUPONS.annual : null;
    if (x < 0.1) return COUPONS.launch;
    if (x < 0.18) return COUPONS.firstThree;
    if (x < 0.26) return COUPONS.welcome;
    return null;
  };
  const pickPlan = () => {
    let x = r.next();
    for (const p of PLANS) {
      x -= p.weight;
      if (x <= 0) return p;
    }
    return PLANS[0]!;
  };
  const addMonths = (ms: number, k: number) => {
    const d = new Date(ms);
    const y = d.getUTCFullYear();
    const m = d.getUTCMonth() + k;
    return utc(y, m, Math.min(d.getUTCDate(), daysInMonth(y + Math.floor(m / 12), ((m % 12) + 12) % 12)));
  };

  return {
    first,
    demo: {
      r,
      scale,
      today,
      months,
      todayMs,
      historyEnd,
      start,
      n,
      accounts,
      acct,
      checking,
      savings,
      suppliers,
      serviceCustomers,
      euroCustomer,
      walkIn,
      taxOffice,
      grantor,
      stripeCustomersContact,
      stripeContact,
      ownerContact,
      subs,
      ledger,
      pendingRefunds,
      pendingDisputes,
      newCustomer,
      pickCoupon,
      pickPlan,
      addMonths,
      nextPayout,
      invoiceNo,
      billNo,
      salesTaxDue,
    },
  };
}

/** What every month works with: the random stream, the scale and dates, the chart and contacts, and what carries over. */
type Demo = ReturnType<typeof setUp>['demo'];

/** One month of the history: its dates and the batch it fills. */
function monthOf(d: Demo, m: number) {
  const { r, todayMs, start, addMonths } = d;
  const monthStart = addMonths(start, m);
  const y = new Date(monthStart).getUTCFullYear();
  const mo = new Date(monthStart).getUTCMonth();
  const dim = daysInMonth(y, mo);
  const monthEnd = utc(y, mo, dim);
  const dayIn = (d: number) => utc(y, mo, Math.min(Math.max(1, d), dim));
  const x: Required<Pick<XeroBatch, 'invoices' | 'creditNotes' | 'payments' | 'bankTransactions' | 'bankTransfers'>> = {
    invoices: [],
    creditNotes: [],
    payments: [],
    bankTransactions: [],
    bankTransfers: [],
  };
  const s: Required<
    Pick<StripeBatch, 'customers' | 'charges' | 'refunds' | 'disputes' | 'payouts' | 'balanceTransactions'>
  > = {
    customers: [],
    charges: [],
    refunds: [],
    disputes: [],
    payouts: [],
    balanceTransactions: [],
  };
  const updated = (at: number) => xeroDate(Math.min(at, todayMs) + r.int(1, 3600) * 1000);

  return { m, monthStart, y, mo, dim, monthEnd, dayIn, x, s, updated };
}

type Month = ReturnType<typeof monthOf>;

/** The builders a month’s parts share (a Stripe charge, a supplier’s bill or card spend, a transfer), filling its batch. */
function helpersFor(d: Demo, month: Month) {
  const { r, historyEnd, checking, ledger, pendingRefunds, pendingDisputes } = d;
  const { x, s, updated } = month;
  function charge(customer: string, at: number, amount: number, description: string, status: 'succeeded' | 'failed') {
    const id = r.id('ch');
    const txn: StripeBalanceTransaction | null =
      status === 'succeeded'
        ? {
            id: r.id('txn'),
            object: 'balance_transaction',
            amount,
            fee: Math.round(amount * 0.029) + 30,
            net: 0,
            currency: 'usd',
            created: unix(at),
            type: 'charge',
            source: id,
          }
        : null;
    if (txn) txn.net = txn.amount - txn.fee;
    const ch: StripeCharge = {
      id,
      object: 'charge',
      amount,
      amount_refunded: 0,
      currency: 'usd',
      created: unix(at),
      customer,
      description,
      status,
      paid: status === 'succeeded',
      refunded: false,
      disputed: false,
      balance_transaction: txn ? txn.id : null,
      payment_method_details: {
        type: r.chance(0.02) ? 'card_present' : 'card',
        card: { brand: r.pick(['visa', 'visa', 'mastercard', 'amex']), country: 'US' },
      },
      billing_details: { name: null },
    };
    s.charges.push(ch);
    if (!txn) return;
    s.balanceTransactions.push(txn);
    ledger.push({ at: at + 2 * DAY, net: txn.net });
    if (r.chance(0.03)) {
      const partial = r.chance(0.3);
      const amt = partial ? Math.round(amount / 2) : amount;
      ch.refunded = !partial;
      ch.amount_refunded = amt;
      const rat = at + r.int(1, 10) * DAY;
      pendingRefunds.push({
        at: rat,
        refund: {
          id: r.id('re'),
          object: 'refund',
          amount: amt,
          charge: id,
          currency: 'usd',
          created: unix(rat),
          status: 'succeeded',
          reason: r.pick(['requested_by_customer', 'duplicate', 'requested_by_customer']),
        },
      });
    } else if (r.chance(0.0055)) {
      ch.disputed = true;
      const dat = at + r.int(10, 40) * DAY;
      const dispute: StripeDispute = {
        id: r.id('dp'),
        object: 'dispute',
        amount,
        charge: id,
        currency: 'usd',
        created: unix(dat),
        reason: r.pick(DISPUTE_REASONS),
        status: dat < historyEnd - 30 * DAY ? r.pick(['won', 'lost', 'lost']) : 'needs_response',
      };
      pendingDisputes.push({
        at: dat,
        dispute,
        fee: {
          id: r.id('txn'),
          object: 'balance_transaction',
          amount: -amount,
          fee: 1500,
          net: -amount - 1500,
          currency: 'usd',
          created: unix(dat),
          type: 'adjustment',
          source: dispute.id,
        },
      });
    }
  }
  function chargeOneOff(customer: string, at: number, amount: number, description: string) {
    if (at > historyEnd + DAY - 1) return;
    charge(customer, at, amount, description, 'succeeded');
  }
  function spend(c: XeroContact, sup: Supplier, when: number, amount: number): XeroBankTransaction {
    return {
      BankTransactionID: uuid(r),
      Type: 'SPEND',
      Contact: { ContactID: c.ContactID, Name: c.Name },
      BankAccount: { AccountID: checking.AccountID, Code: '090', Name: checking.Name },
      Date: xeroDate(when),
      Reference:
        sup.how === 'spend' && sup.code !== '477' && sup.code !== '478' && sup.code !== '404'
          ? `POS ${r.int(1000, 9999)} ${sup.line}`
          : sup.line,
      Status: 'AUTHORISED',
      IsReconciled: when < historyEnd - 7 * DAY,
      LineItems: [{ Description: sup.line, AccountCode: sup.code, LineAmount: cents(amount) }],
      SubTotal: cents(amount),
      TotalTax: 0,
      Total: cents(amount),
      CurrencyCode: 'USD',
      UpdatedDateUTC: updated(when),
    };
  }
  function bill(c: XeroContact, sup: Supplier, issued: number, amount: number) {
    const due = issued + (sup.terms ?? 30) * DAY;
    const paidAt = due - r.int(0, 3) * DAY + (r.chance(0.06) ? r.int(5, 25) * DAY : 0);
    const paid = paidAt <= historyEnd;
    const id = uuid(r);
    d.billNo += 1;
    x.invoices.push({
      InvoiceID: id,
      Type: 'ACCPAY',
      InvoiceNumber: `B-${d.billNo}`,
      Reference: sup.line,
      Contact: { ContactID: c.ContactID, Name: c.Name },
      Date: xeroDate(issued),
      DueDate: xeroDate(due),
      ...(paid ? { FullyPaidOnDate: xeroDate(paidAt) } : {}),
      Status: paid ? 'PAID' : 'AUTHORISED',
      LineItems: billLines(sup, amount),
      SubTotal: cents(amount),
      TotalTax: 0,
      Total: cents(amount),
      AmountDue: paid ? 0 : cents(amount),
      AmountPaid: paid ? cents(amount) : 0,
      AmountCredited: 0,
      CurrencyCode: 'USD',
      CurrencyRate: 1,
      UpdatedDateUTC: updated(paid ? paidAt : issued),
    });
    if (paid) {
      x.payments.push({
        PaymentID: uuid(r),
        Date: xeroDate(paidAt),
        Amount: cents(amount),
        PaymentType: 'ACCPAYPAYMENT',
        Status: 'AUTHORISED',
        Reference: `BILL PAY ${c.Name.toUpperCase()}`,
        IsReconciled: paidAt < historyEnd - 5 * DAY,
        Account: { AccountID: checking.AccountID, Code: '090' },
        Invoice: {
          InvoiceID: id,
          Type: 'ACCPAY',
          InvoiceNumber: `B-${d.billNo}`,
          Contact: { ContactID: c.ContactID, Name: c.Name },
          CurrencyCode: 'USD',
        },
        UpdatedDateUTC: updated(paidAt),
      });
    }
  }
  /** A transfer as Xero lists it: the transfer, and a bank transaction for each of its sides. */
  /** A bill's lines: the cloud bill is split between client hosting (cost of sales) and internal tools. */
  function billLines(sup: Supplier, amount: number) {
    const line = (code: string, what: string, c: number) => ({
      Description: what,
      AccountCode: code,
      Quantity: 1,
      UnitAmount: cents(c),
      LineAmount: cents(c),
    });
    if (sup.name !== 'Amazon Web Services') return [line(sup.code, sup.line, amount)];
    const internal = Math.round(amount * 0.15);
    return [
      line(sup.code, 'AWS usage: client workloads', amount - internal),
      line('485', 'AWS usage: internal tools', internal),
    ];
  }
  function transfer(from: XeroAccount, to: XeroAccount, when: number, amount: number, ref: string): XeroBankTransfer {
    const date = xeroDate(Math.min(when, historyEnd));
    const side = (account: XeroAccount, type: string): XeroBankTransaction => ({
      BankTransactionID: uuid(r),
      Type: type,
      BankAccount: { AccountID: account.AccountID, Code: account.Code, Name: account.Name },
      Date: date,
      Reference: ref,
      Status: 'AUTHORISED',
      IsReconciled: true,
      LineItems: [],
      SubTotal: cents(amount),
      TotalTax: 0,
      Total: cents(amount),
      CurrencyCode: 'USD',
      UpdatedDateUTC: date,
    });
    const out = side(from, 'SPEND-TRANSFER');
    const into = side(to, 'RECEIVE-TRANSFER');
    x.bankTransactions.push(out, into);
    return {
      BankTransferID: uuid(r),
      FromBankAccount: { AccountID: from.AccountID, Code: from.Code, Name: from.Name },
      ToBankAccount: { AccountID: to.AccountID, Code: to.Code, Name: to.Name },
      Amount: cents(amount),
      Date: date,
      Status: 'AUTHORISED',
      FromBankTransactionID: out.BankTransactionID,
      ToBankTransactionID: into.BankTransactionID,
      Reference: ref,
      FromIsReconciled: true,
      ToIsReconciled: true,
      CreatedDateUTC: date,
    };
  }
  return { charge, chargeOneOff, spend, bill, billLines, transfer };
}

type Helpers = ReturnType<typeof helpersFor>;

/** The owners’ seed money, in the first month. */
function seedFunding(d: Demo, month: Month): void {
  const { r, n, checking, ownerContact } = d;
  const { m, monthStart, x, updated } = month;
  if (m === 0) {
    x.bankTransactions.push({
      BankTransactionID: uuid(r),
      Type: 'RECEIVE',
      Contact: { ContactID: ownerContact.ContactID, Name: ownerContact.Name },
      BankAccount: { AccountID: checking.AccountID, Code: '090', Name: checking.Name },
      Date: xeroDate(monthStart),
      Reference: 'Seed funding',
      Status: 'AUTHORISED',
      IsReconciled: true,
      LineItems: [{ Description: 'Seed funding', AccountCode: '970', LineAmount: cents(n(42000000)) }],
      Total: cents(n(42000000)),
      CurrencyCode: 'USD',
      UpdatedDateUTC: updated(monthStart),
    });
  }
}

/** Stripe: new subscribers, churn and billing, one-off charges, refunds and disputes, payouts, and the month’s sales posted to Xero. */
function stripeMonth(d: Demo, month: Month, h: Helpers): void {
  const {
    r,
    scale,
    historyEnd,
    n,
    acct,
    checking,
    stripeCustomersContact,
    stripeContact,
    subs,
    ledger,
    pendingRefunds,
    pendingDisputes,
    newCustomer,
    pickCoupon,
    pickPlan,
    addMonths,
  } = d;
  const { m, monthStart, y, mo, dim, monthEnd, dayIn, x, s, updated } = month;
  const { charge, chargeOneOff } = h;
  // ---- Stripe: new subscribers, churn, billing ----
  const arrivals = m === 0 ? n(60) : Math.max(0, Math.round((7 + m * 0.45 + r.gauss() * 2) * scale));
  for (let i = 0; i < arrivals; i++) {
    const at = m === 0 ? monthStart - r.int(0, 300) * DAY : dayIn(r.int(1, dim)) + r.int(0, 86_399) * 1000;
    const cust = newCustomer(Math.min(at, monthStart + (dim - 1) * DAY));
    s.customers.push(cust);
    const trial = m > 0 && r.chance(0.3);
    const plan = pickPlan();
    const sub: Sub = {
      id: r.id('sub'),
      customer: cust.id,
      plan,
      start: at,
      trialEnd: trial ? at + 14 * DAY : null,
      nextBill: trial ? at + 14 * DAY : at,
      quantity: plan.seats && r.chance(0.3) ? r.int(2, 5) : 1,
      coupon: pickCoupon(plan),
      billed: 0,
      canceledAt: null,
      endedAt: null,
      pastDue: false,
      willConvert: !trial || r.chance(0.75),
    };
    // Existing customers at the start have been billed before: move their next bill into this month.
    while (sub.nextBill < monthStart) {
      sub.nextBill = addMonths(sub.nextBill, sub.plan.months);
      sub.billed += 1;
    }
    subs.push(sub);
    if (r.chance(0.15) && at >= monthStart)
      chargeOneOff(cust.id, at + r.int(0, 2) * DAY, 50000, 'Onboarding and setup');
  }

  for (const sub of subs) {
    if (sub.endedAt !== null) continue;
    if (sub.trialEnd !== null && !sub.willConvert && sub.trialEnd <= monthEnd + DAY) {
      sub.canceledAt = sub.trialEnd - r.int(1, 5) * DAY;
      sub.endedAt = sub.trialEnd;
      continue;
    }
    // Monthly churn of about 2.5%: canceled at period end.
    if (sub.start < monthStart && r.chance(sub.plan.interval === 'year' ? 0.008 : 0.025)) {
      sub.canceledAt = dayIn(r.int(1, dim));
      sub.endedAt = sub.nextBill;
    }
    while (sub.nextBill <= monthEnd + DAY - 1 && (sub.endedAt === null || sub.nextBill < sub.endedAt)) {
      const amount = invoiceAmount(sub);
      const at = sub.nextBill + r.int(0, 7200) * 1000;
      const failed = r.chance(0.02);
      if (failed) {
        charge(sub.customer, at, amount, `Subscription update (${sub.plan.nickname})`, 'failed');
        if (sub.nextBill + 3 * DAY > historyEnd) sub.pastDue = true;
        else charge(sub.customer, at + 3 * DAY, amount, `Subscription update (${sub.plan.nickname})`, 'succeeded');
      } else {
        charge(sub.customer, at, amount, `Subscription update (${sub.plan.nickname})`, 'succeeded');
      }
      sub.nextBill = addMonths(sub.nextBill, sub.plan.months);
      sub.billed += 1;
    }
  }
  for (let i = 0, k = Math.round((4 + r.gauss()) * scale); i < k; i++) {
    const active = subs.filter((x) => x.endedAt === null);
    if (active.length === 0) break;
    chargeOneOff(
      r.pick(active).customer,
      dayIn(r.int(1, dim)) + r.int(0, 86_399) * 1000,
      r.int(150, 1200) * 100,
      'Consulting hours',
    );
  }

  // Refunds and disputes that fall due this month.
  for (const p of pendingRefunds.filter((p) => p.at <= monthEnd + DAY - 1 && p.at <= historyEnd + DAY - 1)) {
    s.refunds.push(p.refund);
    ledger.push({ at: p.at, net: -p.refund.amount });
    s.balanceTransactions.push({
      id: r.id('txn'),
      object: 'balance_transaction',
      amount: -p.refund.amount,
      fee: 0,
      net: -p.refund.amount,
      currency: 'usd',
      created: p.refund.created,
      type: 'refund',
      source: p.refund.id,
    });
    pendingRefunds.splice(pendingRefunds.indexOf(p), 1);
  }
  for (const p of pendingDisputes.filter((p) => p.at <= monthEnd + DAY - 1 && p.at <= historyEnd + DAY - 1)) {
    s.disputes.push(p.dispute);
    s.balanceTransactions.push(p.fee);
    ledger.push({ at: p.at, net: -(p.dispute.amount + p.fee.fee) });
    pendingDisputes.splice(pendingDisputes.indexOf(p), 1);
  }

  // Weekly payouts of the available balance, landing in checking two days after creation.
  while (d.nextPayout <= monthEnd && d.nextPayout <= historyEnd) {
    const cutoff = d.nextPayout - 2 * DAY;
    let available = 0;
    for (let i = ledger.length - 1; i >= 0; i--) {
      if (ledger[i]!.at <= cutoff) {
        available += ledger[i]!.net;
        ledger.splice(i, 1);
      }
    }
    if (available <= 0) {
      if (available < 0) ledger.push({ at: cutoff, net: available }); // carried into the next payout
    } else {
      const payoutAmount = available;
      const payout: StripePayout = {
        id: r.id('po'),
        object: 'payout',
        amount: payoutAmount,
        currency: 'usd',
        created: unix(d.nextPayout - 2 * DAY),
        arrival_date: unix(d.nextPayout),
        status: 'paid',
        description: 'STRIPE PAYOUT',
      };
      s.payouts.push(payout);
      x.bankTransactions.push({
        BankTransactionID: uuid(r),
        Type: 'RECEIVE',
        Contact: { ContactID: stripeContact.ContactID, Name: 'Stripe' },
        BankAccount: { AccountID: checking.AccountID, Code: '090', Name: checking.Name },
        Date: xeroDate(d.nextPayout),
        Reference: `STRIPE TRANSFER ${payout.id.slice(3, 13).toUpperCase()}`,
        Status: 'AUTHORISED',
        IsReconciled: d.nextPayout < historyEnd - 10 * DAY,
        LineItems: [{ Description: 'Stripe payout', AccountCode: '615', LineAmount: cents(payoutAmount) }],
        Total: cents(payoutAmount),
        CurrencyCode: 'USD',
        UpdatedDateUTC: updated(d.nextPayout),
      });
    }
    d.nextPayout += 7 * DAY;
  }

  // The month's Stripe sales, posted to Xero as a summary invoice (as Stripe-to-Xero connectors do),
  // settled through the Stripe clearing account; refunds as a summary credit note.
  const gross = s.charges.filter((c) => c.status === 'succeeded').reduce((a, c) => a + c.amount, 0);
  const refunded = s.refunds.reduce((a, rf) => a + rf.amount, 0);
  const summaryDate = Math.min(monthEnd, historyEnd);
  if (gross > 0) {
    const id = uuid(r);
    x.invoices.push({
      InvoiceID: id,
      Type: 'ACCREC',
      InvoiceNumber: `STRIPE-${y}-${String(mo + 1).padStart(2, '0')}`,
      Reference: 'Stripe sales summary',
      Contact: { ContactID: stripeCustomersContact.ContactID, Name: stripeCustomersContact.Name },
      Date: xeroDate(summaryDate),
      DueDate: xeroDate(summaryDate),
      FullyPaidOnDate: xeroDate(summaryDate),
      Status: 'PAID',
      LineItems: [{ Description: 'Stripe sales', AccountCode: '201', LineAmount: cents(gross) }],
      SubTotal: cents(gross),
      TotalTax: 0,
      Total: cents(gross),
      AmountDue: 0,
      AmountPaid: cents(gross),
      AmountCredited: 0,
      CurrencyCode: 'USD',
      CurrencyRate: 1,
      UpdatedDateUTC: updated(summaryDate),
    });
    x.payments.push({
      PaymentID: uuid(r),
      Date: xeroDate(summaryDate),
      Amount: cents(gross),
      PaymentType: 'ACCRECPAYMENT',
      Status: 'AUTHORISED',
      IsReconciled: true,
      Account: { AccountID: acct('615').AccountID, Code: '615' },
      Invoice: {
        InvoiceID: id,
        Type: 'ACCREC',
        Contact: { ContactID: stripeCustomersContact.ContactID, Name: stripeCustomersContact.Name },
        CurrencyCode: 'USD',
      },
      UpdatedDateUTC: updated(summaryDate),
    });
  }
  if (refunded > 0) {
    x.creditNotes.push({
      CreditNoteID: uuid(r),
      Type: 'ACCRECCREDIT',
      CreditNoteNumber: `STRIPE-CN-${y}-${String(mo + 1).padStart(2, '0')}`,
      Reference: 'Stripe refunds summary',
      Contact: { ContactID: stripeCustomersContact.ContactID, Name: stripeCustomersContact.Name },
      Date: xeroDate(summaryDate),
      FullyPaidOnDate: xeroDate(summaryDate),
      Status: 'PAID',
      LineItems: [{ Description: 'Stripe refunds', AccountCode: '201', LineAmount: cents(refunded) }],
      SubTotal: cents(refunded),
      TotalTax: 0,
      Total: cents(refunded),
      RemainingCredit: 0,
      CurrencyCode: 'USD',
      UpdatedDateUTC: updated(summaryDate),
    });
  }
}

/** Xero: the services customers’ invoices and their payments. */
function servicesMonth(d: Demo, month: Month): void {
  const { r, historyEnd, checking, serviceCustomers } = d;
  const { m, dayIn, x, updated } = month;
  // ---- Xero: services invoices and the customers' payments ----
  for (const sc of serviceCustomers) {
    if (m < sc.since) continue;
    const amounts: [number, string][] = [];
    if (sc.retainer) amounts.push([Math.round(sc.retainer * (1 + r.gauss() * 0.05)), 'Monthly retainer']);
    if (r.chance(sc.projectRate))
      amounts.push([
        r.int(12, 90) * 10000,
        r.pick(['Implementation project', 'Data migration', 'Custom integration', 'Training workshop']),
      ]);
    for (const [amount, what] of amounts) {
      const issued = dayIn(r.int(1, 5) + (sc.retainer && what === 'Monthly retainer' ? 0 : r.int(0, 20)));
      if (issued > historyEnd) continue;
      const due = issued + sc.termsDays * DAY;
      const late = Math.max(-3, Math.round(sc.lateMean + r.gauss() * sc.lateMean * 0.4));
      // A couple of invoices get stuck for good: the customer disputes them and stops paying.
      const stuck = r.chance(0.012);
      const paidAt = stuck ? Number.POSITIVE_INFINITY : due + late * DAY;
      const paid = paidAt <= historyEnd;
      const voided = r.chance(0.008);
      // Projects often bill travel on a second line, to another revenue account.
      const lines: { code: string; what: string; net: number }[] = [{ code: '200', what, net: amount }];
      if (what !== 'Monthly retainer' && r.chance(0.3))
        lines.push({ code: '260', what: 'Reimbursable travel', net: r.int(200, 1500) * 100 });
      const tax = (net: number) => (sc.taxed ? Math.round(net * SALES_TAX) : 0);
      const subtotal = lines.reduce((a, l) => a + l.net, 0);
      const totalTax = lines.reduce((a, l) => a + tax(l.net), 0);
      const total = subtotal + totalTax;
      // Now and then a service credit: taken off the invoice while it is open, refunded once it was paid.
      const credit = !voided && r.chance(0.02) ? Math.round(subtotal * 0.1) : 0;
      const creditAt = issued + 10 * DAY;
      const creditTotal = credit + tax(credit);
      const allocated = credit > 0 && creditAt < paidAt && creditAt <= historyEnd;
      const collected = total - (allocated ? creditTotal : 0);
      const id = uuid(r);
      d.invoiceNo += 1;
      if (!voided && issued <= historyEnd) d.salesTaxDue += totalTax;
      x.invoices.push({
        InvoiceID: id,
        Type: 'ACCREC',
        InvoiceNumber: `INV-${d.invoiceNo}`,
        Reference: what,
        Contact: { ContactID: sc.c.ContactID, Name: sc.c.Name },
        Date: xeroDate(issued),
        DueDate: xeroDate(due),
        ...(paid && !voided ? { FullyPaidOnDate: xeroDate(paidAt) } : {}),
        Status: voided ? 'VOIDED' : paid ? 'PAID' : 'AUTHORISED',
        LineAmountTypes: sc.taxed ? 'Exclusive' : 'NoTax',
        LineItems: lines.map((l) => ({
          Description: l.what,
          AccountCode: l.code,
          Quantity: 1,
          UnitAmount: cents(l.net),
          TaxAmount: cents(tax(l.net)),
          LineAmount: cents(l.net),
        })),
        SubTotal: cents(subtotal),
        TotalTax: cents(totalTax),
        Total: cents(total),
        AmountDue: voided || paid ? 0 : cents(collected),
        AmountPaid: paid && !voided ? cents(collected) : 0,
        AmountCredited: allocated ? cents(creditTotal) : 0,
        CurrencyCode: 'USD',
        CurrencyRate: 1,
        UpdatedDateUTC: updated(voided ? issued + 2 * DAY : paid ? paidAt : issued),
      });
      if (paid && !voided) {
        x.payments.push({
          PaymentID: uuid(r),
          Date: xeroDate(paidAt),
          Amount: cents(collected),
          PaymentType: 'ACCRECPAYMENT',
          Status: 'AUTHORISED',
          Reference: `ACH CREDIT ${sc.c.Name.toUpperCase()}`,
          IsReconciled: paidAt < historyEnd - 5 * DAY,
          Account: { AccountID: checking.AccountID, Code: '090' },
          Invoice: {
            InvoiceID: id,
            Type: 'ACCREC',
            InvoiceNumber: `INV-${d.invoiceNo}`,
            Contact: { ContactID: sc.c.ContactID, Name: sc.c.Name },
            CurrencyCode: 'USD',
          },
          UpdatedDateUTC: updated(paidAt),
        });
      }
      if (credit > 0 && creditAt <= historyEnd) {
        const creditId = uuid(r);
        const refundAt = creditAt + 3 * DAY;
        const refunded = !allocated && refundAt <= historyEnd;
        d.salesTaxDue -= tax(credit);
        x.creditNotes.push({
          CreditNoteID: creditId,
          Type: 'ACCRECCREDIT',
          CreditNoteNumber: `CN-${d.invoiceNo}`,
          Reference: `Service credit on INV-${d.invoiceNo}`,
          Contact: { ContactID: sc.c.ContactID, Name: sc.c.Name },
          Date: xeroDate(creditAt),
          Status: allocated || refunded ? 'PAID' : 'AUTHORISED',
          LineAmountTypes: sc.taxed ? 'Exclusive' : 'NoTax',
          LineItems: [
            {
              Description: 'Service credit',
              AccountCode: '200',
              TaxAmount: cents(tax(credit)),
              LineAmount: cents(credit),
            },
          ],
          SubTotal: cents(credit),
          TotalTax: cents(tax(credit)),
          Total: cents(creditTotal),
          RemainingCredit: allocated || refunded ? 0 : cents(creditTotal),
          ...(allocated
            ? {
                Allocations: [
                  {
                    AllocationID: uuid(r),
                    Amount: cents(creditTotal),
                    Date: xeroDate(creditAt),
                    Invoice: { InvoiceID: id },
                  },
                ],
              }
            : {}),
          CurrencyCode: 'USD',
          UpdatedDateUTC: updated(refunded ? refundAt : creditAt),
        });
        if (refunded)
          x.payments.push({
            PaymentID: uuid(r),
            Date: xeroDate(refundAt),
            Amount: cents(creditTotal),
            PaymentType: 'ARCREDITPAYMENT',
            Status: 'AUTHORISED',
            Reference: `REFUND ${sc.c.Name.toUpperCase()}`,
            IsReconciled: true,
            Account: { AccountID: checking.AccountID, Code: '090' },
            CreditNote: {
              CreditNoteID: creditId,
              Type: 'ACCRECCREDIT',
              Contact: { ContactID: sc.c.ContactID, Name: sc.c.Name },
              CurrencyCode: 'USD',
            },
            UpdatedDateUTC: updated(refundAt),
          });
      }
    }
  }
}

/** The customer invoiced in euros. */
function euroCustomerMonth(d: Demo, month: Month): void {
  const { r, historyEnd, checking, euroCustomer } = d;
  const { dayIn, x, updated } = month;
  // The euro customer: one invoice a month at that day's rate (euros per dollar), paid a month later at the
  // rate of that day, so the dollars that arrive differ from the dollars booked (a realised gain or loss).
  {
    const issued = dayIn(r.int(3, 8));
    if (issued <= historyEnd) {
      const euros = r.int(40, 70) * 10000;
      const rate = eurPerUsd(issued);
      const paidAt = issued + 30 * DAY + r.int(-3, 6) * DAY;
      const paid = paidAt <= historyEnd;
      const id = uuid(r);
      d.invoiceNo += 1;
      x.invoices.push({
        InvoiceID: id,
        Type: 'ACCREC',
        InvoiceNumber: `INV-${d.invoiceNo}`,
        Reference: 'Platform licence (EU)',
        Contact: { ContactID: euroCustomer.ContactID, Name: euroCustomer.Name },
        Date: xeroDate(issued),
        DueDate: xeroDate(issued + 30 * DAY),
        ...(paid ? { FullyPaidOnDate: xeroDate(paidAt) } : {}),
        Status: paid ? 'PAID' : 'AUTHORISED',
        LineAmountTypes: 'NoTax',
        LineItems: [
          {
            Description: 'Platform licence',
            AccountCode: '200',
            Quantity: 1,
            UnitAmount: cents(euros),
            LineAmount: cents(euros),
          },
        ],
        SubTotal: cents(euros),
        TotalTax: 0,
        Total: cents(euros),
        AmountDue: paid ? 0 : cents(euros),
        AmountPaid: paid ? cents(euros) : 0,
        AmountCredited: 0,
        CurrencyCode: 'EUR',
        CurrencyRate: rate,
        UpdatedDateUTC: updated(paid ? paidAt : issued),
      });
      if (paid) {
        const payRate = eurPerUsd(paidAt);
        x.payments.push({
          PaymentID: uuid(r),
          Date: xeroDate(paidAt),
          Amount: cents(euros),
          BankAmount: Math.round(euros / payRate) / 100,
          CurrencyRate: payRate,
          PaymentType: 'ACCRECPAYMENT',
          Status: 'AUTHORISED',
          Reference: 'SEPA NORDLICHT GMBH',
          IsReconciled: paidAt < historyEnd - 5 * DAY,
          Account: { AccountID: checking.AccountID, Code: '090' },
          Invoice: {
            InvoiceID: id,
            Type: 'ACCREC',
            InvoiceNumber: `INV-${d.invoiceNo}`,
            Contact: { ContactID: euroCustomer.ContactID, Name: euroCustomer.Name },
            CurrencyCode: 'EUR',
          },
          UpdatedDateUTC: updated(paidAt),
        });
      }
    }
  }
}

/** Workshop tickets sold at the door, the quarter’s sales tax return, and the research grant. */
function otherIncomeMonth(d: Demo, month: Month): void {
  const { r, months, historyEnd, n, checking, walkIn, taxOffice, grantor } = d;
  const { m, mo, dayIn, x, updated } = month;
  // Workshop tickets sold at the door: money received, sales tax included in the price.
  {
    const when = dayIn(r.int(10, 25));
    if (when <= historyEnd) {
      const gross = n(r.int(8, 30) * 10000);
      const tax = Math.round((gross * SALES_TAX) / (1 + SALES_TAX));
      d.salesTaxDue += tax;
      x.bankTransactions.push({
        BankTransactionID: uuid(r),
        Type: 'RECEIVE',
        Contact: { ContactID: walkIn.ContactID, Name: walkIn.Name },
        BankAccount: { AccountID: checking.AccountID, Code: '090', Name: checking.Name },
        Date: xeroDate(when),
        Reference: 'SQUARE DEPOSIT WORKSHOP TICKETS',
        Status: 'AUTHORISED',
        IsReconciled: true,
        LineAmountTypes: 'Inclusive',
        LineItems: [
          { Description: 'Workshop tickets', AccountCode: '200', TaxAmount: cents(tax), LineAmount: cents(gross) },
        ],
        SubTotal: cents(gross - tax),
        TotalTax: cents(tax),
        Total: cents(gross),
        CurrencyCode: 'USD',
        UpdatedDateUTC: updated(when),
      });
    }
  }

  // The sales tax return: the quarter's tax goes to the state on the 20th of the month after the quarter.
  if (mo % 3 === 0 && m > 0) {
    const when = dayIn(20);
    if (when <= historyEnd && d.salesTaxDue > 0) {
      x.bankTransactions.push({
        BankTransactionID: uuid(r),
        Type: 'SPEND',
        Contact: { ContactID: taxOffice.ContactID, Name: taxOffice.Name },
        BankAccount: { AccountID: checking.AccountID, Code: '090', Name: checking.Name },
        Date: xeroDate(when),
        Reference: 'TX COMPTROLLER SALES TAX',
        Status: 'AUTHORISED',
        IsReconciled: true,
        LineAmountTypes: 'NoTax',
        LineItems: [{ Description: 'Sales tax return', AccountCode: '820', LineAmount: cents(d.salesTaxDue) }],
        SubTotal: cents(d.salesTaxDue),
        TotalTax: 0,
        Total: cents(d.salesTaxDue),
        CurrencyCode: 'USD',
        UpdatedDateUTC: updated(when),
      });
      d.salesTaxDue = 0;
    }
  }

  // A research grant arrives once: other income, not sales.
  if (m === Math.min(8, months - 3)) {
    const when = dayIn(15);
    const amount = n(5000000);
    x.bankTransactions.push({
      BankTransactionID: uuid(r),
      Type: 'RECEIVE',
      Contact: { ContactID: grantor.ContactID, Name: grantor.Name },
      BankAccount: { AccountID: checking.AccountID, Code: '090', Name: checking.Name },
      Date: xeroDate(when),
      Reference: 'SBIR PHASE I AWARD',
      Status: 'AUTHORISED',
      IsReconciled: true,
      LineAmountTypes: 'NoTax',
      LineItems: [{ Description: 'SBIR Phase I grant', AccountCode: '280', LineAmount: cents(amount) }],
      SubTotal: cents(amount),
      TotalTax: 0,
      Total: cents(amount),
      CurrencyCode: 'USD',
      UpdatedDateUTC: updated(when),
    });
  }
}

/** Xero: the suppliers’ bills and card spend. */
function suppliersMonth(d: Demo, month: Month, h: Helpers): void {
  const { r, months, historyEnd, suppliers } = d;
  const { m, dim, dayIn, x } = month;
  const { spend, bill } = h;
  // ---- Xero: suppliers ----
  for (const { s: sup, c } of suppliers) {
    if (sup.every && m % sup.every !== 0) continue;
    const times = Math.floor(sup.perMonth) + (r.chance(sup.perMonth % 1) ? 1 : 0);
    for (let k = 0; k < times; k++) {
      let amount = Math.round(sup.amount * sup.growth ** m * (1 + r.gauss() * sup.noise * 0.5));
      // One cloud bill triples (a runaway job) in month 18: the anomaly worth finding first.
      if (sup.name === 'Amazon Web Services' && m === Math.min(18, months - 2)) amount = Math.round(amount * 3);
      amount = Math.max(100, amount);
      const when =
        sup.perMonth >= 2
          ? dayIn(Math.round(((k + 1) * dim) / times))
          : dayIn(sup.how === 'bill' ? r.int(1, 8) : r.int(1, dim));
      if (when > historyEnd) continue;
      if (sup.how === 'spend') {
        x.bankTransactions.push(spend(c, sup, when, amount));
        // Now and then a line is entered twice by hand and the copy deleted: Xero keeps it as DELETED.
        if (sup.code === '453' && r.chance(0.3))
          x.bankTransactions.push({ ...spend(c, sup, when, amount), Status: 'DELETED', IsReconciled: false });
      } else {
        bill(c, sup, when, amount);
        // One supplier sends the same bill twice a few days apart: a duplicate to catch.
        if (sup.name === 'Intercom' && m === months - 3) bill(c, sup, when + 4 * DAY, amount);
      }
    }
  }
}

/** The sweep to savings, the occasional top-up of checking, and the savings interest. */
function bankMonth(d: Demo, month: Month, h: Helpers): void {
  const { r, historyEnd, n, checking, savings } = d;
  const { monthEnd, dayIn, x, updated } = month;
  const { transfer } = h;
  // Monthly sweep to savings, interest on savings, and an occasional top-up of checking.
  x.bankTransfers.push(transfer(checking, savings, dayIn(25), n(r.int(8, 18) * 100000), 'Monthly sweep to savings'));
  if (r.chance(0.2))
    x.bankTransfers.push(
      transfer(savings, checking, dayIn(r.int(2, 20)), n(r.int(10, 30) * 100000), 'Top-up from savings'),
    );
  const interest = cents(n(r.int(8000, 16000)));
  x.bankTransactions.push({
    BankTransactionID: uuid(r),
    Type: 'RECEIVE',
    BankAccount: { AccountID: savings.AccountID, Code: '091', Name: savings.Name },
    Date: xeroDate(Math.min(monthEnd, historyEnd)),
    Reference: 'INTEREST PAYMENT',
    Status: 'AUTHORISED',
    IsReconciled: true,
    LineItems: [{ Description: 'Interest', AccountCode: '270', LineAmount: interest }],
    Total: interest,
    CurrencyCode: 'USD',
    UpdatedDateUTC: updated(monthEnd),
  });
}

/** The subscriptions in their state as of the end of the history. */
function subscriptionsAtEnd(d: Demo): StripeSubscription[] {
  const { historyEnd, subs, addMonths } = d;
  // ---- subscriptions, in their state as of the end of the history ----
  const subscriptions: StripeSubscription[] = subs.map((sub) => {
    const ended = sub.endedAt !== null && sub.endedAt <= historyEnd;
    const trialing = sub.trialEnd !== null && sub.trialEnd > historyEnd && !ended;
    const periodEnd = sub.nextBill;
    const periodStart = addMonths(periodEnd, -sub.plan.months);
    return {
      id: sub.id,
      object: 'subscription',
      customer: sub.customer,
      status: ended ? 'canceled' : trialing ? 'trialing' : sub.pastDue ? 'past_due' : 'active',
      currency: 'usd',
      created: unix(sub.start),
      start_date: unix(sub.start),
      trial_end: sub.trialEnd ? unix(sub.trialEnd) : null,
      canceled_at: sub.canceledAt && sub.canceledAt <= historyEnd ? unix(sub.canceledAt) : null,
      ended_at: ended ? unix(sub.endedAt!) : null,
      items: {
        data: [
          {
            id: `si_${sub.id.slice(4)}`,
            price: {
              id: sub.plan.id,
              unit_amount: sub.plan.unit,
              currency: 'usd',
              nickname: sub.plan.nickname,
              recurring: {
                interval: sub.plan.interval,
                interval_count: sub.plan.interval === 'year' ? 1 : sub.plan.months,
                usage_type: 'licensed',
              },
            },
            quantity: sub.quantity,
            current_period_start: unix(periodStart),
            current_period_end: unix(periodEnd),
          },
        ],
      },
      // A discount stays on the subscription while it lasts: forever ones always, the others for their invoices.
      discounts:
        sub.coupon && couponApplies(sub.coupon, sub.billed, sub.plan.months)
          ? [{ id: `di_${sub.id.slice(4)}`, object: 'discount', source: { type: 'coupon', coupon: sub.coupon } }]
          : [],
    };
  });
  return subscriptions;
}
