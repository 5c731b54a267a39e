/**
 * Financial reports computed from the local copy, with the same definitions as the metric snapshots
 * (docs/metrics.md): profit and loss, balance-sheet summary, cash summary, aged receivables and payables.
 * Saved to `reports` when asked.
 */
import { sql } from 'drizzle-orm';
import { type Db, queryRows } from '../db/client';
import { reports } from '../db/schema';
import { InvalidInputError } from '../errors';
import { D, type Dec } from '../money';
import { openItems, type PlSection, plLines } from './ledger';
import { AGING_BUCKETS, type AgingBucket, agingBucket } from './metrics/formulas';
import { addDays, daysBetween } from './periods';
import { remembered } from './stored-results';
import { bankBalances } from './transaction-totals';

export type ReportKind = 'profit_and_loss' | 'balance_sheet' | 'cash_summary' | 'aged_receivables' | 'aged_payables';

export interface Line {
  name: string;
  amount: string;
}

export interface Report {
  id?: string;
  kind: ReportKind;
  periodStart: string | null;
  periodEnd: string;
  currency: string;
  data: Record<string, unknown>;
}

const f2 = (d: Dec) => d.toFixed(2);
const total = (lines: { amount: string }[]) => lines.reduce((a, l) => a.plus(l.amount), new D(0));

/** Where revenue comes from (DESIGN §5): Xero when connected, else Stripe, else bank statements. */
export async function revenueSourceOf(tx: Db, businessId: string): Promise<'xero' | 'stripe' | 'csv' | 'none'> {
  const [s] = await queryRows<{ xero: boolean; stripe: boolean; csv: boolean }>(
    tx,
    sql`select exists (select 1 from invoices where business_id = ${businessId} and source = 'xero')
               or exists (select 1 from integration_accounts where business_id = ${businessId} and provider = 'xero' and status = 'active') as xero,
             exists (select 1 from transactions where business_id = ${businessId} and source = 'stripe') as stripe,
             exists (select 1 from transactions where business_id = ${businessId} and source = 'csv') as csv`,
  );
  return s?.xero ? 'xero' : s?.stripe ? 'stripe' : s?.csv ? 'csv' : 'none';
}

async function profitAndLoss(tx: Db, business: { id: string; baseCurrency: string }, from: string, to: string) {
  const businessId = business.id;
  const source = await revenueSourceOf(tx, businessId);
  let rows: { section: PlSection; name: string; amount: string }[] = [];
  if (source === 'xero') {
    // The ledger's P&L (src/domain/ledger.ts), each account's lines summed; costs shown positive.
    rows = await queryRows(
      tx,
      sql`select section, name,
                 (case when section in ('income', 'other_income') then 1 else -1 end * sum(amount))::text as amount
          from (${plLines(businessId, business.baseCurrency, from, to)}) pl
          group by 1, 2 order by 1, 3 desc`,
    );
  } else if (source === 'stripe') {
    rows = await queryRows(
      tx,
      sql`select case kind when 'FEE' then 'cost_of_sales' else 'income' end as section,
                 case kind when 'CHARGE' then 'Card sales' when 'REFUND' then 'Refunds' else 'Stripe fees' end as name,
                 (case when kind = 'FEE' then -1 else 1 end * sum(base_amount))::text as amount
          from transactions where business_id = ${businessId} and source = 'stripe' and deleted_at is null
            and ((kind = 'CHARGE' and status = 'succeeded') or kind in ('REFUND', 'FEE'))
            and date >= ${from}::date and date <= ${to}::date
          group by kind order by 1, 2`,
    );
  } else if (source === 'csv') {
    rows = await queryRows(
      tx,
      sql`select case when base_amount > 0 then 'income' else 'operating_expenses' end as section, coalesce(category, 'Uncategorized') as name,
                 abs(sum(base_amount))::text as amount
          from transactions where business_id = ${businessId} and source = 'csv' and deleted_at is null and kind not in ('TRANSFER', 'OPENING')
            and (base_amount < 0 or category is not null) and date >= ${from}::date and date <= ${to}::date
          group by 1, 2 order by 1, 3 desc`,
    );
  }
  const section = (s: PlSection) =>
    rows
      .filter((r) => r.section === s)
      .map((r) => ({ name: r.name, amount: new D(r.amount).toFixed(2) }))
      .sort((a, b) => new D(b.amount).comparedTo(a.amount) || a.name.localeCompare(b.name));
  const exact = (s: PlSection) => rows.filter((r) => r.section === s).reduce((a, r) => a.plus(r.amount), new D(0));
  const totalIncome = exact('income');
  const totalCos = exact('cost_of_sales');
  const grossProfit = totalIncome.minus(totalCos);
  const totalOther = exact('other_income');
  const totalExpenses = exact('operating_expenses');
  // Xero's layout: Income − Cost of Sales = Gross Profit; + Other Income − Operating Expenses = Net Profit.
  return {
    revenueSource: source,
    income: section('income'),
    totalIncome: f2(totalIncome),
    costOfSales: section('cost_of_sales'),
    totalCostOfSales: f2(totalCos),
    grossProfit: f2(grossProfit),
    otherIncome: section('other_income'),
    totalOtherIncome: f2(totalOther),
    expenses: section('operating_expenses'),
    totalExpenses: f2(totalExpenses),
    netProfit: f2(grossProfit.plus(totalOther).minus(totalExpenses)),
  };
}

