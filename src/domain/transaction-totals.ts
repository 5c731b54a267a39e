/**
 * How many live transactions a business has, what they add up to and what each bank account holds, without
 * scanning them: the `transaction_totals` rows that triggers append on every write
 * (drizzle/0009_transaction_totals.sql), by month, source, kind, status and bank account. Whole months come
 * from those rows; only the part of a month at either end of a range is read row by row. Each write appends
 * deltas; `compactTransactionTotals` folds them back to one row per group (the insights refresh runs it after
 * every import, sync and webhook).
 */
import { type SQL, sql } from 'drizzle-orm';
import { type Db, queryRows, tryTransactionLock } from '../db/client';
import { D } from '../money';
import { addDays, periodOf } from './periods';

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

/** The whole months inside [from, to] (either open): `[fromMonth, toMonthExclusive)` as first days of months. */
function wholeMonths(from: string | undefined, to: string | undefined) {
  const fromMonth = from && (from.endsWith('-01') ? from : addDays(periodOf('month', from).end, 1));
  const toMonthExclusive = to && (to === periodOf('month', to).end ? addDays(to, 1) : periodOf('month', to).start);
  return {
    fromMonth,
    toMonthExclusive,
    empty: Boolean(fromMonth && toMonthExclusive && fromMonth >= toMonthExclusive),
  };
}

export interface TotalsMatch {
  kind?: string | undefined;
  status?: string | undefined;
}

/**
 * Count and sum (base currency) of the live records dated in [from, to] (either open) that match: whole
 * months from the kept totals, the part-months at either end row by row.
 */
export async function countAndSum(
  db: Db,
  businessId: string,
  range: { from?: string | undefined; to?: string | undefined },
  match: TotalsMatch = {},
): Promise<{ count: number; sum: string }> {
  const { from, to } = range;
  const kept: SQL[] = [sql`business_id = ${businessId}`];
  const raw: SQL[] = [sql`business_id = ${businessId}`, sql`deleted_at is null`];
  for (const [column, value] of [
    ['kind', match.kind],
    ['status', match.status],
  ] as const) {
    if (value === undefined) continue;
    kept.push(sql`${sql.identifier(column)} = ${value}`);
    raw.push(sql`${sql.identifier(column)} = ${value}`);
  }
  if (from) raw.push(sql`date >= ${from}::date`);
  if (to) raw.push(sql`date <= ${to}::date`);
  const rowByRow = async (where: SQL[]) => {
    const [r] = await queryRows<{ n: number; s: string }>(
      db,
      sql`select count(*)::int as n, coalesce(sum(base_amount), 0)::text as s from transactions
          where ${sql.join(where, sql` and `)}`,
    );
    return { count: Number(r!.n), sum: new D(r!.s).toFixed(2) };
  };
  const { fromMonth, toMonthExclusive, empty } = wholeMonths(from, to);
  if (empty) return rowByRow(raw);
  if (fromMonth) kept.push(sql`month >= ${fromMonth}::date`);
  if (toMonthExclusive) kept.push(sql`month < ${toMonthExclusive}::date`);
  const [w] = await queryRows<{ n: string; s: string }>(
    db,
    sql`select coalesce(sum(n), 0)::text as n, coalesce(sum(base_amount), 0)::text as s
        from transaction_totals where ${sql.join(kept, sql` and `)}`,
  );
  const ends: SQL[] = [];
  if (from && fromMonth && from < fromMonth) ends.push(sql`date < ${fromMonth}::date`);
  if (to && toMonthExclusive && to >= toMonthExclusive) ends.push(sql`date >= ${toMonthExclusive}::date`);
  const whole = { count: Number(w!.n), sum: new D(w!.s) };
  if (ends.length === 0) return { count: whole.count, sum: whole.sum.toFixed(2) };
  const part = await rowByRow([...raw, sql`(${sql.join(ends, sql` or `)})`]);
  return { count: whole.count + part.count, sum: whole.sum.plus(part.sum).toFixed(2) };
}

/**
 * Each bank account's balance at the end of `asOf`, in the base currency, by name, exact (not rounded to the
 * cent: callers that add balances add these): the kept totals of the months before `asOf`'s, plus that
 * month's lines up to `asOf` (read through the bank-account index).
 */
export async function bankBalances(
  db: Db,
  businessId: string,
  asOf: string,
): Promise<{ id: string; name: string; amount: string }[]> {
  const monthStart = periodOf('month', asOf).start;
  const rows = await queryRows<{ id: string; name: string; amount: string }>(
    db,
    sql`select a.id::text, a.name, (coalesce(w.s, 0) + coalesce(p.s, 0))::text as amount
        from accounts a
        left join lateral (select sum(k.base_amount) as s from transaction_totals k
                           where k.business_id = ${businessId} and k.bank_account_id = a.id and k.month < ${monthStart}::date) w on true
        left join lateral (select sum(t.base_amount) as s from transactions t
                           where t.business_id = ${businessId} and t.bank_account_id = a.id and t.deleted_at is null
                             and t.date >= ${monthStart}::date and t.date <= ${asOf}::date) p on true
        where a.business_id = ${businessId} and a.is_bank
        order by a.name, a.id`,
  );
  return rows.map((r) => ({ id: r.id, name: r.name, amount: new D(r.amount).toString() }));
}

/**
 * Folds a business's deltas into one row per group and drops groups that net to nothing.
 * Only rows this statement sees are folded: deltas that concurrent writers append meanwhile stay as they are.
 * When another transaction is folding the same business, this one leaves it to that one instead of waiting
 * (two folds deleting the same rows in different orders could deadlock); the deltas stay correct either way.
 */
export async function compactTransactionTotals(db: Db, businessId: string): Promise<void> {
  const [lock] = await queryRows<{ ok: boolean }>(
    db,
    sql`select ${tryTransactionLock(`transaction_totals:${businessId}`)} as ok`,
  );
  if (!lock?.ok) return;
  await db.execute(
    sql`with folded as (delete from transaction_totals where business_id = ${businessId}
                        returning business_id, month, source, kind, status, bank_account_id, n, base_amount)
        insert into transaction_totals (business_id, month, source, kind, status, bank_account_id, n, base_amount)
        select business_id, month, source, kind, status, bank_account_id, sum(n), sum(base_amount) from folded
        group by business_id, month, source, kind, status, bank_account_id
        having sum(n) <> 0 or sum(base_amount) <> 0`,
  );
}
