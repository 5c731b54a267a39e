import { z } from 'zod';
import { METRIC_DEFINITIONS } from '../src/domain/metrics/definitions';
import { NotFoundError } from '../src/errors';
import { defineTool } from './define';

export default defineTool({
  name: 'explain_metric',
  title: 'Explain a metric',
  description:
    'How a metric is defined here, in plain words, with its formula and the source of the definition (Stripe, Xero, card networks). Use it when someone asks what a figure means or how it is calculated. Names: ' +
    METRIC_DEFINITIONS.map((d) => d.name).join(', ') +
    '.',
  input: z.object({ metric: z.string().min(1).max(60).describe('e.g. "runway", "DSO", "mrr"') }),
  output: z.object({ name: z.string(), label: z.string(), formula: z.string(), source: z.string() }),
  annotations: { readOnlyHint: true, idempotentHint: true },
  scope: 'read',
  async run({ metric }) {
    const key = metric
      .trim()
      .toLowerCase()
      .replace(/[\s-]+/g, '_');
    const found = METRIC_DEFINITIONS.find(
      (d) =>
        d.name === key ||
        d.label.toLowerCase() === metric.trim().toLowerCase() ||
        d.label.toLowerCase().startsWith(`${key.replace(/_/g, ' ')} `),
    );
    if (!found)
      throw new NotFoundError(
        `No metric called "${metric}". Known: ${METRIC_DEFINITIONS.map((d) => d.name).join(', ')}.`,
      );
    return found;
  },
});
