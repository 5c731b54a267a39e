/** Creating, finding and listing businesses: the few operations that work across businesses. */
import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import { InvalidInputError, NotFoundError } from '../errors';
import { normalizeCurrency } from '../money';
import { type Db, isUuid, queryRows, withBusiness, withSystem } from './client';
import { businesses } from './schema';

export type Business = typeof businesses.$inferSelect;

export interface BusinessSummary {
  id: string;
  name: string;
  baseCurrency: string;
  isDemo: boolean;
  createdAt: string;
  counts: { transactions: number; invoices: number; contacts: number; accounts: number; subscriptions: number };
}

export async function createBusiness(db: Db, input: { name: string; baseCurrency?: string }): Promise<Business> {
  const name = input.name.trim();
  if (!name) throw new InvalidInputError('A business needs a name.');
  if (name.length > 200) throw new InvalidInputError('A business name is at most 200 characters.');
  const baseCurrency = normalizeCurrency(input.baseCurrency ?? 'USD');
  const [row] = await withSystem(db, (tx) => tx.insert(businesses).values({ name, baseCurrency }).returning());
  return row!;
}

/** A live (not deleted) business by id, confined by RLS to that business. */
export async function getBusiness(db: Db, id: string): Promise<Business> {
  if (!isUuid(id))
    throw new InvalidInputError(`"${id}" is not a business id (expected a UUID; see \`cfo business list\`).`);
  const [row] = await withBusiness(db, id, (tx) =>
    tx
      .select()
      .from(businesses)
      .where(and(eq(businesses.id, id), isNull(businesses.deletedAt))),
  );
  if (!row) throw new NotFoundError(`No business with id ${id}.`);
  return row;
}

export async function listBusinesses(db: Db): Promise<BusinessSummary[]> {
  return withSystem(db, async (tx) => {
    const rows = await tx
      .select()
      .from(businesses)
      .where(isNull(businesses.deletedAt))
      .orderBy(asc(businesses.createdAt), asc(businesses.name));
    const counts = await queryRows<{ business_id: string; t: number; i: number; c: number; a: number; s: number }>(
      tx,
      sql`select b.id as business_id,
            (select count(*)::int from transactions x where x.business_id = b.id and x.deleted_at is null) as t,
            (select count(*)::int from invoices x where x.business_id = b.id) as i,
            (select count(*)::int from contacts x where x.business_id = b.id) as c,
            (select count(*)::int from accounts x where x.business_id = b.id) as a,
            (select count(*)::int from subscriptions x where x.business_id = b.id) as s
          from businesses b where b.deleted_at is null`,
    );
    const byId = new Map(counts.map((c) => [c.business_id, c]));
    return rows.map((b) => {
      const c = byId.get(b.id);
      return {
        id: b.id,
        name: b.name,
        baseCurrency: b.baseCurrency,
        isDemo: b.isDemo,
        createdAt: b.createdAt.toISOString(),
        counts: {
          transactions: Number(c?.t ?? 0),
          invoices: Number(c?.i ?? 0),
          contacts: Number(c?.c ?? 0),
          accounts: Number(c?.a ?? 0),
          subscriptions: Number(c?.s ?? 0),
        },
      };
    });
  });
}
