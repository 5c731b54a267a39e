/** Listing transactions with filters, totals and an opaque keyset cursor (newest first). */
import { createHash } from 'node:crypto';
import { type SQL, sql } from 'drizzle-orm';
import { type Db, queryRows } from '../db/client';
import { InvalidInputError } from '../errors';
import { D } from '../money';
import { countAndSum } from './transaction-totals';

export interface TransactionFilter {
  from?: string | undefined;
  to?: string | undefined;
  kind?: string | undefined;
  category?: string | undefined;
  uncategorized?: boolean | undefined;
  search?: string | undefined;
  minAmount?: string | undefined;
  maxAmount?: string | undefined;
  direction?: 'in' | 'out' | undefined;
}

export interface TransactionRow {
  id: string;
  date: string;
  kind: string;
  amount: string;
  currency: string;
  baseAmount: string;
  counterparty: string | null;
  description: string | null;
  category: string | null;
  categorySource: string | null;
  status: string;
  source: string;
}

const fingerprint = (f: TransactionFilter) =>
  createHash('sha256').update(JSON.stringify(f)).digest('base64url').slice(0, 10);

function encodeCursor(f: TransactionFilter, last: { date: string; id: string }): string {
  return Buffer.from(JSON.stringify({ f: fingerprint(f), d: last.date, i: last.id })).toString('base64url');
}

function decodeCursor(f: TransactionFilter, cursor: string): { date: string; id: string } {
  try {
    const c = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { f: string; d: string; i: string };
    if (c.f !== fingerprint(f) || !/^\d{4}-\d{2}-\d{2}$/.test(c.d) || !/^[0-9a-f-]{36}$/.test(c.i))
      throw new Error('mismatch');
    return { date: c.d, id: c.i };
  } catch {
    throw new InvalidInputError(
      'cursor: not a cursor from this listing (it belongs to other filters, or was altered). Start again without it.',
    );
  }
}

/**
 * The count and sum of everything that matches. Filtered by dates and kind only, they come from the totals
 * kept on write (whole months) and the part-months at either end; any other filter counts the matching rows.
 */
async function matchingTotal(
  tx: Db,
  businessId: string,
  filter: TransactionFilter,
  base: SQL,
): Promise<{ count: number; sum: string }> {
  const { from, to, kind, ...others } = filter;
  if (!Object.values(others).some((v) => v !== undefined && v !== false))
    return countAndSum(tx, businessId, { from, to }, { kind });
  const [r] = await queryRows<{ n: number; s: string }>(
    tx,
    sql`select count(*)::int as n, coalesce(sum(base_amount), 0)::text as s from transactions where ${base}`,
  );
  return { count: Number(r!.n), sum: new D(r!.s).toFixed(2) };
}

export async function listTransactions(
  tx: Db,
  businessId: string,
  filter: TransactionFilter,
  opts: { cursor?: string | undefined; limit: number },
): Promise<{ transactions: TransactionRow[]; total: { count: number; sum: string }; nextCursor: string | null }> {
  const where: SQL[] = [sql`business_id = ${businessId}`, sql`deleted_at is null`];
  if (filter.from) where.push(sql`date >= ${filter.from}::date`);
  if (filter.to) where.push(sql`date <= ${filter.to}::date`);
  if (filter.kind) where.push(sql`kind = ${filter.kind}`);
  if (filter.category) where.push(sql`category ilike ${filter.category}`);
  if (filter.uncategorized) where.push(sql`category is null`);
  if (filter.search) {
    const like = `%${filter.search.replace(/[%_\\]/g, (ch) => `\\${ch}`)}%`;
    where.push(sql`(counterparty ilike ${like} or description ilike ${like})`);
  }
  if (filter.minAmount) where.push(sql`abs(base_amount) >= ${filter.minAmount}::numeric`);
  if (filter.maxAmount) where.push(sql`abs(base_amount) <= ${filter.maxAmount}::numeric`);
  if (filter.direction === 'in') where.push(sql`base_amount > 0`);
  if (filter.direction === 'out') where.push(sql`base_amount < 0`);
  const base = sql.join(where, sql` and `);
  const total = await matchingTotal(tx, businessId, filter, base);
  const page = opts.cursor ? decodeCursor(filter, opts.cursor) : null;
  const rows = await queryRows<{
    id: string;
    date: string;
    kind: string;
    amount: string;
    currency: string;
    base_amount: string;
    counterparty: string | null;
    description: string | null;
    category: string | null;
    category_source: string | null;
    status: string;
    source: string;
  }>(
    tx,
    // Ordered by the table's columns (t.), not the text the select list makes of them, so the index serves it.
    sql`select id::text, date::text, kind, amount::text, currency, base_amount::text, counterparty, description, category, category_source, status, source
        from transactions t where ${base} ${page ? sql`and (t.date, t.id) < (${page.date}::date, ${page.id}::uuid)` : sql``}
        order by t.date desc, t.id desc limit ${opts.limit + 1}`,
  );
  const more = rows.length > opts.limit;
  const shown = rows.slice(0, opts.limit);
  const last = shown[shown.length - 1];
  return {
    transactions: shown.map((r) => ({
      id: r.id,
      date: r.date,
      kind: r.kind,
      amount: new D(r.amount).toFixed(2),
      currency: r.currency,
      baseAmount: new D(r.base_amount).toFixed(2),
      counterparty: r.counterparty,
      description: r.description ? r.description.slice(0, 120) : null,
      category: r.category,
      categorySource: r.category_source,
      status: r.status,
      source: r.source,
    })),
    total,
    nextCursor: more && last ? encodeCursor(filter, last) : null,
  };
}
