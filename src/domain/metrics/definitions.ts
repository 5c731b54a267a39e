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
      'Xero: every line on an Income account (types Revenue and Sales) of authorised and paid invoices, cash sales and sales credit notes, by date, tax excluded. Without Xero: Stripe succeeded charges less refunds; otherwise categorized bank inflows. One source per figure, so money is never counted twice.',
    source: 'Xero Profit and Loss, "Total Income" (accrual); DESIGN §5',
  },
  {
    name: 'expenses',
    label: 'Expenses',
    formula:
      'Xero: cost of sales plus operating expenses — every line of bills, spend money and supplier credit notes on those accounts, tax excluded, and realised currency gains and losses. Money paid to balance-sheet accounts (VAT or sales tax returns, loans, owners) is not an expense.',
    source: 'Xero Profit and Loss, "Total Cost of Sales" + "Total Operating Expenses"',
  },
  {
    name: 'other_income',
    label: 'Other income',
    formula: 'Xero: lines on Other Income accounts (interest, grants coded there). Part of net income, not of revenue.',
    source: 'Xero Profit and Loss, "Total Other Income"',
  },
  {
    name: 'net_income',
    label: 'Net income',
    formula: 'Revenue + other income − expenses.',
    source: 'Xero Profit and Loss, "Net Profit"',
  },
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
      'Monthly-normalised recurring amount (price × quantity) of active and past-due subscriptions at the period end (today for the month under way), after discounts whose coupon lasts forever; once and repeating coupons, trials and metered prices are left out.',
    source: 'Stripe Billing analytics, "How do you calculate MRR?"',
  },
  { name: 'arr', label: 'ARR', formula: '12 × MRR.', source: 'Stripe Billing analytics' },
  {
    name: 'subscriber_churn',
    label: 'Subscriber churn',
    formula:
      'Subscribers who left in the 30 days to the period end (to today for the month under way) / (active 30 days earlier + new in those 30 days).',
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
    formula:
      'What is still owed on open invoices or bills (less payments and allocated credit), and unallocated credit notes as negatives, by days past due at the date: current, 1–30, 31–60, 61–90, 90+.',
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
