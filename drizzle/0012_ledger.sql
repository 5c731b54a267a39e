CREATE TABLE "ledger_lines" (
	"business_id" uuid NOT NULL,
	"transaction_id" uuid NOT NULL,
	"line_no" smallint NOT NULL,
	"date" date NOT NULL,
	"account_code" text,
	"contact_id" uuid,
	"amount" numeric(19, 4) NOT NULL,
	"tax" numeric(19, 4) DEFAULT '0' NOT NULL,
	"sales" boolean NOT NULL,
	CONSTRAINT "ledger_lines_transaction_id_line_no_pk" PRIMARY KEY("transaction_id","line_no")
);
--> statement-breakpoint
ALTER TABLE "ledger_lines" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "ledger_reconciliations" (
	"business_id" uuid NOT NULL,
	"integration_account_id" uuid NOT NULL,
	"month" date NOT NULL,
	"line" text NOT NULL,
	"ours" numeric(19, 4) NOT NULL,
	"theirs" numeric(19, 4) NOT NULL,
	"difference" numeric(19, 4) NOT NULL,
	"checked_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "ledger_reconciliations_business_id_integration_account_id_month_line_pk" PRIMARY KEY("business_id","integration_account_id","month","line")
);
--> statement-breakpoint
ALTER TABLE "ledger_reconciliations" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "invoices" ADD COLUMN "allocations" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "subscriptions" ADD COLUMN "discounts" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "ledger_lines" ADD CONSTRAINT "ledger_lines_business_id_businesses_id_fk" FOREIGN KEY ("business_id") REFERENCES "public"."businesses"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ledger_reconciliations" ADD CONSTRAINT "ledger_reconciliations_business_id_businesses_id_fk" FOREIGN KEY ("business_id") REFERENCES "public"."businesses"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ledger_reconciliations" ADD CONSTRAINT "ledger_reconciliations_integration_account_id_integration_accounts_id_fk" FOREIGN KEY ("integration_account_id") REFERENCES "public"."integration_accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "ledger_lines_business_date_idx" ON "ledger_lines" USING btree ("business_id","date");--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "ledger_lines" AS PERMISSIVE FOR ALL TO public USING (business_id = nullif(current_setting('app.business_id', true), '')::uuid or current_setting('app.rls_bypass', true) = 'on') WITH CHECK (business_id = nullif(current_setting('app.business_id', true), '')::uuid or current_setting('app.rls_bypass', true) = 'on');--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "ledger_reconciliations" AS PERMISSIVE FOR ALL TO public USING (business_id = nullif(current_setting('app.business_id', true), '')::uuid or current_setting('app.rls_bypass', true) = 'on') WITH CHECK (business_id = nullif(current_setting('app.business_id', true), '')::uuid or current_setting('app.rls_bypass', true) = 'on');--> statement-breakpoint
-- Like every business-owned table (0002): the policies bind the tables' owner too.
ALTER TABLE "ledger_lines" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "ledger_reconciliations" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
DO $$ BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'cfo_app') THEN
    GRANT SELECT, INSERT, UPDATE, DELETE ON "ledger_lines", "ledger_reconciliations" TO cfo_app;
  END IF;
END $$;--> statement-breakpoint
-- Books stored by an earlier version get their P&L lines from what they kept (every business: the migration's
-- role may be bound by the policies). Documents kept their lines: each line on its account, net of tax (lines
-- that add up to the subtotal exclude tax; otherwise they include it). Bank transactions kept only their first
-- account and total, so they get one line; the Xero cursors are reset below so that the next sync re-reads
-- every record and writes its exact lines, payments' bank amounts, allocations and transfers.
SELECT set_config('app.rls_bypass', 'on', true);--> statement-breakpoint
INSERT INTO "ledger_lines" ("business_id", "transaction_id", "line_no", "date", "account_code", "contact_id", "amount", "tax", "sales")
SELECT i.business_id, t.id, (l.n - 1)::smallint, i.issue_date, l.item->>'AccountCode', i.contact_id,
       sign_of.s * CASE WHEN i.currency = b.base_currency THEN net.v ELSE round(net.v / i.currency_rate, 2) END,
       sign_of.s * CASE WHEN i.currency = b.base_currency THEN tax.v ELSE round(tax.v / i.currency_rate, 2) END,
       i.type IN ('ACCREC', 'ACCRECCREDIT')
