CREATE TABLE "accounts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"business_id" uuid NOT NULL,
	"source" text NOT NULL,
	"external_id" text NOT NULL,
	"code" text,
	"name" text NOT NULL,
	"type" text NOT NULL,
	"class" text,
	"status" text DEFAULT 'ACTIVE' NOT NULL,
	"is_bank" boolean DEFAULT false NOT NULL,
	"bank_account_number" text,
	"currency" char(3),
	"external_updated_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "accounts_source_known" CHECK (source in ('xero', 'stripe', 'csv')),
	CONSTRAINT "accounts_status_known" CHECK (status in ('ACTIVE', 'ARCHIVED', 'DELETED'))
);
--> statement-breakpoint
ALTER TABLE "accounts" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "agent_conversations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"business_id" uuid NOT NULL,
	"channel" text NOT NULL,
	"session_id" text,
	"user_id" uuid,
	"api_key_id" uuid,
	"title" text,
	"summary" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "agent_conversations_channel_known" CHECK (channel in ('web', 'widget', 'mcp', 'http', 'n8n', 'cli', 'eval', 'system'))
);
--> statement-breakpoint
ALTER TABLE "agent_conversations" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "agent_messages" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"business_id" uuid NOT NULL,
	"conversation_id" uuid NOT NULL,
	"seq" integer NOT NULL,
	"role" text NOT NULL,
	"content" jsonb NOT NULL,
	"model" text,
	"input_tokens" integer,
	"output_tokens" integer,
	"latency_ms" integer,
	"unmatched_figures" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "agent_messages_role_known" CHECK (role in ('user', 'assistant')),
	CONSTRAINT "agent_messages_seq_nonnegative" CHECK ("agent_messages"."seq" >= 0),
	CONSTRAINT "agent_messages_tokens_nonnegative" CHECK (coalesce("agent_messages"."input_tokens", 0) >= 0 and coalesce("agent_messages"."output_tokens", 0) >= 0)
);
--> statement-breakpoint
ALTER TABLE "agent_messages" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "api_keys" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"business_id" uuid NOT NULL,
	"name" text NOT NULL,
	"prefix" text NOT NULL,
	"hash" text NOT NULL,
	"scopes" text[] NOT NULL,
	"created_by_user_id" uuid,
	"expires_at" timestamp with time zone,
	"last_used_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "api_keys_scopes_known" CHECK ("api_keys"."scopes" <@ array['read','write','admin']::text[] and cardinality("api_keys"."scopes") > 0)
);
--> statement-breakpoint
ALTER TABLE "api_keys" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "audit_logs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"business_id" uuid NOT NULL,
	"actor_type" text NOT NULL,
	"actor_id" text,
	"action" text NOT NULL,
	"entity_type" text NOT NULL,
	"entity_id" text,
	"old_values" jsonb,
	"new_values" jsonb,
	"channel" text,
	"ip" text,
	"user_agent" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "audit_logs_actor_type_known" CHECK (actor_type in ('user', 'api_key', 'agent', 'system'))
);
--> statement-breakpoint
ALTER TABLE "audit_logs" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "businesses" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"base_currency" char(3) DEFAULT 'USD' NOT NULL,
	"timezone" text DEFAULT 'UTC' NOT NULL,
	"fy_end_month" smallint DEFAULT 12 NOT NULL,
	"fy_end_day" smallint DEFAULT 31 NOT NULL,
	"allowed_origins" text[] DEFAULT '{}'::text[] NOT NULL,
	"is_demo" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"deleted_at" timestamp with time zone,
	CONSTRAINT "businesses_name_not_blank" CHECK (length(trim("businesses"."name")) > 0),
	CONSTRAINT "businesses_base_currency_iso" CHECK ("businesses"."base_currency" ~ '^[A-Z]{3}$'),
	CONSTRAINT "businesses_fy_end_month_range" CHECK ("businesses"."fy_end_month" between 1 and 12),
	CONSTRAINT "businesses_fy_end_day_range" CHECK ("businesses"."fy_end_day" between 1 and 31)
);
--> statement-breakpoint
ALTER TABLE "businesses" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "category_rules" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"business_id" uuid NOT NULL,
	"match_type" text NOT NULL,
	"pattern" text NOT NULL,
	"direction" text DEFAULT 'any' NOT NULL,
	"min_amount" numeric(19, 4),
	"max_amount" numeric(19, 4),
	"category" text NOT NULL,
	"account_code" text,
	"priority" integer DEFAULT 0 NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"hit_count" bigint DEFAULT 0 NOT NULL,
	"created_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"deleted_at" timestamp with time zone,
	CONSTRAINT "category_rules_match_type_known" CHECK (match_type in ('contains', 'equals', 'regex', 'counterparty')),
	CONSTRAINT "category_rules_direction_known" CHECK (direction in ('in', 'out', 'any')),
	CONSTRAINT "category_rules_pattern_length" CHECK (length("category_rules"."pattern") between 1 and 200),
	CONSTRAINT "category_rules_hit_count_nonnegative" CHECK ("category_rules"."hit_count" >= 0),
	CONSTRAINT "category_rules_amount_range" CHECK ("category_rules"."min_amount" is null or "category_rules"."max_amount" is null or "category_rules"."min_amount" <= "category_rules"."max_amount")
);
--> statement-breakpoint
ALTER TABLE "category_rules" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "contacts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"business_id" uuid NOT NULL,
	"source" text NOT NULL,
	"external_id" text NOT NULL,
	"name" text NOT NULL,
	"email" text,
	"is_customer" boolean DEFAULT false NOT NULL,
	"is_supplier" boolean DEFAULT false NOT NULL,
	"status" text DEFAULT 'ACTIVE' NOT NULL,
	"default_currency" char(3),
	"avg_days_to_pay" numeric(9, 2),
	"late_payment_share" numeric(12, 6),
	"external_updated_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "contacts_source_known" CHECK (source in ('xero', 'stripe', 'csv')),
	CONSTRAINT "contacts_status_known" CHECK (status in ('ACTIVE', 'ARCHIVED', 'GDPRREQUEST', 'DELETED')),
	CONSTRAINT "contacts_late_share_range" CHECK ("contacts"."late_payment_share" is null or ("contacts"."late_payment_share" >= 0 and "contacts"."late_payment_share" <= 1))
);
--> statement-breakpoint
ALTER TABLE "contacts" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "inbound_events" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"business_id" uuid,
	"provider" text NOT NULL,
	"external_event_id" text NOT NULL,
	"event_type" text NOT NULL,
	"payload" jsonb NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	"processed_at" timestamp with time zone,
	"attempts" integer DEFAULT 0 NOT NULL,
	"error" text,
	CONSTRAINT "inbound_events_provider_known" CHECK (provider in ('xero', 'stripe', 'csv')),
	CONSTRAINT "inbound_events_attempts_nonnegative" CHECK ("inbound_events"."attempts" >= 0)
);
--> statement-breakpoint
ALTER TABLE "inbound_events" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "integration_accounts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"business_id" uuid NOT NULL,
	"provider" text NOT NULL,
	"external_id" text NOT NULL,
	"name" text,
	"status" text DEFAULT 'active' NOT NULL,
	"status_message" text,
	"credentials_ciphertext" text,
	"credentials_key_id" text,
	"token_expires_at" timestamp with time zone,
	"last_synced_at" timestamp with time zone,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "integration_accounts_provider_known" CHECK (provider in ('xero', 'stripe', 'csv')),
	CONSTRAINT "integration_accounts_status_known" CHECK (status in ('active', 'needs_reauth', 'revoked', 'error')),
	CONSTRAINT "integration_accounts_key_with_ciphertext" CHECK (("integration_accounts"."credentials_ciphertext" is null) = ("integration_accounts"."credentials_key_id" is null))
);
--> statement-breakpoint
ALTER TABLE "integration_accounts" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "invoices" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"business_id" uuid NOT NULL,
	"source" text NOT NULL,
	"external_id" text NOT NULL,
	"type" text NOT NULL,
	"number" text,
	"reference" text,
	"contact_id" uuid,
	"status" text NOT NULL,
	"issue_date" date NOT NULL,
	"due_date" date,
	"paid_date" date,
	"currency" char(3) NOT NULL,
	"currency_rate" numeric(19, 10) DEFAULT '1' NOT NULL,
	"subtotal" numeric(19, 4) NOT NULL,
	"total_tax" numeric(19, 4) DEFAULT '0' NOT NULL,
	"total" numeric(19, 4) NOT NULL,
	"amount_due" numeric(19, 4) DEFAULT '0' NOT NULL,
	"amount_paid" numeric(19, 4) DEFAULT '0' NOT NULL,
	"amount_credited" numeric(19, 4) DEFAULT '0' NOT NULL,
	"base_total" numeric(19, 4) NOT NULL,
	"line_items" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"external_updated_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "invoices_source_known" CHECK (source in ('xero', 'stripe', 'csv')),
	CONSTRAINT "invoices_type_known" CHECK (type in ('ACCREC', 'ACCPAY', 'ACCRECCREDIT', 'ACCPAYCREDIT')),
	CONSTRAINT "invoices_status_known" CHECK (status in ('DRAFT', 'SUBMITTED', 'AUTHORISED', 'PAID', 'VOIDED', 'DELETED')),
	CONSTRAINT "invoices_currency_iso" CHECK ("invoices"."currency" ~ '^[A-Z]{3}$'),
	CONSTRAINT "invoices_amounts_nonnegative" CHECK ("invoices"."total" >= 0 and "invoices"."amount_due" >= 0 and "invoices"."amount_paid" >= 0),
	CONSTRAINT "invoices_currency_rate_positive" CHECK ("invoices"."currency_rate" > 0)
);
--> statement-breakpoint
ALTER TABLE "invoices" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "memberships" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"business_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"role" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "memberships_role_known" CHECK (role in ('owner', 'admin', 'accountant', 'viewer'))
);
--> statement-breakpoint
ALTER TABLE "memberships" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "metric_snapshots" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"business_id" uuid NOT NULL,
	"period_type" text NOT NULL,
	"period_start" date NOT NULL,
	"period_end" date NOT NULL,
	"currency" char(3) NOT NULL,
	"revenue" numeric(19, 4),
	"expenses" numeric(19, 4),
	"net_income" numeric(19, 4),
	"gross_margin" numeric(12, 6),
	"revenue_volatility" numeric(12, 6),
	"refund_count" integer,
	"refund_ratio" numeric(12, 6),
	"chargeback_count" integer,
	"chargeback_ratio" numeric(12, 6),
	"mrr" numeric(19, 4),
	"arr" numeric(19, 4),
	"subscriber_churn" numeric(12, 6),
	"cash_balance" numeric(19, 4),
	"gross_burn" numeric(19, 4),
	"net_burn" numeric(19, 4),
	"runway_months" numeric(9, 2),
	"dso" numeric(9, 2),
	"dpo" numeric(9, 2),
	"revenue_source" text NOT NULL,
	"metrics" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"data_quality" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"computed_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "metric_snapshots_period_type_known" CHECK (period_type in ('week', 'month', 'quarter', 'year')),
	CONSTRAINT "metric_snapshots_revenue_source_known" CHECK (revenue_source in ('xero', 'stripe', 'csv', 'none')),
	CONSTRAINT "metric_snapshots_period_order" CHECK ("metric_snapshots"."period_end" >= "metric_snapshots"."period_start"),
	CONSTRAINT "metric_snapshots_counts_nonnegative" CHECK (coalesce("metric_snapshots"."refund_count", 0) >= 0 and coalesce("metric_snapshots"."chargeback_count", 0) >= 0)
);
--> statement-breakpoint
ALTER TABLE "metric_snapshots" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "readiness_scores" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"business_id" uuid NOT NULL,
	"score_version" text NOT NULL,
	"score" integer NOT NULL,
	"tier" text NOT NULL,
	"components" jsonb NOT NULL,
	"next_band" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"computed_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "readiness_scores_score_range" CHECK ("readiness_scores"."score" between 0 and 100),
	CONSTRAINT "readiness_scores_tier_known" CHECK (tier in ('not_ready', 'needs_work', 'funding_ready', 'highly_attractive'))
);
--> statement-breakpoint
ALTER TABLE "readiness_scores" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "recommendations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"business_id" uuid NOT NULL,
	"rule_id" text NOT NULL,
	"dedupe_key" text NOT NULL,
	"title" text NOT NULL,
	"description" text NOT NULL,
	"priority" text NOT NULL,
	"category" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"metric_refs" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"estimated_impact" numeric(19, 4),
	"impact_currency" char(3),
	"impact_days" numeric(9, 2),
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"status_changed_by" text,
	"status_changed_at" timestamp with time zone,
	"resolved_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "recommendations_priority_known" CHECK (priority in ('low', 'medium', 'high', 'critical')),
	CONSTRAINT "recommendations_category_known" CHECK (category in ('cash_flow', 'risk', 'revenue', 'costs', 'collections', 'data')),
	CONSTRAINT "recommendations_status_known" CHECK (status in ('pending', 'accepted', 'dismissed', 'resolved')),
	CONSTRAINT "recommendations_impact_currency" CHECK ("recommendations"."estimated_impact" is null or "recommendations"."impact_currency" is not null)
);
--> statement-breakpoint
ALTER TABLE "recommendations" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "reports" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"business_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"period_start" date,
	"period_end" date NOT NULL,
	"currency" char(3) NOT NULL,
	"data" jsonb NOT NULL,
	"created_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "reports_kind_known" CHECK (kind in ('profit_and_loss', 'balance_sheet', 'cash_summary', 'aged_receivables', 'aged_payables', 'kpi'))
);
--> statement-breakpoint
ALTER TABLE "reports" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "settings" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"business_id" uuid NOT NULL,
	"key" text NOT NULL,
	"value" jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "settings" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "subscriptions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"business_id" uuid NOT NULL,
	"source" text NOT NULL,
	"external_id" text NOT NULL,
	"contact_id" uuid,
	"status" text NOT NULL,
	"currency" char(3) NOT NULL,
	"mrr_amount" numeric(19, 4) DEFAULT '0' NOT NULL,
	"items" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"trial_end" timestamp with time zone,
	"current_period_start" timestamp with time zone,
	"current_period_end" timestamp with time zone,
	"canceled_at" timestamp with time zone,
	"ended_at" timestamp with time zone,
	"external_updated_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "subscriptions_source_known" CHECK (source in ('xero', 'stripe', 'csv')),
	CONSTRAINT "subscriptions_status_known" CHECK (status in ('incomplete', 'incomplete_expired', 'trialing', 'active', 'past_due', 'canceled', 'unpaid', 'paused')),
	CONSTRAINT "subscriptions_mrr_nonnegative" CHECK ("subscriptions"."mrr_amount" >= 0)
);
--> statement-breakpoint
ALTER TABLE "subscriptions" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "sync_conflicts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"business_id" uuid NOT NULL,
	"integration_account_id" uuid,
	"entity_type" text NOT NULL,
	"local_id" uuid,
	"external_id" text NOT NULL,
	"local_value" jsonb,
	"remote_value" jsonb,
	"status" text DEFAULT 'open' NOT NULL,
	"resolved_by" text,
	"resolved_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "sync_conflicts_status_known" CHECK (status in ('open', 'kept_local', 'kept_remote'))
);
--> statement-breakpoint
ALTER TABLE "sync_conflicts" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "sync_cursors" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"business_id" uuid NOT NULL,
	"integration_account_id" uuid NOT NULL,
	"entity" text NOT NULL,
	"cursor" text,
	"page" integer DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "sync_cursors_page_nonnegative" CHECK ("sync_cursors"."page" >= 0)
);
--> statement-breakpoint
ALTER TABLE "sync_cursors" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "sync_mappings" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"business_id" uuid NOT NULL,
	"integration_account_id" uuid NOT NULL,
	"entity_type" text NOT NULL,
	"external_id" text NOT NULL,
	"local_id" uuid NOT NULL,
	"external_updated_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "sync_mappings" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "sync_runs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"business_id" uuid NOT NULL,
	"integration_account_id" uuid,
	"provider" text NOT NULL,
	"mode" text NOT NULL,
	"status" text DEFAULT 'running' NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone,
	"duration_ms" integer,
	"processed" integer DEFAULT 0 NOT NULL,
	"succeeded" integer DEFAULT 0 NOT NULL,
	"failed" integer DEFAULT 0 NOT NULL,
	"skipped" integer DEFAULT 0 NOT NULL,
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"error" text,
	CONSTRAINT "sync_runs_provider_known" CHECK (provider in ('xero', 'stripe', 'csv')),
	CONSTRAINT "sync_runs_mode_known" CHECK (mode in ('full', 'incremental', 'webhook', 'import')),
	CONSTRAINT "sync_runs_status_known" CHECK (status in ('running', 'succeeded', 'failed', 'cancelled')),
	CONSTRAINT "sync_runs_counts_nonnegative" CHECK ("sync_runs"."processed" >= 0 and "sync_runs"."succeeded" >= 0 and "sync_runs"."failed" >= 0 and "sync_runs"."skipped" >= 0),
	CONSTRAINT "sync_runs_duration_nonnegative" CHECK ("sync_runs"."duration_ms" is null or "sync_runs"."duration_ms" >= 0)
);
--> statement-breakpoint
ALTER TABLE "sync_runs" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "tool_calls" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"business_id" uuid NOT NULL,
	"conversation_id" uuid,
	"message_id" uuid,
	"tool_name" text NOT NULL,
	"channel" text NOT NULL,
	"input" jsonb,
	"output" jsonb,
	"is_error" boolean DEFAULT false NOT NULL,
	"error" text,
	"duration_ms" integer NOT NULL,
	"actor" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "tool_calls_channel_known" CHECK (channel in ('web', 'widget', 'mcp', 'http', 'n8n', 'cli', 'eval', 'system')),
	CONSTRAINT "tool_calls_duration_nonnegative" CHECK ("tool_calls"."duration_ms" >= 0)
);
--> statement-breakpoint
ALTER TABLE "tool_calls" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "transactions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"business_id" uuid NOT NULL,
	"source" text NOT NULL,
	"external_id" text NOT NULL,
	"kind" text NOT NULL,
	"status" text NOT NULL,
	"date" date NOT NULL,
	"amount" numeric(19, 4) NOT NULL,
	"currency" char(3) NOT NULL,
	"base_amount" numeric(19, 4) NOT NULL,
	"counterparty" text,
	"contact_id" uuid,
	"description" text,
	"normalized_description" text,
	"bank_account_id" uuid,
	"invoice_id" uuid,
	"linked_transaction_id" uuid,
	"reconciled" boolean DEFAULT false NOT NULL,
	"category" text,
	"account_code" text,
	"category_source" text,
	"category_confidence" real,
	"embedding" vector(256),
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"external_updated_at" timestamp with time zone,
	"deleted_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "transactions_source_known" CHECK (source in ('xero', 'stripe', 'csv')),
	CONSTRAINT "transactions_kind_known" CHECK (kind in ('INVOICE', 'BILL', 'SPEND', 'RECEIVE', 'TRANSFER', 'CREDIT_NOTE', 'PAYMENT', 'CHARGE', 'REFUND', 'DISPUTE', 'PAYOUT', 'FEE')),
	CONSTRAINT "transactions_currency_iso" CHECK ("transactions"."currency" ~ '^[A-Z]{3}$'),
	CONSTRAINT "transactions_category_source_known" CHECK ("transactions"."category_source" is null or category_source in ('rule', 'similar', 'model', 'user', 'upstream')),
	CONSTRAINT "transactions_confidence_range" CHECK ("transactions"."category_confidence" is null or ("transactions"."category_confidence" >= 0 and "transactions"."category_confidence" <= 1))
);
--> statement-breakpoint
ALTER TABLE "transactions" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "users" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"email" text NOT NULL,
	"name" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"deleted_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "webhook_deliveries" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"business_id" uuid NOT NULL,
	"subscription_id" uuid NOT NULL,
	"event_id" uuid NOT NULL,
	"event_type" text NOT NULL,
	"payload" jsonb NOT NULL,
	"attempt" integer DEFAULT 1 NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"response_status" integer,
	"error" text,
	"duration_ms" integer,
	"next_attempt_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "webhook_deliveries_status_known" CHECK (status in ('pending', 'succeeded', 'failed', 'abandoned')),
	CONSTRAINT "webhook_deliveries_attempt_positive" CHECK ("webhook_deliveries"."attempt" >= 1)
);
--> statement-breakpoint
ALTER TABLE "webhook_deliveries" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "webhook_subscriptions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"business_id" uuid NOT NULL,
	"url" text NOT NULL,
	"events" text[] NOT NULL,
	"description" text,
	"secret_ciphertext" text NOT NULL,
	"secret_key_id" text NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"consecutive_failures" integer DEFAULT 0 NOT NULL,
	"disabled_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"deleted_at" timestamp with time zone,
	CONSTRAINT "webhook_subscriptions_url_http" CHECK ("webhook_subscriptions"."url" ~ '^https?://'),
	CONSTRAINT "webhook_subscriptions_failures_nonnegative" CHECK ("webhook_subscriptions"."consecutive_failures" >= 0),
	CONSTRAINT "webhook_subscriptions_events_nonempty" CHECK (cardinality("webhook_subscriptions"."events") > 0)
);
--> statement-breakpoint
ALTER TABLE "webhook_subscriptions" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "accounts" ADD CONSTRAINT "accounts_business_id_businesses_id_fk" FOREIGN KEY ("business_id") REFERENCES "public"."businesses"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "agent_conversations" ADD CONSTRAINT "agent_conversations_business_id_businesses_id_fk" FOREIGN KEY ("business_id") REFERENCES "public"."businesses"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "agent_conversations" ADD CONSTRAINT "agent_conversations_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "agent_conversations" ADD CONSTRAINT "agent_conversations_api_key_id_api_keys_id_fk" FOREIGN KEY ("api_key_id") REFERENCES "public"."api_keys"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "agent_messages" ADD CONSTRAINT "agent_messages_business_id_businesses_id_fk" FOREIGN KEY ("business_id") REFERENCES "public"."businesses"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "agent_messages" ADD CONSTRAINT "agent_messages_conversation_id_agent_conversations_id_fk" FOREIGN KEY ("conversation_id") REFERENCES "public"."agent_conversations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_business_id_businesses_id_fk" FOREIGN KEY ("business_id") REFERENCES "public"."businesses"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_created_by_user_id_users_id_fk" FOREIGN KEY ("created_by_user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "audit_logs" ADD CONSTRAINT "audit_logs_business_id_businesses_id_fk" FOREIGN KEY ("business_id") REFERENCES "public"."businesses"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "category_rules" ADD CONSTRAINT "category_rules_business_id_businesses_id_fk" FOREIGN KEY ("business_id") REFERENCES "public"."businesses"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "contacts" ADD CONSTRAINT "contacts_business_id_businesses_id_fk" FOREIGN KEY ("business_id") REFERENCES "public"."businesses"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "inbound_events" ADD CONSTRAINT "inbound_events_business_id_businesses_id_fk" FOREIGN KEY ("business_id") REFERENCES "public"."businesses"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "integration_accounts" ADD CONSTRAINT "integration_accounts_business_id_businesses_id_fk" FOREIGN KEY ("business_id") REFERENCES "public"."businesses"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "invoices" ADD CONSTRAINT "invoices_business_id_businesses_id_fk" FOREIGN KEY ("business_id") REFERENCES "public"."businesses"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "invoices" ADD CONSTRAINT "invoices_contact_id_contacts_id_fk" FOREIGN KEY ("contact_id") REFERENCES "public"."contacts"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "memberships" ADD CONSTRAINT "memberships_business_id_businesses_id_fk" FOREIGN KEY ("business_id") REFERENCES "public"."businesses"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "memberships" ADD CONSTRAINT "memberships_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "metric_snapshots" ADD CONSTRAINT "metric_snapshots_business_id_businesses_id_fk" FOREIGN KEY ("business_id") REFERENCES "public"."businesses"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "readiness_scores" ADD CONSTRAINT "readiness_scores_business_id_businesses_id_fk" FOREIGN KEY ("business_id") REFERENCES "public"."businesses"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "recommendations" ADD CONSTRAINT "recommendations_business_id_businesses_id_fk" FOREIGN KEY ("business_id") REFERENCES "public"."businesses"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reports" ADD CONSTRAINT "reports_business_id_businesses_id_fk" FOREIGN KEY ("business_id") REFERENCES "public"."businesses"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "settings" ADD CONSTRAINT "settings_business_id_businesses_id_fk" FOREIGN KEY ("business_id") REFERENCES "public"."businesses"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "subscriptions" ADD CONSTRAINT "subscriptions_business_id_businesses_id_fk" FOREIGN KEY ("business_id") REFERENCES "public"."businesses"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "subscriptions" ADD CONSTRAINT "subscriptions_contact_id_contacts_id_fk" FOREIGN KEY ("contact_id") REFERENCES "public"."contacts"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sync_conflicts" ADD CONSTRAINT "sync_conflicts_business_id_businesses_id_fk" FOREIGN KEY ("business_id") REFERENCES "public"."businesses"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sync_conflicts" ADD CONSTRAINT "sync_conflicts_integration_account_id_integration_accounts_id_fk" FOREIGN KEY ("integration_account_id") REFERENCES "public"."integration_accounts"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sync_cursors" ADD CONSTRAINT "sync_cursors_business_id_businesses_id_fk" FOREIGN KEY ("business_id") REFERENCES "public"."businesses"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sync_cursors" ADD CONSTRAINT "sync_cursors_integration_account_id_integration_accounts_id_fk" FOREIGN KEY ("integration_account_id") REFERENCES "public"."integration_accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sync_mappings" ADD CONSTRAINT "sync_mappings_business_id_businesses_id_fk" FOREIGN KEY ("business_id") REFERENCES "public"."businesses"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sync_mappings" ADD CONSTRAINT "sync_mappings_integration_account_id_integration_accounts_id_fk" FOREIGN KEY ("integration_account_id") REFERENCES "public"."integration_accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sync_runs" ADD CONSTRAINT "sync_runs_business_id_businesses_id_fk" FOREIGN KEY ("business_id") REFERENCES "public"."businesses"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sync_runs" ADD CONSTRAINT "sync_runs_integration_account_id_integration_accounts_id_fk" FOREIGN KEY ("integration_account_id") REFERENCES "public"."integration_accounts"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tool_calls" ADD CONSTRAINT "tool_calls_business_id_businesses_id_fk" FOREIGN KEY ("business_id") REFERENCES "public"."businesses"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tool_calls" ADD CONSTRAINT "tool_calls_conversation_id_agent_conversations_id_fk" FOREIGN KEY ("conversation_id") REFERENCES "public"."agent_conversations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tool_calls" ADD CONSTRAINT "tool_calls_message_id_agent_messages_id_fk" FOREIGN KEY ("message_id") REFERENCES "public"."agent_messages"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "transactions" ADD CONSTRAINT "transactions_business_id_businesses_id_fk" FOREIGN KEY ("business_id") REFERENCES "public"."businesses"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "transactions" ADD CONSTRAINT "transactions_contact_id_contacts_id_fk" FOREIGN KEY ("contact_id") REFERENCES "public"."contacts"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "transactions" ADD CONSTRAINT "transactions_bank_account_id_accounts_id_fk" FOREIGN KEY ("bank_account_id") REFERENCES "public"."accounts"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "transactions" ADD CONSTRAINT "transactions_invoice_id_invoices_id_fk" FOREIGN KEY ("invoice_id") REFERENCES "public"."invoices"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_business_id_businesses_id_fk" FOREIGN KEY ("business_id") REFERENCES "public"."businesses"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_subscription_id_webhook_subscriptions_id_fk" FOREIGN KEY ("subscription_id") REFERENCES "public"."webhook_subscriptions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "webhook_subscriptions" ADD CONSTRAINT "webhook_subscriptions_business_id_businesses_id_fk" FOREIGN KEY ("business_id") REFERENCES "public"."businesses"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "accounts_source_external_key" ON "accounts" USING btree ("business_id","source","external_id");--> statement-breakpoint
CREATE INDEX "accounts_business_code_idx" ON "accounts" USING btree ("business_id","code");--> statement-breakpoint
CREATE UNIQUE INDEX "agent_conversations_session_key" ON "agent_conversations" USING btree ("business_id","channel","session_id");--> statement-breakpoint
CREATE INDEX "agent_conversations_business_updated_idx" ON "agent_conversations" USING btree ("business_id","updated_at");--> statement-breakpoint
CREATE UNIQUE INDEX "agent_messages_conversation_seq_key" ON "agent_messages" USING btree ("business_id","conversation_id","seq");--> statement-breakpoint
CREATE UNIQUE INDEX "api_keys_hash_key" ON "api_keys" USING btree ("hash");--> statement-breakpoint
CREATE INDEX "api_keys_business_idx" ON "api_keys" USING btree ("business_id","created_at");--> statement-breakpoint
CREATE INDEX "audit_logs_business_created_idx" ON "audit_logs" USING btree ("business_id","created_at");--> statement-breakpoint
CREATE INDEX "audit_logs_business_entity_idx" ON "audit_logs" USING btree ("business_id","entity_type","entity_id");--> statement-breakpoint
CREATE INDEX "category_rules_business_priority_idx" ON "category_rules" USING btree ("business_id","active","priority");--> statement-breakpoint
CREATE UNIQUE INDEX "contacts_source_external_key" ON "contacts" USING btree ("business_id","source","external_id");--> statement-breakpoint
CREATE INDEX "contacts_business_name_idx" ON "contacts" USING btree ("business_id","name");--> statement-breakpoint
CREATE UNIQUE INDEX "inbound_events_provider_event_key" ON "inbound_events" USING btree ("provider","external_event_id");--> statement-breakpoint
CREATE INDEX "inbound_events_business_received_idx" ON "inbound_events" USING btree ("business_id","received_at");--> statement-breakpoint
CREATE INDEX "inbound_events_unprocessed_idx" ON "inbound_events" USING btree ("received_at") WHERE "inbound_events"."processed_at" is null;--> statement-breakpoint
CREATE UNIQUE INDEX "integration_accounts_business_provider_external_key" ON "integration_accounts" USING btree ("business_id","provider","external_id");--> statement-breakpoint
CREATE INDEX "integration_accounts_provider_external_idx" ON "integration_accounts" USING btree ("provider","external_id");--> statement-breakpoint
CREATE UNIQUE INDEX "invoices_source_external_key" ON "invoices" USING btree ("business_id","source","external_id");--> statement-breakpoint
CREATE INDEX "invoices_business_type_date_idx" ON "invoices" USING btree ("business_id","type","issue_date");--> statement-breakpoint
CREATE INDEX "invoices_business_open_due_idx" ON "invoices" USING btree ("business_id","type","due_date") WHERE "invoices"."status" = 'AUTHORISED';--> statement-breakpoint
CREATE INDEX "invoices_business_contact_idx" ON "invoices" USING btree ("business_id","contact_id");--> statement-breakpoint
CREATE UNIQUE INDEX "memberships_business_user_key" ON "memberships" USING btree ("business_id","user_id");--> statement-breakpoint
CREATE INDEX "memberships_user_idx" ON "memberships" USING btree ("user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "metric_snapshots_period_key" ON "metric_snapshots" USING btree ("business_id","period_type","period_start");--> statement-breakpoint
CREATE INDEX "readiness_scores_business_computed_idx" ON "readiness_scores" USING btree ("business_id","computed_at");--> statement-breakpoint
CREATE UNIQUE INDEX "recommendations_dedupe_key" ON "recommendations" USING btree ("business_id","dedupe_key");--> statement-breakpoint
CREATE INDEX "recommendations_business_status_idx" ON "recommendations" USING btree ("business_id","status","priority");--> statement-breakpoint
CREATE INDEX "reports_business_kind_idx" ON "reports" USING btree ("business_id","kind","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "settings_business_key" ON "settings" USING btree ("business_id","key");--> statement-breakpoint
CREATE UNIQUE INDEX "subscriptions_source_external_key" ON "subscriptions" USING btree ("business_id","source","external_id");--> statement-breakpoint
CREATE INDEX "subscriptions_business_status_idx" ON "subscriptions" USING btree ("business_id","status");--> statement-breakpoint
CREATE INDEX "sync_conflicts_business_status_idx" ON "sync_conflicts" USING btree ("business_id","status","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "sync_cursors_account_entity_key" ON "sync_cursors" USING btree ("business_id","integration_account_id","entity");--> statement-breakpoint
CREATE UNIQUE INDEX "sync_mappings_external_key" ON "sync_mappings" USING btree ("business_id","integration_account_id","entity_type","external_id");--> statement-breakpoint
CREATE INDEX "sync_mappings_local_idx" ON "sync_mappings" USING btree ("business_id","local_id");--> statement-breakpoint
CREATE INDEX "sync_runs_business_started_idx" ON "sync_runs" USING btree ("business_id","started_at");--> statement-breakpoint
CREATE INDEX "tool_calls_business_created_idx" ON "tool_calls" USING btree ("business_id","created_at");--> statement-breakpoint
CREATE INDEX "tool_calls_business_conversation_idx" ON "tool_calls" USING btree ("business_id","conversation_id");--> statement-breakpoint
CREATE UNIQUE INDEX "transactions_source_external_key" ON "transactions" USING btree ("business_id","source","external_id");--> statement-breakpoint
CREATE INDEX "transactions_business_date_idx" ON "transactions" USING btree ("business_id","date");--> statement-breakpoint
CREATE INDEX "transactions_business_kind_date_idx" ON "transactions" USING btree ("business_id","kind","date");--> statement-breakpoint
CREATE INDEX "transactions_business_category_idx" ON "transactions" USING btree ("business_id","category");--> statement-breakpoint
CREATE INDEX "transactions_business_contact_idx" ON "transactions" USING btree ("business_id","contact_id");--> statement-breakpoint
CREATE INDEX "transactions_business_bank_account_idx" ON "transactions" USING btree ("business_id","bank_account_id","date");--> statement-breakpoint
CREATE INDEX "transactions_embedding_idx" ON "transactions" USING hnsw ("embedding" vector_cosine_ops);--> statement-breakpoint
CREATE UNIQUE INDEX "users_email_key" ON "users" USING btree (lower("email"));--> statement-breakpoint
CREATE UNIQUE INDEX "webhook_deliveries_attempt_key" ON "webhook_deliveries" USING btree ("business_id","subscription_id","event_id","attempt");--> statement-breakpoint
CREATE INDEX "webhook_deliveries_business_created_idx" ON "webhook_deliveries" USING btree ("business_id","created_at");--> statement-breakpoint
CREATE INDEX "webhook_subscriptions_business_idx" ON "webhook_subscriptions" USING btree ("business_id","active");--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "accounts" AS PERMISSIVE FOR ALL TO public USING (business_id = nullif(current_setting('app.business_id', true), '')::uuid or current_setting('app.rls_bypass', true) = 'on') WITH CHECK (business_id = nullif(current_setting('app.business_id', true), '')::uuid or current_setting('app.rls_bypass', true) = 'on');--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "agent_conversations" AS PERMISSIVE FOR ALL TO public USING (business_id = nullif(current_setting('app.business_id', true), '')::uuid or current_setting('app.rls_bypass', true) = 'on') WITH CHECK (business_id = nullif(current_setting('app.business_id', true), '')::uuid or current_setting('app.rls_bypass', true) = 'on');--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "agent_messages" AS PERMISSIVE FOR ALL TO public USING (business_id = nullif(current_setting('app.business_id', true), '')::uuid or current_setting('app.rls_bypass', true) = 'on') WITH CHECK (business_id = nullif(current_setting('app.business_id', true), '')::uuid or current_setting('app.rls_bypass', true) = 'on');--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "api_keys" AS PERMISSIVE FOR ALL TO public USING (business_id = nullif(current_setting('app.business_id', true), '')::uuid or current_setting('app.rls_bypass', true) = 'on') WITH CHECK (business_id = nullif(current_setting('app.business_id', true), '')::uuid or current_setting('app.rls_bypass', true) = 'on');--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "audit_logs" AS PERMISSIVE FOR ALL TO public USING (business_id = nullif(current_setting('app.business_id', true), '')::uuid or current_setting('app.rls_bypass', true) = 'on') WITH CHECK (business_id = nullif(current_setting('app.business_id', true), '')::uuid or current_setting('app.rls_bypass', true) = 'on');--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "businesses" AS PERMISSIVE FOR ALL TO public USING (id = nullif(current_setting('app.business_id', true), '')::uuid or current_setting('app.rls_bypass', true) = 'on') WITH CHECK (id = nullif(current_setting('app.business_id', true), '')::uuid or current_setting('app.rls_bypass', true) = 'on');--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "category_rules" AS PERMISSIVE FOR ALL TO public USING (business_id = nullif(current_setting('app.business_id', true), '')::uuid or current_setting('app.rls_bypass', true) = 'on') WITH CHECK (business_id = nullif(current_setting('app.business_id', true), '')::uuid or current_setting('app.rls_bypass', true) = 'on');--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "contacts" AS PERMISSIVE FOR ALL TO public USING (business_id = nullif(current_setting('app.business_id', true), '')::uuid or current_setting('app.rls_bypass', true) = 'on') WITH CHECK (business_id = nullif(current_setting('app.business_id', true), '')::uuid or current_setting('app.rls_bypass', true) = 'on');--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "inbound_events" AS PERMISSIVE FOR ALL TO public USING (business_id = nullif(current_setting('app.business_id', true), '')::uuid or current_setting('app.rls_bypass', true) = 'on') WITH CHECK (business_id = nullif(current_setting('app.business_id', true), '')::uuid or current_setting('app.rls_bypass', true) = 'on');--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "integration_accounts" AS PERMISSIVE FOR ALL TO public USING (business_id = nullif(current_setting('app.business_id', true), '')::uuid or current_setting('app.rls_bypass', true) = 'on') WITH CHECK (business_id = nullif(current_setting('app.business_id', true), '')::uuid or current_setting('app.rls_bypass', true) = 'on');--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "invoices" AS PERMISSIVE FOR ALL TO public USING (business_id = nullif(current_setting('app.business_id', true), '')::uuid or current_setting('app.rls_bypass', true) = 'on') WITH CHECK (business_id = nullif(current_setting('app.business_id', true), '')::uuid or current_setting('app.rls_bypass', true) = 'on');--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "memberships" AS PERMISSIVE FOR ALL TO public USING (business_id = nullif(current_setting('app.business_id', true), '')::uuid or current_setting('app.rls_bypass', true) = 'on') WITH CHECK (business_id = nullif(current_setting('app.business_id', true), '')::uuid or current_setting('app.rls_bypass', true) = 'on');--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "metric_snapshots" AS PERMISSIVE FOR ALL TO public USING (business_id = nullif(current_setting('app.business_id', true), '')::uuid or current_setting('app.rls_bypass', true) = 'on') WITH CHECK (business_id = nullif(current_setting('app.business_id', true), '')::uuid or current_setting('app.rls_bypass', true) = 'on');--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "readiness_scores" AS PERMISSIVE FOR ALL TO public USING (business_id = nullif(current_setting('app.business_id', true), '')::uuid or current_setting('app.rls_bypass', true) = 'on') WITH CHECK (business_id = nullif(current_setting('app.business_id', true), '')::uuid or current_setting('app.rls_bypass', true) = 'on');--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "recommendations" AS PERMISSIVE FOR ALL TO public USING (business_id = nullif(current_setting('app.business_id', true), '')::uuid or current_setting('app.rls_bypass', true) = 'on') WITH CHECK (business_id = nullif(current_setting('app.business_id', true), '')::uuid or current_setting('app.rls_bypass', true) = 'on');--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "reports" AS PERMISSIVE FOR ALL TO public USING (business_id = nullif(current_setting('app.business_id', true), '')::uuid or current_setting('app.rls_bypass', true) = 'on') WITH CHECK (business_id = nullif(current_setting('app.business_id', true), '')::uuid or current_setting('app.rls_bypass', true) = 'on');--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "settings" AS PERMISSIVE FOR ALL TO public USING (business_id = nullif(current_setting('app.business_id', true), '')::uuid or current_setting('app.rls_bypass', true) = 'on') WITH CHECK (business_id = nullif(current_setting('app.business_id', true), '')::uuid or current_setting('app.rls_bypass', true) = 'on');--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "subscriptions" AS PERMISSIVE FOR ALL TO public USING (business_id = nullif(current_setting('app.business_id', true), '')::uuid or current_setting('app.rls_bypass', true) = 'on') WITH CHECK (business_id = nullif(current_setting('app.business_id', true), '')::uuid or current_setting('app.rls_bypass', true) = 'on');--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "sync_conflicts" AS PERMISSIVE FOR ALL TO public USING (business_id = nullif(current_setting('app.business_id', true), '')::uuid or current_setting('app.rls_bypass', true) = 'on') WITH CHECK (business_id = nullif(current_setting('app.business_id', true), '')::uuid or current_setting('app.rls_bypass', true) = 'on');--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "sync_cursors" AS PERMISSIVE FOR ALL TO public USING (business_id = nullif(current_setting('app.business_id', true), '')::uuid or current_setting('app.rls_bypass', true) = 'on') WITH CHECK (business_id = nullif(current_setting('app.business_id', true), '')::uuid or current_setting('app.rls_bypass', true) = 'on');--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "sync_mappings" AS PERMISSIVE FOR ALL TO public USING (business_id = nullif(current_setting('app.business_id', true), '')::uuid or current_setting('app.rls_bypass', true) = 'on') WITH CHECK (business_id = nullif(current_setting('app.business_id', true), '')::uuid or current_setting('app.rls_bypass', true) = 'on');--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "sync_runs" AS PERMISSIVE FOR ALL TO public USING (business_id = nullif(current_setting('app.business_id', true), '')::uuid or current_setting('app.rls_bypass', true) = 'on') WITH CHECK (business_id = nullif(current_setting('app.business_id', true), '')::uuid or current_setting('app.rls_bypass', true) = 'on');--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "tool_calls" AS PERMISSIVE FOR ALL TO public USING (business_id = nullif(current_setting('app.business_id', true), '')::uuid or current_setting('app.rls_bypass', true) = 'on') WITH CHECK (business_id = nullif(current_setting('app.business_id', true), '')::uuid or current_setting('app.rls_bypass', true) = 'on');--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "transactions" AS PERMISSIVE FOR ALL TO public USING (business_id = nullif(current_setting('app.business_id', true), '')::uuid or current_setting('app.rls_bypass', true) = 'on') WITH CHECK (business_id = nullif(current_setting('app.business_id', true), '')::uuid or current_setting('app.rls_bypass', true) = 'on');--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "webhook_deliveries" AS PERMISSIVE FOR ALL TO public USING (business_id = nullif(current_setting('app.business_id', true), '')::uuid or current_setting('app.rls_bypass', true) = 'on') WITH CHECK (business_id = nullif(current_setting('app.business_id', true), '')::uuid or current_setting('app.rls_bypass', true) = 'on');--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "webhook_subscriptions" AS PERMISSIVE FOR ALL TO public USING (business_id = nullif(current_setting('app.business_id', true), '')::uuid or current_setting('app.rls_bypass', true) = 'on') WITH CHECK (business_id = nullif(current_setting('app.business_id', true), '')::uuid or current_setting('app.rls_bypass', true) = 'on');