import { eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { createBusiness } from '../../src/db/businesses';
import { openDatabase, pgError, queryRows, withBusiness, withSystem } from '../../src/db/client';
import { businesses, readinessScores, TENANT_TABLES, transactions } from '../../src/db/schema';
import { D } from '../../src/money';
import { onPostgres, useTestDatabase } from '../helpers/db';
import { MIGRATION_COUNT } from '../helpers/migrations';

/** The PostgreSQL error a promise rejects with (SQLSTATE, constraint, message). */
async function failure(p: Promise<unknown>) {
  try {
    await p;
  } catch (err) {
    const e = pgError(err);
    if (e) return e;
    throw err;
  }
  throw new Error('expected the query to fail');
}

const t = useTestDatabase();

async function seedTwo() {
  const a = await createBusiness(t.db, { name: `A ${Math.random()}` });
  const b = await createBusiness(t.db, { name: `B ${Math.random()}` });
  for (const [biz, n] of [
    [a, 3],
    [b, 2],
  ] as const) {
    await withBusiness(t.db, biz.id, (tx) =>
      tx.insert(transactions).values(
        Array.from({ length: n }, (_, i) => ({
          businessId: biz.id,
          source: 'csv',
          externalId: `line-${i}`,
          kind: 'SPEND',
          status: 'AUTHORISED',
          date: '2026-01-15',
          amount: '-10.0000',
          currency: 'USD',
          baseAmount: '-10.0000',
          // Same descriptions in both businesses: isolation must not depend on content.
          description: `Coffee ${i}`,
        })),
      ),
    );
  }
  return { a, b };
}

describe('migrations', () => {
  it('are all applied, and every business-owned table has a forced tenant policy', async () => {
    const applied = await queryRows<{ n: number }>(
      t.db,
      sql`select count(*)::int as n from drizzle.__drizzle_migrations`,
    );
    expect(Number(applied[0]!.n)).toBe(MIGRATION_COUNT);
    const rows = await queryRows<{
      relname: string;
      relrowsecurity: boolean;
      relforcerowsecurity: boolean;
      policies: number;
    }>(
      t.db,
      sql`select c.relname, c.relrowsecurity, c.relforcerowsecurity,
            (select count(*)::int from pg_policy p where p.polrelid = c.oid) as policies
          from pg_class c join pg_namespace n on n.oid = c.relnamespace
          where n.nspname = 'public' and c.relkind = 'r'`,
    );
    const byName = new Map(rows.map((r) => [r.relname, r]));
    for (const table of TENANT_TABLES) {
      expect(byName.get(table), table).toMatchObject({ relrowsecurity: true, relforcerowsecurity: true });
      expect(Number(byName.get(table)!.policies), table).toBeGreaterThan(0);
    }
    // Every table except users is business-owned, or system-only: integration_grants holds token sets that
    // span businesses, and its forced policy admits only system code. The limits' tables hold counts keyed by
    // opaque ids (an API key's, a session's, a Xero organisation's), no business data.
    expect([...byName.keys()].filter((n) => !(TENANT_TABLES as readonly string[]).includes(n)).sort()).toEqual([
      'integration_grants',
      'rate_limit_buckets',
      'rate_limit_hits',
      'users',
    ]);
    expect(byName.get('integration_grants')).toMatchObject({ relrowsecurity: true, relforcerowsecurity: true });
    expect(Number(byName.get('integration_grants')!.policies)).toBe(1);
  });

  it('has the vector extension', async () => {
    const rows = await queryRows<{ extname: string }>(
      t.db,
      sql`select extname from pg_extension where extname = 'vector'`,
    );
    expect(rows).toHaveLength(1);
  });
});

describe('row-level security', () => {
  it('queries run as a role that cannot bypass RLS', async () => {
    const [me] = await queryRows<{ u: string; bypass: boolean }>(
      t.db,
      sql`select current_user as u, (rolsuper or rolbypassrls) as bypass from pg_roles where rolname = current_user`,
    );
    expect(me).toEqual({ u: 'cfo_app', bypass: false });
  });

  it('inside withBusiness(A) a bare select sees only A; outside it sees nothing', async () => {
    const { a, b } = await seedTwo();
    const inA = await withBusiness(t.db, a.id, (tx) =>
      queryRows<{ business_id: string }>(tx, sql`select * from transactions`),
    );
    expect(inA).toHaveLength(3);
    expect(new Set(inA.map((r) => r.business_id))).toEqual(new Set([a.id]));
    const inB = await withBusiness(t.db, b.id, (tx) => tx.select().from(transactions));
    expect(inB.map((r) => r.businessId)).toEqual([b.id, b.id]);

    expect(await queryRows(t.db, sql`select * from transactions`)).toHaveLength(0);
    expect(await t.db.select().from(businesses)).toHaveLength(0);
    // A's id asked for explicitly from inside B: nothing.
    expect(
      await withBusiness(t.db, b.id, (tx) => tx.select().from(businesses).where(eq(businesses.id, a.id))),
    ).toHaveLength(0);
  });

  it('refuses to write another business’s rows, and updates or deletes of them touch nothing', async () => {
    const { a, b } = await seedTwo();
    const rls = await failure(
      withBusiness(t.db, a.id, (tx) =>
        tx.insert(transactions).values({
          businessId: b.id,
          source: 'csv',
          externalId: 'sneaky',
          kind: 'SPEND',
          status: 'AUTHORISED',
          date: '2026-01-15',
          amount: '-1',
          currency: 'USD',
          baseAmount: '-1',
        }),
      ),
    );
    expect(rls.code).toBe('42501');
    expect(rls.message).toMatch(/row-level security/);
    const updated = await withBusiness(t.db, a.id, (tx) =>
      tx.update(transactions).set({ description: 'changed' }).where(eq(transactions.businessId, b.id)).returning(),
    );
    const deleted = await withBusiness(t.db, a.id, (tx) =>
      tx.delete(transactions).where(eq(transactions.businessId, b.id)).returning(),
    );
    expect(updated).toHaveLength(0);
    expect(deleted).toHaveLength(0);
    const bRows = await withBusiness(t.db, b.id, (tx) => tx.select().from(transactions));
    expect(bRows.map((r) => r.description).sort()).toEqual(['Coffee 0', 'Coffee 1']);
  });

  it('the setting does not leak past the transaction', async () => {
    const { a } = await seedTwo();
    await withBusiness(t.db, a.id, async () => {});
    expect(await queryRows(t.db, sql`select * from transactions`)).toHaveLength(0);
    const [s] = await queryRows<{ v: string | null }>(t.db, sql`select current_setting('app.business_id', true) as v`);
    expect(s!.v ?? '').toBe('');
  });

  it('withSystem sees every business, for the few cross-business operations', async () => {
    const { a, b } = await seedTwo();
    const ids = await withSystem(t.db, (tx) => tx.select({ id: businesses.id }).from(businesses));
    expect(ids.map((r) => r.id)).toEqual(expect.arrayContaining([a.id, b.id]));
  });

  it('a transaction confined to one business cannot be switched to another, or to the system bypass', async () => {
    const { a, b } = await seedTwo();
    const seen = await withBusiness(t.db, a.id, async (tx) => {
      // The same business nests (a savepoint) and still sees only its own rows.
      const inner = await withBusiness(tx, a.id, (t2) =>
        queryRows<{ n: number }>(t2, sql`select count(*)::int as n from transactions`),
      );
      await expect(withBusiness(tx, b.id, async () => 'switched')).rejects.toThrow(/may not switch to business/);
      await expect(withSystem(tx, async () => 'bypassed')).rejects.toThrow(/may not switch to the system bypass/);
      const after = await queryRows<{ n: number; biz: string }>(
        tx,
        sql`select count(*)::int as n, current_setting('app.business_id', true) as biz from transactions`,
      );
      return { inner: inner[0]!.n, after: after[0]! };
    });
    expect(seen).toEqual({ inner: 3, after: { n: 3, biz: a.id } });
  });

  it('rejects a business id that is not a UUID before touching the database', async () => {
    await expect(withBusiness(t.db, "x' or '1'='1", async () => 1)).rejects.toThrow(/not a business id/);
  });
});

describe('constraints', () => {
  it('reject unknown enum values and out-of-range scores', async () => {
    const biz = await createBusiness(t.db, { name: 'Constraints' });
    const kind = await failure(
      withBusiness(t.db, biz.id, (tx) =>
        tx.insert(transactions).values({
          businessId: biz.id,
          source: 'csv',
          externalId: 'x',
          kind: 'GIFT',
          status: 'x',
          date: '2026-01-01',
          amount: '1',
          currency: 'USD',
          baseAmount: '1',
        }),
      ),
    );
    expect(kind).toMatchObject({ code: '23514', constraint: 'transactions_kind_known' });
    const score = await failure(
      withBusiness(t.db, biz.id, (tx) =>
        tx
          .insert(readinessScores)
          .values({ businessId: biz.id, scoreVersion: 'v1', score: 101, tier: 'highly_attractive', components: [] }),
      ),
    );
    expect(score).toMatchObject({ code: '23514', constraint: 'readiness_scores_score_range' });
    const tier = await failure(
      withBusiness(t.db, biz.id, (tx) =>
        tx
          .insert(readinessScores)
          .values({ businessId: biz.id, scoreVersion: 'v1', score: 50, tier: 'great', components: [] }),
      ),
    );
    expect(tier).toMatchObject({ code: '23514', constraint: 'readiness_scores_tier_known' });
  });

  it('keep (business, source, external id) unique', async () => {
    const biz = await createBusiness(t.db, { name: 'Unique' });
    const row = {
      businessId: biz.id,
      source: 'csv',
      externalId: 'dup',
      kind: 'SPEND',
      status: 'AUTHORISED',
      date: '2026-01-01',
      amount: '-1',
      currency: 'USD',
      baseAmount: '-1',
    };
    await withBusiness(t.db, biz.id, (tx) => tx.insert(transactions).values(row));
    const dup = await failure(withBusiness(t.db, biz.id, (tx) => tx.insert(transactions).values(row)));
    expect(dup).toMatchObject({ code: '23505', constraint: 'transactions_source_external_key' });
  });
});

describe('money in the database', () => {
  it('round-trips numeric(19,4) amounts as exact strings', async () => {
    const biz = await createBusiness(t.db, { name: 'Money' });
    const amounts = ['0.1000', '-0.0001', '12345678901234.5678', '-99999999999999.9999', '0.0000', '1000000.0100'];
    await withBusiness(t.db, biz.id, (tx) =>
      tx.insert(transactions).values(
        amounts.map((amount, i) => ({
          businessId: biz.id,
          source: 'csv' as const,
          externalId: `m${i}`,
          kind: 'RECEIVE',
          status: 'AUTHORISED',
          date: '2026-01-01',
          amount,
          currency: 'USD',
          baseAmount: amount,
        })),
      ),
    );
    const rows = await withBusiness(t.db, biz.id, (tx) =>
      tx.select({ e: transactions.externalId, a: transactions.amount }).from(transactions),
    );
    const got = new Map(rows.map((r) => [r.e, r.a]));
    for (const [i, a] of amounts.entries()) expect(got.get(`m${i}`)).toBe(a);
    const [s] = await withBusiness(t.db, biz.id, (tx) =>
      queryRows<{ total: string }>(tx, sql`select sum(amount)::text as total from transactions`),
    );
    const exact = amounts.reduce((acc, a) => acc.plus(new D(a)), new D(0));
    expect(s!.total).toBe(exact.toFixed(4));
  });
});

describe.runIf(onPostgres)('statements on PostgreSQL', () => {
  const preparedOnThisConnection = (tx: Parameters<Parameters<typeof withBusiness>[2]>[0], like: string) =>
    queryRows<{ n: number }>(
      tx,
      sql`select count(*)::int as n from pg_prepared_statements where statement like ${like} and not from_sql`,
    );

  it('queries with parameters are prepared (one round trip each after the first), bulk ones are not, and plans stay per call', async () => {
    const biz = await createBusiness(t.db, { name: `Prepared ${Math.random()}` });
    const got = await withBusiness(t.db, biz.id, async (tx) => {
      // Inside one transaction the connection is fixed, so what this transaction ran is in its session's list.
      await tx.select({ id: transactions.id }).from(transactions).where(eq(transactions.externalId, 'nothing'));
      await tx.insert(transactions).values(
        // 30 rows of 8 values: above the 100 parameters up to which statements are prepared.
        Array.from({ length: 30 }, (_, i) => ({
          businessId: biz.id,
          source: 'csv' as const,
          externalId: `bulk-${i}`,
          kind: 'SPEND',
          status: 'AUTHORISED',
          date: '2026-01-15',
          amount: '-1.0000',
          currency: 'USD',
          baseAmount: '-1.0000',
        })),
      );
      const [mode] = await queryRows<{ m: string }>(tx, sql`select current_setting('plan_cache_mode') as m`);
      return {
        setConfig: (await preparedOnThisConnection(tx, '%set_config(%app.business_id%'))[0]!.n,
        select: (await preparedOnThisConnection(tx, '%"external_id" = $1%'))[0]!.n,
        bulk: (
          await queryRows<{ n: number }>(
            tx,
            sql`select count(*)::int as n from pg_prepared_statements where cardinality(parameter_types) > 100`,
          )
        )[0]!.n,
        mode: mode!.m,
      };
    });
    expect(got).toEqual({ setConfig: 1, select: 1, bulk: 0, mode: 'force_custom_plan' });
  });

  it('`?prepare=false` in the URL turns preparing off (for PgBouncer in transaction mode)', async () => {
    const url = new URL(t.url!);
    url.searchParams.set('prepare', 'false');
    const other = await openDatabase({ databaseUrl: url.toString(), migrate: false, poolSize: 1 });
    try {
      const biz = await createBusiness(other.db, { name: `Unprepared ${Math.random()}` });
      const [row] = await withBusiness(other.db, biz.id, async (tx) => {
        await tx.select({ id: transactions.id }).from(transactions).where(eq(transactions.externalId, 'nothing'));
        return preparedOnThisConnection(tx, '%"external_id" = $1%');
      });
      expect(row!.n).toBe(0);
    } finally {
      await other.close();
    }
  });
});
