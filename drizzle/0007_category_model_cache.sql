CREATE TABLE "category_model_cache" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"business_id" uuid NOT NULL,
	"normalized_description" text NOT NULL,
	"inflow" boolean NOT NULL,
	"category" text NOT NULL,
	"account_code" text,
	"confidence" real NOT NULL,
	"model" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "category_model_cache_confidence_range" CHECK ("category_model_cache"."confidence" >= 0 and "category_model_cache"."confidence" <= 1)
);
--> statement-breakpoint
ALTER TABLE "category_model_cache" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "category_model_cache" ADD CONSTRAINT "category_model_cache_business_id_businesses_id_fk" FOREIGN KEY ("business_id") REFERENCES "public"."businesses"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "category_model_cache_key" ON "category_model_cache" USING btree ("business_id","normalized_description","inflow");--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "category_model_cache" AS PERMISSIVE FOR ALL TO public USING (business_id = nullif(current_setting('app.business_id', true), '')::uuid or current_setting('app.rls_bypass', true) = 'on') WITH CHECK (business_id = nullif(current_setting('app.business_id', true), '')::uuid or current_setting('app.rls_bypass', true) = 'on');--> statement-breakpoint
-- Like every business-owned table (0002): the policy binds the owner too; cfo_app's grants for databases where
-- another role ran 0002.
ALTER TABLE "category_model_cache" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
DO $$ BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'cfo_app') THEN
    GRANT SELECT, INSERT, UPDATE, DELETE ON "category_model_cache" TO cfo_app;
  END IF;
END $$;
