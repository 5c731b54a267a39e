/**
 * The whole data model (DESIGN §4). Conventions: snake_case plural tables, uuid keys, timestamptz,
 * numeric(19,4) money beside a char(3) currency, and on every business-owned table a `business_id`
 * column, indexes that lead with it, and the row-level-security policy `tenant_isolation`.
 *
 * RLS: a row is visible when its business_id equals the transaction-local setting `app.business_id`
 * (set by `withBusiness`) or when `app.rls_bypass` is 'on' (set only by `withSystem`, for the few
 * cross-business jobs: API-key lookup, webhook routing, listing businesses). Migration 0002 adds
 * FORCE ROW LEVEL SECURITY and the non-bypassing runtime role `cfo_app`.
 */
import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  char,
  check,
  customType,
  date,
  doublePrecision,
  index,
  integer,
  jsonb,
  numeric,
  pgPolicy,
  pgTable,
  primaryKey,
  real,
  smallint,
  text,
  timestamp,
  uniqueIndex,
  uuid,
  vector,
} from 'drizzle-orm/pg-core';

// ---------- shared column helpers ----------

const id = () => uuid('id').primaryKey().default(sql`gen_random_uuid()`);
const tstz = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });
const createdAt = () => tstz('created_at').notNull().defaultNow();
const updatedAt = () => tstz('updated_at').notNull().defaultNow();
const money = (name: string) => numeric(name, { precision: 19, scale: 4 });
const currency = (name = 'currency') => char(name, { length: 3 });
/** Ratios and day counts are unbounded: a tiny denominator makes them huge, and storing must never fail. */
const ratio = (name: string) => numeric(name);
const businessRef = () =>
  uuid('business_id')
    .notNull()
    .references(() => businesses.id, { onDelete: 'cascade' });

/** The current-business predicate, shared by every policy. */
export const CURRENT_BUSINESS = sql`nullif(current_setting('app.business_id', true), '')::uuid`;
const BYPASS = sql`current_setting('app.rls_bypass', true) = 'on'`;

const tenantPolicy = (column = sql`business_id`) =>
  pgPolicy('tenant_isolation', {
    as: 'permissive',
    for: 'all',
    using: sql`${column} = ${CURRENT_BUSINESS} or ${BYPASS}`,
    withCheck: sql`${column} = ${CURRENT_BUSINESS} or ${BYPASS}`,
  });

const inList = (column: string, values: readonly string[]) =>
  sql.raw(`${column} in (${values.map((v) => `'${v}'`).join(', ')})`);

// ---------- enums as CHECK-constrained text (readable in SQL, easy to extend) ----------

export const ROLES = ['owner', 'admin', 'accountant', 'viewer'] as const;
export const SCOPES = ['read', 'write', 'admin'] as const;
export const PROVIDERS = ['xero', 'stripe', 'csv'] as const;
export const CONNECTION_STATUSES = ['active', 'needs_reauth', 'revoked', 'error'] as const;
export const SYNC_MODES = ['full', 'incremental', 'webhook', 'import'] as const;
export const SYNC_STATUSES = ['running', 'succeeded', 'failed', 'cancelled'] as const;
export const TRANSACTION_KINDS = [
  'INVOICE',
  'BILL',
  'SPEND',
  'RECEIVE',
  'TRANSFER',
  'CREDIT_NOTE',
  'PAYMENT',
  'CHARGE',
  'REFUND',
  'DISPUTE',
  'PAYOUT',
  'FEE',
  /** A bank account's balance before its first line (from a statement's balance column): cash, not a flow. */
  'OPENING',
] as const;
export const CATEGORY_SOURCES = ['rule', 'similar', 'model', 'user', 'upstream', 'knowledge'] as const;
export const INVOICE_TYPES = ['ACCREC', 'ACCPAY', 'ACCRECCREDIT', 'ACCPAYCREDIT'] as const;
export const INVOICE_STATUSES = ['DRAFT', 'SUBMITTED', 'AUTHORISED', 'PAID', 'VOIDED', 'DELETED'] as const;
export const SUBSCRIPTION_STATUSES = [
  'incomplete',
  'incomplete_expired',
  'trialing',
  'active',
  'past_due',
  'canceled',
  'unpaid',
  'paused',
] as const;
export const RULE_MATCH_TYPES = ['contains', 'equals', 'regex', 'counterparty'] as const;
export const DIRECTIONS = ['in', 'out', 'any'] as const;
export const PERIOD_TYPES = ['week', 'month', 'quarter', 'year'] as const;
export const REVENUE_SOURCES = ['xero', 'stripe', 'csv', 'none'] as const;
export const READINESS_TIERS = ['not_ready', 'needs_work', 'funding_ready', 'highly_attractive'] as const;
export const REC_PRIORITIES = ['low', 'medium', 'high', 'critical'] as const;
export const REC_CATEGORIES = ['cash_flow', 'risk', 'revenue', 'costs', 'collections', 'data'] as const;
export const REC_STATUSES = ['pending', 'accepted', 'dismissed', 'resolved'] as const;
export const REPORT_KINDS = [
  'profit_and_loss',
  'balance_sheet',
  'cash_summary',
  'aged_receivables',
  'aged_payables',
  'kpi',
] as const;
/** An attempt is pending, being sent (leased until `next_attempt_at`), or done one way or the other. */
export const DELIVERY_STATUSES = ['pending', 'sending', 'succeeded', 'failed', 'abandoned'] as const;
export const WEB_SESSION_KINDS = ['login_link', 'dashboard'] as const;
export const ALERT_METRICS = [
  'runway_months',
  'cash_balance',
  'net_burn',
  'mrr',
  'revenue',
  'dso',
  'chargeback_ratio',
  'dispute_status',
] as const;
export const ALERT_OPERATORS = ['lt', 'lte', 'gt', 'gte', 'eq', 'ne'] as const;
export const ALERT_STATES = ['ok', 'triggered'] as const;
export const CHANNELS = ['web', 'widget', 'mcp', 'http', 'n8n', 'cli', 'eval', 'system'] as const;
export const MESSAGE_ROLES = ['user', 'assistant'] as const;
export const ACTOR_TYPES = ['user', 'api_key', 'agent', 'system'] as const;
export const CONFLICT_STATUSES = ['open', 'kept_local', 'kept_remote'] as const;
export const REVIEW_STATUSES = ['open', 'accepted', 'corrected', 'superseded'] as const;
/** Where a proposal came from: the transaction sources, plus built-in knowledge of common merchants. */
export const PROPOSAL_SOURCES = ['rule', 'similar', 'model', 'knowledge'] as const;

