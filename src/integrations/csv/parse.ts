/**
 * Bank statement CSVs as banks export them: comma, semicolon or tab separated; a header row in any order
 * (date, description, amount or debit/credit, optional balance and category) in several languages; ISO,
 * day-first or month-first dates (detected, and said which); amounts with spaces, commas or dots as
 * thousands separators, currency symbols, parentheses or a trailing minus for negatives. Pure: it reads
 * the text and returns lines or every problem with its row number.
 */
import { parse } from 'csv-parse/sync';
import { D, type Dec } from '../../money';

export type DateFormat = 'ymd' | 'dmy' | 'mdy';

export interface StatementLine {
  /** Row number as a spreadsheet shows it (the header is row 1). */
  row: number;
  date: string;
  /** Signed: money in > 0. Decimal string. */
  amount: string;
  description: string;
  /**
   * Who the money went to or came from, from a payee or counterparty column (`Payee`, `Counterparty`,
   * `Empfänger/Auftraggeber`, `Name` beside a purpose text…): the merchant, where the description is the purpose.
   */
  payee: string | null;
  balance: string | null;
  category: string | null;
  /** The card network's merchant category code (ISO 18245), when the bank gives one: four digits. */
  mcc: string | null;
}

export interface ParsedStatement {
  lines: StatementLine[];
  dateFormat: DateFormat;
  delimiter: string;
  columns: Record<string, string>;
  /**
   * The currencies the statement says its lines are in: the ISO codes of a currency column (`Currency`,
   * `Währung`, `Devise`, `Moneda`, `Valuta`), or else EUR or GBP for € or £ on the amounts; empty when it does
   * not say (a $ could be many currencies).
   */
  currencies: string[];
}

export interface RowProblem {
  row: number;
  reason: string;
}

export class StatementError extends Error {
  readonly problems: RowProblem[];
  constructor(message: string, problems: RowProblem[] = []) {
    super(message);
    this.problems = problems;
  }
}

const HEADERS: Record<
  'date' | 'description' | 'payee' | 'amount' | 'debit' | 'credit' | 'balance' | 'category' | 'mcc' | 'currency',
  string[]
> = {
  date: [
    'date',
    'transactiondate',
    'postingdate',
    'bookingdate',
    'valuedate',
    'posted',
    'posteddate',
    'buchungstag',
    'datum',
    'fecha',
    'dateoperation',
    'dateope',
    'data',
  ],
  description: [
    'description',
    'details',
    'narrative',
    'memo',
    'payee',
    'text',
    'transactiondescription',
    'verwendungszweck',
    'beschreibung',
    'buchungstext',
    'concepto',
    'libelle',
    'descripcion',
    'name',
    'reference',
  ],
  // Normalized: "Empfänger/Auftraggeber" is empfangerauftraggeber, "Begünstigter/Zahlungspflichtiger" begunstigter….
  payee: [
    'payee',
    'payeename',
    'counterparty',
    'counterpartyname',
    'merchant',
    'merchantname',
    'beneficiary',
    'beneficiaryname',
    'empfangerauftraggeber',
    'auftraggeberempfanger',
    'auftraggeberbegunstigter',
    'begunstigterzahlungspflichtiger',
    'beguenstigterzahlungspflichtiger',
    'zahlungsempfanger',
    'name',
    'tiers',
    'beneficiario',
    'ordenante',
    'tegenrekeninghouder',
    'naamtegenpartij',
  ],
  amount: ['amount', 'value', 'betrag', 'importe', 'montant', 'transactionamount', 'umsatz'],
  debit: ['debit', 'debits', 'withdrawal', 'withdrawals', 'moneyout', 'paidout', 'out', 'soll', 'cargo', 'debito'],
  credit: ['credit', 'credits', 'deposit', 'deposits', 'moneyin', 'paidin', 'in', 'haben', 'abono', 'credito'],
  balance: ['balance', 'runningbalance', 'saldo', 'solde'],
  category: ['category', 'kategorie', 'categorie', 'categoria'],
  mcc: ['mcc', 'merchantcategorycode', 'merchantcategory', 'mcccode', 'categorycode'],
  currency: ['currency', 'currencycode', 'ccy', 'wahrung', 'waehrung', 'devise', 'moneda', 'valuta', 'divisa'],
};

