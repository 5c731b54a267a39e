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
  adjustments: Amount.optional().describe('the what-if amounts in this week'),
  net: Amount,
  closingCash: Amount,
});

export default defineTool({
  name: 'forecast_cash_flow',
  title: '13-week cash-flow forecast',
  description:
    'Week-by-week cash for the next 13 weeks: open receivables at each customer’s usual lateness, subscriptions, regular customers, open bills and recurring costs (payroll, rent, software). Returns the chosen scenario week by week and the ending and lowest cash of all three (base, optimistic, pessimistic), and the week cash would go below zero or `floor`. What if: `monthlyChange` adds a signed amount on the last day of every month (a hire at 6,000 a month: "-6000"; a new retainer: "2500"), `oneOffChange` one now (a 50,000 purchase: "-50000"). Use it for "can we afford…", "will we make payroll in 6 weeks", "when is cash lowest".',
  input: z.object({
    scenario: z.enum(['base', 'optimistic', 'pessimistic']).default('base'),
    floor: Amount.optional().describe('a minimum cash level to watch, e.g. "50000"'),
    monthlyChange: Amount.optional().describe('what if: a signed amount at each month end, e.g. "-6000" for a hire'),
    oneOffChange: Amount.optional().describe('what if: a signed amount now, e.g. "-50000" for a purchase'),
  }),
  output: z.object({
    asOf: IsoDate,
    currency: z.string(),
    scenario: z.string(),
    assumptions: z.string(),
    whatIf: z
      .object({ monthlyChange: Amount.optional(), oneOffChange: Amount.optional(), total: Amount })
      .optional()
      .describe('the what-if asked, and its total over the 13 weeks'),
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
  async run({ scenario, floor, monthlyChange, oneOffChange }, ctx) {
    const f = await forecastCashFlow(
      ctx.db,
      { id: ctx.business.id, baseCurrency: ctx.business.baseCurrency },
      ctx.today(),
      {
        ...(floor ? { floor } : {}),
        ...(monthlyChange ? { monthlyChange } : {}),
        ...(oneOffChange ? { oneOffChange } : {}),
      },
    );
    const chosen = f.scenarios.find((s) => s.scenario === scenario)!;
    return {
      asOf: f.asOf,
      currency: f.currency,
      scenario,
      assumptions: f.assumptions[scenario],
      ...(f.whatIf ? { whatIf: f.whatIf } : {}),
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
