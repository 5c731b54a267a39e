/**
 * The registry: every tool, in one array that every channel loops over. Add a tool by adding its file
 * and a line here.
 */
import categorize_transactions from './categorize-transactions';
import compare_periods from './compare-periods';
import create_category_rule from './create-category-rule';
import type { Tool } from './define';
import detect_anomalies from './detect-anomalies';
import explain_metric from './explain-metric';
import forecast_cash_flow from './forecast-cash-flow';
import get_business_overview from './get-business-overview';
import get_cash_position from './get-cash-position';
import get_customer_payment_health from './get-customer-payment-health';
import get_dispute_monitoring from './get-dispute-monitoring';
import get_expense_breakdown from './get-expense-breakdown';
import get_funding_readiness from './get-funding-readiness';
import get_metrics from './get-metrics';
import get_payables_aging from './get-payables-aging';
import get_receivables_aging from './get-receivables-aging';
import get_report from './get-report';
import get_revenue_breakdown from './get-revenue-breakdown';
import get_runway from './get-runway';
import get_subscription_metrics from './get-subscription-metrics';
import get_sync_status from './get-sync-status';
import list_recommendations from './list-recommendations';
import list_transactions from './list-transactions';
import push_categories_to_xero from './push-categories-to-xero';
import refresh_insights from './refresh-insights';
import set_transaction_category from './set-transaction-category';
import start_sync from './start-sync';
import update_recommendation_status from './update-recommendation-status';

export {
  type Channel,
  invokeTool,
  MAX_RESULT_BYTES,
  mayUse,
  type Permission,
  permissionOf,
  type Scope,
  type Tool,
  type ToolContext,
  type ToolResult,
} from './define';

export const TOOLS: Tool[] = [
  get_business_overview,
  get_metrics,
  compare_periods,
  get_cash_position,
  get_runway,
  forecast_cash_flow,
  get_revenue_breakdown,
  get_expense_breakdown,
  list_transactions,
  get_receivables_aging,
  get_payables_aging,
  get_customer_payment_health,
  get_subscription_metrics,
  get_dispute_monitoring,
  get_funding_readiness,
  list_recommendations,
  detect_anomalies,
  get_report,
  get_sync_status,
  explain_metric,
  // Writes: scope "write", preview unless `apply: true`, audited.
  categorize_transactions,
  set_transaction_category,
  create_category_rule,
  update_recommendation_status,
  refresh_insights,
  start_sync,
  push_categories_to_xero,
] as unknown as Tool[];

export function findTool(name: string): Tool | undefined {
  return TOOLS.find((t) => t.name === name);
}
