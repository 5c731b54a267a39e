/** Shared by the isolation matrices: the hostile inputs that carry business A's ids, and a leak detector. */

export interface ForeignIds {
  cursor: string;
  transactions: string[];
  recommendation: string;
  connection: string;
}

/** Inputs that carry A's ids wherever a tool takes one (others get `{}`, or these fixed ones). */
export function hostileInputs(a: ForeignIds): Record<string, Record<string, unknown>> {
  return {
    list_transactions: { cursor: a.cursor },
    set_transaction_category: { transactionId: a.transactions[0], category: 'Hacked', apply: true },
    categorize_transactions: { transactionIds: a.transactions, apply: true },
    update_recommendation_status: { id: a.recommendation, status: 'dismissed', apply: true },
    create_category_rule: { matchType: 'contains', pattern: 'aws', category: 'Hacked', apply: true },
    start_sync: { connectionId: a.connection, apply: true },
    push_categories_to_xero: { transactionIds: a.transactions, apply: true },
    get_report: { kind: 'profit_and_loss' },
    explain_metric: { metric: 'dso' },
    get_customer_payment_health: { customer: 'Acme A' },
  };
}

/** A's ids that show up in a response and were not part of the request. */
export function leakedIds(text: string, request: unknown, aIds: ReadonlySet<string>): string[] {
  const asked = JSON.stringify(request ?? {});
  return [...text.matchAll(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g)]
    .map((m) => m[0])
    .filter((id) => aIds.has(id) && !asked.includes(id));
}
