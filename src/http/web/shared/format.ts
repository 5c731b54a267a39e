/**
 * Display helpers shared by the widget and the dashboard. Amounts arrive as exact decimal strings and are
 * formatted from the string (Intl.NumberFormat accepts decimal strings), never added up here.
 */

const formatters = new Map<string, Intl.NumberFormat>();

function formatter(key: string, make: () => Intl.NumberFormat): Intl.NumberFormat {
  let f = formatters.get(key);
  if (!f) {
    f = make();
    formatters.set(key, f);
  }
  return f;
}

/** "439803.38", "USD" → "$439,803.38" */
export function money(amount: string | null | undefined, currency: string, opts: { compact?: boolean } = {}): string {
  if (amount === null || amount === undefined || amount === '') return '—';
  const key = `${currency}:${opts.compact ? 'c' : 'f'}`;
  const f = formatter(
    key,
    () =>
      new Intl.NumberFormat('en-US', {
        style: 'currency',
        currency,
        ...(opts.compact ? { notation: 'compact', maximumFractionDigits: 1 } : {}),
      }),
  );
  // A decimal string formats exactly; the cast is for older lib typings that only list numbers.
  return f.format(amount as unknown as number);
}

export function number(value: number | string | null | undefined, digits = 1): string {
  if (value === null || value === undefined || value === '') return '—';
  return formatter(`n${digits}`, () => new Intl.NumberFormat('en-US', { maximumFractionDigits: digits })).format(
    value as number,
  );
}

export function percent(ratio: number | null | undefined, digits = 1): string {
  if (ratio === null || ratio === undefined) return '—';
  return formatter(
    `p${digits}`,
    () => new Intl.NumberFormat('en-US', { style: 'percent', maximumFractionDigits: digits }),
  ).format(ratio);
}

/** "2026-10-01" → "Oct 2026" */
export function monthLabel(isoDate: string): string {
  const [y, m] = isoDate.split('-').map(Number);
  return new Date(Date.UTC(y!, (m ?? 1) - 1, 1)).toLocaleString('en-US', {
    month: 'short',
    year: 'numeric',
    timeZone: 'UTC',
  });
}

const TOOL_ACTIVITY: Record<string, string> = {
  get_business_overview: 'Looking over the business',
  get_metrics: 'Reading the figures',
  compare_periods: 'Comparing periods',
  get_cash_position: 'Checking cash position',
  get_runway: 'Working out runway',
  forecast_cash_flow: 'Forecasting cash flow',
  get_revenue_breakdown: 'Breaking down revenue',
  get_expense_breakdown: 'Breaking down expenses',
  list_transactions: 'Looking through transactions',
  get_receivables_aging: 'Checking who owes us',
  get_payables_aging: 'Checking what we owe',
  get_customer_payment_health: 'Checking how customers pay',
  get_subscription_metrics: 'Reading subscription figures',
  get_dispute_monitoring: 'Checking disputes',
  get_funding_readiness: 'Scoring funding readiness',
  list_recommendations: 'Reading recommendations',
  detect_anomalies: 'Looking for anomalies',
  get_report: 'Preparing the report',
  get_sync_status: 'Checking the data’s freshness',
  explain_metric: 'Looking up the definition',
};

/** What the widget shows while a tool runs: "Checking cash position…" */
export function activityOf(tool: string): string {
  return `${TOOL_ACTIVITY[tool] ?? tool.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase())}…`;
}

const LABELS: Record<string, string> = {
  d1_30: '1–30 days',
  d31_60: '31–60 days',
  d61_90: '61–90 days',
  d90_plus: '90+ days',
  mrr: 'MRR',
  arr: 'ARR',
  dso: 'DSO',
  dpo: 'DPO',
  sharePercent: 'Share',
  changePercent: 'Change',
};

/** "grossBurn" → "Gross burn" */
export function labelOf(key: string): string {
  if (LABELS[key]) return LABELS[key]!;
  const words = key
    .replace(/_/g, ' ')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase();
  return words.replace(/^./, (c) => c.toUpperCase());
}

export const isDecimal = (v: unknown): v is string => typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v);
export const isIsoDate = (v: unknown): v is string => typeof v === 'string' && /^\d{4}-\d{2}-\d{2}/.test(v);