/** The name a revenue line without a customer is shown under. */
const NO_CUSTOMER = 'No customer named';

/**
 * Revenue for [from, to] by customer, largest first: the same lines as the P&L's income (so the amounts add up
 * to its total income), attributed to the document's or bank line's contact (Xero), the charge's customer
 * (Stripe) or the statement's payee (CSV). Credit notes and refunds reduce their customer's figure. The
 * total is the P&L's total income, without building the P&L.
 */
export async function revenueByCustomer(
  tx: Db,
  business: { id: string; baseCurrency: string },
  from: string,
  to: string,
): Promise<{ revenueSource: Awaited<ReturnType<typeof revenueSourceOf>>; lines: Line[]; total: string }> {
  const businessId = business.id;
  const source = await revenueSourceOf(tx, businessId);
  let rows: Line[] = [];
  if (source === 'xero') {
    rows = await queryRows<{ name: string; amount: string }>(
      tx,
      sql`select coalesce(c.name, ${NO_CUSTOMER}) as name, sum(pl.amount)::text as amount
          from (${plLines(businessId, business.baseCurrency, from, to)}) pl
          left join contacts c on c.id = pl.contact_id and c.business_id = ${businessId}
          where pl.section = 'income' group by 1`,
    );
  } else if (source === 'stripe') {
    rows = await queryRows<{ name: string; amount: string }>(
      tx,
      sql`select coalesce(c.name, t.counterparty, ${NO_CUSTOMER}) as name, sum(t.base_amount)::text as amount
          from transactions t left join contacts c on c.id = t.contact_id and c.business_id = ${businessId}
          where t.business_id = ${businessId} and t.source = 'stripe' and t.deleted_at is null
            and ((t.kind = 'CHARGE' and t.status = 'succeeded') or t.kind = 'REFUND')
            and t.date >= ${from}::date and t.date <= ${to}::date
          group by 1`,
    );
  } else if (source === 'csv') {
    rows = await queryRows<{ name: string; amount: string }>(
      tx,
      sql`select coalesce(nullif(t.counterparty, ''), t.description, ${NO_CUSTOMER}) as name, sum(t.base_amount)::text as amount
          from transactions t
          where t.business_id = ${businessId} and t.source = 'csv' and t.deleted_at is null and t.kind not in ('TRANSFER', 'OPENING')
            and t.base_amount > 0 and t.category is not null and t.date >= ${from}::date and t.date <= ${to}::date
          group by 1`,
    );
  }
  const lines = rows
    .map((r) => ({ name: r.name, amount: new D(r.amount).toFixed(2) }))
    .filter((r) => !new D(r.amount).isZero())
    .sort((a, b) => new D(b.amount).comparedTo(a.amount) || a.name.localeCompare(b.name));
  // The exact sum, as the P&L's total income is (not the sum of rounded lines).
  return { revenueSource: source, lines, total: f2(total(rows)) };
}

export interface DueDocument {
  contact: string;
  number: string | null;
  due: string;
  amount: string;
}

/**
 * Open invoices (receivables) or bills (payables) not yet overdue on `asOf` that fall due by `asOf + days`,
 * earliest first, with what is still owed on each (credit notes negative). Overdue documents are the aging's.
 */
export async function dueWithin(
  tx: Db,
  business: { id: string; baseCurrency: string },
  side: 'ACCREC' | 'ACCPAY',
  asOf: string,
  days: number,
): Promise<{ from: string; to: string; total: string; documents: DueDocument[] }> {
  const until = addDays(asOf, days);
  const docs = (await openDocuments(tx, business, side, asOf))
    .filter((d) => d.due >= asOf && d.due <= until)
    .sort((a, b) => a.due.localeCompare(b.due) || a.contact.localeCompare(b.contact));
  return {
    from: asOf,
    to: until,
    total: f2(total(docs.map((d) => ({ amount: d.outstanding })))),
    documents: docs.map((d) => ({
      contact: d.contact,
      number: d.number,
      due: d.due,
      amount: new D(d.outstanding).toFixed(2),
    })),
  };
}

