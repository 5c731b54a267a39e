import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { queryRows, withBusiness } from '../../src/db/client';
import { createDemoCompany } from '../../src/demo/load';
import { importStatement } from '../../src/integrations/csv/import';
import { createLogger } from '../../src/logger';
import { findTool, invokeTool, MAX_RESULT_BYTES, TOOLS, type ToolContext } from '../../tools';
import { useTestDatabase } from '../helpers/db';
import { demoToolContext } from '../helpers/tools';

const t = useTestDatabase();
const READ = TOOLS.filter((x) => x.scope === 'read');
const WRITE_INPUTS: Record<string, Record<string, unknown>> = {
  set_transaction_category: { transactionId: '00000000-0000-4000-8000-000000000000', category: 'Travel' },
  create_category_rule: { matchType: 'contains', pattern: 'uber', category: 'Travel' },
  update_recommendation_status: { id: 'x', status: 'accepted' },
};
const TODAY = '2026-11-22';
let ctx: ToolContext;

beforeAll(async () => {
  const demo = await createDemoCompany(t.database, { today: new Date(`${TODAY}T09:00:00Z`), transactions: 11_000 });
  ctx = demoToolContext(t.db, demo.businessId, TODAY);
});

/** Inputs that exercise each tool on Demo Co. */
const INPUTS: Record<string, unknown> = {
  get_metrics: { periodType: 'quarter' },
  compare_periods: { against: 'year_ago' },
  forecast_cash_flow: { scenario: 'pessimistic', floor: '300000' },
  list_transactions: { kind: 'SPEND', limit: 25 },
  get_report: { kind: 'profit_and_loss' },
  explain_metric: { metric: 'DSO' },
};

