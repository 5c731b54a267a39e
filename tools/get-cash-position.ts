import { z } from 'zod';
import { buildReport } from '../src/domain/reports';
import { NotSyncedError } from '../src/errors';
import { Amount, defineTool, IsoDate } from './define';

export default defineTool({
  name: 'get_cash_position',
  title: 'Cash position',
  description:
    'Cash in each bank account and in total as of a date (default today), from the last sync or import. Use it before answering questions about cash, runway or burn.',
  input: z.object({ asOf: IsoDate.optional().describe('YYYY-MM-DD; default today') }),
  output: z.object({
    asOf: IsoDate,
    currency: z.string(),
    accounts: z.array(z.object({ name: z.string(), amount: Amount })),
    total: Amount,
  }),
  annotations: { readOnlyHint: true, idempotentHint: true },
  scope: 'read',
  async run({ asOf }, ctx) {
    const date = asOf ?? ctx.today();
    const r = await buildReport(
      ctx.db,
      { id: ctx.business.id, baseCurrency: ctx.business.baseCurrency },
      { kind: 'balance_sheet', to: date },
    );
    const data = r.data as { cash: { name: string; amount: string }[]; totalCash: string };
    if (data.cash.length === 0)
      throw new NotSyncedError('No bank accounts yet. Connect Xero or import a CSV bank statement first.');
    return { asOf: date, currency: r.currency, accounts: data.cash, total: data.totalCash };
  },
});
