import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { createBusiness } from '../../src/db/businesses';
import { queryRows, withBusiness } from '../../src/db/client';
import { categorize } from '../../src/domain/categorize';
import { createCategoryRule, listReviews, setTransactionCategory } from '../../src/domain/categorize/corrections';
import { importStatement } from '../../src/integrations/csv/import';
import { useTestDatabase } from '../helpers/db';

const t = useTestDatabase();
const system = { type: 'system' as const };
let a: { id: string; baseCurrency: string };
let b: { id: string; baseCurrency: string };

const HISTORY = `Date,Description,Amount,Category
2026-01-03,CARD PURCHASE 01/02 STARBUCKS #1234 SEATTLE WA,-5.40,Meals
2026-01-05,POS 4431 SHELL OIL 57444123 HOUSTON TX,-48.10,Motor Vehicle
2026-01-09,DD BRITISH GAS 600012345678,-120.00,Utilities
2026-01-12,STARBUCKS #0042 PORTLAND OR,-6.10,Meals
2026-01-15,ACME CORP PAYMENT REF 8812,2500.00,Sales
2026-01-20,MONTHLY MAINTENANCE FEE,-15.00,Bank Fees
2026-01-22,ADOBE *CREATIVE CLOUD 4029357733,-54.99,Software
2026-01-25,SHELL OIL 12345 DALLAS TX,-51.30,Motor Vehicle
2026-02-02,ADOBE *CREATIVE CLOUD 4029357733,-54.99,Software
2026-02-03,STARBUCKS #7781 SEATTLE WA,-4.95,Meals
2026-02-05,Travel Agency booking,-300.00,Travel
`;
const NEW = `Date,Description,Amount
2026-03-01,CARD PURCHASE 02/28 STARBUCKS #9911 BOSTON MA,-5.75
2026-03-02,ADOBE *CREATIVE CLOUD 4029357733,-54.99
2026-03-03,SHELL OIL 99812 AUSTIN TX,-47.00
2026-03-04,UBER *TRIP HELP.UBER.COM,-23.50
2026-03-05,ZQXV HOLDINGS LLC,-999.00
2026-03-06,ACME CORP PAYMENT REF 9921,2500.00
`;

beforeAll(async () => {
  a = await createBusiness(t.db, { name: 'Cafe A' });
  b = await createBusiness(t.db, { name: 'Other B' });
  await withBusiness(t.db, a.id, (tx) => importStatement(tx, a, { account: 'Checking', text: HISTORY }));
  await withBusiness(t.db, a.id, (tx) => importStatement(tx, a, { account: 'Checking', text: NEW }));
});

const run = (businessId: string, opts: Parameters<typeof categorize>[2] = {}) =>
  withBusiness(t.db, businessId, (tx) => categorize(tx, { id: businessId }, opts));
const byDescription = (r: Awaited<ReturnType<typeof run>>, text: string) =>
  r.results.find((x) => x.description?.includes(text))!;

