/**
 * Reconciliation against the ledger itself: after a sync, Xero's own Profit and Loss (monthly) and Balance
 * Sheet (bank accounts) for the last complete months, beside the same figures computed here. Every compared
 * line is stored in `ledger_reconciliations` with the difference; a month that differs lowers its snapshot's
 * data quality and raises a recommendation (src/domain/reconciliation.ts). Two API calls a sync.
 */
import { and, eq, gte, lte, sql } from 'drizzle-orm';
import { type Db, queryRows, withBusiness } from '../../db/client';
import { ledgerReconciliations } from '../../db/schema';
import { type PlSection, plByMonth, sectionOfAccount } from '../../domain/ledger';
import { addDays, periodOf } from '../../domain/periods';
import { bankBalances } from '../../domain/transaction-totals';
import { D, type Dec, toDb } from '../../money';

/** Xero reports up to 11 comparative periods besides the one asked for. */
const MONTHS = 12;

type Cell = { Value?: string; Attributes?: { Id?: string; Value?: string }[] };
type ReportRow = { RowType?: string; Title?: string; Cells?: Cell[]; Rows?: ReportRow[] };
type Report = { Reports?: { Rows?: ReportRow[] }[] };

export const RECONCILED_LINES = [
  'income',
  'cost_of_sales',
  'other_income',
  'operating_expenses',
  'net_profit',
] as const;

export interface ReconcileOutcome {
  months: string[];
  compared: number;
  differences: { month: string; line: string; ours: string; theirs: string; difference: string }[];
  /** Months that differ now or differed at the last comparison: their snapshots' data quality changes. */
  changedMonths: string[];
  /** Why nothing was compared (no complete month yet, or the reports could not be read). */
  skipped?: string;
}

const accountOf = (cell: Cell | undefined) => cell?.Attributes?.find((a) => a.Id === 'account')?.Value;
const amountOf = (cell: Cell | undefined) => {
  const v = (cell?.Value ?? '').replace(/,/g, '').trim();
  return /^-?\d+(\.\d+)?$/.test(v) ? new D(v) : new D(0);
};
const flatten = (rows: ReportRow[] | undefined, title = ''): { row: ReportRow; section: string }[] =>
  (rows ?? []).flatMap((r) =>
    r.RowType === 'Section' ? flatten(r.Rows, r.Title ?? '') : [{ row: r, section: title }],
  );

/** A P&L section by Xero's own title, for rows that name no account of the chart (system accounts). */
function sectionOfTitle(title: string): PlSection | null {
  if (/other income/i.test(title)) return 'other_income';
  if (/cost of sales/i.test(title)) return 'cost_of_sales';
  if (/expense/i.test(title)) return 'operating_expenses';
  if (/income|revenue|trading/i.test(title)) return 'income';
  return null;
}

/**
 * Xero's P&L by month column (newest first, as it lays out comparative periods) and section. A row is placed
 * by its account's type in our chart (the same classification as ours), else by the section it is in. Costs
 * are positive in the report, as they are in ours.
 */
export function parseProfitAndLoss(
  report: Report,
  typeByAccountId: ReadonlyMap<string, PlSection>,
  columns: number,
): { sections: Record<PlSection, Dec>[]; netProfit: (Dec | null)[] } {
  const sections = Array.from({ length: columns }, () => ({
    income: new D(0),
    cost_of_sales: new D(0),
    other_income: new D(0),
    operating_expenses: new D(0),
  }));
  const netProfit: (Dec | null)[] = Array.from({ length: columns }, () => null);
  for (const { row, section } of flatten(report.Reports?.[0]?.Rows)) {
    const cells = row.Cells ?? [];
    if (row.RowType === 'Row' && /^net profit$/i.test(cells[0]?.Value ?? ''))
      for (let k = 0; k < columns; k++) netProfit[k] = amountOf(cells[k + 1]);
    if (row.RowType !== 'Row') continue;
    const account = accountOf(cells[0]);
    const placed = (account && typeByAccountId.get(account)) ?? sectionOfTitle(section);
    if (!placed || (!account && /profit/i.test(cells[0]?.Value ?? ''))) continue;
    for (let k = 0; k < columns; k++) sections[k]![placed] = sections[k]![placed].plus(amountOf(cells[k + 1]));
  }
  return { sections, netProfit };
}

/** Xero's Balance Sheet bank rows: account id → balance per month column (newest first). */
export function parseBankBalances(report: Report, columns: number): Map<string, Dec[]> {
  const out = new Map<string, Dec[]>();
  for (const { row, section } of flatten(report.Reports?.[0]?.Rows)) {
    const account = accountOf(row.Cells?.[0]);
    if (row.RowType !== 'Row' || !account || !/bank/i.test(section)) continue;
    out.set(
      account,
      Array.from({ length: columns }, (_, k) => amountOf(row.Cells?.[k + 1])),
    );
  }
  return out;
}

export interface ReconcileDeps {
  db: Db;
  businessId: string;
  baseCurrency: string;
  connectionId: string;
  /** Fetch a report (through the sync's rate-limited client). */
  profitAndLoss: (fromDate: string, toDate: string, periods: number) => Promise<Report>;
  balanceSheet: (date: string, periods: number) => Promise<Report>;
}

