import { z } from 'zod';
import { createCategoryRule } from '../src/domain/categorize/corrections';
import { MAX_PATTERN_LENGTH } from '../src/domain/categorize/rules';
import { Amount, Apply, actorOf, defineTool, WRITE_ANNOTATIONS } from './define';
import { BankLineSchema } from './schemas';

export default defineTool({
  name: 'create_category_rule',
  title: 'Create a category rule',
  description:
    'A rule that categorizes matching bank lines from now on: contains / equals / regex on the description, or an exact counterparty, optionally only money in or out and within an amount range; the highest priority wins. Unsafe regular expressions are refused. Preview by default, showing how many recent lines it would match; apply: true creates it.',
  input: z.object({
    matchType: z.enum(['contains', 'equals', 'regex', 'counterparty']),
    pattern: z.string().min(1).max(MAX_PATTERN_LENGTH),
    direction: z.enum(['in', 'out', 'any']).default('any'),
    minAmount: Amount.optional().describe('absolute amount at least this'),
    maxAmount: Amount.optional(),
    category: z.string().min(1).max(100),
    accountCode: z.string().max(20).optional(),
    priority: z.number().int().min(-1000).max(1000).default(0),
    apply: Apply,
  }),
  output: z.object({
    rule: z.object({
      id: z.string().nullable(),
      matchType: z.string(),
      pattern: z.string(),
      direction: z.string(),
      minAmount: z.string().nullable(),
      maxAmount: z.string().nullable(),
      category: z.string(),
      accountCode: z.string().nullable(),
      priority: z.number().int(),
    }),
    matches: z.object({
      checked: z.number().int(),
      matched: z.number().int(),
      examples: z.array(BankLineSchema),
    }),
    applied: z.boolean(),
  }),
  annotations: { ...WRITE_ANNOTATIONS, idempotentHint: false },
  scope: 'write',
  permission: 'categorize',
  async run({ apply, ...input }, ctx) {
    return createCategoryRule(ctx.db, { id: ctx.business.id }, input, actorOf(ctx), { apply });
  },
});
