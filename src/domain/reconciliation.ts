/**
 * What the last comparison with Xero's own reports found (src/integrations/xero/reconcile.ts stores it):
 * the months compared and the lines that differ. Read by the tools, the snapshots' data quality and the
 * `ledger_mismatch` recommendation. Run inside `withBusiness`.
 */
import { sql } from 'drizzle-orm';
import { type Db, queryRows } from '../db/client';

export interface LedgerDifference {
  month: string;
  /** income, cost_of_sales, other_income, operating_expenses, net_profit, or bank:<account>. */
  line: string;
  ours: string;
  theirs: string;
  difference: string;
}

export interface ReconciliationStatus {
  checkedAt: string;
  monthsCompared: number;
  /** Lines that differ, oldest month first (at most `limit`). */
  differences: LedgerDifference[];
  differenceCount: number;
}

/** The latest comparison of every Xero connection of the business; null when none was ever made. */
export async function reconciliationStatus(
  tx: Db,
  businessId: string,
  limit = 10,
): Promise<ReconciliationStatus | null> {
  const [head] = await queryRows<{ checked_at: string | null; months: number; n: number }>(
    tx,
    sql`select max(checked_at)::text as checked_at, count(distinct month)::int as months,
               count(*) filter (where difference <> 0)::int as n
        from ledger_reconciliations where business_id = ${businessId}`,
  );
  if (!head?.checked_at) return null;
  const differences = await queryRows<{
    month: string;
    line: string;
    ours: string;
    theirs: string;
    difference: string;
  }>(
    tx,
    sql`select month::text as month, line, ours::numeric(19,2)::text as ours, theirs::numeric(19,2)::text as theirs,
               difference::numeric(19,2)::text as difference
        from ledger_reconciliations where business_id = ${businessId} and difference <> 0
        order by month, line limit ${limit}`,
  );
  return {
    checkedAt: new Date(head.checked_at).toISOString(),
    monthsCompared: head.months,
    differences,
    differenceCount: head.n,
  };
}

/** Months (first days) whose figures differ from Xero's reports, with the lines that differ. */
export async function monthsDifferingFromLedger(tx: Db, businessId: string): Promise<Map<string, string[]>> {
  const rows = await queryRows<{ month: string; lines: string[] }>(
    tx,
    sql`select month::text as month, array_agg(line order by line) as lines from ledger_reconciliations
        where business_id = ${businessId} and difference <> 0 group by month`,
  );
  return new Map(rows.map((r) => [r.month, r.lines]));
}
