/**
 * The ledger, read the way Xero's own reports read it. One definition of the profit and loss and of what is
 * owed, used by every figure: metric snapshots (metrics/facts.ts), reports and breakdowns (reports.ts), the
 * recommendations and the reconciliation against Xero's reports. Definitions: docs/metrics.md.
 *
 * - P&L lines are `ledger_lines` (every line of every posted document and spend/receive money, on its own
 *   account, net of tax) plus the realised currency gains of foreign-currency payments. An account's Xero
 *   type places it in a section; lines on balance-sheet accounts (VAT, loans, equity, bank) are in none.
 * - Open items are invoices and bills less their payments and the credit allocated to them, and credit notes
 *   less what was allocated or refunded, each in its own currency and converted at its own rate.
 */
import { type SQL, sql } from 'drizzle-orm';
import { type Db, pgArray, queryRows } from '../db/client';
import { minorUnitDigits } from '../money';

/** One P&L line of a document, as the mappers compute it. */
export interface LedgerLine {
  lineNo: number;
  date: string;
  accountCode: string | null;
  /** Net of tax, base currency, signed by the effect on profit (income > 0, costs < 0). */
  amount: string;
  tax: string;
  /** Part of a sale (invoice, sales credit note, money received) rather than a purchase. */
  sales: boolean;
}

export const PL_SECTIONS = ['income', 'cost_of_sales', 'other_income', 'operating_expenses'] as const;
export type PlSection = (typeof PL_SECTIONS)[number];

/**
 * Xero account types in each section of its Profit and Loss: "Income" (Revenue, Sales), "Less Cost of Sales"
 * (Direct Costs), "Plus Other Income", "Less Operating Expenses" (Expense, Overhead, Depreciation, Wages,
 * Superannuation). https://developer.xero.com/documentation/api/accounting/types#accounts
 */
const SECTION_TYPES: Record<PlSection, readonly string[]> = {
  income: ['REVENUE', 'SALES'],
  cost_of_sales: ['DIRECTCOSTS'],
  other_income: ['OTHERINCOME'],
  operating_expenses: ['EXPENSE', 'OVERHEADS', 'DEPRECIATN', 'WAGESEXPENSE', 'SUPERANNUATIONEXPENSE'],
};
/** The P&L section of a Xero account type (its class when the type is none of the P&L's), or null off the P&L. */
export function sectionOfAccount(type: string, cls: string | null): PlSection | null {
  for (const section of PL_SECTIONS) if (SECTION_TYPES[section].includes(type)) return section;
  if (cls === 'REVENUE') return 'income';
  if (cls === 'EXPENSE') return 'operating_expenses';
  return null;
}
const typeList = (types: readonly string[]) => sql.raw(types.map((t) => `'${t}'`).join(', '));

/** Xero's name for the account realised currency gains and losses are booked to. */
export const FX_GAINS_NAME = 'Realised Currency Gains';
/** What a line with no account (or one not in the chart) is shown as. */
export const UNCODED_NAME = 'Uncategorized';

/** The business's chart by code (the latest account where a code was reused). */
const chart = (businessId: string) =>
  sql`select distinct on (code) code, name, type, class from accounts
      where business_id = ${businessId} and code is not null order by code, updated_at desc`;

/**
 * Every P&L line dated in [from, to]: `date, section, account_code, name, contact_id, amount` (base currency,
 * income > 0, costs < 0). Lines on balance-sheet accounts are left out. A line whose account is not in the
 * chart is income on a sale and an operating expense on a purchase.
 */
export function plLines(businessId: string, baseCurrency: string, from: string, to: string): SQL {
  const digits = minorUnitDigits(baseCurrency);
  return sql`
    select x.date, x.section, x.account_code, x.name, x.contact_id, x.amount from (
      select l.date, l.account_code, l.contact_id, l.amount,
             case when c.type in (${typeList(SECTION_TYPES.income)}) then 'income'
                  when c.type in (${typeList(SECTION_TYPES.cost_of_sales)}) then 'cost_of_sales'
                  when c.type in (${typeList(SECTION_TYPES.other_income)}) then 'other_income'
                  when c.type in (${typeList(SECTION_TYPES.operating_expenses)}) then 'operating_expenses'
                  when c.code is null then case when l.sales then 'income' else 'operating_expenses' end
                  when c.class = 'REVENUE' then 'income'
                  when c.class = 'EXPENSE' then 'operating_expenses'
             end as section,
             coalesce(c.name, l.account_code, ${UNCODED_NAME}) as name
      from ledger_lines l left join (${chart(businessId)}) c on c.code = l.account_code
      where l.business_id = ${businessId} and l.date >= ${from}::date and l.date <= ${to}::date
      union all
      -- A payment of a foreign-currency document settles it at the bank's amount: the difference from the
      -- document's own rate is a realised gain (> 0) or loss, as Xero books it.
      select p.date, null, p.contact_id,
             p.base_amount - round(p.amount / i.currency_rate, ${digits}),
             'operating_expenses', ${FX_GAINS_NAME}
      from transactions p join invoices i on i.id = p.invoice_id and i.business_id = ${businessId}
      where p.business_id = ${businessId} and p.kind = 'PAYMENT' and p.deleted_at is null
        and p.date >= ${from}::date and p.date <= ${to}::date
        and i.currency <> ${baseCurrency} and not (p.metadata ? 'fxRateMissing')
    ) x where x.section is not null and x.amount <> 0`;
}

