import { z } from 'zod';
import { categorize } from '../src/domain/categorize';
import { Apply, categorizeOptionsOf, defineTool, WRITE_ANNOTATIONS } from './define';
import { BankLineSchema } from './schemas';

export default defineTool({
  name: 'categorize_transactions',
  title: 'Categorize transactions',
  description:
    'Proposes categories for bank transactions from the business’s rules, its own history of categorized lines (same merchant, then similar ones) and, failing those, common knowledge — each with its source and confidence. Preview by default; with apply: true, proposals at or above the confidence threshold are written and the rest are queued for a person to review. Use it for "categorize my transactions" or "what would these be categorized as".',
  input: z.object({
    transactionIds: z
      .array(z.uuid())
      .max(100)
      .optional()
      .describe('only these; default: every uncategorized bank line'),
    threshold: z.number().min(0.5).max(1).default(0.8).describe('confidence needed to apply without review'),
    limit: z.number().int().min(1).max(500).default(200),
    apply: Apply,
  }),
  output: z.object({
    applied: z.boolean(),
    counts: z.object({
      considered: z.number().int(),
      apply: z.number().int(),
      review: z.number().int(),
      none: z.number().int(),
    }),
    results: z.array(
      BankLineSchema.extend({
        source: z.string().nullable(),
        confidence: z.number().nullable(),
        action: z.enum(['apply', 'review', 'none']),
      }),
    ),
    truncated: z.boolean().describe('true when there were more results than shown; counts cover all'),
  }),
  annotations: WRITE_ANNOTATIONS,
  scope: 'write',
  permission: 'categorize',
  async run({ transactionIds, threshold, limit, apply }, ctx) {
    const r = await categorize(
      ctx.db,
      { id: ctx.business.id },
      {
        transactionIds,
        threshold,
        limit,
        apply,
        ...categorizeOptionsOf(ctx),
      },
    );
    const shown = r.results.slice(0, 40);
    return {
      applied: r.applied,
      counts: r.counts,
      results: shown.map((x) => ({
        id: x.id,
        date: x.date,
        description: x.description && x.description.length > 50 ? `${x.description.slice(0, 49)}…` : x.description,
        amount: x.amount,
        category: x.proposal?.category ?? null,
        source: x.proposal?.source ?? null,
        confidence: x.proposal?.confidence ?? null,
        action: x.action,
      })),
      truncated: r.results.length > shown.length,
    };
  },
});
