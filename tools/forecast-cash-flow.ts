import { z } from 'zod';
import { forecastCashFlow } from '../src/domain/forecast';
import { Amount, defineTool, IsoDate } from './define';

const Week = z.object({
  week: z.number().int(),
  start: IsoDate,
  end: IsoDate,
  receipts: Amount,
  recurringInflows: Amount,
  payments: Amount,
  recurringOutflows: Amount,
  net: Amount,
  closingCash: Amount,
});

export default defineTool({
  name: 'forecast_cash_flow',
  title: '13-week cash-flow forecast',
  description:
    'Week-by-week cash for the next 13 weeks: open receivables at each customer’s usual lateness, subscriptions, regular customers, open bills and recurring costs (payroll, rent, software). Returns the chosen scenario week by week and the ending and lowest cash of all three (base, optimistic, pessimistic), and the week cash would go below zero or `floor`.',
  input: z.object({
    scenario: z.enum(['base', 'optimistic', 'pessimistic']).default('base'),
    floor: Amount.optional().describe('a minimum cash level to watch, e.g. "50000"'),
  }),
  output: z.object({
    asOf: IsoDate,
    currency: z.string(),
    scenario: z.string(),
    assumptions: z.string(),
    weeks: z.array(Week),
    summary: z.array(
      z.object({
        scenario: z.string(),
        endingCash: Amount,
        lowestCash: Amount,
        lowestWeek: z.number().int(),
        belowZeroWeek: z.number().int().nullable(),
        belowFloorWeek: z.number().int().nullable(),
      }),
    ),
  }),
  annotations: { readOnlyHint: true, idempotentHint: true },
  scope: 'read',
  async run({ scenario, floor }, ctx) {
    const f = await forecastCashFlow(
      ctx.db,
      { id: ctx.business.id, baseCurrency: ctx.business.baseCurrency },
      ctx.today(),
      floor ? { floor } : {},
    );
    const chosen = f.scenarios.find((s) => s.scenario === scenario)!;
    return {
      asOf: f.asOf,
      currency: f.currency,
      scenario,
      assumptions: f.assumptions[scenario],
      weeks: chosen.weeks.map(({ openingCash: _o, ...w }) => w),
      summary: f.scenarios.map((s) => ({
        scenario: s.scenario,
        endingCash: s.endingCash,
        lowestCash: s.lowestCash.amount,
        lowestWeek: s.lowestCash.week,
        belowZeroWeek: s.belowZeroWeek,
        belowFloorWeek: s.belowFloorWeek,
      })),
    };
  },
});
