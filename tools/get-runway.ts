import { z } from 'zod';
import { getSnapshot, resolvePeriod } from '../src/domain/metrics/read';
import { Amount, defineTool, IsoDate } from './define';

export default defineTool({
  name: 'get_runway',
  title: 'Runway and burn',
  description:
    'How many months the cash lasts at the average net burn of the last three complete months, with the cash, gross and net burn behind it; says "cash-flow positive" instead of a number when cash is growing. Use it for runway, burn-rate and "how long can we last" questions.',
  input: z.object({}),
  output: z.object({
    asOfMonth: IsoDate,
    currency: z.string(),
    cash: Amount,
    cashFlowPositive: z.boolean(),
    runwayMonths: z.number().nullable(),
    averageMonthlyNetBurn: Amount,
    lastMonth: z.object({ grossBurn: Amount, netBurn: Amount }),
  }),
  annotations: { readOnlyHint: true, idempotentHint: true },
  scope: 'read',
  async run(_input, ctx) {
    const s = await getSnapshot(ctx.db, ctx.business.id, resolvePeriod('month', ctx.today()));
    const r = (s.metrics as { runway?: { cashFlowPositive: boolean; averageNetBurn: string } }).runway;
    return {
      asOfMonth: s.periodStart,
      currency: s.currency,
      cash: s.cashBalance ?? '0.0000',
      cashFlowPositive: Boolean(r?.cashFlowPositive),
      runwayMonths: s.runwayMonths === null ? null : Number(s.runwayMonths),
      averageMonthlyNetBurn: r?.averageNetBurn ?? '0.0000',
      lastMonth: { grossBurn: s.grossBurn ?? '0.0000', netBurn: s.netBurn ?? '0.0000' },
    };
  },
});
