import { and, eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { queryRows, withBusiness } from '../../src/db/client';
import { metricSnapshots } from '../../src/db/schema';
import { createDemoCompany } from '../../src/demo/load';
import { refreshChangedPeriods, refreshSnapshots } from '../../src/domain/metrics/snapshots';
import { periodOf } from '../../src/domain/periods';
import { useTestDatabase } from '../helpers/db';

const t = useTestDatabase();
const ASOF = '2026-11-22';

describe('incremental refresh', () => {
  it('a changed transaction recomputes exactly its month, quarter, year and week — to the same figures as a full recompute', async () => {
    const demo = await createDemoCompany(t.database, {
      today: new Date(`${ASOF}T09:00:00Z`),
      months: 14,
      name: 'Incremental Co',
    });
    const biz = { id: demo.businessId, baseCurrency: 'USD' };
    // Change one spend in June 2026 by +1,234.56.
    const [txn] = await withBusiness(t.db, biz.id, (tx) =>
      queryRows<{ id: string; date: string }>(
        tx,
        sql`select id::text, date::text from transactions where kind = 'SPEND' and date between '2026-06-01' and '2026-06-30' order by date, id limit 1`,
      ),
    );
    // The spend and its one P&L line change together, as a sync of the changed record writes them.
    await withBusiness(t.db, biz.id, async (tx) => {
      await tx.execute(
        sql`update transactions set amount = amount - 1234.56, base_amount = base_amount - 1234.56 where id = ${txn!.id}`,
      );
      await tx.execute(sql`update ledger_lines set amount = amount - 1234.56 where transaction_id = ${txn!.id}`);
    });
    const before = await withBusiness(t.db, biz.id, (tx) =>
      tx.select().from(metricSnapshots).where(eq(metricSnapshots.businessId, biz.id)),
    );

    const r = await withBusiness(t.db, biz.id, (tx) => refreshChangedPeriods(tx, biz, [txn!.date], { asOf: ASOF }));
    expect(r.written).toEqual({ month: 1, quarter: 1, year: 1, week: 1 });

    const touched = [
      periodOf('month', txn!.date),
      periodOf('quarter', txn!.date),
      periodOf('year', txn!.date),
      periodOf('week', txn!.date),
    ];
    const pick = async () =>
      Promise.all(
        touched.map(async (p) => {
          const [row] = await withBusiness(t.db, biz.id, (tx) =>
            tx
              .select()
              .from(metricSnapshots)
              .where(
                and(
                  eq(metricSnapshots.businessId, biz.id),
                  eq(metricSnapshots.periodType, p.type),
                  eq(metricSnapshots.periodStart, p.start),
                ),
              ),
          );
          const { computedAt: _c, id: _i, ...rest } = row!;
          return rest;
        }),
      );
    const incremental = await pick();
    const oldJune = before.find((x) => x.periodType === 'month' && x.periodStart === '2026-06-01')!;
    expect(Number(incremental[0]!.expenses) - Number(oldJune.expenses)).toBeCloseTo(1234.56, 2);
    // Nothing else was rewritten.
    const after = await withBusiness(t.db, biz.id, (tx) =>
      tx.select().from(metricSnapshots).where(eq(metricSnapshots.businessId, biz.id)),
    );
    const changed = after.filter(
      (a) => before.find((b) => b.id === a.id)!.computedAt.getTime() !== a.computedAt.getTime(),
    );
    expect(changed).toHaveLength(4);

    await withBusiness(t.db, biz.id, (tx) => refreshSnapshots(tx, biz, { asOf: ASOF }));
    expect(await pick()).toEqual(incremental);

    // The fast path: the caller says a bank spend changed, so receivables, subscriptions and customers
    // are kept as stored and later balances move by the exact change in cash. Same figures.
    await withBusiness(t.db, biz.id, async (tx) => {
      await tx.execute(
        sql`update transactions set amount = amount + 99.99, base_amount = base_amount + 99.99 where id = ${txn!.id}`,
      );
      await tx.execute(sql`update ledger_lines set amount = amount + 99.99 where transaction_id = ${txn!.id}`);
    });
    const fast = await withBusiness(t.db, biz.id, (tx) =>
      refreshChangedPeriods(tx, biz, [txn!.date], { asOf: ASOF, kinds: ['SPEND'] }),
    );
    expect(fast.written).toEqual({ month: 1, quarter: 1, year: 1, week: 1 });
    const fastRows = await pick();
    await withBusiness(t.db, biz.id, (tx) => refreshSnapshots(tx, biz, { asOf: ASOF }));
    expect(await pick()).toEqual(fastRows);
  });
});
