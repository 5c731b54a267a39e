/**
 * A Stripe payout and the bank deposit it became are one movement of money, seen twice. Linking them
 * (`linked_transaction_id` on both rows) is what keeps it from counting twice and what tells a person
 * that nothing went missing between Stripe and the bank; unlinked payouts surface as a recommendation.
 *
 * A payout matches a deposit of exactly its amount and currency, from a bank source (Xero or a CSV
 * statement), dated within `WINDOW_DAYS` of the payout's arrival date, not already linked. Each is used
 * once: candidates are taken best first — a deposit that names Stripe, then the closest date, then the
 * earliest payout and deposit (by date, then upstream id), so the result never depends on row ids.
 * Runs inside `withBusiness`; cheap enough to call after every ingest.
 */
import { sql } from 'drizzle-orm';
import { type Db, queryRows } from '../db/client';

/** Banks credit a payout on its arrival date, or a day or two around it (weekends, cut-offs). */
export const WINDOW_DAYS = 3;

export async function linkPayouts(tx: Db, businessId: string): Promise<{ linked: number }> {
  const pairs = await queryRows<{ payout: string; deposit: string; named: boolean; gap: number }>(
    tx,
    sql`select p.id as payout, d.id as deposit,
               (coalesce(d.description, '') || ' ' || coalesce(d.counterparty, '')) ilike '%stripe%' as named,
               abs(d.date - p.date) as gap
        from transactions p
        join transactions d
          on d.business_id = p.business_id
         and d.source in ('xero', 'csv')
         and d.kind in ('RECEIVE', 'TRANSFER')
         and d.amount = -p.amount
         and d.currency = p.currency
         and d.date between p.date - ${WINDOW_DAYS}::int and p.date + ${WINDOW_DAYS}::int
         and d.linked_transaction_id is null
         and d.deleted_at is null
        where p.business_id = ${businessId}
          and p.kind = 'PAYOUT'
          and p.status = 'paid'
          and p.linked_transaction_id is null
          and p.deleted_at is null
        order by named desc, gap, p.date, p.external_id, d.date, d.external_id`,
  );
  if (pairs.length === 0) return { linked: 0 };
  const usedPayouts = new Set<string>();
  const usedDeposits = new Set<string>();
  const chosen: [string, string][] = [];
  for (const p of pairs) {
    if (usedPayouts.has(p.payout) || usedDeposits.has(p.deposit)) continue;
    usedPayouts.add(p.payout);
    usedDeposits.add(p.deposit);
    chosen.push([p.payout, p.deposit]);
  }
  const values = chosen.flatMap(([p, d]) => [sql`(${p}::uuid, ${d}::uuid)`, sql`(${d}::uuid, ${p}::uuid)`]);
  for (let i = 0; i < values.length; i += 10_000) {
    await tx.execute(
      sql`update transactions t set linked_transaction_id = v.other, updated_at = now()
          from (values ${sql.join(values.slice(i, i + 10_000), sql`, `)}) as v(id, other)
          where t.id = v.id and t.business_id = ${businessId}`,
    );
  }
  return { linked: chosen.length };
}
