import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { queryRows, withBusiness } from '../../src/db/client';
import { createDemoCompany } from '../../src/demo/load';
import { createLogger } from '../../src/logger';
import { findTool, invokeTool, MAX_RESULT_BYTES, TOOLS, type ToolContext } from '../../tools';
import { useTestDatabase } from '../helpers/db';

const t = useTestDatabase();
const TODAY = '2026-11-22';
let ctx: ToolContext;

beforeAll(async () => {
  const demo = await createDemoCompany(t.database, { today: new Date(`${TODAY}T09:00:00Z`), transactions: 11_000 });
  ctx = {
    db: t.db,
    business: { id: demo.businessId, name: 'Demo Co', baseCurrency: 'USD' },
    caller: { type: 'system', scopes: ['read'] },
    channel: 'cli',
    today: () => TODAY,
    logger: createLogger('silent'),
  };
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
  it('the registry has the read catalogue with unique names and model-facing descriptions', () => {
    expect(new Set(TOOLS.map((x) => x.name)).size).toBe(TOOLS.length);
    expect(TOOLS.length).toBeGreaterThanOrEqual(20);
    for (const tool of TOOLS) {
      expect(tool.description.length, tool.name).toBeGreaterThan(80);
      expect(tool.annotations.readOnlyHint, tool.name).toBe(true);
    }
  });

  for (const name of TOOLS.map((x) => x.name)) {
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
