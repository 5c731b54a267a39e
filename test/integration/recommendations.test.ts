import { and, eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { withBusiness } from '../../src/db/client';
import { recommendations } from '../../src/db/schema';
import { createDemoCompany } from '../../src/demo/load';
import { runRecommendations } from '../../src/domain/recommendations';
import { useTestDatabase } from '../helpers/db';

const t = useTestDatabase();
const ASOF = '2026-11-22';

describe('recommendations lifecycle', () => {
  it('no duplicates on re-run; dismissals are kept; cleared conditions resolve; returning ones reopen', async () => {
    const demo = await createDemoCompany(t.database, {
      today: new Date(`${ASOF}T09:00:00Z`),
      months: 8,
      name: 'Recs Co',
    });
    const biz = { id: demo.businessId, baseCurrency: 'USD' };
    const run = () => withBusiness(t.db, biz.id, (tx) => runRecommendations(tx, biz, ASOF));
    const all = () =>
      withBusiness(t.db, biz.id, (tx) =>
        tx.select().from(recommendations).where(eq(recommendations.businessId, biz.id)),
      );

    // Creating the demo already ran the rules once. The demo plants a duplicate supplier bill; its Stripe
    // payouts are all matched to their bank deposits on ingest, so unmatch them to plant that condition too.
    expect((await all()).map((r) => r.ruleId)).not.toContain('unmatched_payouts');
    await withBusiness(t.db, biz.id, (tx) =>
      tx.execute(sql`update transactions set linked_transaction_id = null where linked_transaction_id is not null`),
    );
    expect((await run()).created).toBe(1);
    const rows = await all();
    expect(rows.map((r) => r.ruleId)).toEqual(expect.arrayContaining(['duplicate_bills', 'unmatched_payouts']));
    expect(rows.every((r) => r.status === 'pending')).toBe(true);

    const second = await run();
    expect(second).toMatchObject({ created: 0, updated: rows.length, resolved: 0 });
    expect(await all()).toHaveLength(rows.length);

    const dup = rows.find((r) => r.ruleId === 'duplicate_bills')!;
    await withBusiness(t.db, biz.id, (tx) =>
      tx
        .update(recommendations)
        .set({ status: 'dismissed' })
        .where(and(eq(recommendations.businessId, biz.id), eq(recommendations.id, dup.id))),
    );
    await run();
    expect((await all()).find((r) => r.id === dup.id)!.status).toBe('dismissed');

    // Match every payout to "its" bank line: the condition clears.
    await withBusiness(t.db, biz.id, (tx) =>
      tx.execute(sql`update transactions set linked_transaction_id = id where kind = 'PAYOUT'`),
    );
    const cleared = await run();
    expect(cleared.resolved).toBe(1);
    const payouts = (await all()).find((r) => r.ruleId === 'unmatched_payouts')!;
    expect(payouts.status).toBe('resolved');
    expect(payouts.resolvedAt).not.toBeNull();

    await withBusiness(t.db, biz.id, (tx) =>
      tx.execute(sql`update transactions set linked_transaction_id = null where kind = 'PAYOUT'`),
    );
    const back = await run();
    expect(back.reopened).toBe(1);
    expect((await all()).find((r) => r.id === payouts.id)).toMatchObject({ status: 'pending', resolvedAt: null });
    expect(await all()).toHaveLength(rows.length);
  });
});
