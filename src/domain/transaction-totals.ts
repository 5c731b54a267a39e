/**
 * How many live transactions a business has, and what they add up to, without scanning them: the
 * `transaction_totals` rows that triggers append on every write (drizzle/0009_transaction_totals.sql), by
 * month, source and kind. Each write appends deltas; `compactTransactionTotals` folds them back to one row
 * per group (the insights refresh runs it after every import, sync and webhook).
 */
import { type SQL, sql } from 'drizzle-orm';
import { type Db, queryRows } from '../db/client';
import { D } from '../money';

export interface SourceTotal {
  source: string;
  count: number;
  /** The date of the newest live record from this source. */
  newest: string;
}

/**
 * Live records by source and the newest of each: the counts are the kept totals, and the newest record is
 * looked for only in the newest month the totals show for that source.
 */
export async function totalsBySource(db: Db, businessId: string): Promise<SourceTotal[]> {
  const rows = await queryRows<{ source: string; n: string; newest: string }>(
    db,
    sql`select t.source, t.n::text as n,
          (select max(x.date) from transactions x
            where x.business_id = ${businessId} and x.deleted_at is null and x.source = t.source
              and x.date >= t.newest_month and x.date < (t.newest_month + interval '1 month')::date)::text as newest
        from (select source, sum(n) as n, max(month) filter (where n > 0) as newest_month
              from (select source, month, sum(n) as n from transaction_totals
                    where business_id = ${businessId} group by source, month) by_month
              group by source having sum(n) > 0) t
        order by t.source`,
  );
  return rows.map((r) => ({ source: r.source, count: Number(r.n), newest: r.newest }));
}

/**
 * Count and sum (base currency) of the live records in whole months: `fromMonth` and `toMonth` are first
 * days of months, `toMonth` exclusive; either may be open.
 */
export async function totalsOfMonths(
  db: Db,
  businessId: string,
  range: { fromMonth?: string | undefined; toMonthExclusive?: string | undefined; kind?: string | undefined },
): Promise<{ count: number; sum: string }> {
  const where: SQL[] = [sql`business_id = ${businessId}`];
  if (range.fromMonth) where.push(sql`month >= ${range.fromMonth}::date`);
  if (range.toMonthExclusive) where.push(sql`month < ${range.toMonthExclusive}::date`);
  if (range.kind) where.push(sql`kind = ${range.kind}`);
  const [row] = await queryRows<{ n: string; s: string }>(
    db,
    sql`select coalesce(sum(n), 0)::text as n, coalesce(sum(base_amount), 0)::text as s
        from transaction_totals where ${sql.join(where, sql` and `)}`,
  );
  return { count: Number(row!.n), sum: new D(row!.s).toFixed(2) };
}

/**
 * Folds a business's deltas into one row per (month, source, kind) and drops groups that net to nothing.
 * Only rows this statement sees are folded: deltas that concurrent writers append meanwhile stay as they are.
 */
export async function compactTransactionTotals(db: Db, businessId: string): Promise<void> {
  await db.execute(
    sql`with folded as (delete from transaction_totals where business_id = ${businessId}
                        returning business_id, month, source, kind, n, base_amount)
        insert into transaction_totals (business_id, month, source, kind, n, base_amount)
        select business_id, month, source, kind, sum(n), sum(base_amount) from folded
        group by business_id, month, source, kind
        having sum(n) <> 0 or sum(base_amount) <> 0`,
  );
}
