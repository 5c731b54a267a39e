/** Output shapes several tools share. */
import { z } from 'zod';
import { Amount, IsoDate } from './define';

export const PeriodInput = {
  periodType: z.enum(['month', 'quarter', 'year']).default('month').describe('month, quarter or year; default month'),
  date: IsoDate.optional().describe('any day inside the period (YYYY-MM-DD); default: the last complete period'),
};

export const SnapshotSchema = z.object({
  periodType: z.enum(['week', 'month', 'quarter', 'year']),
  start: IsoDate,
  end: IsoDate,
  partial: z.boolean().describe('true for the current, unfinished period'),
  currency: z.string(),
  revenueSource: z.string().describe('where revenue comes from: xero, stripe, csv or none'),
  revenue: Amount.nullable().describe("trading income (Xero's P&L Income)"),
  otherIncome: Amount.nullable().describe("Xero's P&L Other Income (interest, grants coded there)"),
  expenses: Amount.nullable().describe('cost of sales and operating expenses'),
  netIncome: Amount.nullable().describe('revenue + other income − expenses (net profit)'),
  grossMargin: z.number().nullable(),
  revenueVolatility: z.number().nullable(),
  refundCount: z.number().int().nullable(),
  refundRatio: z.number().nullable(),
  chargebackCount: z.number().int().nullable(),
  chargebackRatio: z.number().nullable(),
  mrr: Amount.nullable(),
  arr: Amount.nullable(),
  subscriberChurn: z.number().nullable(),
  cashBalance: Amount.nullable(),
  grossBurn: Amount.nullable(),
  netBurn: Amount.nullable(),
  runwayMonths: z.number().nullable().describe('null when cash-flow positive'),
  cashFlowPositive: z.boolean().nullable(),
  dso: z.number().nullable(),
  dpo: z.number().nullable(),
  receivables: Amount.nullable(),
  payables: Amount.nullable(),
  dataQuality: z.string().nullable().describe('A (best) to D'),
});

export const AgingSchema = z.object({
  current: Amount,
  d1_30: Amount,
  d31_60: Amount,
  d61_90: Amount,
  d90_plus: Amount,
  total: Amount,
});

/** A bank line as the categorization tools show it. */
export const BankLineSchema = z.object({
  id: z.string(),
  date: IsoDate,
  description: z.string().nullable(),
  amount: Amount,
  category: z.string().nullable(),
});

/** What the last comparison with Xero's own reports found. */
export const ReconciliationSchema = z.object({
  checkedAt: z.string(),
  monthsCompared: z.number().int(),
  differenceCount: z.number().int().describe('lines that differ (0: every compared figure agrees to the cent)'),
  differences: z.array(
    z.object({
      month: IsoDate,
      line: z
        .string()
        .describe('income, cost_of_sales, other_income, operating_expenses, net_profit or bank:<account>'),
      ours: Amount,
      theirs: Amount.describe("Xero's report"),
      difference: Amount,
    }),
  ),
});
