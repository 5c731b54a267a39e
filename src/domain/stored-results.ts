/**
 * Results computed from the books that take long at a million transactions (a forecast's inputs, aging,
 * customers' payment health, dispute monitoring, anomalies), kept so that asking again reads them instead of
 * the raw rows — exactly as long as they are right.
 *
 * Each result is stored with the snapshot it was computed in (`pg_current_snapshot()`, taken before
 * computing). Every statement that changes the books appends a row to `books_changes` with its transaction id
 * (triggers, drizzle/0010). A stored result is used only when no change row is invisible to its snapshot:
 * a change committed while or after it was computed, or still in progress then, makes it stale, and it is
 * computed again. A change the snapshot saw is in the result. This holds for every writer (sync, webhooks,
 * imports, categorization, the CLI) without any of them knowing about this module.
 *
 * Assumptions, both true of this service: a transaction that stores a result does not change the books after
 * computing it (its own earlier changes count as seen); no transaction that writes the books stays open for a
 * day (change rows older than that are pruned).
 */
import { sql } from 'drizzle-orm';
import { type Db, queryRows, tryTransactionLock } from '../db/client';

/**
 * Part of every key: bump it whenever a stored result's shape or meaning changes (a new field, a fixed
 * formula), so that an upgraded service never reads what an older one stored. Results under an old format
 * are never read again and go with the refresh's pruning.
 */
const FORMAT = 'v3';

/**
 * The stored result for `name` if it is still right, else `compute()`'s, which is stored for the next ask.
 * `name` says what is computed and every input it depends on, the as-of date included.
 */
export async function remembered<T>(db: Db, businessId: string, name: string, compute: () => Promise<T>): Promise<T> {
  const key = `${FORMAT}:${name}`;
  // One statement: the stored result if it is still right, and the snapshot to compute in if it is not.
  const [row] = await queryRows<{ result: T | null; snapshot: string }>(
    db,
    sql`select pg_current_snapshot()::text as snapshot,
          (select r.result from stored_results r
           where r.business_id = ${businessId} and r.key = ${key}
             -- A snapshot from another server's transaction ids (a restored dump) proves nothing here.
             and pg_snapshot_xmax(r.snapshot) <= pg_snapshot_xmax(pg_current_snapshot())
             and not exists (select 1 from books_changes c
                             where c.business_id = ${businessId} and c.xid >= pg_snapshot_xmin(r.snapshot)
                               and not pg_visible_in_snapshot(c.xid, r.snapshot) and c.xid <> r.writer_xid)) as result`,
  );
  if (row!.result !== null) return row!.result;
  // Through JSON both ways, so that the first answer is the very one the next asks will read.
  const json = JSON.stringify(await compute());
  await store(db, businessId, key, row!.snapshot, json);
  return JSON.parse(json) as T;
}

/**
 * Keep a result. When another transaction is storing the same key, this one leaves it (no waiting on its row
 * lock, no deadlock between two stores in different orders); the next ask computes it again at worst.
 */
async function store(db: Db, businessId: string, key: string, snapshot: string, json: string): Promise<void> {
  await db.execute(
    sql`insert into stored_results (business_id, key, snapshot, writer_xid, result)
        select ${businessId}, ${key}, ${snapshot}::pg_snapshot, pg_current_xact_id(), ${json}::jsonb
        where ${tryTransactionLock(`stored_results:${businessId}:${key}`)}
        on conflict (business_id, key) do update
          set snapshot = excluded.snapshot, writer_xid = excluded.writer_xid, result = excluded.result, computed_at = now()`,
  );
}

/**
 * Drops results not computed today or yesterday (their as-of dates are gone) and change rows older than a
 * day that no stored result can still need. Run by the insights refresh.
 */
export async function pruneStoredResults(db: Db, businessId: string): Promise<void> {
  await db.execute(
    sql`delete from stored_results where business_id = ${businessId} and computed_at < now() - interval '2 days'`,
  );
  await db.execute(
    sql`delete from books_changes c
        where c.business_id = ${businessId} and c.changed_at < clock_timestamp() - interval '1 day'
          and c.xid < coalesce((select min(pg_snapshot_xmin(r.snapshot)) from stored_results r where r.business_id = ${businessId}),
                               pg_snapshot_xmin(pg_current_snapshot()))`,
  );
}