/**
 * Open receivables and payables at each date of `asOf` (a relation with a date column `d`): one row per
 * document that is open then, `d, id, side ('ACCREC' | 'ACCPAY'), type, contact_id, number, due, amount`. The
 * amount is what is still owed, converted at the document's own rate: an invoice or bill less its payments and
 * the credit allocated to it by then; a credit note (negative) less what was allocated or refunded by then. A
 * document marked paid without recorded settlements counts as settled on its paid date.
 */
export function openItems(businessId: string, baseCurrency: string, asOf: SQL): SQL {
  const digits = minorUnitDigits(baseCurrency);
  return sql`
    with docs as (
      select i.id, i.type, case when i.type in ('ACCREC', 'ACCRECCREDIT') then 'ACCREC' else 'ACCPAY' end as side,
             i.contact_id, i.number, i.issue_date, coalesce(i.due_date, i.issue_date) as due, i.total, i.currency_rate,
             case when i.status = 'PAID' then i.paid_date end as paid_date, i.status
      from invoices i
      where i.business_id = ${businessId} and i.source <> 'stripe' and i.status in ('AUTHORISED', 'PAID')),
    allocated as (
      select cn.id as credit_id, target.id as invoice_id, (a->>'date')::date as date, (a->>'amount')::numeric as amt
      from invoices cn cross join lateral jsonb_array_elements(cn.allocations) a
      join invoices target on target.business_id = ${businessId} and target.source = cn.source and target.external_id = a->>'invoiceId'
      where cn.business_id = ${businessId} and cn.type in ('ACCRECCREDIT', 'ACCPAYCREDIT') and cn.status in ('AUTHORISED', 'PAID')
        and jsonb_array_length(cn.allocations) > 0),
    settlements as (
      select invoice_id as doc, date, abs(amount) as amt from transactions
      where business_id = ${businessId} and kind = 'PAYMENT' and deleted_at is null and invoice_id is not null
      union all select invoice_id, date, amt from allocated
      union all select credit_id, date, amt from allocated),
    last_settlement as (select doc, max(date) as date from settlements group by doc),
    settled as (
      select docs.id, case when docs.status = 'PAID' then coalesce(docs.paid_date, ls.date, docs.issue_date) end as on_date
      from docs left join last_settlement ls on ls.doc = docs.id),
    open as (
      select a.d, docs.* from (${asOf}) a
      join docs on docs.issue_date <= a.d
      join settled on settled.id = docs.id and (settled.on_date is null or settled.on_date > a.d)),
    remaining as (
      select open.d, open.id, open.side, open.type, open.contact_id, open.number, open.due, open.currency_rate,
             open.total - coalesce(sum(s.amt), 0) as left_over
      from open left join settlements s on s.doc = open.id and s.date <= open.d
      group by open.d, open.id, open.side, open.type, open.contact_id, open.number, open.due, open.currency_rate, open.total)
    select d, id, side, type, contact_id, number, due,
           case when type in ('ACCRECCREDIT', 'ACCPAYCREDIT') then -1 else 1 end * round(left_over / currency_rate, ${digits}) as amount
    from remaining where left_over > 0`;
}

/** The Xero aging bucket of a number of days past due (SQL). */
export const agingBucketSql = (daysPastDue: SQL) =>
  sql`case when ${daysPastDue} <= 0 then 'current' when ${daysPastDue} <= 30 then 'd1_30'
           when ${daysPastDue} <= 60 then 'd31_60' when ${daysPastDue} <= 90 then 'd61_90' else 'd90_plus' end`;

/**
 * Replace the P&L lines of documents with the ones given (an empty list removes a document's lines). Lines
 * that did not change are not written. A document of one line follows its transaction's account code, which
 * a person or the categorizer may have set here (the P&L shows the books as corrected).
 */
