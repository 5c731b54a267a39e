CREATE TABLE "category_reviews" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"business_id" uuid NOT NULL,
	"transaction_id" uuid NOT NULL,
	"category" text NOT NULL,
	"account_code" text,
	"source" text NOT NULL,
	"confidence" real NOT NULL,
	"status" text DEFAULT 'open' NOT NULL,
	"resolved_by" text,
	"resolved_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "category_reviews_status_known" CHECK (status in ('open', 'accepted', 'corrected', 'superseded')),
	CONSTRAINT "category_reviews_source_known" CHECK (source in ('rule', 'similar', 'model', 'knowledge')),
	CONSTRAINT "category_reviews_confidence_range" CHECK ("category_reviews"."confidence" >= 0 and "category_reviews"."confidence" <= 1)
);
--> statement-breakpoint
ALTER TABLE "category_reviews" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "category_reviews" ADD CONSTRAINT "category_reviews_business_id_businesses_id_fk" FOREIGN KEY ("business_id") REFERENCES "public"."businesses"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "category_reviews" ADD CONSTRAINT "category_reviews_transaction_id_transactions_id_fk" FOREIGN KEY ("transaction_id") REFERENCES "public"."transactions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "category_reviews_transaction_key" ON "category_reviews" USING btree ("business_id","transaction_id");--> statement-breakpoint
CREATE INDEX "category_reviews_business_status_idx" ON "category_reviews" USING btree ("business_id","status","created_at");--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "category_reviews" AS PERMISSIVE FOR ALL TO public USING (business_id = nullif(current_setting('app.business_id', true), '')::uuid or current_setting('app.rls_bypass', true) = 'on') WITH CHECK (business_id = nullif(current_setting('app.business_id', true), '')::uuid or current_setting('app.rls_bypass', true) = 'on');