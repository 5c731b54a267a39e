import { z } from 'zod';
import { buildReport } from '../src/domain/reports';
import { defineTool, IsoDate } from './define';
import { AgingSchema } from './schemas';

export default defineTool({
  name: 'get_receivables_aging',
  title: 'Receivables aging',
  description:
    'What customers owe the business, by how long past due (current, 1–30, 31–60, 61–90, 90+ days) as of a date (default today): totals and the largest contacts (up to 15). Use it for overdue, collections and "who owes" questions.',
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
      { kind: 'aged_receivables', to: date },
    );
    const d = r.data as {
      totals: z.infer<typeof AgingSchema>;
      contacts: (z.infer<typeof AgingSchema> & { contact: string })[];
      documents: number;
    };
    return {
      asOf: date,
      currency: r.currency,
      totals: d.totals,
      contacts: d.contacts.slice(0, 15),
      contactCount: d.contacts.length,
      documents: d.documents,
    };
  },
});
