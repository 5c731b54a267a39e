import { z } from 'zod';
import { TRANSACTION_KINDS } from '../src/db/schema';
import { listTransactions } from '../src/domain/transactions';
import { Amount, defineTool, IsoDate } from './define';

/** Compact rows, so that a full page stays under the result size bound. */
const Transaction = z.object({
  id: z.string(),
  date: IsoDate,
  kind: z.string(),
  amount: Amount.describe('in the business currency; money in > 0, out < 0'),
  original: z.string().nullable().describe('the amount in its own currency when that differs, e.g. "EUR 120.00"'),
  counterparty: z.string().nullable(),
  description: z.string().nullable(),
  category: z.string().nullable(),
  source: z.string(),
});

export default defineTool({
  name: 'list_transactions',
  title: 'List transactions',
  description:
    'Money movements newest first, filtered by dates, kind (SPEND, RECEIVE, INVOICE, BILL, PAYMENT, CHARGE, REFUND, DISPUTE, PAYOUT, FEE, TRANSFER, CREDIT_NOTE), category, a search in counterparty and description, amount range or direction. Returns a page (default 20, at most 25), the total count and sum of everything that matches, and `nextCursor` to fetch the next page with the same filters.',
  input: z.object({
    from: IsoDate.optional(),
    to: IsoDate.optional(),
    kind: z.enum(TRANSACTION_KINDS).optional(),
    category: z.string().max(100).optional(),
    uncategorized: z.boolean().optional().describe('only transactions without a category'),
    search: z.string().min(1).max(100).optional().describe('text in the counterparty or description'),
    minAmount: Amount.optional().describe('absolute amount at least this'),
    maxAmount: Amount.optional(),
    direction: z.enum(['in', 'out']).optional(),
    limit: z.number().int().min(1).max(25).default(20),
    cursor: z.string().max(500).optional().describe('nextCursor from the previous page'),
  }),
  output: z.object({
    transactions: z.array(Transaction),
    total: z.object({ count: z.number().int(), sum: Amount }),
    nextCursor: z.string().nullable(),
    currency: z.string(),
  }),
  annotations: { readOnlyHint: true, idempotentHint: true },
  scope: 'read',
  async run({ limit, cursor, ...filter }, ctx) {
    const r = await listTransactions(ctx.db, ctx.business.id, filter, { cursor, limit });
    return {
      transactions: r.transactions.map((x) => ({
        id: x.id,
        date: x.date,
        kind: x.kind,
        amount: x.baseAmount,
        original: x.currency === ctx.business.baseCurrency ? null : `${x.currency} ${x.amount}`,
        counterparty: x.counterparty,
        description: x.description && x.description.length > 60 ? `${x.description.slice(0, 59)}…` : x.description,
        category: x.category,
        source: x.source,
      })),
      total: r.total,
      nextCursor: r.nextCursor,
      currency: ctx.business.baseCurrency,
    };
  },
});
