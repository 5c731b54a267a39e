/**
 * The totals kept on write (drizzle/0009) equal a count over the raw rows after any mix of inserts, upserts,
 * edits that move a record between months, kinds, statuses, bank accounts or amounts, soft deletes, restores,
 * hard deletes and a bank account deleted under its lines, with folds in between; and what reads them (the
 * listing's totals, counts by source, bank balances, windowed sums) gives the figures a row-by-row count gives.
 */
import { and, eq, inArray, sql } from 'drizzle-orm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createBusiness } from '../../src/db/businesses';
import { queryRows, withBusiness, withSystem } from '../../src/db/client';
import { accounts, businesses, transactions } from '../../src/db/schema';
import {
  bankBalances,
  compactTransactionTotals,
  countAndSum,
  totalsBySource,
} from '../../src/domain/transaction-totals';
import { listTransactions } from '../../src/domain/transactions';
import { D } from '../../src/money';
import { onPostgres, useTestDatabase } from '../helpers/db';
import { signal } from '../helpers/signal';

const t = useTestDatabase();

const day = fc
  .integer({ min: 0, max: 150 })
  .map((n) => new Date(Date.UTC(2026, 0, 1) + n * 86_400_000).toISOString().slice(0, 10));
const amount = fc.integer({ min: -500_000, max: 500_000 }).map((c) => new D(c).div(100).toFixed(2));
const kind = fc.constantFrom('SPEND', 'RECEIVE', 'CHARGE');
const source = fc.constantFrom('xero' as const, 'stripe' as const, 'csv' as const);
const ref = fc.integer({ min: 0, max: 9 }); // external ids: a small space, so upserts hit existing rows
const status = fc.constantFrom('AUTHORISED', 'succeeded', 'failed');
/** Which of the business's two bank accounts a line moved, or none. */
const bank = fc.constantFrom(0, 1, null);

const op = fc.oneof(
  fc.record({
    op: fc.constant('insert' as const),
    rows: fc.array(fc.record({ ref, source, kind, status, bank, date: day, amount, deleted: fc.boolean() }), {
      minLength: 1,
      maxLength: 8,
    }),
  }),
  fc.record({ op: fc.constant('move' as const), ref, date: day, kind, amount }),
  fc.record({ op: fc.constant('rebank' as const), ref, status, bank }),
  fc.record({ op: fc.constant('dropAccount' as const), bank: fc.constantFrom(0, 1) }),
  fc.record({ op: fc.constant('recategorize' as const), ref }),
  fc.record({ op: fc.constant('softDelete' as const), ref }),
  fc.record({ op: fc.constant('restore' as const), ref }),
  fc.record({ op: fc.constant('hardDelete' as const), refs: fc.array(ref, { maxLength: 4 }) }),
  fc.record({ op: fc.constant('fold' as const) }),
);
type Op = typeof op extends fc.Arbitrary<infer T> ? T : never;

/** Two bank accounts per business, made on first use (and again after one is deleted). */
async function bankAccount(tx: Parameters<Parameters<typeof withBusiness>[2]>[0], businessId: string, n: number) {
  const externalId = `bank-${n}`;
  const [row] = await tx
    .insert(accounts)
    .values({ businessId, source: 'csv', externalId, name: `Bank ${n}`, type: 'BANK', isBank: true })
    .onConflictDoUpdate({ target: [accounts.businessId, accounts.source, accounts.externalId], set: { isBank: true } })
    .returning({ id: accounts.id });
  return row!.id;
}