export async function writeLedgerLines(
  tx: Db,
  businessId: string,
  /** `fresh`: the document's row was just inserted, so it has no lines yet nor a category set here. */
  docs: { transactionId: string; contactId: string | null; lines: LedgerLine[]; fresh?: boolean }[],
): Promise<void> {
  const rowsOf = (chunk: typeof docs) =>
    JSON.stringify(
      chunk.flatMap((d) =>
        d.lines.map((l) => ({
          transaction_id: d.transactionId,
          line_no: l.lineNo,
          date: l.date,
          account_code: l.accountCode,
          contact_id: d.contactId,
          amount: l.amount,
          tax: l.tax,
          sales: l.sales,
          single: d.lines.length === 1,
        })),
      ),
    );
  const COLUMNS = sql`transaction_id uuid, line_no smallint, date date, account_code text, contact_id uuid,
                      amount numeric, tax numeric, sales boolean, single boolean`;
  // New documents (a bulk load, a first sync): a plain insert, nothing to read. Inside one long transaction the
  // planner sees the tables as empty, so anything that reads them as they grow would scan them every time.
  const fresh = docs.filter((d) => d.fresh && d.lines.length > 0);
  for (let i = 0; i < fresh.length; i += 2_000)
    await tx.execute(sql`
      insert into ledger_lines (business_id, transaction_id, line_no, date, account_code, contact_id, amount, tax, sales)
      select ${businessId}::uuid, x.transaction_id, x.line_no, x.date, x.account_code, x.contact_id, x.amount, x.tax, x.sales
      from jsonb_to_recordset(${rowsOf(fresh.slice(i, i + 2_000))}::jsonb) as x(${COLUMNS})`);
  // Changed documents: their lines replaced; a one-line document keeps the account code set here, if any.
  const changed = docs.filter((d) => !d.fresh);
  for (let i = 0; i < changed.length; i += 2_000) {
    const chunk = changed.slice(i, i + 2_000);
    if (chunk.some((d) => d.lines.length > 0))
      await tx.execute(sql`
        insert into ledger_lines (business_id, transaction_id, line_no, date, account_code, contact_id, amount, tax, sales)
        select ${businessId}::uuid, x.transaction_id, x.line_no, x.date,
               case when x.single then coalesce(t.account_code, x.account_code) else x.account_code end,
               x.contact_id, x.amount, x.tax, x.sales
        from jsonb_to_recordset(${rowsOf(chunk)}::jsonb) as x(${COLUMNS})
        join transactions t on t.id = x.transaction_id and t.business_id = ${businessId}
        on conflict (transaction_id, line_no) do update set date = excluded.date, account_code = excluded.account_code,
               contact_id = excluded.contact_id, amount = excluded.amount, tax = excluded.tax, sales = excluded.sales
        where (ledger_lines.date, ledger_lines.account_code, ledger_lines.contact_id, ledger_lines.amount, ledger_lines.tax, ledger_lines.sales)
              is distinct from (excluded.date, excluded.account_code, excluded.contact_id, excluded.amount, excluded.tax, excluded.sales)`);
    const counts = chunk.map((d) => ({ transaction_id: d.transactionId, n: d.lines.length }));
    await tx.execute(sql`
      delete from ledger_lines l
      using jsonb_to_recordset(${JSON.stringify(counts)}::jsonb) as c(transaction_id uuid, n int)
      where l.business_id = ${businessId} and l.transaction_id = c.transaction_id and l.line_no >= c.n`);
  }
}

/**
 * After a transaction's category changed here: a one-line document's P&L line moves to the transaction's
 * account code (the only line is the whole document). Lines of documents with several lines stay on theirs.
 */
export async function followAccountCodes(tx: Db, businessId: string, transactionIds: readonly string[]) {
  if (transactionIds.length === 0) return;
  await tx.execute(sql`
    update ledger_lines l set account_code = t.account_code
    from transactions t
    where l.business_id = ${businessId} and t.business_id = ${businessId} and t.id = l.transaction_id
      and t.id = any(${pgArray(transactionIds)}::uuid[]) and t.account_code is not null
      and l.account_code is distinct from t.account_code
      and not exists (select 1 from ledger_lines o where o.transaction_id = l.transaction_id and o.line_no <> l.line_no)`);
}

/** Sum of each P&L section per month of [from, to] (first days of months). */
export async function plByMonth(
  tx: Db,
  businessId: string,
  baseCurrency: string,
  from: string,
  to: string,
): Promise<{ m: string; section: PlSection; amount: string }[]> {
  return queryRows(
    tx,
    sql`select to_char(date_trunc('month', date), 'YYYY-MM-DD') as m, section, sum(amount)::text as amount
        from (${plLines(businessId, baseCurrency, from, to)}) pl group by 1, 2`,
  );
}