FROM "invoices" i
JOIN "businesses" b ON b.id = i.business_id
JOIN "transactions" t ON t.business_id = i.business_id AND t.source = 'xero'
  AND t.external_id = CASE WHEN i.type IN ('ACCRECCREDIT', 'ACCPAYCREDIT') THEN 'creditnote:' ELSE 'invoice:' END || i.external_id
CROSS JOIN LATERAL (
  SELECT item, n FROM jsonb_array_elements(i.line_items) WITH ORDINALITY AS e(item, n)
  UNION ALL  -- a document kept without lines is one line of its subtotal, with no account
  SELECT jsonb_build_object('LineAmount', i.subtotal, 'TaxAmount', i.total_tax), 1 WHERE jsonb_array_length(i.line_items) = 0
) l
CROSS JOIN LATERAL (SELECT CASE WHEN i.type IN ('ACCREC', 'ACCPAYCREDIT') THEN 1 ELSE -1 END AS s) sign_of
CROSS JOIN LATERAL (SELECT coalesce((l.item->>'TaxAmount')::numeric, 0) AS v) tax
CROSS JOIN LATERAL (
  SELECT coalesce((l.item->>'LineAmount')::numeric, 0)
         - CASE WHEN jsonb_array_length(i.line_items) = 0
                  OR (SELECT coalesce(sum((x->>'LineAmount')::numeric), 0) FROM jsonb_array_elements(i.line_items) x) = i.subtotal
                THEN 0 ELSE tax.v END AS v) net
WHERE i.source = 'xero' AND i.status IN ('AUTHORISED', 'PAID')
ON CONFLICT DO NOTHING;--> statement-breakpoint
INSERT INTO "ledger_lines" ("business_id", "transaction_id", "line_no", "date", "account_code", "contact_id", "amount", "tax", "sales")
SELECT t.business_id, t.id, 0, t.date, t.account_code, t.contact_id, t.base_amount, 0, t.kind = 'RECEIVE'
FROM "transactions" t
WHERE t.source = 'xero' AND t.kind IN ('SPEND', 'RECEIVE') AND t.deleted_at IS NULL
  AND t.metadata->>'bankTransactionType' IN ('SPEND', 'RECEIVE')
ON CONFLICT DO NOTHING;--> statement-breakpoint
-- Transfers were kept twice where Xero listed both the transfer and its two bank transactions: the transfer's
-- own rows go, and the next sync writes each side once (under its bank transaction's key).
DELETE FROM "transactions" t
WHERE t.source = 'xero' AND t.external_id LIKE 'transfer:%'
  AND EXISTS (SELECT 1 FROM "integration_accounts" a WHERE a.business_id = t.business_id AND a.provider = 'xero');--> statement-breakpoint
UPDATE "sync_cursors" c SET "cursor" = NULL, "page" = 0, "pending_cursor" = NULL
FROM "integration_accounts" a WHERE a.id = c.integration_account_id AND a.provider = 'xero';--> statement-breakpoint
-- Stripe subscriptions are re-read from the start too: their discounts were not expanded before.
UPDATE "sync_cursors" c SET "cursor" = NULL, "page" = 0, "pending_cursor" = NULL
FROM "integration_accounts" a WHERE a.id = c.integration_account_id AND a.provider = 'stripe' AND c.entity = 'subscriptions';--> statement-breakpoint
SELECT set_config('app.rls_bypass', 'off', true);
--> statement-breakpoint
-- A transaction deleted outright takes its P&L lines with it (the lines carry no foreign key: see the schema).
CREATE FUNCTION "ledger_lines_follow_deletes"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM ledger_lines l USING old_rows o WHERE l.transaction_id = o.id AND l.business_id = o.business_id;
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE TRIGGER "transactions_ledger_lines_delete" AFTER DELETE ON "transactions"
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION ledger_lines_follow_deletes();