describe('categorization', () => {
  it('previews proposals from the business’s own history without writing anything', async () => {
    const r = await run(a.id);
    expect(r.applied).toBe(false);
    expect(r.counts.considered).toBe(6);
    expect(byDescription(r, 'ADOBE').proposal).toMatchObject({ category: 'Software', source: 'similar' });
    expect(byDescription(r, 'ADOBE').proposal!.confidence).toBeGreaterThanOrEqual(0.8);
    expect(byDescription(r, 'STARBUCKS #9911').proposal).toMatchObject({ category: 'Meals', source: 'similar' });
    expect(byDescription(r, 'SHELL').proposal).toMatchObject({ category: 'Motor Vehicle' });
    expect(byDescription(r, 'ACME').proposal).toMatchObject({ category: 'Sales' });
    // Nothing in the history looks like Uber: built-in knowledge proposes Travel, for a person to confirm.
    expect(byDescription(r, 'UBER')).toMatchObject({
      action: 'review',
      proposal: { category: 'Travel', source: 'knowledge' },
    });
    expect(byDescription(r, 'ZQXV').action).toBe('none');
    const [n] = await withBusiness(t.db, a.id, (tx) =>
      queryRows<{ n: number }>(
        tx,
        sql`select count(*)::int as n from transactions where category is not null and category_source <> 'upstream'`,
      ),
    );
    expect(Number(n!.n)).toBe(0);
  });

  it('applies confident proposals, queues the rest, and a rerun changes nothing', async () => {
    const r = await run(a.id, { apply: true });
    expect(r.counts.apply).toBeGreaterThanOrEqual(3);
    const rows = await withBusiness(t.db, a.id, (tx) =>
      queryRows<{ description: string; category: string | null; category_source: string | null }>(
        tx,
        sql`select description, category, category_source from transactions where date >= '2026-03-01' order by date`,
      ),
    );
    expect(rows.find((x) => x.description.startsWith('ADOBE'))).toMatchObject({
      category: 'Software',
      category_source: 'similar',
    });
    expect(rows.find((x) => x.description.startsWith('UBER'))!.category).toBeNull();
    const queue = await withBusiness(t.db, a.id, (tx) => listReviews(tx, a.id));
    expect(queue.items.map((i) => i.category)).toContain('Travel');
    // The queue says why: the proposal's reason, as the preview gave it.
    expect(queue.items.find((i) => i.category === 'Travel')).toMatchObject({
      source: 'knowledge',
      reason: 'looks like travel',
    });
    const again = await run(a.id, { apply: true });
    expect(again.counts.apply).toBe(0);
  });

  it('the highest-priority rule wins and counts its hits', async () => {
    await withBusiness(t.db, a.id, async (tx) => {
      await createCategoryRule(
        tx,
        a,
        { matchType: 'contains', pattern: 'zqxv', category: 'Consulting', priority: 1 },
        system,
        { apply: true },
      );
      await createCategoryRule(
        tx,
        a,
        { matchType: 'regex', pattern: '^ZQXV\\s+HOLD', category: 'Legal', priority: 5 },
        system,
        { apply: true },
      );
    });
    const r = await run(a.id, { apply: true });
    expect(byDescription(r, 'ZQXV')).toMatchObject({
      action: 'apply',
      proposal: { category: 'Legal', source: 'rule', confidence: 1 },
    });
    const rules = await withBusiness(t.db, a.id, (tx) =>
      queryRows<{ category: string; hit_count: number }>(
        tx,
        sql`select category, hit_count from category_rules order by priority`,
      ),
    );
    expect(rules.map((x) => [x.category, Number(x.hit_count)])).toEqual([
      ['Consulting', 0],
      ['Legal', 1],
    ]);
  });

  it('refuses a catastrophic regex before running it', async () => {
    await expect(
      withBusiness(t.db, a.id, (tx) =>
        createCategoryRule(tx, a, { matchType: 'regex', pattern: '(a+)+$', category: 'X' }, system, { apply: true }),
      ),
    ).rejects.toThrow(/pattern: refused, nested or overlapping repetition/);
  });

  it('a correction changes the next categorization of a similar line at once; three propose a rule', async () => {
    const ids = await withBusiness(t.db, a.id, async (tx) => {
      await importStatement(tx, a, {
        account: 'Checking',
        text: 'Date,Description,Amount\n2026-04-01,TST* BLUE DOOR BISTRO 0042,-41.00\n2026-04-08,TST* BLUE DOOR BISTRO 0042,-38.00\n2026-04-15,TST* BLUE DOOR BISTRO 0042,-44.00\n2026-04-22,TST* BLUE DOOR BISTRO 0042,-39.00\n',
      });
      return queryRows<{ id: string }>(
        tx,
        sql`select id from transactions where description like 'TST* BLUE DOOR%' order by date`,
      );
    });
    const before = await run(a.id, { transactionIds: [ids[3]!.id] });
    expect(before.results[0]!.proposal?.category).not.toBe('Client Entertainment');

    const correct = (i: number) =>
      withBusiness(t.db, a.id, (tx) =>
        setTransactionCategory(tx, a, { transactionId: ids[i]!.id, category: 'Client Entertainment' }, system, {
          apply: true,
        }),
      );
    const first = await correct(0);
    expect(first).toMatchObject({
      applied: true,
      old: { category: null },
      new: { category: 'Client Entertainment', source: 'user' },
      suggestedRule: null,
    });
    const after = await run(a.id, { transactionIds: [ids[3]!.id] });
    expect(after.results[0]!.proposal).toMatchObject({ category: 'Client Entertainment', source: 'similar' });

    await correct(1);
    const third = await correct(2);
    expect(third.suggestedRule).toEqual({
      matchType: 'equals',
      pattern: 'blue door bistro',
      category: 'Client Entertainment',
      corrections: 3,
    });
    const audit = await withBusiness(t.db, a.id, (tx) =>
      queryRows<{ n: number }>(tx, sql`select count(*)::int as n from audit_logs where action = 'set_category'`),
    );
    expect(Number(audit[0]!.n)).toBe(3);
  });

  it('never learns from another business', async () => {
    await withBusiness(t.db, b.id, (tx) =>
      importStatement(tx, b, {
        account: 'Bank',
        text: 'Date,Description,Amount\n2026-03-01,ADOBE *CREATIVE CLOUD 4029357733,-54.99\n',
      }),
    );
    const r = await run(b.id);
    // Business A has many labelled Adobe lines; B has none, so B gets at most a knowledge guess.
    expect(r.results[0]!.proposal?.source ?? 'none').not.toBe('similar');
  });
});

