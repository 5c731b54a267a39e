/**
 * The totals kept on write (drizzle/0009) equal a count over the raw rows after any mix of inserts, upserts,
 * edits that move a record between months, kinds or amounts, soft deletes, restores and hard deletes, with
 * folds in between; and the tools that read them give the figures a row-by-row count gives.
 */
import { and, eq, inArray, sql } from 'drizzle-orm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createBusiness } from '../../src/db/businesses';
import { queryRows, withBusiness, withSystem } from '../../src/db/client';
import { businesses, transactions } from '../../src/db/schema';
import { compactTransactionTotals, totalsBySource, totalsOfMonths } from '../../src/domain/transaction-totals';
import { listTransactions } from '../../src/domain/transactions';
import { D } from '../../src/money';
import { useTestDatabase } from '../helpers/db';

const t = useTestDatabase();

const day = fc
  .integer({ min: 0, max: 150 })
  .map((n) => new Date(Date.UTC(2026, 0, 1) + n * 86_400_000).toISOString().slice(0, 10));
const amount = fc.integer({ min: -500_000, max: 500_000 }).map((c) => new D(c).div(100).toFixed(2));
const kind = fc.constantFrom('SPEND', 'RECEIVE', 'CHARGE');
const source = fc.constantFrom('xero' as const, 'stripe' as const, 'csv' as const);
const ref = fc.integer({ min: 0, max: 9 }); // external ids: a small space, so upserts hit existing rows

const op = fc.oneof(
  fc.record({
    op: fc.constant('insert' as const),
    rows: fc.array(fc.record({ ref, source, kind, date: day, amount, deleted: fc.boolean() }), {
      minLength: 1,
      maxLength: 8,
    }),
  }),
  fc.record({ op: fc.constant('move' as const), ref, date: day, kind, amount }),
  fc.record({ op: fc.constant('recategorize' as const), ref }),
  fc.record({ op: fc.constant('softDelete' as const), ref }),
  fc.record({ op: fc.constant('restore' as const), ref }),
  fc.record({ op: fc.constant('hardDelete' as const), refs: fc.array(ref, { maxLength: 4 }) }),
  fc.record({ op: fc.constant('fold' as const) }),
);
type Op = typeof op extends fc.Arbitrary<infer T> ? T : never;

async function apply(businessId: string, o: Op) {
  await withBusiness(t.db, businessId, async (tx) => {
    const ext = (r: number) => `ext-${r}`;
    switch (o.op) {
      case 'insert': {
        // One statement, as an import writes a batch; an external id seen before updates that row.
        const byKey = new Map(o.rows.map((r) => [`${r.source}/${r.ref}`, r]));
        await tx
          .insert(transactions)
          .values(
            [...byKey.values()].map((r) => ({
              businessId,
              source: r.source,
              externalId: ext(r.ref),
              kind: r.kind,
              status: 'AUTHORISED',
              date: r.date,
              amount: r.amount,
              currency: 'USD',
              baseAmount: r.amount,
              deletedAt: r.deleted ? new Date() : null,
            })),
          )
          .onConflictDoUpdate({
            target: [transactions.businessId, transactions.source, transactions.externalId],
            set: {
              date: sql`excluded.date`,
              kind: sql`excluded.kind`,
              amount: sql`excluded.amount`,
              baseAmount: sql`excluded.base_amount`,
              deletedAt: sql`excluded.deleted_at`,
            },
          });
        return;
      }
      case 'move':
        await tx
          .update(transactions)
          .set({ date: o.date, kind: o.kind, baseAmount: o.amount, amount: o.amount })
          .where(eq(transactions.externalId, ext(o.ref)));
        return;
      case 'recategorize':
        await tx
          .update(transactions)
          .set({ category: 'Software', categorySource: 'user' })
          .where(eq(transactions.externalId, ext(o.ref)));
        return;
      case 'softDelete':
        await tx
          .update(transactions)
          .set({ deletedAt: new Date() })
          .where(eq(transactions.externalId, ext(o.ref)));
        return;
      case 'restore':
        await tx
          .update(transactions)
          .set({ deletedAt: null })
          .where(eq(transactions.externalId, ext(o.ref)));
        return;
      case 'hardDelete':
        if (o.refs.length) await tx.delete(transactions).where(inArray(transactions.externalId, o.refs.map(ext)));
        return;
      case 'fold':
        await compactTransactionTotals(tx, businessId);
        return;
    }
  });
}

/** The raw truth: live rows counted and summed by month, source and kind. */
const raw = (businessId: string) =>
  withBusiness(t.db, businessId, (tx) =>
    queryRows<{ month: string; source: string; kind: string; n: number; s: string }>(
      tx,
      sql`select date_trunc('month', date)::date::text as month, source, kind, count(*)::int as n, sum(base_amount)::text as s
          from transactions where deleted_at is null group by 1, 2, 3 order by 1, 2, 3`,
    ),
  );
