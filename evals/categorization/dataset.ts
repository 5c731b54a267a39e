/**
 * The labelled bank lines for the categorization benchmark, assembled by hand: real merchants and money
 * movements a small agency sees, each written in the formats real banks use (US card lines, UK direct debits,
 * German SEPA and Kartenzahlung lines, French CB and PRLV lines, Dutch pinbetaling, Australian EFTPOS, processor
 * prefixes such as SQ * and PAYPAL *), with the category a bookkeeper gave it. Dates and amounts vary
 * deterministically. Not produced by the demo generator. `npx tsx evals/categorization/dataset.ts` rewrites
 * bank-lines.csv.
 */
import { writeFileSync } from 'node:fs';

export interface Merchant {
  category: string;
  /** Raw description formats; {d} = day/month, {n} = a number, {c} = a card tail. */
  formats: string[];
  /** Typical amount (negative = money out). */
  amount: number;
  /** How many lines over the period. */
  count: number;
  /** Only appears in the last months (tests what history cannot know). */
  late?: boolean;
}

export const MERCHANTS: Merchant[] = [
  // Meals and coffee
  {
    category: 'Meals',
    amount: -5.6,
    count: 12,
    formats: [
      'CARD PURCHASE {d} STARBUCKS #{n} SEATTLE WA XXXX{c}',
      'STARBUCKS STORE {n} PORTLAND OR',
      'POS {n} STARBUCKS #{n}',
    ],
  },
  {
    category: 'Meals',
    amount: -6.2,
    count: 8,
    formats: ['SQ *BLUE BOTTLE COFFEE OAKLAND CA', 'POS {n} SQ *BLUE BOTTLE COFFEE', 'SQ *BLUE BOTTLE COFFEE {d}'],
  },
  {
    category: 'Meals',
    amount: -14.5,
    count: 8,
    formats: ['CHIPOTLE {n} SAN FRANCISCO CA', 'CARD PURCHASE {d} CHIPOTLE ONLINE', 'CHIPOTLE MEXICAN GRILL #{n}'],
  },
  {
    category: 'Meals',
    amount: -38,
    count: 6,
    formats: ['UBER EATS HELP.UBER.COM CA {d}', 'UBER   *EATS PENDING', 'VISA DEBIT UBER EATS {n}'],
  },
  {
    category: 'Meals',
    amount: -9.9,
    count: 6,
    formats: ['PRET A MANGER {n} LONDON GB', 'CONTACTLESS PRET A MANGER {d}', 'PRET A MANGER LTD {n}'],
  },
  {
    category: 'Meals',
    amount: -62,
    count: 5,
    formats: ['TST* THE GOLDEN BEAR BISTRO {n}', 'TST* GOLDEN BEAR BISTRO SF CA', 'TST*THE GOLDEN BEAR {d}'],
  },
  {
    category: 'Meals',
    amount: -27,
    count: 4,
    late: true,
    formats: ['DOORDASH*SWEETGREEN {d}', 'DOORDASH *SWEETGREEN SAN FRANCISCO', 'DD *DOORDASH SWEETGREEN'],
  },
  {
    category: 'Meals',
    amount: -11,
    count: 3,
    late: true,
    formats: ['Kartenzahlung Bäckerei Kamps {d}.2026 Karte {c}', 'Kartenzahlung BAECKEREI KAMPS GMBH {n}'],
  },
  // Travel
  {
    category: 'Travel',
    amount: -23,
    count: 12,
    formats: ['UBER *TRIP HELP.UBER.COM CA', 'UBER *TRIP {d} XXXX{c}', 'VISA DEBIT UBER *TRIP {n}'],
  },
  {
    category: 'Travel',
    amount: -19,
    count: 6,
    formats: ['LYFT *RIDE TUE {n}PM', 'LYFT   *RIDE {d}', 'LYFT *1 RIDE {n}'],
  },
  {
    category: 'Travel',
    amount: -342,
    count: 5,
    formats: ['UNITED {n} UNITED.COM TX', 'UNITED AIRLINES {n}', 'CARD PURCHASE {d} UNITED {n}'],
  },
  {
    category: 'Travel',
    amount: -189,
    count: 5,
    formats: ['MARRIOTT BOSTON {n}', 'MARRIOTT HOTELS {d} XXXX{c}', 'MARRIOTT INTL {n}'],
  },
  {
    category: 'Travel',
    amount: -210,
    count: 4,
    formats: ['AIRBNB * HM{n}', 'AIRBNB HMXQ{n} {d}', 'PAYPAL *AIRBNB {n}'],
  },
  {
    category: 'Travel',
    amount: -64,
    count: 4,
    late: true,
    formats: ['TRAINLINE.COM {n} EDINBURGH', 'TRAINLINE {d} XXXX{c}'],
  },
  {
    category: 'Travel',
    amount: -129,
    count: 3,
    late: true,
    formats: ['DB Vertrieb GmbH Fahrkarte {n} {d}.2026', 'Kartenzahlung DB BAHN {n}'],
  },
  // Motor vehicle
  {
    category: 'Motor Vehicle',
    amount: -52,
    count: 10,
    formats: ['SHELL OIL {n} HOUSTON TX', 'POS {n} SHELL OIL {n}', 'SHELL SERVICE STATION {d}'],
  },
  {
    category: 'Motor Vehicle',
    amount: -47,
    count: 6,
    formats: ['CHEVRON {n} SAN JOSE CA', 'CHEVRON 00{n} {d}', 'CARD PURCHASE {d} CHEVRON {n}'],
  },
  {
    category: 'Motor Vehicle',
    amount: -18,
    count: 5,
    formats: ['PARKMOBILE {n}', 'PARKMOBILE LLC {d}', 'SQ *PARKMOBILE'],
  },
  {
    category: 'Motor Vehicle',
    amount: -58,
    count: 3,
    late: true,
    formats: ['EXXONMOBIL {n} AUSTIN TX', 'EXXON MOBIL {n} {d}'],
  },
  // Software
  {
    category: 'Software',
    amount: -54.99,
    count: 22,
    formats: ['ADOBE *CREATIVE CLOUD {n} CA', 'ADOBE  *ADOBE {n}', 'PAYPAL *ADOBE SYSTEMS {n}'],
  },
  {
    category: 'Software',
    amount: -12.5,
    count: 22,
    formats: ['SLACK T{n} DUBLIN', 'SLACK TECHNOLOGIES {d}', 'DD SLACK TECHNOLOGIES LTD {n}'],
  },
  {
    category: 'Software',
    amount: -2380,
    count: 22,
    formats: ['AMAZON WEB SERVICES AWS.AMAZON.COM WA', 'AWS EMEA {n} LU', 'CARD PURCHASE {d} AMAZON WEB SERVICES'],
  },
  { category: 'Software', amount: -44, count: 22, formats: ['GITHUB, INC. {n} CA', 'GITHUB {d}', 'GH *GITHUB INC'] },
  {
    category: 'Software',
    amount: -15.99,
    count: 10,
    formats: ['ZOOM.US 888-799-9666 CA', 'ZOOM.US {n}', 'ZOOM VIDEO COMMUNICATIONS {d}'],
  },
  {
    category: 'Software',
    amount: -20,
    count: 8,
    formats: ['NOTION LABS, INC. {n}', 'NOTION.SO {d}', 'PAYPAL *NOTION LABS'],
  },
  { category: 'Software', amount: -30, count: 4, late: true, formats: ['FIGMA {n} SAN FRANCISCO', 'FIGMA INC {d}'] },
  {
    category: 'Software',
    amount: -20,
    count: 4,
    late: true,
    formats: ['OPENAI *CHATGPT SUBSCR {n}', 'OPENAI {d} XXXX{c}'],
  },
  // Advertising
  {
    category: 'Advertising',
    amount: -480,
    count: 14,
    formats: ['GOOGLE *ADS{n} CC GOOGLE.COM', 'GOOGLE ADS {n}', 'CARD PURCHASE {d} GOOGLE *ADS'],
  },
  {
    category: 'Advertising',
    amount: -350,
    count: 10,
    formats: ['FACEBK *{n} FB.ME/ADS CA', 'FACEBK ADS {n}', 'META PLATFORMS ADS {d}'],
  },
  {
    category: 'Advertising',
    amount: -220,
    count: 4,
    late: true,
    formats: ['LINKEDIN ADS {n}', 'LINKEDIN-{n} {d} MOUNTAIN VIEW'],
  },
  // Office expenses
  {
    category: 'Office Expenses',
    amount: -67,
    count: 8,
    formats: ['STAPLES {n} NEW YORK NY', 'STAPLES DIRECT {d}', 'POS {n} STAPLES STORE {n}'],
  },
  {
    category: 'Office Expenses',
    amount: -41,
    count: 8,
    formats: ['AMZN Mktp US*{n} AMZN.COM/BILL WA', 'AMAZON.COM*{n} AMZN.COM/BILL', 'AMZN MKTP US {d}'],
  },
  {
    category: 'Office Expenses',
    amount: -130,
    count: 3,
    late: true,
    formats: ['IKEA {n} EAST PALO ALTO', 'IKEA US {d}'],
  },
  // Telephone & Internet
  {
    category: 'Telephone & Internet',
    amount: -85,
    count: 22,
    formats: ['VERIZON WIRELESS {n} PAYMENTS', 'VZWRLSS*APOCC VISB {n}', 'DD VERIZON {d}'],
  },
  {
    category: 'Telephone & Internet',
    amount: -79.99,
    count: 22,
    formats: ['COMCAST CABLE COMM {n}', 'COMCAST XFINITY {d}', 'ACH DEBIT COMCAST {n}'],
  },
  {
    category: 'Telephone & Internet',
    amount: -35,
    count: 3,
    late: true,
    formats: ['DD VODAFONE LIMITED {n}', 'VODAFONE UK {d}'],
  },
  // Utilities
  {
    category: 'Utilities',
    amount: -140,
    count: 22,
    formats: ['PGANDE WEB ONLINE {n}', 'PG&E/EZ-PAY {d}', 'ACH DEBIT PGANDE {n}'],
  },
  {
    category: 'Utilities',
    amount: -55,
    count: 10,
    formats: ['DD BRITISH GAS {n}', 'BRITISH GAS SERVICES {d}', 'DD BRITISH GAS TRADING {n}'],
  },
  {
    category: 'Utilities',
    amount: -70,
    count: 3,
    late: true,
    formats: ['SEPA-Lastschrift Stadtwerke München {n}', 'Lastschrift STADTWERKE MUENCHEN GMBH {d}.2026'],
  },
  // Rent and insurance
  {
    category: 'Rent',
    amount: -4500,
    count: 22,
    formats: [
      'ACH DEBIT BAYSIDE PROPERTY MGMT RENT {n}',
      'BAYSIDE PROPERTY MGMT RENT {d}',
      'ONLINE PAYMENT BAYSIDE PROPERTY MANAGEMENT',
    ],
  },
  { category: 'Rent', amount: -350, count: 4, late: true, formats: ['WEWORK {n} NEW YORK', 'WEWORK MEMBERSHIP {d}'] },
  {
    category: 'Insurance',
    amount: -210,
    count: 12,
    formats: ['HISCOX INC {n} INSURANCE', 'HISCOX INSURANCE PREMIUM {d}', 'ACH DEBIT HISCOX {n}'],
  },
  {
    category: 'Insurance',
    amount: -95,
    count: 3,
    late: true,
    formats: ['NEXT INSURANCE {n}', 'NEXT INSURANCE INC {d}'],
  },
  // Bank fees and interest
  {
    category: 'Bank Fees',
    amount: -15,
    count: 22,
    formats: ['MONTHLY MAINTENANCE FEE', 'SERVICE CHARGE {d}', 'MONTHLY SERVICE FEE'],
  },
  {
    category: 'Bank Fees',
    amount: -25,
    count: 8,
    formats: ['WIRE TRANSFER FEE {n}', 'OUTGOING WIRE FEE', 'INTL WIRE FEE {d}'],
  },
  {
    category: 'Bank Fees',
    amount: -3.5,
    count: 3,
    late: true,
    formats: ['FOREIGN TRANSACTION FEE {d}', 'FOREIGN TRANSACTION FEE'],
  },
  {
    category: 'Interest Income',
    amount: 14.2,
    count: 22,
    formats: ['INTEREST PAYMENT', 'INTEREST EARNED {d}', 'INTEREST CREDIT'],
  },
  // Payroll and tax
  {
    category: 'Wages and Salaries',
    amount: -21400,
    count: 22,
    formats: ['GUSTO PAYROLL {n}', 'GUSTO NET {n}', 'ACH DEBIT GUSTO {d}'],
  },
  {
    category: 'Payroll Taxes',
    amount: -3200,
    count: 22,
    formats: ['GUSTO TAX {n}', 'GUSTO TAX IMPOUND {d}', 'ACH DEBIT GUSTO TAX {n}'],
  },
  {
    category: 'Payroll Taxes',
    amount: -2100,
    count: 6,
    formats: ['IRS USATAXPYMT {n}', 'USATAXPYMT IRS {d}', 'EFTPS IRS {n}'],
  },
  // Professional fees and postage
  {
    category: 'Consulting & Accounting',
    amount: -950,
    count: 10,
    formats: ['BAKER & CO CPAS {n}', 'ONLINE PAYMENT BAKER & CO CPAS', 'BAKER AND CO CPAS {d}'],
  },
  {
    category: 'Consulting & Accounting',
    amount: -1200,
    count: 3,
    late: true,
    formats: ['SMITH LEGAL LLP {n} RETAINER', 'SMITH LEGAL LLP {d}'],
  },
  {
    category: 'Postage',
    amount: -24,
    count: 8,
    formats: ['USPS PO {n} SAN FRANCISCO', 'USPS.COM CLICKNSHIP {d}', 'USPS PO BOXES {n}'],
  },
  { category: 'Postage', amount: -31, count: 3, late: true, formats: ['FEDEX {n} MEMPHIS TN', 'FEDEX OFFICE {d}'] },
  // Money in
  {
    category: 'Sales',
    amount: 5200,
    count: 22,
    formats: ['STRIPE TRANSFER ST-{n}', 'STRIPE PAYOUT {d}', 'STRIPE TRANSFER {n}'],
  },
  {
    category: 'Sales',
    amount: 8000,
    count: 10,
    formats: ['ACH CREDIT NORTHWIND TRADERS INV {n}', 'NORTHWIND TRADERS PAYMENT {d}', 'WIRE IN NORTHWIND TRADERS'],
  },
  {
    category: 'Sales',
    amount: 4300,
    count: 8,
    formats: ['ACH CREDIT CONTOSO LTD {n}', 'CONTOSO LTD PAYMENT REF {n}', 'WIRE IN CONTOSO LTD'],
  },
  {
    category: 'Sales',
    amount: 2900,
    count: 3,
    late: true,
    formats: ['ACH CREDIT FABRIKAM INC {n}', 'FABRIKAM INC INVOICE {n}'],
  },
  {
    category: 'Transfers',
    amount: -10000,
    count: 8,
    formats: ['TRANSFER TO SAVINGS {n}', 'ONLINE TRANSFER TO SAV XXXX{c}', 'TRANSFER TO SAVINGS ACCOUNT'],
  },
  {
    category: 'Transfers',
    amount: 5000,
    count: 4,
    formats: ['TRANSFER FROM SAVINGS {n}', 'ONLINE TRANSFER FROM SAV XXXX{c}'],
  },
  // Cost of goods
  {
    category: 'Cost of Goods Sold',
    amount: -890,
    count: 10,
    formats: ['PRINTFUL INC {n}', 'PRINTFUL {d} CHARLOTTE NC', 'PAYPAL *PRINTFUL'],
  },
  {
    category: 'Cost of Goods Sold',
    amount: -410,
    count: 3,
    late: true,
    formats: ['ULINE *S{n} SHIP SUPPLIES', 'ULINE {d}'],
  },
];