/** Compare the last complete months (up to 12, none before the books begin) and store every line. */
export async function reconcileWithXero(deps: ReconcileDeps, asOf: string): Promise<ReconcileOutcome> {
  const { db, businessId, baseCurrency, connectionId } = deps;
  const latest = periodOf('month', addDays(periodOf('month', asOf).start, -1));
  const [first] = await withBusiness(db, businessId, (tx) =>
    queryRows<{ d: string | null }>(
      tx,
      sql`select least((select min(date) from ledger_lines where business_id = ${businessId}),
                       (select min(date) from transactions where business_id = ${businessId} and source = 'xero' and deleted_at is null))::text as d`,
    ),
  );
  if (!first?.d || first.d > latest.end)
    return { months: [], compared: 0, differences: [], changedMonths: [], skipped: 'no complete month' };
  const months: { start: string; end: string }[] = [];
  for (let p = latest; months.length < MONTHS && p.end >= first.d; p = periodOf('month', addDays(p.start, -1)))
    months.push({ start: p.start, end: p.end });
  const periods = months.length - 1;
  const [pl, bs] = [
    await deps.profitAndLoss(latest.start, latest.end, periods),
    await deps.balanceSheet(latest.end, periods),
  ];

  return withBusiness(db, businessId, async (tx) => {
    const chart = await queryRows<{ external_id: string; type: string; class: string | null }>(
      tx,
      sql`select external_id, type, class from accounts where business_id = ${businessId} and source = 'xero'`,
    );
    const typeByAccountId = new Map<string, PlSection>();
    for (const a of chart) {
      const s = sectionOfAccount(a.type, a.class);
      if (s) typeByAccountId.set(a.external_id, s);
    }
    const theirs = parseProfitAndLoss(pl, typeByAccountId, months.length);
    const theirBanks = parseBankBalances(bs, months.length);
    const oldest = months.at(-1)!;
    const ours = new Map<string, Record<PlSection, Dec>>();
    for (const r of await plByMonth(tx, businessId, baseCurrency, oldest.start, latest.end)) {
      const m = ours.get(r.m) ?? {
        income: new D(0),
        cost_of_sales: new D(0),
        other_income: new D(0),
        operating_expenses: new D(0),
      };
      const costs = r.section === 'cost_of_sales' || r.section === 'operating_expenses';
      m[r.section] = new D(r.amount).times(costs ? -1 : 1);
      ours.set(r.m, m);
    }
    const banks = await queryRows<{ id: string; external_id: string; name: string }>(
      tx,
      sql`select id::text, external_id, name from accounts where business_id = ${businessId} and source = 'xero' and is_bank`,
    );

    const rows: (typeof ledgerReconciliations.$inferInsert)[] = [];
    const add = (month: string, line: string, o: Dec, t: Dec) =>
      rows.push({
        businessId,
        integrationAccountId: connectionId,
        month,
        line,
        ours: toDb(o),
        theirs: toDb(t),
        // To the cent: the reports show pennies.
        difference: toDb(o.toDecimalPlaces(2, D.ROUND_HALF_UP).minus(t)),
      });
    for (const [k, m] of months.entries()) {
      const o = ours.get(m.start) ?? {
        income: new D(0),
        cost_of_sales: new D(0),
        other_income: new D(0),
        operating_expenses: new D(0),
      };
      const t = theirs.sections[k]!;
      for (const line of ['income', 'cost_of_sales', 'other_income', 'operating_expenses'] as const)
        add(m.start, line, o[line], t[line]);
      const ourNet = o.income.minus(o.cost_of_sales).plus(o.other_income).minus(o.operating_expenses);
      add(
        m.start,
        'net_profit',
        ourNet,
        theirs.netProfit[k] ?? t.income.minus(t.cost_of_sales).plus(t.other_income).minus(t.operating_expenses),
      );
      const balances = new Map((await bankBalances(tx, businessId, m.end)).map((b) => [b.id, new D(b.amount)]));
      for (const b of banks) {
        const their = theirBanks.get(b.external_id)?.[k];
        if (their === undefined) continue;
        add(m.start, `bank:${b.name}`, balances.get(b.id) ?? new D(0), their);
      }
    }
    const before = await queryRows<{ month: string }>(
      tx,
      sql`select distinct month::text as month from ledger_reconciliations
          where business_id = ${businessId} and integration_account_id = ${connectionId} and difference <> 0`,
    );
    await tx
      .delete(ledgerReconciliations)
      .where(
        and(
          eq(ledgerReconciliations.businessId, businessId),
          eq(ledgerReconciliations.integrationAccountId, connectionId),
          gte(ledgerReconciliations.month, oldest.start),
          lte(ledgerReconciliations.month, latest.start),
        ),
      );
    if (rows.length) await tx.insert(ledgerReconciliations).values(rows);
    const differences = rows
      .filter((r) => !new D(r.difference).isZero())
      .map((r) => ({ month: r.month, line: r.line, ours: r.ours, theirs: r.theirs, difference: r.difference }));
    return {
      months: months.map((m) => m.start).reverse(),
      compared: rows.length,
      differences,
      changedMonths: [...new Set([...before.map((b) => b.month), ...differences.map((d) => d.month)])].sort(),
    };
  });
}
