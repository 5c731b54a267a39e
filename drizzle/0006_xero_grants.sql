CREATE TABLE "integration_grants" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"provider" text NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"status_message" text,
	"credentials_ciphertext" text,
	"credentials_key_id" text,
	"token_expires_at" timestamp with time zone,
	"refreshed_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "integration_grants_provider_known" CHECK (provider in ('xero', 'stripe', 'csv')),
	CONSTRAINT "integration_grants_status_known" CHECK (status in ('active', 'needs_reauth', 'revoked', 'error')),
	CONSTRAINT "integration_grants_key_with_ciphertext" CHECK (("integration_grants"."credentials_ciphertext" is null) = ("integration_grants"."credentials_key_id" is null))
);
--> statement-breakpoint
ALTER TABLE "integration_grants" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "integration_accounts" ADD COLUMN "grant_id" uuid;--> statement-breakpoint
ALTER TABLE "sync_cursors" ADD COLUMN "pending_cursor" text;--> statement-breakpoint
ALTER TABLE "sync_runs" ADD COLUMN "heartbeat_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "integration_accounts" ADD CONSTRAINT "integration_accounts_grant_id_integration_grants_id_fk" FOREIGN KEY ("grant_id") REFERENCES "public"."integration_grants"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE POLICY "system_only" ON "integration_grants" AS PERMISSIVE FOR ALL TO public USING (current_setting('app.rls_bypass', true) = 'on') WITH CHECK (current_setting('app.rls_bypass', true) = 'on');--> statement-breakpoint
-- Like every other table (0002): the policy binds the owner too, and cfo_app gets its grants here for
-- databases where another role ran 0002.
ALTER TABLE "integration_grants" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
DO $$ BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'cfo_app') THEN
    GRANT SELECT, INSERT, UPDATE, DELETE ON "integration_grants" TO cfo_app;
  END IF;
END $$;
