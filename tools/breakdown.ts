/** Shared by get_revenue_breakdown and get_expense_breakdown: the P&L's lines for a period. */
import { z } from 'zod';
import type { Db } from '../src/db/client';
import { resolvePeriod } from '../src/domain/metrics/read';
import { comparedRange } from '../src/domain/periods';
import { buildReport, revenueByCustomer } from '../src/domain/reports';
import { InvalidInputError } from '../src/errors';
import { D, type Dec } from '../src/money';
import { Amount, defineTool, IsoDate } from './define';

const Line = z.object({
  name: z.string(),
  amount: Amount,
  sharePercent: z.number().nullable().describe('percent of the total, one decimal'),
});
type Line = z.infer<typeof Line>;
const Change = z.object({ name: z.string(), amount: Amount, previous: Amount, change: Amount });

interface Lines {
  lines: { name: string; amount: string }[];
  costOfSales: { name: string; amount: string }[];
  total: string;
  revenueSource: string;
}

type Business = { id: string; baseCurrency: string };

async function linesOf(
  db: Db,
  business: Business,
  side: 'revenue' | 'expense',
  by: 'account' | 'customer',
  range: { from: string; to: string },
): Promise<Lines> {
  if (side === 'revenue' && by === 'customer')
    return { ...(await revenueByCustomer(db, business, range.from, range.to)), costOfSales: [] };
  const r = await buildReport(db, business, { kind: 'profit_and_loss', ...range });
  const d = r.data as {
    revenueSource: string;
    income: Lines['lines'];
    expenses: Lines['lines'];
    costOfSales: Lines['lines'];
    totalIncome: string;
    totalExpenses: string;
    totalCostOfSales: string;
  };
  if (side === 'revenue')
    return {
      lines: d.income,
      costOfSales: [],
      total: d.totalIncome,
      revenueSource: d.revenueSource,
    };
  // All spending, as the snapshots' expenses: operating expenses plus cost of sales.
  return {
    lines: d.expenses,
    costOfSales: d.costOfSales,
    total: new D(d.totalExpenses).plus(d.totalCostOfSales).toFixed(2),
    revenueSource: d.revenueSource,
  };
}

const shareOf = (amount: string, total: Dec) =>
  // `|| 0`: a share that rounds to nothing is 0, never -0 (which JSON writes as 0).
  total.isZero() ? null : new D(amount).div(total.abs()).times(100).toDecimalPlaces(1).toNumber() || 0;

/** Each line's change against the other range, largest change (either way) first. */
function changes(now: Lines, before: Lines) {
  const key = (section: string, name: string) => `${section}\u0000${name}`;
  const amounts = new Map<string, { name: string; amount: Dec; previous: Dec }>();
  const add = (section: string, ls: Lines['lines'], field: 'amount' | 'previous') => {
    for (const l of ls) {
      const k = key(section, l.name);
      const row = amounts.get(k) ?? { name: l.name, amount: new D(0), previous: new D(0) };
      row[field] = row[field].plus(l.amount);
      amounts.set(k, row);
    }
  };
  add('lines', now.lines, 'amount');
  add('cos', now.costOfSales, 'amount');
  add('lines', before.lines, 'previous');
  add('cos', before.costOfSales, 'previous');
  return [...amounts.values()]
    .map((r) => ({ name: r.name, amount: r.amount, previous: r.previous, change: r.amount.minus(r.previous) }))
    .filter((r) => !r.change.isZero())
    .sort((a, b) => b.change.abs().comparedTo(a.change.abs()) || a.name.localeCompare(b.name))
    .map((r) => ({
      name: r.name,
      amount: r.amount.toFixed(2),
      previous: r.previous.toFixed(2),
      change: r.change.toFixed(2),
    }));
}

export function breakdownTool(side: 'revenue' | 'expense') {
  const revenue = side === 'revenue';
  return defineTool({
    name: `get_${side}_breakdown`,
    title: revenue ? 'Revenue breakdown' : 'Expense breakdown',
    description: revenue
      ? 'Revenue for a period by account (Xero; card sales and refunds from Stripe) or, with by: "customer", by customer — largest first with each line’s share of the total, up to `limit` lines (default 15), and the total (the profit and loss’s). Default: the last complete month. With `compare`, also each line’s change against the previous period or the same dates a year before, largest change first. Use it for "where does revenue come from", "top customers", "how dependent are we on one customer", "why did revenue fall".'
      : 'Spending for a period by category (account), largest first with each line’s share, cost of sales separately, up to `limit` lines each (default 15), with the total of both (the profit and loss’s). Default: the last complete month. With `compare`, also each category’s change against the previous period or the same dates a year before, largest change first. Use it for "what do we spend on", "top 5 costs", "why did expenses jump".',
    input: z.object({
      from: IsoDate.optional(),
      to: IsoDate.optional(),
      ...(revenue
        ? { by: z.enum(['account', 'customer']).default('account').describe('customer: who the revenue came from') }
        : {}),
      limit: z.number().int().min(1).max(15).default(15).describe('how many of the largest lines to show'),
      compare: z
        .enum(['previous', 'year_ago'])
        .optional()
        .describe(
          'previous: the period before (its same first days when this one is part-way); year_ago: the same dates a year earlier',
        ),
    }),
    output: z.object({
      from: IsoDate,
      to: IsoDate,
      currency: z.string(),
      revenueSource: z.string(),
      by: z.enum(['account', 'customer']),
      lines: z.array(Line),
      lineCount: z.number().int().describe('how many lines there are in all; `lines` shows up to `limit`'),
      costOfSales: z.array(Line),
      total: Amount,
      compared: z
        .object({ from: IsoDate, to: IsoDate, total: Amount, change: Amount, changes: z.array(Change) })
        .optional(),
    }),
    annotations: { readOnlyHint: true, idempotentHint: true },
    scope: 'read',
    async run(input, ctx) {
      const { from, to, limit, compare } = input;
      const by: 'account' | 'customer' = 'by' in input && input.by === 'customer' ? 'customer' : 'account';
      const last = resolvePeriod('month', ctx.today());
      const range = { from: from ?? last.start, to: to ?? (from ? ctx.today() : last.end) };
      if (range.from > range.to) throw new InvalidInputError('from: the period starts after it ends.');
      const business = { id: ctx.business.id, baseCurrency: ctx.business.baseCurrency };
      const now = await linesOf(ctx.db, business, side, by, range);
      const total = new D(now.total);
      const shown = (ls: Lines['lines']): Line[] =>
        ls.slice(0, limit).map((l) => ({ ...l, sharePercent: shareOf(l.amount, total) }));
      const other = compare ? comparedRange(range.from, range.to, compare) : null;
      const before = other ? await linesOf(ctx.db, business, side, by, other) : null;
      const compared =
        other && before
          ? {
              ...other,
              total: before.total,
              change: total.minus(before.total).toFixed(2),
              changes: changes(now, before).slice(0, limit),
            }
          : null;
      return {
        ...range,
        currency: ctx.business.baseCurrency,
        revenueSource: now.revenueSource,
        by,
        lines: shown(now.lines),
        lineCount: now.lines.length,
        costOfSales: shown(now.costOfSales),
        total: now.total,
        ...(compared ? { compared } : {}),
      };
    },
  });
}
