/**
 * The fake Xero's own Profit and Loss and Balance Sheet reports, computed from the organisation's records the
 * way Xero's ledger posts them, in Xero's report JSON (Rows of Sections with account attributes). Written
 * apart from src/ (its own arithmetic, in decimal.js): the reconciliation compares the service's figures with
 * these, so they must not share code.
 *
 * Posting rules: each line of an authorised or paid invoice, bill or credit note, and of spend/receive money,
 * goes to its own account, net of tax (LineAmountTypes Inclusive: LineAmount − TaxAmount), converted at the
 * document's rate and rounded to the penny; the account's type places it in the P&L. A payment of a
 * foreign-currency document posts the difference between what reached the bank and the document's rate to
 * Realised Currency Gains. Bank balances are every movement in the account to the date.
 */
import Decimal from 'decimal.js';

type Rec = Record<string, unknown>;
type Data = Record<
  'Accounts' | 'Contacts' | 'Invoices' | 'CreditNotes' | 'Payments' | 'BankTransactions' | 'BankTransfers',
  Rec[]
>;

const Dx = Decimal.clone({ precision: 40, rounding: Decimal.ROUND_HALF_UP });
type Dn = InstanceType<typeof Dx>;

const dayOf = (v: unknown): string => {
  const m = /^\/Date\((-?\d+)/.exec(String(v));
  return (m ? new Date(Number(m[1])) : new Date(`${String(v).replace(/Z?$/, 'Z')}`)).toISOString().slice(0, 10);
};
const num = (v: unknown) => new Dx(String(v ?? 0));
const round2 = (d: Dn) => d.toDecimalPlaces(2, Dx.ROUND_HALF_UP);

const SECTION_OF_TYPE: Record<string, 'income' | 'cos' | 'other' | 'opex'> = {
  REVENUE: 'income',
  SALES: 'income',
  DIRECTCOSTS: 'cos',
  OTHERINCOME: 'other',
  EXPENSE: 'opex',
  OVERHEADS: 'opex',
  DEPRECIATN: 'opex',
  WAGESEXPENSE: 'opex',
  SUPERANNUATIONEXPENSE: 'opex',
};
const TITLES = {
  income: 'Income',
  cos: 'Less Cost of Sales',
  other: 'Plus Other Income',
  opex: 'Less Operating Expenses',
} as const;
const FX_ACCOUNT = { id: 'realised-currency-gains', name: 'Realised Currency Gains' };

interface Posting {
  date: string;
  account: { id: string; name: string; section: keyof typeof TITLES };
  /** Effect on profit: income > 0, cost < 0. */
  amount: Dn;
}

function postings(data: Data, base: string): Posting[] {
  const byCode = new Map(data.Accounts.map((a) => [String(a.Code), a]));
  const out: Posting[] = [];
  const post = (date: string, code: unknown, amount: Dn) => {
    const a = byCode.get(String(code));
    const section = a ? SECTION_OF_TYPE[String(a.Type)] : undefined;
    if (!a || !section) return; // balance-sheet accounts are not in the P&L
    out.push({ date, account: { id: String(a.AccountID), name: String(a.Name), section }, amount });
  };
  const document = (doc: Rec, sign: 1 | -1) => {
    const rate = doc.CurrencyCode && doc.CurrencyCode !== base ? num(doc.CurrencyRate) : new Dx(1);
    for (const l of (doc.LineItems as Rec[]) ?? []) {
      const gross = num(l.LineAmount);
      const net = doc.LineAmountTypes === 'Inclusive' ? gross.minus(num(l.TaxAmount)) : gross;
      post(dayOf(doc.Date), l.AccountCode, round2(net.div(rate)).times(sign));
    }
  };
  const posted = (d: Rec) => d.Status === 'AUTHORISED' || d.Status === 'PAID';
  for (const i of data.Invoices.filter(posted)) document(i, i.Type === 'ACCREC' ? 1 : -1);
  for (const c of data.CreditNotes.filter(posted)) document(c, c.Type === 'ACCPAYCREDIT' ? 1 : -1);
  for (const t of data.BankTransactions) {
    if (t.Status === 'DELETED' || t.Status === 'VOIDED') continue;
    if (t.Type === 'RECEIVE') document(t, 1);
    if (t.Type === 'SPEND') document(t, -1);
  }
  const docs = new Map([...data.Invoices, ...data.CreditNotes].map((d) => [String(d.InvoiceID ?? d.CreditNoteID), d]));
  for (const p of data.Payments) {
    if (p.Status === 'DELETED') continue;
    const ref = (p.Invoice ?? p.CreditNote) as Rec | undefined;
    const doc = ref ? docs.get(String(ref.InvoiceID ?? ref.CreditNoteID)) : undefined;
    if (!doc?.CurrencyCode || doc.CurrencyCode === base) continue;
    const atDocRate = round2(num(p.Amount).div(num(doc.CurrencyRate)));
    const atBank = round2(
      p.BankAmount !== undefined && !num(p.BankAmount).eq(num(p.Amount))
        ? num(p.BankAmount)
        : num(p.Amount).div(num(p.CurrencyRate)),
    );
    const inbound = ['ACCRECPAYMENT', 'APCREDITPAYMENT'].includes(String(p.PaymentType));
    const gain = inbound ? atBank.minus(atDocRate) : atDocRate.minus(atBank);
    out.push({ date: dayOf(p.Date), account: { ...FX_ACCOUNT, section: 'opex' }, amount: gain });
  }
  return out;
}

/** Month columns, newest first, as Xero lays out comparative periods: the given one and `periods` before it. */
function monthColumns(from: string, periods: number): { from: string; to: string; label: string }[] {
  const [y, m] = from.split('-').map(Number) as [number, number];
  return Array.from({ length: periods + 1 }, (_, k) => {
    const start = new Date(Date.UTC(y, m - 1 - k, 1));
    const end = new Date(Date.UTC(y, m - k, 0));
    return {
      from: start.toISOString().slice(0, 10),
      to: end.toISOString().slice(0, 10),
      label: end.toLocaleDateString('en-GB', { month: 'short', year: '2-digit', timeZone: 'UTC' }),
    };
  });
}

const cell = (value: string, accountId?: string) =>
  accountId ? { Value: value, Attributes: [{ Value: accountId, Id: 'account' }] } : { Value: value };
const envelope = (report: Rec) => ({
  Id: 'fake-report',
  Status: 'OK',
  ProviderName: 'cfo-agent fake',
  DateTimeUTC: `/Date(${Date.now()})/`,
  Reports: [report],
});

export function profitAndLossReport(data: Data, base: string, from: string, periods: number) {
  const cols = monthColumns(from, periods);
  const all = postings(data, base);
  const inCol = (p: Posting, c: (typeof cols)[number]) => p.date >= c.from && p.date <= c.to;
  const rows: Rec[] = [{ RowType: 'Header', Cells: [cell(''), ...cols.map((c) => cell(c.label))] }];
  const totals = (section: keyof typeof TITLES) =>
    cols.map((c) =>
      all
        .filter((p) => p.account.section === section && inCol(p, c))
        .reduce((a, p) => a.plus(p.amount), new Dx(0))
        .times(section === 'income' || section === 'other' ? 1 : -1),
    );
  for (const section of ['income', 'cos', 'other', 'opex'] as const) {
    const accounts = new Map(all.filter((p) => p.account.section === section).map((p) => [p.account.id, p.account]));
    if (accounts.size === 0) continue;
    const sign = section === 'income' || section === 'other' ? 1 : -1;
    const lines = [...accounts.values()].map((a) => ({
      RowType: 'Row',
      Cells: [
        cell(a.name, a.id),
        ...cols.map((c) =>
          cell(
            all
              .filter((p) => p.account.id === a.id && inCol(p, c))
              .reduce((s, p) => s.plus(p.amount), new Dx(0))
              .times(sign)
              .toFixed(2),
            a.id,
          ),
        ),
      ],
    }));
    const total = totals(section);
    rows.push({
      RowType: 'Section',
      Title: TITLES[section],
      Rows: [
        ...lines,
        {
          RowType: 'SummaryRow',
          Cells: [
            cell(`Total ${TITLES[section].replace(/^(Less|Plus) /, '')}`),
            ...total.map((v) => cell(v.toFixed(2))),
          ],
        },
      ],
    });
  }
  const [inc, cos, other, opex] = (['income', 'cos', 'other', 'opex'] as const).map(totals);
  const net = cols.map((_, k) => inc![k]!.minus(cos![k]!).plus(other![k]!).minus(opex![k]!));
  rows.push({
    RowType: 'Section',
    Title: '',
    Rows: [{ RowType: 'Row', Cells: [cell('Net Profit'), ...net.map((v) => cell(v.toFixed(2)))] }],
  });
  return envelope({
    ReportID: 'ProfitAndLoss',
    ReportName: 'Profit and Loss',
    ReportType: 'ProfitAndLoss',
    ReportTitles: ['Profit & Loss', 'Fake Org', `${cols.at(-1)!.from} to ${cols[0]!.to}`],
    ReportDate: new Date().toISOString().slice(0, 10),
    Rows: rows,
  });
}

export function balanceSheetReport(data: Data, date: string, periods: number) {
  const cols = monthColumns(`${date.slice(0, 7)}-01`, periods).map((c, k) => ({ ...c, to: k === 0 ? date : c.to }));
  const banks = data.Accounts.filter((a) => a.Type === 'BANK');
  const moves: { account: string; date: string; amount: Dn }[] = [];
  for (const t of data.BankTransactions) {
    if (t.Status === 'DELETED' || t.Status === 'VOIDED') continue;
    const sign = String(t.Type).startsWith('RECEIVE') ? 1 : -1;
    moves.push({
      account: String((t.BankAccount as Rec).AccountID),
      date: dayOf(t.Date),
      amount: num(t.Total).times(sign),
    });
  }
  for (const p of data.Payments) {
    if (p.Status === 'DELETED' || !p.Account) continue;
    const inbound = ['ACCRECPAYMENT', 'APCREDITPAYMENT', 'APOVERPAYMENTPAYMENT', 'APPREPAYMENTPAYMENT'].includes(
      String(p.PaymentType),
    );
    const amount = p.BankAmount !== undefined ? num(p.BankAmount) : num(p.Amount);
    moves.push({
      account: String((p.Account as Rec).AccountID),
      date: dayOf(p.Date),
      amount: amount.times(inbound ? 1 : -1),
    });
  }
  // A transfer's two sides are bank transactions too (SPEND-TRANSFER, RECEIVE-TRANSFER) when Xero lists them;
  // a transfer whose sides are not listed moves the two accounts itself.
  const listed = new Set(data.BankTransactions.map((t) => String(t.BankTransactionID)));
  for (const tf of data.BankTransfers) {
    if (tf.FromBankTransactionID && listed.has(String(tf.FromBankTransactionID))) continue;
    moves.push({
      account: String((tf.FromBankAccount as Rec).AccountID),
      date: dayOf(tf.Date),
      amount: num(tf.Amount).neg(),
    });
    moves.push({ account: String((tf.ToBankAccount as Rec).AccountID), date: dayOf(tf.Date), amount: num(tf.Amount) });
  }
  const balance = (account: string, to: string) =>
    moves.filter((m) => m.account === account && m.date <= to).reduce((a, m) => a.plus(m.amount), new Dx(0));
  const rows: Rec[] = [
    { RowType: 'Header', Cells: [cell(''), ...cols.map((c) => cell(c.to))] },
    {
      RowType: 'Section',
      Title: 'Bank',
      Rows: [
        ...banks.map((a) => ({
          RowType: 'Row',
          Cells: [
            cell(String(a.Name), String(a.AccountID)),
            ...cols.map((c) => cell(balance(String(a.AccountID), c.to).toFixed(2), String(a.AccountID))),
          ],
        })),
        {
          RowType: 'SummaryRow',
          Cells: [
            cell('Total Bank'),
            ...cols.map((c) =>
              cell(banks.reduce((s, a) => s.plus(balance(String(a.AccountID), c.to)), new Dx(0)).toFixed(2)),
            ),
          ],
        },
      ],
    },
  ];
  return envelope({
    ReportID: 'BalanceSheet',
    ReportName: 'Balance Sheet',
    ReportType: 'BalanceSheet',
    ReportTitles: ['Balance Sheet', 'Fake Org', `As at ${date}`],
    ReportDate: new Date().toISOString().slice(0, 10),
    Rows: rows,
  });
}