/** Each bank account's balance as of a date, in the base currency (from the totals kept on write). */
export async function cashByAccount(tx: Db, businessId: string, asOf: string): Promise<Line[]> {
  return (await bankBalances(tx, businessId, asOf)).map(({ name, amount }) => ({
    name,
    amount: new D(amount).toFixed(2),
  }));
}

/** Documents open at a date and what is still owed on each (src/domain/ledger.ts; credit notes negative). */
async function openDocuments(
  tx: Db,
  business: { id: string; baseCurrency: string },
  side: 'ACCREC' | 'ACCPAY',
  asOf: string,
) {
  return queryRows<{ contact: string; due: string; outstanding: string; number: string | null }>(
    tx,
    sql`select coalesce(c.name, 'Unknown') as contact, o.due::text as due, o.number, o.amount::text as outstanding
        from (${openItems(business.id, business.baseCurrency, sql`select ${asOf}::date as d`)}) o
        left join contacts c on c.id = o.contact_id
        where o.side = ${side}`,
  );
}

/** How many of the largest contacts an aged report shows (the tools show 15 of them). */
const AGED_CONTACTS_SHOWN = 50;

/**
 * Open documents by contact and age as of a date, with the largest contacts (stored; see stored-results.ts:
 * every contact runs to hundreds of kilobytes at a million transactions). `contactCount` counts them all.
 */
function aged(tx: Db, business: { id: string; baseCurrency: string }, type: 'ACCREC' | 'ACCPAY', asOf: string) {
  return remembered(tx, business.id, `aged:${type}:${asOf}`, async () => {
    const all = await computeAged(tx, business, type, asOf);
    return { ...all, contacts: all.contacts.slice(0, AGED_CONTACTS_SHOWN) };
  });
}

async function computeAged(
  tx: Db,
  business: { id: string; baseCurrency: string },
  type: 'ACCREC' | 'ACCPAY',
  asOf: string,
) {
  const docs = await openDocuments(tx, business, type, asOf);
  const byContact = new Map<string, Record<AgingBucket, Dec>>();
  const zeros = () => Object.fromEntries(AGING_BUCKETS.map((b) => [b, new D(0)])) as Record<AgingBucket, Dec>;
  const totals = zeros();
  for (const d of docs) {
    const bucket = agingBucket(daysBetween(d.due, asOf));
    if (!byContact.has(d.contact)) byContact.set(d.contact, zeros());
    const row = byContact.get(d.contact)!;
    row[bucket] = row[bucket].plus(d.outstanding);
    totals[bucket] = totals[bucket].plus(d.outstanding);
  }
  const out = (r: Record<AgingBucket, Dec>) => ({
    ...(Object.fromEntries(AGING_BUCKETS.map((b) => [b, f2(r[b])])) as Record<AgingBucket, string>),
    total: f2(AGING_BUCKETS.reduce((a, b) => a.plus(r[b]), new D(0))),
  });
  const contacts = [...byContact.entries()]
    .map(([contact, r]) => ({ contact, ...out(r) }))
    .sort((a, b) => new D(b.total).comparedTo(a.total) || a.contact.localeCompare(b.contact));
  return { asOf, contacts, contactCount: contacts.length, totals: out(totals), documents: docs.length };
}

async function cashSummary(tx: Db, businessId: string, from: string, to: string) {
  const rows = await queryRows<{ direction: 'in' | 'out' | 'transfers' | 'opening'; name: string; amount: string }>(
    tx,
    sql`with bank as (select t.* from transactions t join accounts a on a.id = t.bank_account_id and a.is_bank
                      where t.business_id = ${businessId} and t.deleted_at is null)
        select 'transfers' as direction, '' as name, coalesce(sum(base_amount), 0)::text as amount from bank where kind = 'TRANSFER' and date >= ${from}::date and date <= ${to}::date
        union all
        select 'opening', '', coalesce(sum(base_amount), 0)::text from bank where kind = 'OPENING' and date >= ${from}::date and date <= ${to}::date
        union all
        select case when base_amount > 0 then 'in' else 'out' end,
               coalesce(category, case kind when 'PAYMENT' then case when base_amount > 0 then 'Customer payments' else 'Supplier payments' end else 'Uncategorized' end),
               abs(sum(base_amount))::text
        from bank where kind not in ('TRANSFER', 'OPENING') and date >= ${from}::date and date <= ${to}::date group by 1, 2`,
  );
  const opening = total(await bankBalances(tx, businessId, addDays(from, -1)));
  const transfers = new D(rows.find((r) => r.direction === 'transfers')!.amount);
  // Balances a statement gave for accounts whose lines start in this period: cash that was there, not a flow.
  const openingBalances = new D(rows.find((r) => r.direction === 'opening')!.amount);
  const lines = (dir: 'in' | 'out') =>
    rows
      .filter((r) => r.direction === dir)
      .map((r) => ({ name: r.name, amount: new D(r.amount).toFixed(2) }))
      .sort((a, b) => new D(b.amount).comparedTo(a.amount) || a.name.localeCompare(b.name));
  const exact = (dir: 'in' | 'out') =>
    rows.filter((r) => r.direction === dir).reduce((a, r) => a.plus(r.amount), new D(0));
  const cashIn = exact('in');
  const cashOut = exact('out');
  return {
    openingCash: f2(opening),
    cashIn: lines('in'),
    totalCashIn: f2(cashIn),
    cashOut: lines('out'),
    totalCashOut: f2(cashOut),
    netCashFlow: f2(cashIn.minus(cashOut)),
    // Between the business's own accounts: zero in total unless a side is in an account not tracked here.
    transfersBetweenOwnAccounts: f2(transfers),
    ...(openingBalances.isZero() ? {} : { openingBalancesRecorded: f2(openingBalances) }),
    closingCash: f2(opening.plus(cashIn).minus(cashOut).plus(transfers).plus(openingBalances)),
  };
}