/** mulberry32: deterministic, so the file only changes when the table does. */
function rng(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Line {
  date: string;
  description: string;
  amount: string;
  category: string;
}

export function buildLines(): Line[] {
  const r = rng(20261122);
  const start = Date.UTC(2025, 0, 1);
  const span = Date.UTC(2026, 9, 31) - start;
  const lateFrom = Date.UTC(2026, 4, 1) - start;
  const lines: Line[] = [];
  for (const m of MERCHANTS) {
    for (let i = 0; i < m.count; i++) {
      const from = m.late ? lateFrom : 0;
      const t = new Date(start + from + Math.floor(((i + r()) / m.count) * (span - from)));
      const date = t.toISOString().slice(0, 10);
      const dm = `${date.slice(8, 10)}/${date.slice(5, 7)}`;
      const format = m.formats[Math.floor(r() * m.formats.length)]!;
      const description = format
        .replace(/\{d\}/g, dm)
        .replace(/\{n\}/g, () => String(Math.floor(r() * 90000) + 1000))
        .replace(/\{c\}/g, () => String(Math.floor(r() * 9000) + 1000));
      const cents = Math.round(Math.abs(m.amount) * (0.8 + r() * 0.4) * 100);
      const sign = m.amount < 0 ? '-' : '';
      lines.push({
        date,
        description,
        amount: `${sign}${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`,
        category: m.category,
      });
    }
  }
  return lines.sort((a, b) => a.date.localeCompare(b.date) || a.description.localeCompare(b.description));
}

const quote = (s: string) => (/[",]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

if (import.meta.url === `file://${process.argv[1]}`) {
  const lines = buildLines();
  const csv = [
    'Date,Description,Amount,Category',
    ...lines.map((l) => [l.date, quote(l.description), l.amount, quote(l.category)].join(',')),
  ];
  writeFileSync(new URL('bank-lines.csv', import.meta.url), `${csv.join('\n')}\n`);
  process.stdout.write(`${lines.length} lines written to evals/categorization/bank-lines.csv\n`);
}
