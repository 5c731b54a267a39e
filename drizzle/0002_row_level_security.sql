-- Row-level security backs up the application's business_id filters (DESIGN §2.5).
-- FORCE makes the policies apply to the tables' owner too; superusers and BYPASSRLS roles still skip
-- them, so the service runs its queries as cfo_app, a role that can do neither (src/db/client.ts).
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'cfo_app') THEN
    CREATE ROLE cfo_app NOLOGIN NOSUPERUSER NOBYPASSRLS;
  END IF;
EXCEPTION WHEN insufficient_privilege THEN
  RAISE NOTICE 'cfo_app role not created (no CREATEROLE): connect as a non-superuser role instead';
END $$;--> statement-breakpoint
ALTER TABLE "businesses" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "memberships" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "api_keys" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "integration_accounts" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "sync_cursors" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "sync_runs" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "sync_mappings" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "sync_conflicts" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "inbound_events" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "accounts" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "contacts" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "invoices" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "subscriptions" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "transactions" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "category_rules" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "metric_snapshots" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "readiness_scores" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "recommendations" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "reports" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "webhook_subscriptions" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "webhook_deliveries" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "agent_conversations" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "agent_messages" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "tool_calls" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "audit_logs" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "settings" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
DO $$ BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'cfo_app') THEN
    GRANT USAGE ON SCHEMA public TO cfo_app;
    GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO cfo_app;
    ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO cfo_app;
    GRANT USAGE ON SCHEMA drizzle TO cfo_app;
    GRANT SELECT ON ALL TABLES IN SCHEMA drizzle TO cfo_app;
  END IF;
END $$;
