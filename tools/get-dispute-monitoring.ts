import { z } from 'zod';
import { disputeMonitoring } from '../src/domain/disputes';
import { defineTool, IsoDate } from './define';

const Counts = z.object({ events: z.number().int(), transactions: z.number().int(), ratio: z.number().nullable() });
const Status = z.enum(['ok', 'watch', 'at_risk', 'over']);

export default defineTool({
  name: 'get_dispute_monitoring',
  title: 'Card dispute monitoring',
  description:
    'Where the business stands in the card networks’ dispute programs this month: Visa VAMP and Mastercard ECM/HECM ratios month to date and projected to month end, against each program’s threshold and minimum count, with a status (ok, watch, at_risk, over). Use it for chargeback, dispute and fraud-risk questions.',
  input: z.object({ asOf: IsoDate.optional().describe('a day in the month to check; default today') }),
  output: z.object({
    asOf: IsoDate,
    month: z.object({ start: IsoDate, end: IsoDate }),
    daysElapsed: z.number().int(),
    daysInMonth: z.number().int(),
    status: Status,
    programs: z.array(
      z.object({
        program: z.string(),
        network: z.string(),
        threshold: z.number(),
        minimumCount: z.number().int(),
        monthToDate: Counts,
        projected: Counts,
        status: Status,
        explanation: z.string(),
      }),
    ),
    notes: z.array(z.string()),
  }),
  annotations: { readOnlyHint: true, idempotentHint: true },
  scope: 'read',
  async run({ asOf }, ctx) {
    const m = await disputeMonitoring(ctx.db, ctx.business.id, asOf ?? ctx.today());
    return { ...m, programs: m.programs.map(({ source: _s, ...p }) => p) };
  },
});