async function apply(businessId: string, o: Op) {
  await withBusiness(t.db, businessId, async (tx) => {
    const ext = (r: number) => `ext-${r}`;
    const bankId = (n: number | null) => (n === null ? null : bankAccount(tx, businessId, n));
    switch (o.op) {
      case 'insert': {
        // One statement, as an import writes a batch; an external id seen before updates that row.
        const byKey = new Map(o.rows.map((r) => [`${r.source}/${r.ref}`, r]));
        await tx
          .insert(transactions)
          .values(
            await Promise.all(
              [...byKey.values()].map(async (r) => ({
                businessId,
                source: r.source,
                externalId: ext(r.ref),
                kind: r.kind,
                status: r.status,
                bankAccountId: await bankId(r.bank),
                date: r.date,
                amount: r.amount,
                currency: 'USD',
                baseAmount: r.amount,
                deletedAt: r.deleted ? new Date() : null,
              })),
            ),
          )
          .onConflictDoUpdate({
            target: [transactions.businessId, transactions.source, transactions.externalId],
            set: {
              date: sql`excluded.date`,
              kind: sql`excluded.kind`,
              status: sql`excluded.status`,
              bankAccountId: sql`excluded.bank_account_id`,
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
      case 'rebank':
        await tx
          .update(transactions)
          .set({ status: o.status, bankAccountId: await bankId(o.bank) })
          .where(eq(transactions.externalId, ext(o.ref)));
        return;
      case 'dropAccount':
        // Its lines keep their history with no account (on delete set null).
        await tx.delete(accounts).where(eq(accounts.externalId, `bank-${o.bank}`));
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

type Group = { month: string; source: string; kind: string; status: string; bank: string | null; n: number; s: string };
type Line = Extract<Op, { op: 'insert' }>['rows'][number];
/** One live CSV spend line on the first bank account, unless told otherwise. */
const insertOne = (businessId: string, line: Pick<Line, 'ref' | 'date' | 'amount'> & Partial<Line>) =>
  apply(businessId, {
    op: 'insert',
    rows: [{ source: 'csv', kind: 'SPEND', status: 'AUTHORISED', bank: 0, deleted: false, ...line }],
  });

/** The raw truth: live rows counted and summed by month, source, kind, status and bank account. */
const raw = (businessId: string) =>
  withBusiness(t.db, businessId, (tx) =>
    queryRows<Group>(
      tx,
      sql`select date_trunc('month', date)::date::text as month, source, kind, status, bank_account_id::text as bank,
                 count(*)::int as n, sum(base_amount)::text as s
          from transactions where deleted_at is null group by 1, 2, 3, 4, 5 order by 1, 2, 3, 4, 5`,
    ),
  );
const kept = (businessId: string) =>
  withBusiness(t.db, businessId, (tx) =>
    queryRows<Group>(
      tx,
      sql`select month::text, source, kind, status, bank_account_id::text as bank, sum(n)::int as n, sum(base_amount)::text as s
          from transaction_totals group by 1, 2, 3, 4, 5 having sum(n) <> 0 or sum(base_amount) <> 0 order by 1, 2, 3, 4, 5`,
    ),
  );
const norm = (rows: Group[]) => rows.map((r) => ({ ...r, n: Number(r.n), s: new D(r.s).toFixed(2) }));

describe('transaction totals kept on write', () => {
  it('equal a row-by-row count after any writes, folded or not, and only for their own business', async () => {
    const other = await createBusiness(t.db, { name: 'Bystander' });
    await insertOne(other.id, { ref: 1, date: '2026-02-03', amount: '-9.99' });
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
            sql`select count(*)::int as rows, count(distinct (month, source, kind, status, bank_account_id))::int as groups
                from transaction_totals`,
          ),
        );
        expect(Number(folded[0]!.rows)).toBe(Number(folded[0]!.groups));
        expect(norm(await kept(biz.id))).toEqual(norm(await raw(biz.id)));
      }),
      { numRuns: 40 },
    );
    expect(norm(await kept(other.id))).toEqual(bystander);
  });

  it('give the listing, counts by source, bank balances and windowed sums the row-by-row figures', async () => {
    const biz = await createBusiness(t.db, { name: 'Reader' });
    await fc.assert(
      fc.asyncProperty(
        fc.array(op, { minLength: 1, maxLength: 6 }),
        fc.option(day, { nil: undefined }),
        fc.option(day, { nil: undefined }),
        fc.option(kind, { nil: undefined }),
        fc.option(status, { nil: undefined }),
        async (ops, from, to, k, st) => {
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
            const all = await countAndSum(tx, biz.id, {});
            expect(all.count).toBe(truth.reduce((s, r) => s + Number(r.n), 0));

            // A window with a kind and a status, as the forecast asks for fees and succeeded charges.
            const windowed = await countAndSum(tx, biz.id, { from, to }, { kind: k, status: st });
            const [w] = await queryRows<{ n: number; s: string }>(
              tx,
              sql`select count(*)::int as n, coalesce(sum(base_amount), 0)::text as s from transactions
                  where deleted_at is null ${from ? sql`and date >= ${from}::date` : sql``} ${to ? sql`and date <= ${to}::date` : sql``}
                    ${k ? sql`and kind = ${k}` : sql``} ${st ? sql`and status = ${st}` : sql``}`,
            );
            expect(windowed).toEqual({ count: Number(w!.n), sum: new D(w!.s).toFixed(2) });

            // Every bank account's balance at the end of a day, mid-month or not.
            const asOf = to ?? '2026-03-17';
            const balances = await bankBalances(tx, biz.id, asOf);
            const byRow = await queryRows<{ id: string; name: string; s: string }>(
              tx,
              sql`select a.id::text, a.name, coalesce(sum(t.base_amount) filter (where t.deleted_at is null and t.date <= ${asOf}::date), 0)::text as s
                  from accounts a left join transactions t on t.bank_account_id = a.id
                  where a.is_bank group by a.id, a.name order by a.name, a.id`,
            );
            expect(balances).toEqual(byRow.map((r) => ({ id: r.id, name: r.name, amount: new D(r.s).toString() })));
          });
        },
      ),
      { numRuns: 40 },
    );
  });

  // Two connections are needed: PGlite has one, so its transactions never overlap.
  it.skipIf(!onPostgres)('are folded by one transaction at a time: another leaves them without waiting', async () => {
    const biz = await createBusiness(t.db, { name: 'Two folds' });
    await insertOne(biz.id, { ref: 3, date: '2026-01-05', amount: '-4.00' });
    await insertOne(biz.id, { ref: 4, date: '2026-01-06', amount: '-4.00' });
    const deltas = () =>
      withBusiness(t.db, biz.id, async (tx) =>
        Number((await queryRows<{ n: number }>(tx, sql`select count(*)::int as n from transaction_totals`))[0]!.n),
      );
    expect(await deltas()).toBe(2);
    const release = signal();
    const folding = signal();
    const first = withBusiness(t.db, biz.id, async (tx) => {
      await compactTransactionTotals(tx, biz.id);
      folding.reach();
      await release.reached;
    });
    await folding.reached;
    // The second fold returns at once (it would otherwise wait for the first to commit) and changes nothing.
    // (Were it to wait, it would wait for ever: the first commits only after this returns.)
    await withBusiness(t.db, biz.id, (tx) => compactTransactionTotals(tx, biz.id));
    expect(await deltas()).toBe(2);
    release.reach();
    await first;
    expect(await deltas()).toBe(1);
    expect(norm(await kept(biz.id))).toEqual(norm(await raw(biz.id)));
  });

  it('go with their business when it is deleted', async () => {
    const biz = await createBusiness(t.db, { name: 'Leaving' });
    await insertOne(biz.id, { ref: 2, kind: 'RECEIVE', bank: 1, date: '2026-03-01', amount: '120.00' });
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
