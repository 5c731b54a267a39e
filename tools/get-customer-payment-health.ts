import { z } from 'zod';
import { paymentHealthSummary } from '../src/domain/payment-health';
import { Amount, defineTool } from './define';

export default defineTool({
  name: 'get_customer_payment_health',
  title: 'Customer payment health',
  description:
    'How customers pay, from their invoices over the last year: average and median days to pay, share paid late, what is overdue now, whether they are paying later than before, and which are at risk (with the reasons). At-risk customers first; filter by a name with `customer`.',
  input: z.object({
    customer: z.string().min(1).max(100).optional().describe('part of a customer name'),
    limit: z.number().int().min(1).max(25).default(10),
  }),
  output: z.object({
    currency: z.string(),
    customers: z.array(
      z.object({
        customer: z.string(),
        invoicesPaid: z.number().int(),
        averageDaysToPay: z.number().nullable(),
        medianDaysToPay: z.number().nullable(),
        latePaidShare: z.number().nullable(),
        trend: z.enum(['improving', 'stable', 'worsening', 'unknown']),
        overdue: z.object({ amount: Amount, invoices: z.number().int(), oldestDaysPastDue: z.number().nullable() }),
        atRisk: z.boolean(),
        reasons: z.array(z.string()),
      }),
    ),
    atRiskCount: z.number().int(),
    customerCount: z.number().int(),
  }),
  annotations: { readOnlyHint: true, idempotentHint: true },
  scope: 'read',
  async run({ customer, limit }, ctx) {
    const s = await paymentHealthSummary(
      ctx.db,
      ctx.business.id,
      ctx.today(),
      customer ? { customer, limit } : { limit },
    );
    return {
      currency: ctx.business.baseCurrency,
      customers: s.customers.map(({ contactId: _c, recentDaysLate: _r, earlierDaysLate: _e, ...h }) => h),
      atRiskCount: s.atRiskCount,
      customerCount: s.customerCount,
    };
  },
});
