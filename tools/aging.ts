/** Shared by get_receivables_aging and get_payables_aging. */
import { z } from 'zod';
import { buildReport } from '../src/domain/reports';
import { defineTool, IsoDate } from './define';
import { AgingSchema } from './schemas';

type Aging = z.infer<typeof AgingSchema>;

export function agingTool(side: 'receivables' | 'payables') {
  const receivables = side === 'receivables';
  return defineTool({
    name: `get_${side}_aging`,
    title: receivables ? 'Receivables aging' : 'Payables aging',
    description: `What ${receivables ? 'customers owe the business' : 'the business owes suppliers'}, by how long past due (current, 1–30, 31–60, 61–90, 90+ days) as of a date (default today): totals and the largest contacts (up to 15). Use it for overdue, collections and "who owes" questions.`,
    input: z.object({ asOf: IsoDate.optional().describe('YYYY-MM-DD; default today') }),
    output: z.object({
      asOf: IsoDate,
      currency: z.string(),
      totals: AgingSchema,
      contacts: z.array(AgingSchema.extend({ contact: z.string() })),
      contactCount: z.number().int(),
      documents: z.number().int(),
    }),
    annotations: { readOnlyHint: true, idempotentHint: true },
    scope: 'read',
    async run({ asOf }, ctx) {
      const date = asOf ?? ctx.today();
      const r = await buildReport(
        ctx.db,
        { id: ctx.business.id, baseCurrency: ctx.business.baseCurrency },
        { kind: receivables ? 'aged_receivables' : 'aged_payables', to: date },
      );
      const d = r.data as {
        totals: Aging;
        contacts: (Aging & { contact: string })[];
        contactCount: number;
        documents: number;
      };
      return {
        asOf: date,
        currency: r.currency,
        totals: d.totals,
        contacts: d.contacts.slice(0, 15),
        contactCount: d.contactCount,
        documents: d.documents,
      };
    },
  });
}
