import { z } from 'zod';
import { DomainError } from '../src/errors';
import { planCategoryPush } from '../src/integrations/xero/write-back';
import { Apply, defineTool } from './define';

export default defineTool({
  name: 'push_categories_to_xero',
  title: 'Push categories to Xero',
  description:
    'Sends the account codes of bank transactions categorized here (by rules, similar transactions or a person) to the same lines in Xero, so the ledger matches. Only unreconciled lines can change in Xero; a line someone changed in Xero since the last sync is not overwritten but recorded as a conflict. Preview by default (lists what would be sent); apply: true starts the push (results arrive in the audit log and sync status).',
  input: z.object({
    transactionIds: z
      .array(z.uuid())
      .min(1)
      .max(500)
      .optional()
      .describe('only these; default: every categorized line Xero does not have yet'),
    apply: Apply,
  }),
  output: z.object({
    applied: z.boolean(),
    started: z.enum(['queued', 'background']).nullable(),
    lines: z.array(
      z.object({
        transactionId: z.string(),
        date: z.string(),
        description: z.string().nullable(),
        category: z.string(),
        accountCode: z.string(),
        action: z.enum(['push', 'skip']),
        reason: z.string().nullable(),
      }),
    ),
    toPush: z.number().int(),
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  scope: 'write',
  permission: 'categorize',
  async run({ transactionIds, apply }, ctx) {
    const plan = await planCategoryPush(ctx.db, ctx.business.id, transactionIds);
    if (transactionIds && plan.length === 0)
      throw new DomainError('not_found', 404, 'None of those transactions has a category to push to Xero.');
    const lines = plan.slice(0, 100).map((c) => {
      const reason = c.reconciled
        ? 'reconciled in Xero, which does not allow editing it'
        : c.connection_id
          ? null
          : 'not synced from a Xero connection yet';
      return {
        transactionId: c.id,
        date: c.date,
        description: c.description,
        category: c.category,
        accountCode: c.account_code,
        action: reason ? ('skip' as const) : ('push' as const),
        reason,
      };
    });
    const toPush = plan.filter((c) => !c.reconciled && c.connection_id).length;
    if (!apply || toPush === 0) return { applied: false, started: null, lines, toPush };
    if (!ctx.pushCategories)
      throw new DomainError(
        'not_available',
        409,
        'This channel cannot push to Xero; call it over HTTP or MCP on the running service.',
      );
    const started = await ctx.pushCategories(transactionIds);
    return { applied: true, started: started.how, lines, toPush };
  },
});