describe('tools on Demo Co', () => {
  it('the registry has the catalogue with unique names and model-facing descriptions', () => {
    expect(new Set(TOOLS.map((x) => x.name)).size).toBe(TOOLS.length);
    expect(READ.length).toBeGreaterThanOrEqual(20);
    for (const tool of TOOLS) {
      expect(tool.description.length, tool.name).toBeGreaterThan(80);
      expect(tool.annotations.readOnlyHint, tool.name).toBe(tool.scope === 'read');
    }
    // Every write tool previews unless asked: `apply` defaults to false.
    for (const tool of TOOLS.filter((x) => x.scope === 'write'))
      expect(tool.input.parse({ ...WRITE_INPUTS[tool.name] }).apply, tool.name).toBe(false);
  });

  for (const name of READ.map((x) => x.name)) {
    it(`${name}: succeeds, fits its schema and the size bound, and is recorded`, async () => {
      const r = await invokeTool(findTool(name)!, INPUTS[name] ?? {}, ctx);
      if (!r.ok) throw new Error(`${name} failed: ${r.error.message}`);
      expect(r.bytes).toBeLessThanOrEqual(MAX_RESULT_BYTES);
      expect(JSON.stringify(r.output)).not.toMatch(/NaN|Infinity/);
      const [row] = await withBusiness(t.db, ctx.business.id, (tx) =>
        queryRows<{ n: number }>(
          tx,
          sql`select count(*)::int as n from tool_calls where tool_name = ${name} and not is_error`,
        ),
      );
      expect(Number(row!.n)).toBeGreaterThanOrEqual(1);
    });
  }

  it('the largest input each read tool accepts still fits the size bound, and says when it trimmed', async () => {
    const LARGEST: Record<string, Record<string, unknown>> = {
      get_metrics: { periodType: 'month', date: '2024-11-01', to: '2026-10-31' },
      compare_periods: { periodType: 'year', date: '2026-01-01' },
      get_subscription_metrics: { months: 24 },
      detect_anomalies: { lookbackDays: 730, limit: 20, direction: 'both' },
      get_customer_payment_health: { limit: 25 },
      list_recommendations: { limit: 20, status: ['pending', 'accepted', 'dismissed', 'resolved'] },
      list_transactions: { limit: 25 },
      get_report: { kind: 'profit_and_loss', from: '2024-11-01', to: '2026-10-31' },
      get_expense_breakdown: { from: '2024-11-01', to: '2026-10-31' },
      explain_metric: { metric: 'runway' },
      get_revenue_breakdown: { from: '2024-11-01', to: '2026-10-31' },
    };
    const warned: string[] = [];
    const logger = createLogger('silent');
    const watch = { ...logger, warn: (o: unknown, msg?: string) => warned.push(String(msg ?? o)) } as never;
    for (const tool of READ) {
      const r = await invokeTool(tool, LARGEST[tool.name] ?? {}, { ...ctx, logger: watch });
      if (!r.ok) {
        if (r.error.code === 'invalid_input') throw new Error(`${tool.name}: ${r.error.message}`);
        continue;
      }
      expect(r.bytes, tool.name).toBeLessThanOrEqual(MAX_RESULT_BYTES);
    }
    expect(warned.filter((w) => w.includes('size bound'))).toEqual([]);
    // 24 months of every figure would not fit: the main ones, and a note saying so.
    const long = await invokeTool(findTool('get_metrics')!, LARGEST.get_metrics, ctx);
    expect(long).toMatchObject({
      ok: true,
      output: { trimmed: { fields: expect.arrayContaining(['revenue', 'cashBalance']) } },
    });
    expect(long.ok && (long.output.periods as unknown[]).length).toBe(24);
  });

  it('figures agree across tools: runway cash = cash position at the month end = metrics cash', async () => {
    const runway = await invokeTool(findTool('get_runway')!, {}, ctx);
    const metrics = await invokeTool(findTool('get_metrics')!, {}, ctx);
    const cash = await invokeTool(findTool('get_cash_position')!, { asOf: '2026-10-31' }, ctx);
    if (!runway.ok || !metrics.ok || !cash.ok) throw new Error('a tool failed');
    const m = (metrics.output as { periods: { cashBalance: string }[] }).periods[0]!;
    expect(Number(m.cashBalance).toFixed(2)).toBe(Number((runway.output as { cash: string }).cash).toFixed(2));
    expect((cash.output as { total: string }).total).toBe(Number(m.cashBalance).toFixed(2));
  });

  it('invalid input is refused with the field named, and recorded as an error', async () => {
    const r = await invokeTool(findTool('get_metrics')!, { periodType: 'decade' }, ctx);
    expect(r).toMatchObject({ ok: false, error: { code: 'invalid_input', status: 400 } });
    if (!r.ok) expect(r.error.message).toMatch(/^get_metrics: periodType: /);
    const bad = await invokeTool(findTool('list_transactions')!, { cursor: 'bm90LWEtY3Vyc29y' }, ctx);
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
  });

  it('a caller without the scope is refused', async () => {
    const r = await invokeTool(
      findTool('get_runway')!,
      {},
      { ...ctx, caller: { type: 'api_key', id: 'k1', scopes: [] } },
    );
    expect(r).toMatchObject({ ok: false, error: { code: 'forbidden', status: 403 } });
  });

  it('unknown metrics and missing periods say what exists', async () => {
    const r = await invokeTool(findTool('explain_metric')!, { metric: 'ebitda' }, ctx);
    expect(r.ok ? '' : r.error.message).toMatch(/No metric called "ebitda". Known: revenue, /);
    const old = await invokeTool(findTool('get_metrics')!, { date: '2019-01-15' }, ctx);
    expect(old.ok ? '' : old.error.message).toMatch(/outside the business's history/);
  });

  it('list_transactions pages through more than 10,000 transactions without loss or repetition', async () => {
    const seen = new Set<string>();
    let cursor: string | undefined;
    let total = 0;
    let pages = 0;
    do {
      const r = await invokeTool(findTool('list_transactions')!, { limit: 25, ...(cursor ? { cursor } : {}) }, ctx);
      if (!r.ok) throw new Error(r.error.message);
      const out = r.output as { transactions: { id: string }[]; total: { count: number }; nextCursor: string | null };
      total = out.total.count;
      for (const x of out.transactions) {
        expect(seen.has(x.id)).toBe(false);
        seen.add(x.id);
      }
      cursor = out.nextCursor ?? undefined;
      pages += 1;
    } while (cursor && pages < 2000);
    expect(total).toBeGreaterThanOrEqual(10_000);
    expect(seen.size).toBe(total);
  });
});

describe('write tools', () => {
  const writer = () => ({
    ...ctx,
    caller: { type: 'api_key' as const, id: 'k-write', scopes: ['read', 'write'] as ('read' | 'write')[] },
  });
  const call = async (name: string, input: unknown, c = writer()) => {
    const r = await invokeTool(findTool(name)!, input, c);
    if (!r.ok) throw new Error(`${name}: ${r.error.code}: ${r.error.message}`);
    return r.output as Record<string, unknown>;
  };

  it('refuse a caller without the write scope', async () => {
    for (const tool of TOOLS.filter((x) => x.scope === 'write')) {
      const r = await invokeTool(tool, WRITE_INPUTS[tool.name] ?? {}, ctx);
      expect(r.ok, tool.name).toBe(false);
      if (!r.ok) expect(r.error.code).toBe('forbidden');
    }
  });

  it('update_recommendation_status previews, then applies with an audit row', async () => {
    const list = await call('list_recommendations', {});
    const rec = (list.recommendations as { id: string; status: string }[])[0]!;
    const preview = await call('update_recommendation_status', { id: rec.id, status: 'accepted' });
    expect(preview).toMatchObject({ from: 'pending', to: 'accepted', applied: false });
    const still = await call('list_recommendations', {});
    expect((still.recommendations as { id: string }[]).map((x) => x.id)).toContain(rec.id);
    const done = await call('update_recommendation_status', { id: rec.id, status: 'accepted', apply: true });
    expect(done).toMatchObject({ applied: true });
    const accepted = await call('list_recommendations', { status: ['accepted'] });
    expect((accepted.recommendations as { id: string }[]).map((x) => x.id)).toEqual([rec.id]);
    const [audit] = await withBusiness(t.db, ctx.business.id, (tx) =>
      queryRows<{ old_values: unknown; new_values: unknown; actor_id: string }>(
        tx,
        sql`select old_values, new_values, actor_id from audit_logs where entity_id = ${rec.id}`,
      ),
    );
    expect(audit).toEqual({
      old_values: { status: 'pending' },
      new_values: { status: 'accepted' },
      actor_id: 'k-write',
    });
  });

  it('categorize_transactions previews without writing, and applies on request', async () => {
    const count = () =>
      withBusiness(t.db, ctx.business.id, (tx) =>
        queryRows<{ n: number }>(
          tx,
          sql`select count(*)::int as n from transactions where category_source = 'similar'`,
        ),
      );
    // Demo Co's bank lines all carry Xero's categories: add a statement of new, unlabelled ones like them.
    await withBusiness(t.db, ctx.business.id, async (tx) => {
      const seen = await queryRows<{ description: string; amount: string }>(
        tx,
        sql`select description, base_amount::text as amount from transactions
            where kind = 'SPEND' and description is not null order by date desc limit 20`,
      );
      const csv = [
        'Date,Description,Amount',
        ...seen.map((x, i) => `2026-11-${String(1 + (i % 20)).padStart(2, '0')},"${x.description} NEW",${x.amount}`),
      ];
      await importStatement(tx, ctx.business, { account: 'New Card', text: csv.join('\n') });
    });
    const preview = await call('categorize_transactions', { limit: 100 });
    expect(preview.applied).toBe(false);
    expect(Number((await count())[0]!.n)).toBe(0);
    const applied = await call('categorize_transactions', { limit: 100, apply: true });
    const n = (applied.counts as { apply: number }).apply;
    expect(n).toBeGreaterThan(0);
    expect(Number((await count())[0]!.n)).toBe(n);
    expect(JSON.stringify(applied).length).toBeLessThanOrEqual(MAX_RESULT_BYTES);
  });

  it('refresh_insights recomputes on apply', async () => {
    expect(await call('refresh_insights', {})).toMatchObject({ applied: false, written: null });
    const r = await call('refresh_insights', { apply: true });
    expect(r).toMatchObject({ applied: true, readiness: { score: expect.any(Number) } });
  });
});