const normalizeHeader = (h: string) =>
  h
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/\(.*?\)/g, '')
    .replace(/[^a-z]/g, '');

function detectDelimiter(firstLine: string): string {
  const counts = [',', ';', '\t'].map((d) => ({ d, n: firstLine.split(d).length - 1 }));
  counts.sort((a, b) => b.n - a.n);
  return counts[0]!.n > 0 ? counts[0]!.d : ',';
}

const DATE = /^(\d{1,4})[./-](\d{1,2})[./-](\d{1,4})$/;

function dateParts(raw: string): [number, number, number] | null {
  const m = DATE.exec(raw.trim().split(/[ T]/)[0]!);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : null;
}

/** Day-first or month-first: decided by the values that cannot be a month. */
export function detectDateFormat(values: string[]): DateFormat | 'ambiguous' | null {
  const parts = values.map(dateParts).filter((p): p is [number, number, number] => p !== null);
  if (parts.length === 0) return null;
  if (parts.every((p) => p[0] > 31)) return 'ymd';
  if (parts.some((p) => p[0] > 12)) return 'dmy';
  if (parts.some((p) => p[1] > 12)) return 'mdy';
  // Dates written with dots (31.03.2026) are day-first wherever they are written so (Germany, Switzerland,
  // Austria, Scandinavia, Eastern Europe); month-first countries use slashes.
  if (values.every((v) => /^\s*\d{1,2}\.\d{1,2}\.\d{2,4}\s*$/.test(v))) return 'dmy';
  return 'ambiguous';
}

function toIsoDate(raw: string, format: DateFormat): string | null {
  const p = dateParts(raw);
  if (!p) return null;
  const [y, m, d] = format === 'ymd' ? p : format === 'dmy' ? [p[2], p[1], p[0]] : [p[2], p[0], p[1]];
  if (y < 1900 || y > 2200) return null;
  const t = Date.UTC(y, m - 1, d);
  const back = new Date(t);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== m - 1 || back.getUTCDate() !== d) return null;
  return back.toISOString().slice(0, 10);
}

/** The file's decimal separator: the one that amounts end with before 1–2 digits. */
function detectDecimal(values: string[]): ',' | '.' {
  let comma = 0;
  let dot = 0;
  for (const v of values) {
    const s = v.replace(/[^\d.,]/g, '');
    if (/,\d{1,2}$/.test(s)) comma += 1;
    else if (/\.\d{1,2}$/.test(s)) dot += 1;
  }
  return comma > dot ? ',' : '.';
}

