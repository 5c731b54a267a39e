import { z } from 'zod';
import { setTransactionCategory } from '../src/domain/categorize/corrections';
import { Amount, Apply, actorOf, defineTool, IsoDate, WRITE_ANNOTATIONS } from './define';

const Category = z.object({
  category: z.string().nullable(),
  accountCode: z.string().nullable(),
  source: z.string().nullable(),
});

export default defineTool({
  name: 'set_transaction_category',
  title: 'Set a transaction’s category',
  description:
    'Sets one transaction’s category as a person’s decision (source "user"). It becomes an example for future categorization at once; after three such corrections of the same merchant the result proposes a rule. Preview by default (shows old and new); apply: true makes the change, which is audited.',
  input: z.object({
    transactionId: z.uuid(),
    category: z.string().min(1).max(100).describe('the category (account) name, e.g. "Travel"'),
    accountCode: z
      .string()
      .max(20)
      .optional()
      .describe('the account code; default: the code of the account with that name'),
    apply: Apply,
  }),
  output: z.object({
    transaction: z.object({ id: z.string(), date: IsoDate, description: z.string().nullable(), amount: Amount }),
    old: Category,
    new: Category,
    applied: z.boolean(),
    suggestedRule: z
      .object({
        matchType: z.literal('equals'),
        pattern: z.string(),
        category: z.string(),
        corrections: z.number().int(),
      })
      .nullable()
      .describe('create it with create_category_rule to categorize this merchant automatically'),
  }),
  annotations: WRITE_ANNOTATIONS,
  scope: 'write',
  permission: 'categorize',
  async run({ apply, ...input }, ctx) {
    return setTransactionCategory(ctx.db, { id: ctx.business.id }, input, actorOf(ctx), {
      apply,
      ...(ctx.embedder ? { embedder: ctx.embedder } : {}),
    });
  },
});
