import { z } from 'zod';
import { cashByAccount } from '../src/domain/reports';
import { NotSyncedError } from '../src/errors';
import { D } from '../src/money';
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
    // The balance sheet's cash lines, without its receivables and payables (two queries this does not need).
    const accounts = await cashByAccount(ctx.db, ctx.business.id, date);
    if (accounts.length === 0)
      throw new NotSyncedError('No bank accounts yet. Connect Xero or import a CSV bank statement first.');
    const total = accounts.reduce((sum, a) => sum.plus(a.amount), new D(0)).toFixed(2);
    return { asOf: date, currency: ctx.business.baseCurrency, accounts, total };
  },
});
