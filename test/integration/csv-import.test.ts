import { eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { createBusiness } from '../../src/db/businesses';
import { queryRows, withBusiness } from '../../src/db/client';
import { transactions } from '../../src/db/schema';
import { categorize } from '../../src/domain/categorize';
import { addDays } from '../../src/domain/periods';
import { buildReport } from '../../src/domain/reports';
import { categorizeImported, importStatement } from '../../src/integrations/csv/import';
import { parseAmount } from '../../src/integrations/csv/parse';
import { useTestDatabase } from '../helpers/db';

const t = useTestDatabase();

/** Layouts as banks export them (names and figures made up). */
const FORMATS: Record<
  string,
  {
    text: string;
    lines: [string, string, string][];
    dateFormat: string;
    currency?: string;
    /** The balance before the first line, worked out by hand from the first line's balance less its amount. */
    opening?: string;
  }
> = {
  'US checking: MM/DD/YYYY, signed amounts, extra columns': {
    text: `Details,Posting Date,Description,Amount,Type,Balance,Check or Slip #
DEBIT,03/14/2026,"GITHUB, INC. HTTPSGITHUB.C CA",-44.00,ACH_DEBIT,"12,456.00",
CREDIT,03/15/2026,ACH CREDIT NORTHWIND TRADERS,"14,000.00",ACH_CREDIT,"26,456.00",
DEBIT,03/28/2026,POS 4821 DELTA AIR 0062345 ATLANTA,-612.40,DEBIT_CARD,"25,843.60",
`,
    lines: [
      ['2026-03-14', '-44.00', 'GITHUB, INC. HTTPSGITHUB.C CA'],
      ['2026-03-15', '14000.00', 'ACH CREDIT NORTHWIND TRADERS'],
      ['2026-03-28', '-612.40', 'POS 4821 DELTA AIR 0062345 ATLANTA'],
    ],
    dateFormat: 'mdy',
    opening: '12500.00', // 12,456.00 after -44.00
  },
  'German: semicolons, DD.MM.YYYY, decimal commas, thousands dots, euro signs': {
    text: `\uFEFFBuchungstag;Verwendungszweck;Betrag;Saldo
02.03.2026;Miete März Harbor Immobilien;-1.250,00 €;8.750,00 €
05.03.2026;Gutschrift Kunde Contoso;3.400,50 €;12.150,50 €
31.03.2026;Kontoführung;-7,90 €;12.142,60 €
`,
    lines: [
      ['2026-03-02', '-1250.00', 'Miete März Harbor Immobilien'],
      ['2026-03-05', '3400.50', 'Gutschrift Kunde Contoso'],
      ['2026-03-31', '-7.90', 'Kontoführung'],
    ],
    dateFormat: 'dmy',
    currency: 'EUR',
    opening: '10000.00', // 8.750,00 after -1.250,00
  },
  'UK: Money Out and Money In columns, DD/MM/YYYY, pound signs': {
    text: `Date,Description,Money Out,Money In,Balance
01/04/2026,TESCO STORES 2231,£45.20,,"£2,954.80"
13/04/2026,PAYMENT FROM FABRIKAM LTD,,"£1,200.00","£4,154.80"
30/04/2026,"HMRC VAT",£830.00,,"£3,324.80"
`,
    lines: [
      ['2026-04-01', '-45.20', 'TESCO STORES 2231'],
      ['2026-04-13', '1200.00', 'PAYMENT FROM FABRIKAM LTD'],
      ['2026-04-30', '-830.00', 'HMRC VAT'],
    ],
    dateFormat: 'dmy',
    currency: 'GBP',
    opening: '3000.00', // £2,954.80 after £45.20 out
  },
  'accounting export: ISO dates, parentheses for negatives, dollar signs': {
    text: `Date,Description,Amount
2026-05-01,Stripe transfer,"$9,876.54"
2026-05-03,Office rent,"($4,500.00)"
2026-05-04,Bank fee,($25.00)
`,
    lines: [
      ['2026-05-01', '9876.54', 'Stripe transfer'],
      ['2026-05-03', '-4500.00', 'Office rent'],
      ['2026-05-04', '-25.00', 'Bank fee'],
    ],
    dateFormat: 'ymd',
  },
  'French: accented headers, Débit/Crédit, spaces (and no-break spaces) as thousands separators': {
    text: `Date;Libellé;Débit;Crédit
03/06/2026;PRLV SEPA LOYER;1 500,00;
15/06/2026;VIR CLIENT LITWARE;;12\u00a0345,67
21/06/2026;CB CARREFOUR 2006;87,35;
`,
    lines: [
      ['2026-06-03', '-1500.00', 'PRLV SEPA LOYER'],
      ['2026-06-15', '12345.67', 'VIR CLIENT LITWARE'],
      ['2026-06-21', '-87.35', 'CB CARREFOUR 2006'],
    ],
    dateFormat: 'dmy',
  },
  'columns in another order, slashes in ISO dates, a trailing minus, a category column': {
    text: `Amount,Category,Date,Memo
120.00-,Software,2026/07/02,Figma monthly
2500.00,Sales,2026/07/09,Invoice 1042 paid
15.5-,,2026/07/10,Coffee
`,
    lines: [
      ['2026-07-02', '-120.00', 'Figma monthly'],
      ['2026-07-09', '2500.00', 'Invoice 1042 paid'],
      ['2026-07-10', '-15.50', 'Coffee'],
    ],
    dateFormat: 'ymd',
  },
};

async function rows(businessId: string) {
  return withBusiness(t.db, businessId, (tx) =>
    queryRows<{
      date: string;
      amount: string;
      description: string;
      kind: string;
      category: string | null;
      account: string;
    }>(
      tx,
      sql`select t.date::text, t.amount::text, t.description, t.kind, t.category, a.name as account
          from transactions t join accounts a on a.id = t.bank_account_id
          where t.kind <> 'OPENING' order by t.date, t.amount`,
    ),
  );
}

describe('CSV bank statements', () => {
  for (const [name, f] of Object.entries(FORMATS)) {
    it(`reads ${name}`, async () => {
      // A statement that shows its currency goes to a business in that currency (another one is refused).
      const currency = f.currency ?? 'USD';
      const biz = await createBusiness(t.db, { name: `CSV ${name.slice(0, 20)}`, baseCurrency: currency });
      const r = await importStatement(
        t.db,
        { id: biz.id, baseCurrency: currency },
        { account: 'Main account', text: f.text },
      );
      expect(r).toMatchObject({ lines: 3, added: 3, alreadyThere: 0, dateFormat: f.dateFormat });
      const got = await rows(biz.id);
      expect(got.map((x) => [x.date, Number(x.amount).toFixed(2), x.description])).toEqual(
        [...f.lines].sort((a, b) => a[0].localeCompare(b[0]) || Number(a[1]) - Number(b[1])),
      );
      expect(
        got.every((x) => x.kind === (Number(x.amount) >= 0 ? 'RECEIVE' : 'SPEND') && x.account === 'Main account'),
      ).toBe(true);
      expect(r.balance).toEqual(
        f.opening ? { status: 'set', opening: f.opening, date: addDays(f.lines[0]![0], -1) } : undefined,
      );
    });
  }

  it('a payee column is the merchant: lines of one payee are one merchant, whatever their purpose texts say', async () => {
    // A German bank's export: who was paid in its own column, a purpose text that changes on every line.
    const text = `Buchungstag;Empfänger/Auftraggeber;Verwendungszweck;Betrag
01.09.2026;Hetzner Online GmbH;R0012345678 Kundennr K0812;-23,45
01.10.2026;Hetzner Online GmbH;Rechnung Oktober Server;-23,45
15.10.2026;Stadtwerke Berlin;Abschlag Strom 10/2026;-80,00
`;
    const biz = await createBusiness(t.db, { name: 'CSV payee', baseCurrency: 'EUR' });
    await importStatement(t.db, { id: biz.id, baseCurrency: 'EUR' }, { account: 'Girokonto', text });
    const lines = await withBusiness(t.db, biz.id, (tx) =>
      queryRows<{ id: string; description: string; counterparty: string }>(
        tx,
        sql`select id, description, counterparty from transactions order by date`,
      ),
    );
    expect(lines.map((l) => [l.counterparty, l.description])).toEqual([
      ['Hetzner Online GmbH', 'R0012345678 Kundennr K0812'],
      ['Hetzner Online GmbH', 'Rechnung Oktober Server'],
      ['Stadtwerke Berlin', 'Abschlag Strom 10/2026'],
    ]);
    // The first Hetzner line filed by a person; the second shares no word of its purpose text with it, only
    // the payee — which is what categorization keys the merchant on.
    await withBusiness(t.db, biz.id, (tx) =>
      tx.execute(
        sql`update transactions set category = 'Hosting', category_source = 'user' where id = ${lines[0]!.id}`,
      ),
    );
    const r = await withBusiness(t.db, biz.id, (tx) => categorize(tx, { id: biz.id }));
    const second = r.results.find((x) => x.id === lines[1]!.id)!;
    expect(second.proposal).toMatchObject({ category: 'Hosting', source: 'similar' });
    expect(second.proposal!.confidence).toBeGreaterThanOrEqual(0.8);
    expect(r.results.find((x) => x.id === lines[2]!.id)!.proposal?.category).not.toBe('Hosting');
    const keys = await withBusiness(t.db, biz.id, (tx) =>
      queryRows<{ n: string }>(tx, sql`select normalized_description as n from transactions order by date`),
    );
    // The example's merchant text is its payee (a preview stores nothing for the lines it looked at).
    expect(keys[0]!.n).toBe('hetzner online');
  });

  it('after an import the new lines are categorized: confident ones written, the rest queued, labelled ones kept', async () => {
    const biz = await createBusiness(t.db, { name: 'CSV auto', baseCurrency: 'USD' });
    const ctx = { id: biz.id, baseCurrency: 'USD' };
    // September's statement came labelled: it is the business's history.
    const september = `Date,Description,Amount,Category
2026-09-02,GITHUB INC 0902,-44.00,Software
2026-09-05,SHELL OIL 5531 AUSTIN TX,-61.20,Motor Vehicle
2026-09-20,ACH CREDIT NORTHWIND TRADERS,14000.00,Sales
`;
    const first = await importStatement(t.db, ctx, { account: 'Checking', text: september });
    expect(first.uncategorizedIds).toEqual([]);
    expect(await categorizeImported(t.db, ctx, first)).toEqual({ considered: 0, apply: 0, review: 0, none: 0 });
    // October's is not labelled, but for one line: the same merchants are filed from history, the stranger not.
    const october = `Date,Description,Amount,Category
2026-10-02,GITHUB INC 1002,-44.00,
2026-10-06,SHELL OIL 5531 AUSTIN TX,-58.75,
2026-10-21,ACH CREDIT NORTHWIND TRADERS,12500.00,
2026-10-25,ZQXV 88123 HOLDINGS,-300.00,
2026-10-30,Office chairs,-410.00,Office Expenses
`;
    const second = await importStatement(t.db, ctx, { account: 'Checking', text: october });
    expect(second.uncategorizedIds).toHaveLength(4);
    const counts = await categorizeImported(t.db, ctx, second);
    expect(counts.considered).toBe(4);
    expect(counts.apply).toBe(3);
    expect(counts.apply + counts.review + counts.none).toBe(4);
    const got = await withBusiness(t.db, biz.id, (tx) =>
      queryRows<{ description: string; category: string | null; source: string | null }>(
        tx,
        sql`select description, category, category_source as source from transactions
            where date >= '2026-10-01' order by date`,
      ),
    );
    expect(got.map((x) => [x.description.slice(0, 12), x.category])).toEqual([
      ['GITHUB INC 1', 'Software'],
      ['SHELL OIL 55', 'Motor Vehicle'],
      ['ACH CREDIT N', 'Sales'],
      ['ZQXV 88123 H', null],
      ['Office chair', 'Office Expenses'],
    ]);
    expect(got[4]!.source).toBe('upstream');
    // Importing the same file again adds nothing and categorizes nothing.
    const again = await importStatement(t.db, ctx, { account: 'Checking', text: october });
    expect(again.uncategorizedIds).toEqual([]);
  });

  it('a balance column sets the account’s opening balance: cash that was there, never money in or out', async () => {
    const biz = await createBusiness(t.db, { name: 'Saldo GmbH', baseCurrency: 'EUR' });
    const business = { id: biz.id, baseCurrency: 'EUR' };
    // Newest first, as German banks export. By hand: 12.911,76 after -38,24 → 12.950,00 before the first line;
    // in 4.200,00; out 38,24 + 1.850,00 + 9,90 = 1.898,14; 12.950,00 + 4.200,00 - 1.898,14 = 15.251,86.
    const march = `Buchungstag;Empfänger/Auftraggeber;Verwendungszweck;Betrag;Saldo
31.03.2026;Sparkasse;Kontoführung März;-9,90;15.251,86
20.03.2026;Contoso GmbH;Rechnung 2026-114;4.200,00;15.261,76
10.03.2026;Harbor Immobilien;Miete März;-1.850,00;11.061,76
02.03.2026;REWE Markt GmbH;REWE SAGT DANKE 45121234;-38,24;12.911,76
`;
    const r = await importStatement(t.db, business, { account: 'Girokonto', text: march });
    expect(r.balance).toEqual({ status: 'set', opening: '12950.00', date: '2026-03-01' });
    expect(r.changedDates).toContain('2026-03-01');
    const report = (kind: 'cash_summary' | 'balance_sheet', from: string | undefined, to: string) =>
      withBusiness(t.db, biz.id, (tx) => buildReport(tx, business, { kind, ...(from ? { from } : {}), to }));
    const summary = (await report('cash_summary', '2026-03-01', '2026-03-31')).data;
    expect(summary).toMatchObject({
      openingCash: '0.00',
      totalCashIn: '4200.00',
      totalCashOut: '1898.14',
      netCashFlow: '2301.86',
      openingBalancesRecorded: '12950.00',
      closingCash: '15251.86',
    });
    expect((await report('balance_sheet', undefined, '2026-03-31')).data).toMatchObject({ totalCash: '15251.86' });

    // An earlier statement (oldest first) arrives: it is now the account's first, so its balance is the opening.
    // By hand: 13.000,00 after +1.000,00 → 12.000,00; then -50,00 → 12.950,00, where March starts.
    const february = `Buchungstag;Empfänger/Auftraggeber;Verwendungszweck;Betrag;Saldo
15.02.2026;Contoso GmbH;Rechnung 2026-101;1.000,00;13.000,00
28.02.2026;Telekom Deutschland;Rechnung Februar;-50,00;12.950,00
`;
    expect((await importStatement(t.db, business, { account: 'Girokonto', text: february })).balance).toEqual({
      status: 'set',
      opening: '12000.00',
      date: '2026-02-14',
    });
    expect((await report('balance_sheet', undefined, '2026-03-31')).data).toMatchObject({ totalCash: '15251.86' });
    const openings = await withBusiness(t.db, biz.id, (tx) =>
      queryRows<{ n: number }>(tx, sql`select count(*)::int as n from transactions where kind = 'OPENING'`),
    );
    expect(openings[0]!.n).toBe(1);
    // March again: the lines before it agree with its balance column.
    expect((await importStatement(t.db, business, { account: 'Girokonto', text: march })).balance).toEqual({
      status: 'agrees',
      opening: '12950.00',
      date: '2026-03-01',
    });
    // April says 15.000,00 before its first line; the lines here come to 15.251,86: something is missing.
    const april = `Buchungstag;Empfänger/Auftraggeber;Verwendungszweck;Betrag;Saldo
05.04.2026;Harbor Immobilien;Miete April;-100,00;14.900,00
`;
    expect((await importStatement(t.db, business, { account: 'Girokonto', text: april })).balance).toEqual({
      status: 'differs',
      opening: '15000.00',
      expected: '15251.86',
      date: '2026-04-04',
    });
    // Balances that follow from the amounts in neither order: no opening balance is taken from them.
    const broken = `Buchungstag;Verwendungszweck;Betrag;Saldo
01.05.2026;Eins;-10,00;100,00
02.05.2026;Zwei;-10,00;50,00
`;
    const other = await createBusiness(t.db, { name: 'Saldo kaputt', baseCurrency: 'EUR' });
    const b = await importStatement(t.db, { id: other.id, baseCurrency: 'EUR' }, { account: 'Giro', text: broken });
    expect(b.balance).toEqual({ status: 'unreadable', row: 3 });
    const none = await withBusiness(t.db, other.id, (tx) =>
      queryRows<{ n: number }>(tx, sql`select count(*)::int as n from transactions where kind = 'OPENING'`),
    );
    expect(none[0]!.n).toBe(0);
  });

  it('a balance column after statements without one: the opening makes the earlier lines end where it starts', async () => {
    const biz = await createBusiness(t.db, { name: 'Late Saldo' });
    const business = { id: biz.id, baseCurrency: 'USD' };
    await importStatement(t.db, business, {
      account: 'Cheque',
      text: 'Date,Description,Amount\n2026-01-05,ZZ MOTORS SERVICE,-300.00\n2026-01-06,ABC TRAVEL AGENCY,-800.00\n',
    });
    // By hand: 9,500.00 after -500.00 → 10,000.00 on 31 January; the January lines take 1,100.00 out, so the
    // account held 11,100.00 before its first line (4 January); 11,100.00 - 1,100.00 - 500.00 - 1,200.00 = 8,300.00.
    const r = await importStatement(t.db, business, {
      account: 'Cheque',
      text: 'Date,Description,Amount,Balance\n2026-02-01,ENGEN SANDTON,-500.00,"9,500.00"\n2026-02-02,HERTZ 1234,-1200.00,"8,300.00"\n',
    });
    expect(r.balance).toEqual({ status: 'set', opening: '11100.00', date: '2026-01-04' });
    const sheet = await withBusiness(t.db, biz.id, (tx) =>
      buildReport(tx, business, { kind: 'balance_sheet', to: '2026-02-02' }),
    );
    expect(sheet.data).toMatchObject({ totalCash: '8300.00' });
  });

  it('keeps a statement’s categories as upstream categories', async () => {
    const biz = await createBusiness(t.db, { name: 'CSV categories' });
    const f = FORMATS['columns in another order, slashes in ISO dates, a trailing minus, a category column']!;
    await importStatement(t.db, { id: biz.id, baseCurrency: 'USD' }, { account: 'Ops', text: f.text });
    const got = await withBusiness(t.db, biz.id, (tx) =>
      tx.select({ c: transactions.category, s: transactions.categorySource }).from(transactions),
    );
    expect(
      got
        .filter((x) => x.c)
        .map((x) => [x.c, x.s])
        .sort(),
    ).toEqual([
      ['Sales', 'upstream'],
      ['Software', 'upstream'],
    ]);
  });

  it('re-importing the same file adds nothing; an overlapping statement adds only its new lines; identical lines in one file both count', async () => {
    const biz = await createBusiness(t.db, { name: 'CSV overlap' });
    const ctx = { id: biz.id, baseCurrency: 'USD' };
    const march = `Date,Description,Amount
2026-03-01,Coffee,-4.50
2026-03-01,Coffee,-4.50
2026-03-02,Rent,-1500.00
`;
    expect(await importStatement(t.db, ctx, { account: 'Main', text: march })).toMatchObject({
      added: 3,
      alreadyThere: 0,
    });
    expect(await importStatement(t.db, ctx, { account: 'Main', text: march })).toMatchObject({
      added: 0,
      alreadyThere: 3,
    });
    const overlap = `Date,Description,Amount
2026-03-02,Rent,-1500.00
2026-03-03,Client payment,2000.00
`;
    expect(await importStatement(t.db, ctx, { account: 'Main', text: overlap })).toMatchObject({
      added: 1,
      alreadyThere: 1,
    });
    const got = await rows(biz.id);
    expect(got).toHaveLength(4);
    const [sum] = await withBusiness(t.db, biz.id, (tx) =>
      queryRows<{ s: string }>(tx, sql`select sum(amount)::text as s from transactions`),
    );
    expect(Number(sum!.s).toFixed(2)).toBe('491.00'); // −4.50 −4.50 −1500 +2000
  });

  it('a file with bad rows is refused whole, with row numbers and reasons, and writes nothing', async () => {
    const biz = await createBusiness(t.db, { name: 'CSV bad' });
    const bad = `Date,Description,Amount
2026-03-01,Fine,-10.00
2026-02-30,Impossible date,-5.00
2026-03-03,Fine too,-1.00
2026-03-04,Not money,abc
2026-03-05,No amount,
`;
    const err = await importStatement(t.db, { id: biz.id, baseCurrency: 'USD' }, { account: 'Main', text: bad }).catch(
      (e: Error & { details?: unknown }) => e,
    );
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(
      /^3 rows could not be read, so nothing was imported: row 3: "2026-02-30" is not a date \(ymd\); row 5: "abc" is not an amount; row 6: no amount\.$/,
    );
    expect((err as { details?: { problems: unknown[] } }).details?.problems).toHaveLength(3);
    expect(
      await withBusiness(t.db, biz.id, (tx) =>
        tx.select().from(transactions).where(eq(transactions.businessId, biz.id)),
      ),
    ).toHaveLength(0);
  });

  it('refuses a statement in another currency than the business’s, and says how to import it', async () => {
    const usd = await createBusiness(t.db, { name: 'CSV dollars' });
    const eur = await createBusiness(t.db, { name: 'CSV euros', baseCurrency: 'EUR' });
    const german = [
      'Buchungstag;Empfänger/Auftraggeber;Verwendungszweck;Betrag;Währung',
      '14.11.2026;REWE Markt;Kartenzahlung;-23,40;EUR',
      '23.11.2026;ACME GmbH;Rechnung 1001;1.500,00;EUR',
    ].join('\n');
    const count = async (id: string) =>
      (await withBusiness(t.db, id, (tx) => tx.select().from(transactions).where(eq(transactions.businessId, id))))
        .length;
    await expect(
      importStatement(t.db, { id: usd.id, baseCurrency: 'USD' }, { account: 'Giro', text: german }),
    ).rejects.toThrow(
      /^This statement is in EUR and the business keeps its books in USD, so nothing was imported: .*--currency EUR/,
    );
    expect(await count(usd.id)).toBe(0);
    // A euro sign on the amounts says the same; a dollar sign could be many currencies and is not refused.
    await expect(
      importStatement(
        t.db,
        { id: usd.id, baseCurrency: 'USD' },
        { account: 'Card', text: 'Date,Amount\n2026-11-02,-€12.50\n' },
      ),
    ).rejects.toThrow(/in EUR/);
    await importStatement(
      t.db,
      { id: usd.id, baseCurrency: 'USD' },
      { account: 'Card', text: 'Date,Amount\n2026-11-02,-$12.50\n' },
    );
    expect(await count(usd.id)).toBe(1);
    const r = await importStatement(t.db, { id: eur.id, baseCurrency: 'EUR' }, { account: 'Giro', text: german });
    expect(r.added).toBe(2);
    // Lines in several currencies: refused even where one of them is the business's.
    const mixed = `${german}\n24.11.2026;Acme Inc;Invoice 7;250,00;USD`;
    await expect(
      importStatement(t.db, { id: eur.id, baseCurrency: 'EUR' }, { account: 'Giro', text: mixed }),
    ).rejects.toThrow(/^This statement has lines in EUR, USD and the business keeps its books in EUR/);
    expect(await count(eur.id)).toBe(2);
  });

  it('says what is missing or ambiguous', async () => {
    const biz = await createBusiness(t.db, { name: 'CSV unclear' });
    const ctx = { id: biz.id, baseCurrency: 'USD' };
    await expect(
      importStatement(t.db, ctx, { account: 'Main', text: 'Date,Amount\n01/02/2026,5.00\n03/04/2026,6.00\n' }),
    ).rejects.toThrow(/day-first or month-first .*`--date-format dmy` or `--date-format mdy` with `cfo import csv`/);
    const ok = await importStatement(t.db, ctx, {
      account: 'Main',
      text: 'Date,Amount\n01/02/2026,5.00\n03/04/2026,6.00\n',
      dateFormat: 'mdy',
    });
    expect([ok.from, ok.to]).toEqual(['2026-01-02', '2026-03-04']);
    await expect(importStatement(t.db, ctx, { account: 'Main', text: 'When,What\n2026-01-01,x\n' })).rejects.toThrow(
      /No date column/,
    );
    await expect(importStatement(t.db, ctx, { account: 'Main', text: 'Date,What\n2026-01-01,x\n' })).rejects.toThrow(
      /No amount column/,
    );
    await expect(importStatement(t.db, ctx, { account: 'Main', text: '' })).rejects.toThrow(/empty/);
  });
});

describe('amounts', () => {
  it.each([
    ['1,234.56', '.', '1234.56'],
    ['1.234,56', ',', '1234.56'],
    ['1 234,56', ',', '1234.56'],
    ["1'234.56", '.', '1234.56'],
    ['(1,234.50)', '.', '-1234.50'],
    ['$1,234.50-', '.', '-1234.50'],
    ['−12,50 €', ',', '-12.50'],
    ['USD 99', '.', '99.00'],
    ['+5.5', '.', '5.50'],
  ] as const)('%s → %s', (raw, decimal, expected) => {
    expect(parseAmount(raw, decimal)).toBe(expected);
  });
  it('refuses what is not money', () => {
    expect(parseAmount('abc', '.')).toBeNull();
    expect(parseAmount('1.2.3', ',')).toBeNull();
    expect(parseAmount('', '.')).toBeNull();
  });
});