const kept = (businessId: string) =>
  withBusiness(t.db, businessId, (tx) =>
    queryRows<{ month: string; source: string; kind: string; n: number; s: string }>(
      tx,
      sql`select month::text, source, kind, sum(n)::int as n, sum(base_amount)::text as s from transaction_totals
          group by 1, 2, 3 having sum(n) <> 0 or sum(base_amount) <> 0 order by 1, 2, 3`,
    ),
  );
const norm = (rows: { month: string; source: string; kind: string; n: number; s: string }[]) =>
  rows.map((r) => ({ ...r, n: Number(r.n), s: new D(r.s).toFixed(2) }));

describe('transaction totals kept on write', () => {
  it('equal a row-by-row count after any writes, folded or not, and only for their own business', async () => {
    const other = await createBusiness(t.db, { name: 'Bystander' });
    await apply(other.id, {
      op: 'insert',
      rows: [{ ref: 1, source: 'xero', kind: 'SPEND', date: '2026-02-03', amount: '-9.99', deleted: false }],
    });
    const bystander = norm(await kept(other.id));
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 14 }), async (ops) => {
        n += 1;
        const biz = await createBusiness(t.db, { name: `Totals ${n}` });
        for (const o of ops) await apply(biz.id, o);
        expect(norm(await kept(biz.id))).toEqual(norm(await raw(biz.id)));
        // Folding changes no total, and leaves one row per group.
        await apply(biz.id, { op: 'fold' });
        const folded = await withBusiness(t.db, biz.id, (tx) =>
          queryRows<{ rows: number; groups: number }>(
            tx,
            sql`select count(*)::int as rows, count(distinct (month, source, kind))::int as groups from transaction_totals`,
          ),
        );
        expect(Number(folded[0]!.rows)).toBe(Number(folded[0]!.groups));
        expect(norm(await kept(biz.id))).toEqual(norm(await raw(biz.id)));
      }),
      { numRuns: 40 },
    );
    expect(norm(await kept(other.id))).toEqual(bystander);
  });

  it('give list_transactions, get_sync_status and get_business_overview the row-by-row figures', async () => {
    const biz = await createBusiness(t.db, { name: 'Reader' });
    await fc.assert(
      fc.asyncProperty(
        fc.array(op, { minLength: 1, maxLength: 6 }),
        fc.option(day, { nil: undefined }),
        fc.option(day, { nil: undefined }),
        fc.option(kind, { nil: undefined }),
        async (ops, from, to, k) => {
          for (const o of ops) await apply(biz.id, o);
          await withBusiness(t.db, biz.id, async (tx) => {
            const filter = { from, to, kind: k };
            const listed = await listTransactions(tx, biz.id, filter, { limit: 5 });
            // The same filters with a no-op text filter take the row-by-row path.
            const counted = await listTransactions(tx, biz.id, { ...filter, minAmount: '0' }, { limit: 5 });
            expect(listed.total).toEqual(counted.total);
            expect(listed.transactions).toEqual(counted.transactions);

            const bySource = await totalsBySource(tx, biz.id);
            const truth = await queryRows<{ source: string; n: number; newest: string }>(
              tx,
              sql`select source, count(*)::int as n, max(date)::text as newest from transactions
                  where deleted_at is null group by source order by source`,
            );
            expect(bySource).toEqual(truth.map((r) => ({ source: r.source, count: Number(r.n), newest: r.newest })));
            const all = await totalsOfMonths(tx, biz.id, {});
            expect(all.count).toBe(truth.reduce((s, r) => s + Number(r.n), 0));
          });
        },
      ),
      { numRuns: 40 },
    );
  });

  it('go with their business when it is deleted', async () => {
    const biz = await createBusiness(t.db, { name: 'Leaving' });
    await apply(biz.id, {
      op: 'insert',
      rows: [{ ref: 2, source: 'csv', kind: 'RECEIVE', date: '2026-03-01', amount: '120.00', deleted: false }],
    });
    await withSystem(t.db, (tx) => tx.delete(businesses).where(eq(businesses.id, biz.id)));
    const left = await withSystem(t.db, (tx) =>
      queryRows<{ n: number }>(
        tx,
        sql`select count(*)::int as n from transaction_totals where business_id = ${biz.id}`,
      ),
    );
    expect(Number(left[0]!.n)).toBe(0);
    const rows = await withSystem(t.db, (tx) =>
      tx
        .select()
        .from(transactions)
        .where(and(eq(transactions.businessId, biz.id))),
    );
    expect(rows).toHaveLength(0);
  });
});
