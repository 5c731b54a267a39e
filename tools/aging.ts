/** Shared by get_receivables_aging and get_payables_aging. */
import { z } from 'zod';
import { buildReport, dueWithin } from '../src/domain/reports';
import { Amount, defineTool, IsoDate } from './define';
import { AgingSchema } from './schemas';

type Aging = z.infer<typeof AgingSchema>;

export function agingTool(side: 'receivables' | 'payables') {
  const receivables = side === 'receivables';
  return defineTool({
    name: `get_${side}_aging`,
    title: receivables ? 'Receivables aging' : 'Payables aging',
    description: `What ${receivables ? 'customers owe the business' : 'the business owes suppliers'}, by how long past due (current, 1–30, 31–60, 61–90, 90+ days) as of a date (default today): totals and the largest contacts (up to 15). With \`dueWithinDays\`, also the ${receivables ? 'invoices' : 'bills'} not yet overdue that fall due in that many days, earliest first. Use it for overdue, collections, "who ${receivables ? 'owes us' : 'do we owe'}" and "what falls due in the next two weeks" questions.`,
    input: z.object({
      asOf: IsoDate.optional().describe('YYYY-MM-DD; default today'),
      dueWithinDays: z
        .number()
        .int()
        .min(0)
        .max(366)
        .optional()
        .describe('also list the documents falling due from asOf to asOf + this many days'),
    }),
    output: z.object({
      asOf: IsoDate,
      currency: z.string(),
      totals: AgingSchema,
      contacts: z.array(AgingSchema.extend({ contact: z.string() })),
      contactCount: z.number().int(),
      documents: z.number().int(),
      dueSoon: z
        .object({
          from: IsoDate,
          to: IsoDate,
          total: Amount,
          count: z.number().int(),
          documents: z.array(
            z.object({ contact: z.string(), number: z.string().nullable(), due: IsoDate, amount: Amount }),
          ),
        })
        .optional()
        .describe(
          'with dueWithinDays: what falls due in the window (up to 25 documents shown; count and total cover all)',
        ),
    }),
    annotations: { readOnlyHint: true, idempotentHint: true },
    scope: 'read',
    async run({ asOf, dueWithinDays }, ctx) {
      const date = asOf ?? ctx.today();
      const business = { id: ctx.business.id, baseCurrency: ctx.business.baseCurrency };
      const r = await buildReport(ctx.db, business, {
        kind: receivables ? 'aged_receivables' : 'aged_payables',
        to: date,
      });
      const soon =
        dueWithinDays === undefined
          ? undefined
          : await dueWithin(ctx.db, business, receivables ? 'ACCREC' : 'ACCPAY', date, dueWithinDays);
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
        ...(soon ? { dueSoon: { ...soon, count: soon.documents.length, documents: soon.documents.slice(0, 25) } } : {}),
      };
    },
  });
}