describe('brands (name-suggestion-index)', () => {
  it('a clear brand is filed under its kind; a chain that sells everything goes to review; the business’s own history wins', async () => {
    const biz = await createBusiness(t.db, { name: 'Brand Co' });
    const history = `Date,Description,Amount,Category
2026-01-02,OFFICE RENT HARBOR PROPERTIES,-2000.00,Rent
2026-01-03,MONTHLY MAINTENANCE FEE,-15.00,Bank Fees
2026-01-04,CLIENT PAYMENT NORTHWIND,5000.00,Sales
2026-01-05,ZZ MOTORS SERVICE,-300.00,Motor Vehicle
2026-01-06,ABC TRAVEL AGENCY BOOKING,-800.00,Travel
2026-01-07,CORNER DELI LUNCH,-25.00,Meals
2026-01-08,BULK PAPER AND TONER,-90.00,General Expenses
2026-01-09,POS Purchase WOOLWORTHS ROSEBANK 412345*6789 02 Oct,-60.00,Staff Amenities
`;
    const fresh = `Date,Description,Amount
2026-02-01,POS Purchase ENGEN SANDTON 412345*6789 25 Sep,-500.00
2026-02-02,HERTZ RENT-A-CAR 1234 JOHANNESBURG,-1200.00
2026-02-03,CARD PAYMENT TO TESCO STORES 2231 ON 01/04,-45.20
2026-02-04,ACME CONSULTING LLC 2231,-700.00
2026-02-05,WOOLWORTHS CAVENDISH SQ CAPE TOWN ZA,-80.00
`;
    await withBusiness(t.db, biz.id, (tx) => importStatement(tx, biz, { account: 'Cheque', text: history }));
    await withBusiness(t.db, biz.id, (tx) => importStatement(tx, biz, { account: 'Cheque', text: fresh }));
    const r = await run(biz.id, { apply: true });
    // Engen is a filling station (amenity=fuel): motor vehicle costs, applied.
    expect(byDescription(r, 'ENGEN')).toMatchObject({
      action: 'apply',
      proposal: { category: 'Motor Vehicle', source: 'knowledge', confidence: 0.85 },
    });
    expect(byDescription(r, 'ENGEN').proposal!.reason).toMatch(/Engen is a fuel brand/);
    // Hertz rents cars (amenity=car_rental): travel, not the office rent its name contains.
    expect(byDescription(r, 'HERTZ')).toMatchObject({ action: 'apply', proposal: { category: 'Travel' } });
    // Tesco is a supermarket, a filling station, a pharmacy and a phone shop: a guess to review.
    expect(byDescription(r, 'TESCO')).toMatchObject({
      action: 'review',
      proposal: { category: 'General Expenses', source: 'knowledge', confidence: 0.6 },
    });
    // A consultancy that shares a supermarket's name is not the supermarket.
    expect(byDescription(r, 'ACME').proposal?.source).not.toBe('knowledge');
    // This business files Woolworths as staff amenities: its history, not the brand's kind.
    expect(byDescription(r, 'WOOLWORTHS')).toMatchObject({
      action: 'apply',
      proposal: { category: 'Staff Amenities', source: 'similar' },
    });
    const written = await withBusiness(t.db, biz.id, (tx) =>
      queryRows<{ description: string; category: string; category_source: string }>(
        tx,
        sql`select description, category, category_source from transactions
            where date >= '2026-02-01' and category is not null order by date`,
      ),
    );
    expect(written.map((w) => [w.description, w.category, w.category_source])).toEqual([
      ['POS Purchase ENGEN SANDTON 412345*6789 25 Sep', 'Motor Vehicle', 'knowledge'],
      ['HERTZ RENT-A-CAR 1234 JOHANNESBURG', 'Travel', 'knowledge'],
      ['WOOLWORTHS CAVENDISH SQ CAPE TOWN ZA', 'Staff Amenities', 'similar'],
    ]);
  });
});

describe('merchant category codes', () => {
  it('a statement’s MCC column says what kind of merchant it is, where no name does', async () => {
    const biz = await createBusiness(t.db, { name: 'MCC Co' });
    const history = `Date,Description,Amount,Category
2026-01-05,ZZ MOTORS SERVICE,-300.00,Motor Vehicle
2026-01-07,CORNER DELI LUNCH,-25.00,Meals
2026-01-08,CLIENT PAYMENT NORTHWIND,5000.00,Sales
`;
    const fresh = `Date,Description,Amount,MCC
2026-02-01,KWIKFILL 0042 SPRINGFIELD,-40.00,5542
2026-02-02,BISTRO LUMA,-33.00,5812
2026-02-03,QRXV TRADING 12,-20.00,7399
`;
    await withBusiness(t.db, biz.id, (tx) => importStatement(tx, biz, { account: 'Card', text: history }));
    await withBusiness(t.db, biz.id, (tx) => importStatement(tx, biz, { account: 'Card', text: fresh }));
    const r = await run(biz.id);
    // 5542: automated fuel dispensers; 5812: eating places and restaurants (ISO 18245).
    expect(byDescription(r, 'KWIKFILL')).toMatchObject({
      action: 'apply',
      proposal: { category: 'Motor Vehicle', source: 'knowledge', reason: 'merchant category code 5542: fuel' },
    });
    expect(byDescription(r, 'BISTRO')).toMatchObject({ action: 'apply', proposal: { category: 'Meals' } });
    // 7399 (business services, not elsewhere classified) says nothing.
    expect(byDescription(r, 'QRXV').proposal?.reason ?? '').not.toMatch(/merchant category code/);
  });
});