/** The flows of any range of days (not only whole periods) and the cash at its end, as the snapshots define them. */
export interface RangeFigures {
  from: string;
  to: string;
  revenue: string;
  otherIncome: string;
  expenses: string;
  netIncome: string;
  grossBurn: string;
  netBurn: string;
  cashBalance: string;
}

/**
 * Revenue, expenses and net income (the P&L), burn (cash out, and out less in, transfers excluded) and closing
 * cash for [from, to]: what a comparison of a period under way with the same days of another needs.
 */
export async function figuresBetween(
  tx: Db,
  business: { id: string; baseCurrency: string },
  from: string,
  to: string,
): Promise<RangeFigures> {
  const pl = await profitAndLoss(tx, business, from, to);
  const cash = await cashSummary(tx, business.id, from, to);
  return {
    from,
    to,
    revenue: pl.totalIncome,
    otherIncome: pl.totalOtherIncome,
    expenses: f2(new D(pl.totalCostOfSales).plus(pl.totalExpenses)),
    netIncome: pl.netProfit,
    grossBurn: cash.totalCashOut,
    netBurn: f2(new D(cash.totalCashOut).minus(cash.totalCashIn)),
    cashBalance: cash.closingCash,
  };
}

export async function buildReport(
  tx: Db,
  business: { id: string; baseCurrency: string },
  opts: { kind: ReportKind; from?: string; to: string; save?: boolean; createdBy?: string },
): Promise<Report> {
  const { kind, to } = opts;
  const needsPeriod = kind === 'profit_and_loss' || kind === 'cash_summary';
  if (needsPeriod && !opts.from)
    throw new InvalidInputError(`A ${kind.replace(/_/g, ' ')} report needs a period: give "from" as well as "to".`);
  if (opts.from && opts.from > to)
    throw new InvalidInputError(`The period starts (${opts.from}) after it ends (${to}).`);
  // A saved report keeps every contact; an answer shows the largest.
  const agedOf = opts.save ? computeAged : aged;
  let data: Record<string, unknown>;
  switch (kind) {
    case 'profit_and_loss':
      data = await profitAndLoss(tx, business, opts.from!, to);
      break;
    case 'cash_summary':
      data = await cashSummary(tx, business.id, opts.from!, to);
      break;
    case 'balance_sheet': {
      const cash = await cashByAccount(tx, business.id, to);
      const ar = await agedOf(tx, business, 'ACCREC', to);
      const ap = await agedOf(tx, business, 'ACCPAY', to);
      const cashTotal = total(cash);
      data = {
        asOf: to,
        cash,
        totalCash: f2(cashTotal),
        receivables: ar.totals.total,
        payables: ap.totals.total,
        netWorkingPosition: f2(cashTotal.plus(ar.totals.total).minus(ap.totals.total)),
        note: 'A summary from bank accounts, receivables and payables; fixed assets, equity and other balances are not synced.',
      };
      break;
    }
    case 'aged_receivables':
      data = await agedOf(tx, business, 'ACCREC', to);
      break;
    case 'aged_payables':
      data = await agedOf(tx, business, 'ACCPAY', to);
      break;
  }
  const report: Report = {
    kind,
    periodStart: needsPeriod ? opts.from! : null,
    periodEnd: to,
    currency: business.baseCurrency,
    data,
  };
  if (opts.save) {
    const [row] = await tx
      .insert(reports)
      .values({
        businessId: business.id,
        kind,
        periodStart: report.periodStart,
        periodEnd: to,
        currency: business.baseCurrency,
        data,
        createdBy: opts.createdBy ?? null,
      })
      .returning({ id: reports.id });
    report.id = row!.id;
  }
  return report;
}