/** "−1 234,56 €", "(1,234.50)", "$1,234.50-", "1.234,56" → a signed decimal string, or null. */
export function parseAmount(raw: string, decimal: ',' | '.'): string | null {
  let s = raw.trim();
  if (!s) return null;
  let negative = false;
  if (/^\(.*\)$/.test(s)) {
    negative = true;
    s = s.slice(1, -1);
  }
  s = s.replace(/[\u2212\u2013]/g, '-'); // minus sign and en dash
  if (/-\s*$/.test(s)) {
    negative = !negative;
    s = s.replace(/-\s*$/, '');
  }
  s = s.replace(/[A-Za-z€$£¥₹\s\u00a0\u202f']/g, ''); // currency symbols and codes, spaces, apostrophes (CH)
  if (s.startsWith('-')) {
    negative = !negative;
    s = s.slice(1);
  } else if (s.startsWith('+')) s = s.slice(1);
  const thousands = decimal === ',' ? '.' : ',';
  const [intPart = '', ...rest] = s.split(decimal);
  if (rest.length > 1) return null;
  const groups = intPart.split(thousands);
  // Thousands groups after the first have exactly three digits: "1.2.3" is not an amount.
  if (groups.length > 1 && (groups[0] === '' || groups.slice(1).some((g) => g.length !== 3))) return null;
  s = groups.join('') + (rest.length ? `${decimal}${rest[0]}` : '');
  if (decimal === ',') s = s.replace(',', '.');
  if (!/^\d+(\.\d+)?$/.test(s)) return null;
  const d = new D(s);
  return (negative ? d.neg() : d).toFixed(2);
}

export function parseStatement(text: string, opts: { dateFormat?: DateFormat } = {}): ParsedStatement {
  const body = text.replace(/^\uFEFF/, '');
  const firstLine = body.split(/\r?\n/).find((l) => l.trim()) ?? '';
  if (!firstLine) throw new StatementError('The file is empty.');
  const delimiter = detectDelimiter(firstLine);
  let records: string[][];
  try {
    records = parse(body, {
      delimiter,
      relax_column_count: true,
      skip_empty_lines: true,
      trim: true,
      bom: true,
    }) as string[][];
  } catch (err) {
    throw new StatementError(`Not a readable CSV: ${(err as Error).message}`);
  }
  const header = records[0]!.map(normalizeHeader);
  // The best-named column wins (a "Description" over a "Details"), whatever the order of the columns.
  const find = (names: string[]) => {
    for (const name of names) {
      const i = header.indexOf(name);
      if (i >= 0) return i;
    }
    return undefined;
  };
  const col = {
    date: find(HEADERS.date),
    description: find(HEADERS.description),
    payee: find(HEADERS.payee),
    amount: find(HEADERS.amount),
    debit: find(HEADERS.debit),
    credit: find(HEADERS.credit),
    balance: find(HEADERS.balance),
    category: find(HEADERS.category),
    mcc: find(HEADERS.mcc),
    currency: find(HEADERS.currency),
  };
  if (col.date === undefined) throw new StatementError(`No date column: the header row has ${records[0]!.join(', ')}.`);
  if (col.amount === undefined && col.debit === undefined && col.credit === undefined) {
    throw new StatementError(
      `No amount column (or debit and credit columns): the header row has ${records[0]!.join(', ')}.`,
    );
  }
  const rows = records.slice(1).map((cells, i) => ({ row: i + 2, cells }));
  const at = (cells: string[], i: number | undefined) => (i === undefined ? '' : (cells[i] ?? '').trim());

  let dateFormat: DateFormat;
  if (opts.dateFormat) dateFormat = opts.dateFormat;
  else {
    const detected = detectDateFormat(rows.map((r) => at(r.cells, col.date)).filter(Boolean));
    if (detected === null) throw new StatementError('No date in the date column could be read.');
    if (detected === 'ambiguous') {
      throw new StatementError(
        'The dates could be day-first or month-first (no day above 12): say which — `--date-format dmy` or `--date-format mdy` with `cfo import csv`, `dateFormat=dmy` or `mdy` over HTTP.',
      );
    }
    dateFormat = detected;
  }
  const amountCells = rows
    .flatMap((r) => [
      at(r.cells, col.amount),
      at(r.cells, col.debit),
      at(r.cells, col.credit),
      at(r.cells, col.balance),
    ])
    .filter(Boolean);
  const decimal = detectDecimal(amountCells);

  const lines: StatementLine[] = [];
  const problems: RowProblem[] = [];
  for (const { row, cells } of rows) {
    const rawDate = at(cells, col.date);
    const date = toIsoDate(rawDate, dateFormat);
    if (!date) {
      problems.push({ row, reason: rawDate ? `"${rawDate}" is not a date (${dateFormat})` : 'no date' });
      continue;
    }
    let amount: string | null;
    if (col.amount !== undefined) {
      amount = parseAmount(at(cells, col.amount), decimal);
      if (amount === null) {
        problems.push({
          row,
          reason: at(cells, col.amount) ? `"${at(cells, col.amount)}" is not an amount` : 'no amount',
        });
        continue;
      }
    } else {
      const debitRaw = at(cells, col.debit);
      const creditRaw = at(cells, col.credit);
      const debit = debitRaw ? parseAmount(debitRaw, decimal) : '0';
      const credit = creditRaw ? parseAmount(creditRaw, decimal) : '0';
      if (debit === null || credit === null) {
        problems.push({ row, reason: `"${debit === null ? debitRaw : creditRaw}" is not an amount` });
        continue;
      }
      if (!debitRaw && !creditRaw) {
        problems.push({ row, reason: 'neither a debit nor a credit amount' });
        continue;
      }
      // Money out is a positive debit; some banks write it negative already.
      amount = new D(credit).abs().minus(new D(debit).abs()).toFixed(2);
    }
    const balanceRaw = at(cells, col.balance);
    lines.push({
      row,
      date,
      amount,
      description: at(cells, col.description),
      payee: at(cells, col.payee) || null,
      balance: balanceRaw ? parseAmount(balanceRaw, decimal) : null,
      category: at(cells, col.category) || null,
      mcc: /^\d{4}$/.test(at(cells, col.mcc)) ? at(cells, col.mcc) : null,
    });
  }
  if (problems.length > 0) {
    const listed = problems
      .slice(0, 20)
      .map((p) => `row ${p.row}: ${p.reason}`)
      .join('; ');
    throw new StatementError(
      `${problems.length} row${problems.length === 1 ? '' : 's'} could not be read, so nothing was imported: ${listed}${problems.length > 20 ? '; …' : ''}.`,
      problems,
    );
  }
  if (lines.length === 0) throw new StatementError('The file has a header but no transactions.');
  const named = Object.fromEntries(
    Object.entries(col)
      .filter(([, i]) => i !== undefined)
      .map(([k, i]) => [k, records[0]![i!]!]),
  );
  return { lines, dateFormat, delimiter, columns: named, currencies: statementCurrencies(rows, col, at) };
}

/** The ISO codes in the currency column, else EUR and GBP for euro and pound signs on the amounts. */
function statementCurrencies(
  rows: { cells: string[] }[],
  col: Record<'currency' | 'amount' | 'debit' | 'credit', number | undefined>,
  at: (cells: string[], i: number | undefined) => string,
): string[] {
  if (col.currency !== undefined)
    return [
      ...new Set(rows.map((r) => at(r.cells, col.currency).toUpperCase()).filter((c) => /^[A-Z]{3}$/.test(c))),
    ].sort();
  const amounts = rows.flatMap((r) => [at(r.cells, col.amount), at(r.cells, col.debit), at(r.cells, col.credit)]);
  const signs = new Set(amounts.flatMap((a) => a.match(/[€£]/g) ?? []));
  return [...signs].map((sign) => (sign === '€' ? 'EUR' : 'GBP')).sort();
}

export const DATE_FORMAT_NAMES: Record<DateFormat, string> = {
  ymd: 'year first (YYYY-MM-DD)',
  dmy: 'day first (DD/MM/YYYY)',
  mdy: 'month first (MM/DD/YYYY)',
};

/**
 * What a statement's balance column says the account held before its first line. Each balance is the
 * account's balance after its line, so in the order the money moved, balance − (the sum of the amounts up to
 * and including that line) is one constant: the opening balance. Statements list oldest or newest first;
 * whichever order makes that hold is the one. Lines without a balance (some banks give one per day) are
 * summed through. `mismatch` is the first line at which neither order adds up: a gap or an error in the file.
 */
export function statementOpening(
  lines: Pick<StatementLine, 'row' | 'amount' | 'balance'>[],
): { amount: string } | { mismatchRow: number } | null {
  if (!lines.some((l) => l.balance !== null)) return null;
  const inOrder = (ordered: typeof lines) => {
    let sum = new D(0);
    let opening: Dec | null = null;
    for (const l of ordered) {
      sum = sum.plus(l.amount);
      if (l.balance === null) continue;
      const here = new D(l.balance).minus(sum);
      if (opening === null) opening = here;
      else if (!here.eq(opening)) return { mismatchRow: l.row };
    }
    return { amount: opening!.toFixed(2) };
  };
  const oldestFirst = inOrder(lines);
  if ('amount' in oldestFirst) return oldestFirst;
  const newestFirst = inOrder([...lines].reverse());
  return 'amount' in newestFirst ? newestFirst : oldestFirst;
}
