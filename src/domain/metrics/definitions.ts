/** Plain-language definitions of every metric, for `explain_metric` and the MCP resource. docs/metrics.md has the long form. */
export interface MetricDefinition {
  name: string;
  label: string;
  formula: string;
  source: string;
}

export const METRIC_DEFINITIONS: MetricDefinition[] = [
  {
    name: 'revenue',
    label: 'Revenue',
    formula:
      'Xero: authorised and paid sales invoices by invoice date, tax excluded, less credit notes. Without Xero: Stripe succeeded charges less refunds; otherwise categorized bank inflows. One source per figure, so money is never counted twice.',
    source: 'Accrual basis as in Xero’s Profit and Loss; DESIGN §5',
  },
  {
    name: 'expenses',
    label: 'Expenses',
    formula: 'Xero: bills by bill date (tax excluded) less supplier credit notes, plus spend-money bank transactions.',
    source: 'Xero Profit and Loss',
  },
  { name: 'net_income', label: 'Net income', formula: 'Revenue − expenses.', source: '' },
  {
    name: 'gross_margin',
    label: 'Gross margin',
    formula: '(Revenue − cost of sales) / revenue; cost of sales is spending coded to direct-cost accounts.',
    source: 'Xero executive summary, "Gross profit margin"',
  },
  {
    name: 'revenue_volatility',
    label: 'Revenue volatility',
    formula: 'Sample standard deviation / mean of monthly revenue over the trailing six months (at least three).',
    source: 'Coefficient of variation; DESIGN §5',
  },
  {
    name: 'cash_balance',
    label: 'Cash balance',
    formula: 'Everything that moved through the bank accounts up to the date.',
    source: 'Xero "Closing bank balance"',
  },
  {
    name: 'gross_burn',
    label: 'Gross burn',
    formula: 'Cash out of the bank accounts in the period, transfers between own accounts excluded.',
    source: 'DESIGN §5',
  },
  {
    name: 'net_burn',
    label: 'Net burn',
    formula: 'Cash out − cash in (same exclusions); negative when cash grew.',
    source: 'DESIGN §5',
  },
  {
    name: 'runway',
    label: 'Runway',
    formula:
      'Cash / average monthly net burn of the last three complete months; "cash-flow positive" when that burn is zero or negative.',
    source: 'DESIGN §5',
  },
  {
    name: 'mrr',
    label: 'MRR',
    formula:
      'Monthly-normalised recurring amount of active and past-due subscriptions at the period end, after forever discounts, trials and metered prices excluded.',
    source: 'Stripe Billing analytics, metric definitions',
  },
  { name: 'arr', label: 'ARR', formula: '12 × MRR.', source: 'Stripe Billing analytics' },
  {
    name: 'subscriber_churn',
    label: 'Subscriber churn',
    formula: 'Subscribers who left in the last 30 days / (active 30 days earlier + new in those 30 days).',
    source: 'Stripe Billing analytics, "Subscriber churn rate"',
  },
  {
    name: 'refund_ratio',
    label: 'Refund ratio',
    formula: 'Refunds / succeeded card charges in the period (counts).',
    source: 'DESIGN §5',
  },
  {
    name: 'chargeback_ratio',
    label: 'Chargeback ratio',
    formula:
      'Disputes / succeeded card charges in the period (counts). Card-network programs (Visa VAMP, Mastercard ECM) use their own definitions: see get_dispute_monitoring.',
    source: 'DESIGN §5',
  },
  {
    name: 'dso',
    label: 'DSO (days sales outstanding)',
    formula: 'Receivables at the period end / revenue of the period × days in the period.',
    source: 'Xero executive summary, "Average debtors days"',
  },
  {
    name: 'dpo',
    label: 'DPO (days payables outstanding)',
    formula: 'Payables at the period end / expenses of the period × days in the period.',
    source: 'Xero executive summary, "Average creditors days"',
  },
  {
    name: 'aging',
    label: 'Aging buckets',
    formula: 'Open invoices or bills by days past due at the date: current, 1–30, 31–60, 61–90, 90+.',
    source: 'Xero Aged Receivables / Payables',
  },
  {
    name: 'customer_concentration',
    label: 'Customer concentration',
    formula: 'The largest customer’s share of revenue in the period.',
    source: '',
  },
  {
    name: 'funding_readiness',
    label: 'Funding readiness',
    formula:
      '0–100 from weighted components: revenue scale and growth 20, stability 15, burn and runway 20, payment risk 15, receivables health 20, data quality 10. Tiers: not ready < 40 ≤ needs work < 60 ≤ funding ready < 80 ≤ highly attractive.',
    source: 'Score version v1, docs/metrics.md',
  },
  {
    name: 'data_quality',
    label: 'Data quality',
    formula: 'A–D from connected sources, sync age, share of uncategorized bank money and unmatched Stripe payouts.',
    source: 'docs/metrics.md',
  },
];
