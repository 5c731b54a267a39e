import { z } from 'zod';
import { resolvePeriod } from '../src/domain/metrics/read';
import { buildReport } from '../src/domain/reports';
import { defineTool, IsoDate } from './define';

export default defineTool({
  name: 'get_report',
  title: 'Financial report',
  description:
    'A report computed from the synced books: profit_and_loss or cash_summary for a period (default the last complete month), balance_sheet (a summary: cash, receivables, payables), aged_receivables or aged_payables at a date (default today). The same definitions as every other figure here.',
  input: z.object({
    kind: z.enum(['profit_and_loss', 'balance_sheet', 'cash_summary', 'aged_receivables', 'aged_payables']),
    from: IsoDate.optional(),
    to: IsoDate.optional(),
  }),
  output: z.object({
    kind: z.string(),
    periodStart: IsoDate.nullable(),
    periodEnd: IsoDate,
    currency: z.string(),
    data: z.record(z.string(), z.unknown()),
  }),
  annotations: { readOnlyHint: true, idempotentHint: true },
  scope: 'read',
  async run({ kind, from, to }, ctx) {
    const periodic = kind === 'profit_and_loss' || kind === 'cash_summary';
    const last = resolvePeriod('month', ctx.today());
    const range = periodic
      ? { from: from ?? (to ? undefined : last.start), to: to ?? last.end }
      : { to: to ?? ctx.today() };
    const r = await buildReport(
      ctx.db,
      { id: ctx.business.id, baseCurrency: ctx.business.baseCurrency },
      { kind, ...range, to: range.to },
    );
    // Aged reports can list many contacts: keep the largest 15 so the result stays small (with the count of all).
    const aged = r.data as { contacts?: unknown[] };
    const data = Array.isArray(aged.contacts) ? { ...r.data, contacts: aged.contacts.slice(0, 15) } : r.data;
    return { kind: r.kind, periodStart: r.periodStart, periodEnd: r.periodEnd, currency: r.currency, data };
  },
});