// ---------- people and businesses ----------

export const users = pgTable(
  'users',
  {
    id: id(),
    email: text('email').notNull(),
    name: text('name'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    deletedAt: tstz('deleted_at'),
  },
  (t) => [uniqueIndex('users_email_key').on(sql`lower(${t.email})`)],
);

export const businesses = pgTable(
  'businesses',
  {
    id: id(),
    name: text('name').notNull(),
    baseCurrency: currency('base_currency').notNull().default('USD'),
    timezone: text('timezone').notNull().default('UTC'),
    /** Month (1–12) in which the financial year ends; Xero's Organisation.FinancialYearEndMonth. */
    fyEndMonth: smallint('fy_end_month').notNull().default(12),
    fyEndDay: smallint('fy_end_day').notNull().default(31),
    /** Origins allowed to embed the chat widget (CORS). */
    allowedOrigins: text('allowed_origins').array().notNull().default(sql`'{}'::text[]`),
    isDemo: boolean('is_demo').notNull().default(false),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    deletedAt: tstz('deleted_at'),
  },
  (t) => [
    check('businesses_name_not_blank', sql`length(trim(${t.name})) > 0`),
    check('businesses_base_currency_iso', sql`${t.baseCurrency} ~ '^[A-Z]{3}$'`),
    check('businesses_fy_end_month_range', sql`${t.fyEndMonth} between 1 and 12`),
    check('businesses_fy_end_day_range', sql`${t.fyEndDay} between 1 and 31`),
    tenantPolicy(sql`id`),
  ],
);

export const memberships = pgTable(
  'memberships',
  {
    id: id(),
    businessId: businessRef(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    role: text('role').notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('memberships_business_user_key').on(t.businessId, t.userId),
    index('memberships_user_idx').on(t.userId),
    check('memberships_role_known', inList('role', ROLES)),
    tenantPolicy(),
  ],
);

export const apiKeys = pgTable(
  'api_keys',
  {
    id: id(),
    businessId: businessRef(),
    name: text('name').notNull(),
    /** The visible start of the key (e.g. "cfo_3kQ9x2"), shown in listings. */
    prefix: text('prefix').notNull(),
    /** SHA-256 of the whole key, hex; the key itself is never stored. */
    hash: text('hash').notNull(),
    scopes: text('scopes').array().notNull(),
    createdByUserId: uuid('created_by_user_id').references(() => users.id, { onDelete: 'set null' }),
    expiresAt: tstz('expires_at'),
    lastUsedAt: tstz('last_used_at'),
    revokedAt: tstz('revoked_at'),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('api_keys_hash_key').on(t.hash),
    index('api_keys_business_idx').on(t.businessId, t.createdAt),
    check(
      'api_keys_scopes_known',
      sql`${t.scopes} <@ array['read','write','admin']::text[] and cardinality(${t.scopes}) > 0`,
    ),
    tenantPolicy(),
  ],
);

/**
 * Browser sessions of the built-in dashboard (an HttpOnly cookie holds the token; only its SHA-256 is
 * stored), and the one-time login links that start them (`cfo open`): a link's nonce is recorded when it
 * is used, and the unique hash refuses it a second time.
 */
export const webSessions = pgTable(
  'web_sessions',
  {
    id: id(),
    businessId: businessRef(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    kind: text('kind').notNull(),
    tokenHash: text('token_hash').notNull(),
    expiresAt: tstz('expires_at').notNull(),
    revokedAt: tstz('revoked_at'),
    ip: text('ip'),
    userAgent: text('user_agent'),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('web_sessions_token_hash_key').on(t.tokenHash),
    index('web_sessions_business_user_idx').on(t.businessId, t.userId),
    check('web_sessions_kind_known', inList('kind', WEB_SESSION_KINDS)),
    tenantPolicy(),
  ],
);

// ---------- integrations and sync ----------

/**
 * One upstream authorization (a Xero grant covers every organisation the user ticked), shared by the
 * connections it covers. Xero's refresh tokens rotate and are single-use, so the token set lives
 * here once rather than on each connection. Not business-owned: only system code reads it.
 */
export const integrationGrants = pgTable(
  'integration_grants',
  {
    id: id(),
    provider: text('provider').notNull(),
    status: text('status').notNull().default('active'),
    statusMessage: text('status_message'),
    /** AES-256-GCM ciphertext of the token set (context: the grant's id). */
    credentialsCiphertext: text('credentials_ciphertext'),
    credentialsKeyId: text('credentials_key_id'),
    tokenExpiresAt: tstz('token_expires_at'),
    refreshedAt: tstz('refreshed_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    check('integration_grants_provider_known', inList('provider', PROVIDERS)),
    check('integration_grants_status_known', inList('status', CONNECTION_STATUSES)),
    check(
      'integration_grants_key_with_ciphertext',
      sql`(${t.credentialsCiphertext} is null) = (${t.credentialsKeyId} is null)`,
    ),
    pgPolicy('system_only', { as: 'permissive', for: 'all', using: BYPASS, withCheck: BYPASS }),
  ],
);

export const integrationAccounts = pgTable(
  'integration_accounts',
  {
    id: id(),
    businessId: businessRef(),
    provider: text('provider').notNull(),
    /** Xero tenant id, Stripe account id, or the CSV source's name. */
    externalId: text('external_id').notNull(),
    name: text('name'),
    /** The upstream authorization this connection uses (Xero); null for key-based (Stripe) and CSV sources. */
    grantId: uuid('grant_id').references(() => integrationGrants.id, { onDelete: 'set null' }),
    status: text('status').notNull().default('active'),
    statusMessage: text('status_message'),
    /** AES-256-GCM ciphertext of the credentials JSON: base64(iv | tag | ciphertext). */
    credentialsCiphertext: text('credentials_ciphertext'),
    credentialsKeyId: text('credentials_key_id'),
    tokenExpiresAt: tstz('token_expires_at'),
    lastSyncedAt: tstz('last_synced_at'),
    metadata: jsonb('metadata').notNull().default({}),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('integration_accounts_business_provider_external_key').on(t.businessId, t.provider, t.externalId),
    index('integration_accounts_provider_external_idx').on(t.provider, t.externalId),
    check('integration_accounts_provider_known', inList('provider', PROVIDERS)),
    check('integration_accounts_status_known', inList('status', CONNECTION_STATUSES)),
    check(
      'integration_accounts_key_with_ciphertext',
      sql`(${t.credentialsCiphertext} is null) = (${t.credentialsKeyId} is null)`,
    ),
    tenantPolicy(),
  ],
);

export const syncCursors = pgTable(
  'sync_cursors',
  {
    id: id(),
    businessId: businessRef(),
    integrationAccountId: uuid('integration_account_id')
      .notNull()
      .references(() => integrationAccounts.id, { onDelete: 'cascade' }),
    entity: text('entity').notNull(),
    /** Provider-specific position: an If-Modified-Since timestamp, a Stripe object id… */
    cursor: text('cursor'),
    /** The last page committed within the current pass, so a crashed run resumes after it. */
    page: integer('page').notNull().default(0),
    /** Where the next pass starts once the current one finishes (set when a pass begins). */
    pendingCursor: text('pending_cursor'),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('sync_cursors_account_entity_key').on(t.businessId, t.integrationAccountId, t.entity),
    check('sync_cursors_page_nonnegative', sql`${t.page} >= 0`),
    tenantPolicy(),
  ],
);

export const syncRuns = pgTable(
  'sync_runs',
  {
    id: id(),
    businessId: businessRef(),
    integrationAccountId: uuid('integration_account_id').references(() => integrationAccounts.id, {
      onDelete: 'set null',
    }),
    provider: text('provider').notNull(),
    mode: text('mode').notNull(),
    status: text('status').notNull().default('running'),
    startedAt: tstz('started_at').notNull().defaultNow(),
    finishedAt: tstz('finished_at'),
    /** Touched after every committed page: a 'running' run without a recent heartbeat was interrupted. */
    heartbeatAt: tstz('heartbeat_at'),
    durationMs: integer('duration_ms'),
    processed: integer('processed').notNull().default(0),
    succeeded: integer('succeeded').notNull().default(0),
    failed: integer('failed').notNull().default(0),
    skipped: integer('skipped').notNull().default(0),
    /** Per-entity counts and rate-limit waits. */
    details: jsonb('details').notNull().default({}),
    error: text('error'),
  },
  (t) => [
    index('sync_runs_business_started_idx').on(t.businessId, t.startedAt),
    check('sync_runs_provider_known', inList('provider', PROVIDERS)),
    check('sync_runs_mode_known', inList('mode', SYNC_MODES)),
    check('sync_runs_status_known', inList('status', SYNC_STATUSES)),
    check(
      'sync_runs_counts_nonnegative',
      sql`${t.processed} >= 0 and ${t.succeeded} >= 0 and ${t.failed} >= 0 and ${t.skipped} >= 0`,
    ),
    check('sync_runs_duration_nonnegative', sql`${t.durationMs} is null or ${t.durationMs} >= 0`),
    tenantPolicy(),
  ],
);

export const syncMappings = pgTable(
  'sync_mappings',
  {
    id: id(),
    businessId: businessRef(),
    integrationAccountId: uuid('integration_account_id')
      .notNull()
      .references(() => integrationAccounts.id, { onDelete: 'cascade' }),
    entityType: text('entity_type').notNull(),
    externalId: text('external_id').notNull(),
    localId: uuid('local_id').notNull(),
    /** Upstream's last-modified time as last seen; used to detect upstream changes before writing back. */
    externalUpdatedAt: tstz('external_updated_at'),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('sync_mappings_external_key').on(t.businessId, t.integrationAccountId, t.entityType, t.externalId),
    index('sync_mappings_local_idx').on(t.businessId, t.localId),
    tenantPolicy(),
  ],
);

export const syncConflicts = pgTable(
  'sync_conflicts',
  {
    id: id(),
    businessId: businessRef(),
    integrationAccountId: uuid('integration_account_id').references(() => integrationAccounts.id, {
      onDelete: 'set null',
    }),
    entityType: text('entity_type').notNull(),
    localId: uuid('local_id'),
    externalId: text('external_id').notNull(),
    localValue: jsonb('local_value'),
    remoteValue: jsonb('remote_value'),
    status: text('status').notNull().default('open'),
    resolvedBy: text('resolved_by'),
    resolvedAt: tstz('resolved_at'),
    createdAt: createdAt(),
  },
  (t) => [
    index('sync_conflicts_business_status_idx').on(t.businessId, t.status, t.createdAt),
    check('sync_conflicts_status_known', inList('status', CONFLICT_STATUSES)),
    tenantPolicy(),
  ],
);

export const inboundEvents = pgTable(
  'inbound_events',
  {
    id: id(),
    /** Null until the event is routed to a business (e.g. an unknown Xero tenant). */
    businessId: uuid('business_id').references(() => businesses.id, { onDelete: 'cascade' }),
    provider: text('provider').notNull(),
    externalEventId: text('external_event_id').notNull(),
    eventType: text('event_type').notNull(),
    payload: jsonb('payload').notNull(),
    receivedAt: tstz('received_at').notNull().defaultNow(),
    processedAt: tstz('processed_at'),
    attempts: integer('attempts').notNull().default(0),
    error: text('error'),
  },
  (t) => [
    uniqueIndex('inbound_events_provider_event_key').on(t.provider, t.externalEventId),
    index('inbound_events_business_received_idx').on(t.businessId, t.receivedAt),
    index('inbound_events_unprocessed_idx').on(t.receivedAt).where(sql`${t.processedAt} is null`),
    check('inbound_events_provider_known', inList('provider', PROVIDERS)),
    check('inbound_events_attempts_nonnegative', sql`${t.attempts} >= 0`),
    tenantPolicy(),
  ],
);

// ---------- books ----------

export const accounts = pgTable(
  'accounts',
  {
    id: id(),
    businessId: businessRef(),
    source: text('source').notNull(),
    externalId: text('external_id').notNull(),
    code: text('code'),
    name: text('name').notNull(),
    /** Xero account type: BANK, REVENUE, SALES, EXPENSE, DIRECTCOSTS, OVERHEADS, CURRENT, … */
    type: text('type').notNull(),
    /** Xero account class: ASSET, EQUITY, EXPENSE, LIABILITY, REVENUE. */
    class: text('class'),
    status: text('status').notNull().default('ACTIVE'),
    isBank: boolean('is_bank').notNull().default(false),
    bankAccountNumber: text('bank_account_number'),
    currency: currency(),
    externalUpdatedAt: tstz('external_updated_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('accounts_source_external_key').on(t.businessId, t.source, t.externalId),
    index('accounts_business_code_idx').on(t.businessId, t.code),
    check('accounts_source_known', inList('source', PROVIDERS)),
    check('accounts_status_known', inList('status', ['ACTIVE', 'ARCHIVED', 'DELETED'])),
    tenantPolicy(),
  ],
);

export const contacts = pgTable(
  'contacts',
  {
    id: id(),
    businessId: businessRef(),
    source: text('source').notNull(),
    externalId: text('external_id').notNull(),
    name: text('name').notNull(),
    email: text('email'),
    isCustomer: boolean('is_customer').notNull().default(false),
    isSupplier: boolean('is_supplier').notNull().default(false),
    status: text('status').notNull().default('ACTIVE'),
    defaultCurrency: currency('default_currency'),
    /** Payment behaviour, maintained by the financial engine from invoices. */
    avgDaysToPay: numeric('avg_days_to_pay', { precision: 9, scale: 2 }),
    latePaymentShare: ratio('late_payment_share'),
    externalUpdatedAt: tstz('external_updated_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('contacts_source_external_key').on(t.businessId, t.source, t.externalId),
    index('contacts_business_name_idx').on(t.businessId, t.name),
    check('contacts_source_known', inList('source', PROVIDERS)),
    check('contacts_status_known', inList('status', ['ACTIVE', 'ARCHIVED', 'GDPRREQUEST', 'DELETED'])),
    check(
      'contacts_late_share_range',
      sql`${t.latePaymentShare} is null or (${t.latePaymentShare} >= 0 and ${t.latePaymentShare} <= 1)`,
    ),
    tenantPolicy(),
  ],
);

/** Sales invoices, bills, and credit notes (ACCRECCREDIT / ACCPAYCREDIT, Xero's own type names). */
export const invoices = pgTable(
  'invoices',
  {
    id: id(),
    businessId: businessRef(),
    source: text('source').notNull(),
    externalId: text('external_id').notNull(),
    type: text('type').notNull(),
    number: text('number'),
    reference: text('reference'),
    contactId: uuid('contact_id').references(() => contacts.id, { onDelete: 'set null' }),
    status: text('status').notNull(),
    issueDate: date('issue_date', { mode: 'string' }).notNull(),
    dueDate: date('due_date', { mode: 'string' }),
    /** Date the document became fully paid (last payment), if it is. */
    paidDate: date('paid_date', { mode: 'string' }),
    currency: currency().notNull(),
    /** Xero's convention: units of `currency` per one unit of base currency, so base = total / rate. */
    currencyRate: numeric('currency_rate', { precision: 19, scale: 10 }).notNull().default('1'),
    subtotal: money('subtotal').notNull(),
    totalTax: money('total_tax').notNull().default('0'),
    total: money('total').notNull(),
    amountDue: money('amount_due').notNull().default('0'),
    amountPaid: money('amount_paid').notNull().default('0'),
    amountCredited: money('amount_credited').notNull().default('0'),
    /** `total` in the business's base currency. */
    baseTotal: money('base_total').notNull(),
    lineItems: jsonb('line_items').notNull().default([]),
    /**
     * A credit note's allocations to documents of its contact: `[{ invoiceId, amount, date }]`, with Xero's
     * external invoice id and the amount in the credit note's currency. Empty on invoices and bills.
     */
    allocations: jsonb('allocations').notNull().default([]),
    externalUpdatedAt: tstz('external_updated_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('invoices_source_external_key').on(t.businessId, t.source, t.externalId),
    index('invoices_business_type_date_idx').on(t.businessId, t.type, t.issueDate),
    index('invoices_business_open_due_idx').on(t.businessId, t.type, t.dueDate).where(sql`${t.status} = 'AUTHORISED'`),
    index('invoices_business_contact_idx').on(t.businessId, t.contactId),
    check('invoices_source_known', inList('source', PROVIDERS)),
    check('invoices_type_known', inList('type', INVOICE_TYPES)),
    check('invoices_status_known', inList('status', INVOICE_STATUSES)),
    check('invoices_currency_iso', sql`${t.currency} ~ '^[A-Z]{3}$'`),
    check('invoices_amounts_nonnegative', sql`${t.total} >= 0 and ${t.amountDue} >= 0 and ${t.amountPaid} >= 0`),
    check('invoices_currency_rate_positive', sql`${t.currencyRate} > 0`),
    tenantPolicy(),
  ],
);

export const subscriptions = pgTable(
  'subscriptions',
  {
    id: id(),
    businessId: businessRef(),
    source: text('source').notNull(),
    externalId: text('external_id').notNull(),
    contactId: uuid('contact_id').references(() => contacts.id, { onDelete: 'set null' }),
    status: text('status').notNull(),
    currency: currency().notNull(),
    /** Monthly-normalised recurring amount after forever discounts, excluding metered prices (Stripe's MRR). */
    mrrAmount: money('mrr_amount').notNull().default('0'),
    items: jsonb('items').notNull().default([]),
    /** Its discounts as known (`KeptDiscount`, src/integrations/stripe/mappers.ts): a later event may name them by id only. */
    discounts: jsonb('discounts').notNull().default([]),
    startedAt: tstz('started_at').notNull(),
    trialEnd: tstz('trial_end'),
    currentPeriodStart: tstz('current_period_start'),
    currentPeriodEnd: tstz('current_period_end'),
    canceledAt: tstz('canceled_at'),
    endedAt: tstz('ended_at'),
    externalUpdatedAt: tstz('external_updated_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('subscriptions_source_external_key').on(t.businessId, t.source, t.externalId),
    index('subscriptions_business_status_idx').on(t.businessId, t.status),
    check('subscriptions_source_known', inList('source', PROVIDERS)),
    check('subscriptions_status_known', inList('status', SUBSCRIPTION_STATUSES)),
    check('subscriptions_mrr_nonnegative', sql`${t.mrrAmount} >= 0`),
    tenantPolicy(),
  ],
);

/** Every money movement from any source. Amounts are signed: money in > 0, money out < 0. */
export const transactions = pgTable(
  'transactions',
  {
    id: id(),
    businessId: businessRef(),
    source: text('source').notNull(),
    externalId: text('external_id').notNull(),
    kind: text('kind').notNull(),
    /** Upstream status (AUTHORISED, succeeded, …). */
    status: text('status').notNull(),
    date: date('date', { mode: 'string' }).notNull(),
    amount: money('amount').notNull(),
    currency: currency().notNull(),
    /** `amount` in the business's base currency. */
    baseAmount: money('base_amount').notNull(),
    counterparty: text('counterparty'),
    contactId: uuid('contact_id').references(() => contacts.id, { onDelete: 'set null' }),
    description: text('description'),
    normalizedDescription: text('normalized_description'),
    bankAccountId: uuid('bank_account_id').references(() => accounts.id, { onDelete: 'set null' }),
    invoiceId: uuid('invoice_id').references(() => invoices.id, { onDelete: 'set null' }),
    /** The same money seen elsewhere, e.g. a Stripe payout ↔ its bank deposit line. */
    linkedTransactionId: uuid('linked_transaction_id'),
    reconciled: boolean('reconciled').notNull().default(false),
    category: text('category'),
    accountCode: text('account_code'),
    categorySource: text('category_source'),
    categoryConfidence: real('category_confidence'),
    embedding: vector('embedding', { dimensions: 256 }),
    /** Source-specific extras: Stripe fee/net, card-present flag, dispute reason, … */
    metadata: jsonb('metadata').notNull().default({}),
    externalUpdatedAt: tstz('external_updated_at'),
    /** Set when upstream deleted or voided the record: kept for history, excluded from metrics. */
    deletedAt: tstz('deleted_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('transactions_source_external_key').on(t.businessId, t.source, t.externalId),
    // With the id, a listing's page (newest first, keyset by date and id) reads only the rows it shows.
    index('transactions_business_date_idx').on(t.businessId, t.date, t.id),
    index('transactions_business_kind_date_idx').on(t.businessId, t.kind, t.date),
    index('transactions_business_category_idx').on(t.businessId, t.category),
    index('transactions_business_contact_idx').on(t.businessId, t.contactId),
    index('transactions_business_bank_account_idx').on(t.businessId, t.bankAccountId, t.date),
    index('transactions_embedding_idx').using('hnsw', t.embedding.op('vector_cosine_ops')),
    check('transactions_source_known', inList('source', PROVIDERS)),
    check('transactions_kind_known', inList('kind', TRANSACTION_KINDS)),
    check('transactions_currency_iso', sql`${t.currency} ~ '^[A-Z]{3}$'`),
    check(
      'transactions_category_source_known',
      sql`${t.categorySource} is null or ${inList('category_source', CATEGORY_SOURCES)}`,
    ),
    check(
      'transactions_confidence_range',
      sql`${t.categoryConfidence} is null or (${t.categoryConfidence} >= 0 and ${t.categoryConfidence} <= 1)`,
    ),
    tenantPolicy(),
  ],
);

/**
 * The profit-and-loss lines of the ledger (Xero): one row per line of every authorised or paid invoice, bill
 * and credit note and of every spend or receive money bank transaction, each booked to its own account, net of
 * tax (Xero's `LineAmountTypes`: Exclusive, Inclusive, NoTax), in the base currency, signed by its effect on
 * profit (income > 0, costs < 0). Lines coded to balance-sheet accounts (VAT, loans, equity) are kept too: the
 * account's type decides, when the P&L is read, whether a line is in it (src/domain/ledger.ts). Rewritten with
 * the document they belong to; a voided or deleted document has none.
 */
export const ledgerLines = pgTable(
  'ledger_lines',
  {
    businessId: businessRef(),
    /**
     * The document's row in `transactions`. No foreign key: checking one on every line made a bulk ingest
     * twice as slow. A trigger deletes a transaction's lines with it (drizzle/0012_ledger.sql), and every
     * writer replaces a document's lines in the transaction that writes the document.
     */
    transactionId: uuid('transaction_id').notNull(),
    lineNo: smallint('line_no').notNull(),
    date: date('date', { mode: 'string' }).notNull(),
    accountCode: text('account_code'),
    /** The document's contact (revenue by customer); informational, like the account code. */
    contactId: uuid('contact_id'),
    /** Net of tax, base currency, income > 0 and costs < 0. */
    amount: money('amount').notNull(),
    /** The line's tax in the base currency, same sign convention. */
    tax: money('tax').notNull().default('0'),
    /** A line of a sale (invoice, sales credit note, money received): where a line with no account goes. */
    sales: boolean('sales').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.transactionId, t.lineNo] }),
    index('ledger_lines_business_date_idx').on(t.businessId, t.date),
    tenantPolicy(),
  ],
);

/**
 * Our figures beside the ledger's own reports, per month and line of the comparison: Xero's Profit and Loss
 * (income, cost of sales, other income, operating expenses, net profit) and Balance Sheet (each bank account),
 * fetched during a sync (src/integrations/xero/reconcile.ts). A difference lowers the data quality of the
 * month's snapshot and raises a recommendation.
 */
export const ledgerReconciliations = pgTable(
  'ledger_reconciliations',
  {
    businessId: businessRef(),
    integrationAccountId: uuid('integration_account_id')
      .notNull()
      .references(() => integrationAccounts.id, { onDelete: 'cascade' }),
    month: date('month', { mode: 'string' }).notNull(),
    /** income, cost_of_sales, other_income, operating_expenses, net_profit, or bank:<account name>. */
    line: text('line').notNull(),
    ours: money('ours').notNull(),
    theirs: money('theirs').notNull(),
    difference: money('difference').notNull(),
    checkedAt: tstz('checked_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.businessId, t.integrationAccountId, t.month, t.line] }), tenantPolicy()],
);

/**
 * Live transactions counted and summed by month, source, kind, status and bank account, kept on write by statement-level triggers
 * (drizzle/0009_transaction_totals.sql), so "how many records, and what do they add up to" never scans the
 * raw rows. Rows are deltas: each statement appends one row per group it changed (no row is ever updated, so
 * concurrent writers never wait on each other); the refresh folds them back to one row per group.
 */
export const transactionTotals = pgTable(
  'transaction_totals',
  {
    businessId: businessRef(),
    month: date('month', { mode: 'string' }).notNull(),
    source: text('source').notNull(),
    kind: text('kind').notNull(),
    status: text('status').notNull(),
    /** The bank account the lines moved (null: not a bank line). No foreign key: a total outlives nothing. */
    bankAccountId: uuid('bank_account_id'),
    n: bigint('n', { mode: 'number' }).notNull(),
    baseAmount: money('base_amount').notNull(),
  },
  (t) => [index('transaction_totals_business_month_idx').on(t.businessId, t.month), tenantPolicy()],
);

/** A transaction id (64-bit, never wraps), as `pg_current_xact_id()` gives it. */
const xid8 = customType<{ data: string }>({ dataType: () => 'xid8' });
/** A snapshot of which transactions are visible, as `pg_current_snapshot()` gives it. */
const pgSnapshot = customType<{ data: string }>({ dataType: () => 'pg_snapshot' });

/**
 * One row per statement (and business) that changed the books: transactions, invoices, contacts' names,
 * subscriptions, accounts (triggers in drizzle/0010_stored_results.sql). `stored_results` compares them with
 * the snapshot a result was computed in: a change the snapshot did not see makes the result stale.
 */
export const booksChanges = pgTable(
  'books_changes',
  {
    businessId: businessRef(),
    xid: xid8('xid').notNull().default(sql`pg_current_xact_id()`),
    changedAt: tstz('changed_at').notNull().default(sql`clock_timestamp()`),
  },
  (t) => [index('books_changes_business_xid_idx').on(t.businessId, t.xid), tenantPolicy()],
);

/**
 * Results computed from the books (a forecast's inputs, aging, dispute monitoring, …), kept with the snapshot
 * they were computed in, so that the next ask reads them instead of the raw rows while no change they missed
 * has committed (src/domain/stored-results.ts).
 */
export const storedResults = pgTable(
  'stored_results',
  {
    businessId: businessRef(),
    /** What was computed and with which inputs (the as-of date among them). */
    key: text('key').notNull(),
    snapshot: pgSnapshot('snapshot').notNull(),
    /** The storing transaction's own id: its own earlier changes are in the result. */
    writerXid: xid8('writer_xid').notNull(),
    result: jsonb('result').notNull(),
    computedAt: tstz('computed_at').notNull().default(sql`now()`),
  },
  (t) => [primaryKey({ columns: [t.businessId, t.key] }), tenantPolicy()],
);

export const categoryRules = pgTable(
  'category_rules',
  {
    id: id(),
    businessId: businessRef(),
    matchType: text('match_type').notNull(),
    pattern: text('pattern').notNull(),
    direction: text('direction').notNull().default('any'),
    minAmount: money('min_amount'),
    maxAmount: money('max_amount'),
    category: text('category').notNull(),
    accountCode: text('account_code'),
    priority: integer('priority').notNull().default(0),
    active: boolean('active').notNull().default(true),
    hitCount: bigint('hit_count', { mode: 'number' }).notNull().default(0),
    createdBy: text('created_by'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    deletedAt: tstz('deleted_at'),
  },
  (t) => [
    index('category_rules_business_priority_idx').on(t.businessId, t.active, t.priority),
    check('category_rules_match_type_known', inList('match_type', RULE_MATCH_TYPES)),
    check('category_rules_direction_known', inList('direction', DIRECTIONS)),
    check('category_rules_pattern_length', sql`length(${t.pattern}) between 1 and 200`),
    check('category_rules_hit_count_nonnegative', sql`${t.hitCount} >= 0`),
    check(
      'category_rules_amount_range',
      sql`${t.minAmount} is null or ${t.maxAmount} is null or ${t.minAmount} <= ${t.maxAmount}`,
    ),
    tenantPolicy(),
  ],
);

/**
 * Proposals below the confidence threshold wait here for a person instead of being applied. One open row
 * per transaction; a newer categorization run replaces it.
 */
export const categoryReviews = pgTable(
  'category_reviews',
  {
    id: id(),
    businessId: businessRef(),
    transactionId: uuid('transaction_id')
      .notNull()
      .references(() => transactions.id, { onDelete: 'cascade' }),
    category: text('category').notNull(),
    accountCode: text('account_code'),
    source: text('source').notNull(),
    confidence: real('confidence').notNull(),
    /** Why it was proposed, in words ("same merchant: 3 of 3 earlier … lines"); null on rows from before 0015. */
    reason: text('reason'),
    status: text('status').notNull().default('open'),
    resolvedBy: text('resolved_by'),
    resolvedAt: tstz('resolved_at'),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('category_reviews_transaction_key').on(t.businessId, t.transactionId),
    index('category_reviews_business_status_idx').on(t.businessId, t.status, t.createdAt),
    check('category_reviews_status_known', inList('status', REVIEW_STATUSES)),
    check('category_reviews_source_known', inList('source', PROPOSAL_SOURCES)),
    check('category_reviews_confidence_range', sql`${t.confidence} >= 0 and ${t.confidence} <= 1`),
    tenantPolicy(),
  ],
);

/**
 * The model's answers for bank lines nothing else could categorize confidently, per business and
 * normalized description (and direction): the same merchant is never asked about twice.
 */
export const categoryModelCache = pgTable(
  'category_model_cache',
  {
    id: id(),
    businessId: businessRef(),
    normalizedDescription: text('normalized_description').notNull(),
    inflow: boolean('inflow').notNull(),
    category: text('category').notNull(),
    accountCode: text('account_code'),
    confidence: real('confidence').notNull(),
    model: text('model').notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('category_model_cache_key').on(t.businessId, t.normalizedDescription, t.inflow),
    check('category_model_cache_confidence_range', sql`${t.confidence} >= 0 and ${t.confidence} <= 1`),
    tenantPolicy(),
  ],
);

// ---------- insights ----------

export const metricSnapshots = pgTable(
  'metric_snapshots',
  {
    id: id(),
    businessId: businessRef(),
    periodType: text('period_type').notNull(),
    periodStart: date('period_start', { mode: 'string' }).notNull(),
    periodEnd: date('period_end', { mode: 'string' }).notNull(),
    currency: currency().notNull(),
    revenue: money('revenue'),
    expenses: money('expenses'),
    netIncome: money('net_income'),
    grossMargin: ratio('gross_margin'),
    revenueVolatility: ratio('revenue_volatility'),
    refundCount: integer('refund_count'),
    refundRatio: ratio('refund_ratio'),
    chargebackCount: integer('chargeback_count'),
    chargebackRatio: ratio('chargeback_ratio'),
    mrr: money('mrr'),
    arr: money('arr'),
    subscriberChurn: ratio('subscriber_churn'),
    cashBalance: money('cash_balance'),
    grossBurn: money('gross_burn'),
    netBurn: money('net_burn'),
    /** Months; null with `metrics.cashFlowPositive = true` when net burn ≤ 0. */
    runwayMonths: ratio('runway_months'),
    dso: ratio('dso'),
    dpo: ratio('dpo'),
    revenueSource: text('revenue_source').notNull(),
    metrics: jsonb('metrics').notNull().default({}),
    dataQuality: jsonb('data_quality').notNull().default({}),
    computedAt: tstz('computed_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('metric_snapshots_period_key').on(t.businessId, t.periodType, t.periodStart),
    check('metric_snapshots_period_type_known', inList('period_type', PERIOD_TYPES)),
    check('metric_snapshots_revenue_source_known', inList('revenue_source', REVENUE_SOURCES)),
    check('metric_snapshots_period_order', sql`${t.periodEnd} >= ${t.periodStart}`),
    check(
      'metric_snapshots_counts_nonnegative',
      sql`coalesce(${t.refundCount}, 0) >= 0 and coalesce(${t.chargebackCount}, 0) >= 0`,
    ),
    tenantPolicy(),
  ],
);

export const readinessScores = pgTable(
  'readiness_scores',
  {
    id: id(),
    businessId: businessRef(),
    scoreVersion: text('score_version').notNull(),
    score: integer('score').notNull(),
    tier: text('tier').notNull(),
    /** [{ name, value, weight, contribution, evidence: { snapshotIds, figures } }] */
    components: jsonb('components').notNull(),
    nextBand: jsonb('next_band').notNull().default([]),
    computedAt: tstz('computed_at').notNull().defaultNow(),
  },
  (t) => [
    index('readiness_scores_business_computed_idx').on(t.businessId, t.computedAt),
    check('readiness_scores_score_range', sql`${t.score} between 0 and 100`),
    check('readiness_scores_tier_known', inList('tier', READINESS_TIERS)),
    tenantPolicy(),
  ],
);

export const recommendations = pgTable(
  'recommendations',
  {
    id: id(),
    businessId: businessRef(),
    ruleId: text('rule_id').notNull(),
    /** One row per condition: a re-run updates it instead of adding a duplicate. */
    dedupeKey: text('dedupe_key').notNull(),
    title: text('title').notNull(),
    description: text('description').notNull(),
    priority: text('priority').notNull(),
    category: text('category').notNull(),
    status: text('status').notNull().default('pending'),
    metricRefs: jsonb('metric_refs').notNull().default([]),
    estimatedImpact: money('estimated_impact'),
    impactCurrency: currency('impact_currency'),
    impactDays: ratio('impact_days'),
    details: jsonb('details').notNull().default({}),
    statusChangedBy: text('status_changed_by'),
    statusChangedAt: tstz('status_changed_at'),
    resolvedAt: tstz('resolved_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('recommendations_dedupe_key').on(t.businessId, t.dedupeKey),
    index('recommendations_business_status_idx').on(t.businessId, t.status, t.priority),
    check('recommendations_priority_known', inList('priority', REC_PRIORITIES)),
    check('recommendations_category_known', inList('category', REC_CATEGORIES)),
    check('recommendations_status_known', inList('status', REC_STATUSES)),
    check('recommendations_impact_currency', sql`${t.estimatedImpact} is null or ${t.impactCurrency} is not null`),
    tenantPolicy(),
  ],
);

export const reports = pgTable(
  'reports',
  {
    id: id(),
    businessId: businessRef(),
    kind: text('kind').notNull(),
    periodStart: date('period_start', { mode: 'string' }),
    periodEnd: date('period_end', { mode: 'string' }).notNull(),
    currency: currency().notNull(),
    data: jsonb('data').notNull(),
    createdBy: text('created_by'),
    createdAt: createdAt(),
  },
  (t) => [
    index('reports_business_kind_idx').on(t.businessId, t.kind, t.createdAt),
    check('reports_kind_known', inList('kind', REPORT_KINDS)),
    tenantPolicy(),
  ],
);

// ---------- outbound webhooks ----------

export const webhookSubscriptions = pgTable(
  'webhook_subscriptions',
  {
    id: id(),
    businessId: businessRef(),
    url: text('url').notNull(),
    events: text('events').array().notNull(),
    description: text('description'),
    /** AES-256-GCM ciphertext of the signing secret. */
    secretCiphertext: text('secret_ciphertext').notNull(),
    secretKeyId: text('secret_key_id').notNull(),
    active: boolean('active').notNull().default(true),
    consecutiveFailures: integer('consecutive_failures').notNull().default(0),
    disabledAt: tstz('disabled_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    deletedAt: tstz('deleted_at'),
  },
  (t) => [
    index('webhook_subscriptions_business_idx').on(t.businessId, t.active),
    check('webhook_subscriptions_url_http', sql`${t.url} ~ '^https?://'`),
    check('webhook_subscriptions_failures_nonnegative', sql`${t.consecutiveFailures} >= 0`),
    check('webhook_subscriptions_events_nonempty', sql`cardinality(${t.events}) > 0`),
    tenantPolicy(),
  ],
);

/** One row per delivery attempt. */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: id(),
    businessId: businessRef(),
    subscriptionId: uuid('subscription_id')
      .notNull()
      .references(() => webhookSubscriptions.id, { onDelete: 'cascade' }),
    eventId: uuid('event_id').notNull(),
    eventType: text('event_type').notNull(),
    payload: jsonb('payload').notNull(),
    attempt: integer('attempt').notNull().default(1),
    status: text('status').notNull().default('pending'),
    responseStatus: integer('response_status'),
    error: text('error'),
    durationMs: integer('duration_ms'),
    nextAttemptAt: tstz('next_attempt_at'),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('webhook_deliveries_attempt_key').on(t.businessId, t.subscriptionId, t.eventId, t.attempt),
    index('webhook_deliveries_business_created_idx').on(t.businessId, t.createdAt),
    // The dispatcher's question: which attempts are due, across businesses.
    index('webhook_deliveries_due_idx').on(t.nextAttemptAt).where(sql`status in ('pending', 'sending')`),
    check('webhook_deliveries_status_known', inList('status', DELIVERY_STATUSES)),
    check('webhook_deliveries_attempt_positive', sql`${t.attempt} >= 1`),
    tenantPolicy(),
  ],
);

/**
 * A person's threshold on a figure ("runway below 6 months", "dispute status at_risk"), checked after every
 * refresh of the figures; `alert.triggered` goes to the webhooks when it starts to hold, once until it
 * stops holding again.
 */
export const alertRules = pgTable(
  'alert_rules',
  {
    id: id(),
    businessId: businessRef(),
    name: text('name').notNull(),
    metric: text('metric').notNull(),
    operator: text('operator').notNull(),
    /** A decimal for figures, a status word for dispute_status. */
    threshold: text('threshold').notNull(),
    active: boolean('active').notNull().default(true),
    state: text('state').notNull().default('ok'),
    lastValue: text('last_value'),
    lastEvaluatedAt: tstz('last_evaluated_at'),
    lastTriggeredAt: tstz('last_triggered_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    deletedAt: tstz('deleted_at'),
  },
  (t) => [
    index('alert_rules_business_idx').on(t.businessId, t.active),
    check('alert_rules_metric_known', inList('metric', ALERT_METRICS)),
    check('alert_rules_operator_known', inList('operator', ALERT_OPERATORS)),
    check('alert_rules_state_known', inList('state', ALERT_STATES)),
    check('alert_rules_name_not_blank', sql`length(trim(${t.name})) > 0`),
    tenantPolicy(),
  ],
);

// ---------- agent ----------

export const agentConversations = pgTable(
  'agent_conversations',
  {
    id: id(),
    businessId: businessRef(),
    channel: text('channel').notNull(),
    /** The caller's own session id (n8n's `sessionId`, the widget's session…). */
    sessionId: text('session_id'),
    userId: uuid('user_id').references(() => users.id, { onDelete: 'set null' }),
    apiKeyId: uuid('api_key_id').references(() => apiKeys.id, { onDelete: 'set null' }),
    title: text('title'),
    /** Summary of turns older than the history window. */
    summary: text('summary'),
    /** The `seq` the next message gets: messages are numbered 0, 1, 2… in the order they were stored. */
    nextSeq: integer('next_seq').notNull().default(0),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('agent_conversations_session_key').on(t.businessId, t.channel, t.sessionId),
    index('agent_conversations_business_updated_idx').on(t.businessId, t.updatedAt),
    check('agent_conversations_channel_known', inList('channel', CHANNELS)),
    tenantPolicy(),
  ],
);

export const agentMessages = pgTable(
  'agent_messages',
  {
    id: id(),
    businessId: businessRef(),
    conversationId: uuid('conversation_id')
      .notNull()
      .references(() => agentConversations.id, { onDelete: 'cascade' }),
    seq: integer('seq').notNull(),
    role: text('role').notNull(),
    /** Content blocks in the Messages API shape: text, tool_use, tool_result. */
    content: jsonb('content').notNull(),
    model: text('model'),
    inputTokens: integer('input_tokens'),
    outputTokens: integer('output_tokens'),
    latencyMs: integer('latency_ms'),
    /** Figures in the answer that no tool result of the turn supports (grounding check). */
    unmatchedFigures: jsonb('unmatched_figures'),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('agent_messages_conversation_seq_key').on(t.businessId, t.conversationId, t.seq),
    check('agent_messages_role_known', inList('role', MESSAGE_ROLES)),
    check('agent_messages_seq_nonnegative', sql`${t.seq} >= 0`),
    check(
      'agent_messages_tokens_nonnegative',
      sql`coalesce(${t.inputTokens}, 0) >= 0 and coalesce(${t.outputTokens}, 0) >= 0`,
    ),
    tenantPolicy(),
  ],
);

export const toolCalls = pgTable(
  'tool_calls',
  {
    id: id(),
    businessId: businessRef(),
    conversationId: uuid('conversation_id').references(() => agentConversations.id, { onDelete: 'cascade' }),
    messageId: uuid('message_id').references(() => agentMessages.id, { onDelete: 'set null' }),
    toolName: text('tool_name').notNull(),
    channel: text('channel').notNull(),
    input: jsonb('input'),
    /** The result, truncated to a bounded size. */
    output: jsonb('output'),
    isError: boolean('is_error').notNull().default(false),
    error: text('error'),
    durationMs: integer('duration_ms').notNull(),
    actor: text('actor'),
    createdAt: createdAt(),
  },
  (t) => [
    index('tool_calls_business_created_idx').on(t.businessId, t.createdAt),
    index('tool_calls_business_conversation_idx').on(t.businessId, t.conversationId),
    check('tool_calls_channel_known', inList('channel', CHANNELS)),
    check('tool_calls_duration_nonnegative', sql`${t.durationMs} >= 0`),
    tenantPolicy(),
  ],
);

// ---------- audit and settings ----------

export const auditLogs = pgTable(
  'audit_logs',
  {
    id: id(),
    businessId: businessRef(),
    actorType: text('actor_type').notNull(),
    actorId: text('actor_id'),
    action: text('action').notNull(),
    entityType: text('entity_type').notNull(),
    entityId: text('entity_id'),
    oldValues: jsonb('old_values'),
    newValues: jsonb('new_values'),
    channel: text('channel'),
    ip: text('ip'),
    userAgent: text('user_agent'),
    /** The API key a session acting for a person was minted with (widget sessions). */
    viaKeyId: text('via_key_id'),
    createdAt: createdAt(),
  },
  (t) => [
    index('audit_logs_business_created_idx').on(t.businessId, t.createdAt),
    index('audit_logs_business_entity_idx').on(t.businessId, t.entityType, t.entityId),
    check('audit_logs_actor_type_known', inList('actor_type', ACTOR_TYPES)),
    tenantPolicy(),
  ],
);

export const settings = pgTable(
  'settings',
  {
    id: id(),
    businessId: businessRef(),
    key: text('key').notNull(),
    value: jsonb('value').notNull(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('settings_business_key').on(t.businessId, t.key), tenantPolicy()],
);

/** Every business-owned table, for the RLS migration check and the isolation tests. */
// ---------- limits: shared by every process on this database (src/limits.ts); no business data ----------

/** A token bucket per API key, browser session or address: requests a minute, refilled continuously. */
export const rateLimitBuckets = pgTable('rate_limit_buckets', {
  key: text('key').primaryKey(),
  tokens: doublePrecision('tokens').notNull(),
  at: tstz('at').notNull(),
});

/**
 * Calls against a budget with a sliding window and a concurrency cap (Xero's per organisation and per app):
 * when each started, when it finished (null while in flight), and which process holds it ("host:pid").
 */
export const rateLimitHits = pgTable(
  'rate_limit_hits',
  {
    id: id(),
    key: text('key').notNull(),
    startedAt: tstz('started_at').notNull(),
    finishedAt: tstz('finished_at'),
    holder: text('holder'),
  },
  (t) => [index('rate_limit_hits_key_started_idx').on(t.key, t.startedAt)],
);

export const TENANT_TABLES = [
  'businesses',
  'memberships',
  'api_keys',
  'integration_accounts',
  'sync_cursors',
  'sync_runs',
  'sync_mappings',
  'sync_conflicts',
  'inbound_events',
  'accounts',
  'contacts',
  'invoices',
  'subscriptions',
  'transactions',
  'transaction_totals',
  'ledger_lines',
  'ledger_reconciliations',
  'books_changes',
  'stored_results',
  'category_rules',
  'category_reviews',
  'category_model_cache',
  'metric_snapshots',
  'readiness_scores',
  'recommendations',
  'reports',
  'webhook_subscriptions',
  'webhook_deliveries',
  'web_sessions',
  'alert_rules',
  'agent_conversations',
  'agent_messages',
  'tool_calls',
  'audit_logs',
  'settings',
] as const;
