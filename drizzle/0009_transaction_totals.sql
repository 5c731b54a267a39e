CREATE TABLE "transaction_totals" (
	"business_id" uuid NOT NULL,
	"month" date NOT NULL,
	"source" text NOT NULL,
	"kind" text NOT NULL,
	"status" text NOT NULL,
	"bank_account_id" uuid,
	"n" bigint NOT NULL,
	"base_amount" numeric(19, 4) NOT NULL
);
--> statement-breakpoint
ALTER TABLE "transaction_totals" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
DROP INDEX "transactions_business_date_idx";--> statement-breakpoint
ALTER TABLE "transaction_totals" ADD CONSTRAINT "transaction_totals_business_id_businesses_id_fk" FOREIGN KEY ("business_id") REFERENCES "public"."businesses"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "transaction_totals_business_month_idx" ON "transaction_totals" USING btree ("business_id","month");--> statement-breakpoint
CREATE INDEX "transactions_business_date_idx" ON "transactions" USING btree ("business_id","date","id");--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "transaction_totals" AS PERMISSIVE FOR ALL TO public USING (business_id = nullif(current_setting('app.business_id', true), '')::uuid or current_setting('app.rls_bypass', true) = 'on') WITH CHECK (business_id = nullif(current_setting('app.business_id', true), '')::uuid or current_setting('app.rls_bypass', true) = 'on');--> statement-breakpoint
-- Like every business-owned table (0002): the policy binds the table's owner too.
ALTER TABLE "transaction_totals" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
DO $$ BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'cfo_app') THEN
    GRANT SELECT, INSERT, UPDATE, DELETE ON "transaction_totals" TO cfo_app;
  END IF;
END $$;--> statement-breakpoint
-- Live transactions (deleted_at is null) counted and summed by month, source, kind, status and bank account,
-- kept on write.
-- Inserts and deletes: one statement-level trigger each, reading the statement's transition table, so a
-- bulk import of 10,000 lines appends a few delta rows, not 10,000. Updates: a row-level trigger limited to
-- the columns that move a total, so recategorizing a million rows costs nothing here. Every trigger only
-- appends; src/domain/transaction-totals.ts folds the deltas back to one row per group.
CREATE FUNCTION "transaction_totals_on_insert"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO transaction_totals (business_id, month, source, kind, status, bank_account_id, n, base_amount)
  SELECT business_id, date_trunc('month', date)::date, source, kind, status, bank_account_id, count(*), sum(base_amount)
  FROM new_rows WHERE deleted_at IS NULL
  GROUP BY 1, 2, 3, 4, 5, 6;
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE FUNCTION "transaction_totals_on_delete"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- A business being deleted takes its totals with it (ON DELETE CASCADE): nothing to subtract from.
  INSERT INTO transaction_totals (business_id, month, source, kind, status, bank_account_id, n, base_amount)
  SELECT o.business_id, date_trunc('month', o.date)::date, o.source, o.kind, o.status, o.bank_account_id, -count(*), -sum(o.base_amount)
  FROM old_rows o WHERE o.deleted_at IS NULL AND EXISTS (SELECT 1 FROM businesses b WHERE b.id = o.business_id)
  GROUP BY 1, 2, 3, 4, 5, 6;
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE FUNCTION "transaction_totals_on_update"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.deleted_at IS NULL THEN
    INSERT INTO transaction_totals (business_id, month, source, kind, status, bank_account_id, n, base_amount)
    VALUES (OLD.business_id, date_trunc('month', OLD.date)::date, OLD.source, OLD.kind, OLD.status, OLD.bank_account_id, -1, -OLD.base_amount);
  END IF;
  IF NEW.deleted_at IS NULL THEN
    INSERT INTO transaction_totals (business_id, month, source, kind, status, bank_account_id, n, base_amount)
    VALUES (NEW.business_id, date_trunc('month', NEW.date)::date, NEW.source, NEW.kind, NEW.status, NEW.bank_account_id, 1, NEW.base_amount);
  END IF;
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE FUNCTION "transaction_totals_on_truncate"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM transaction_totals;
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE TRIGGER "transaction_totals_insert" AFTER INSERT ON "transactions"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "transaction_totals_on_insert"();--> statement-breakpoint
CREATE TRIGGER "transaction_totals_delete" AFTER DELETE ON "transactions"
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "transaction_totals_on_delete"();--> statement-breakpoint
CREATE TRIGGER "transaction_totals_update" AFTER UPDATE OF "date", "kind", "source", "status", "bank_account_id", "base_amount", "deleted_at", "business_id"
  ON "transactions" FOR EACH ROW
  WHEN (OLD.date IS DISTINCT FROM NEW.date OR OLD.kind IS DISTINCT FROM NEW.kind OR OLD.source IS DISTINCT FROM NEW.source
    OR OLD.status IS DISTINCT FROM NEW.status OR OLD.bank_account_id IS DISTINCT FROM NEW.bank_account_id
    OR OLD.base_amount IS DISTINCT FROM NEW.base_amount OR (OLD.deleted_at IS NULL) <> (NEW.deleted_at IS NULL)
    OR OLD.business_id IS DISTINCT FROM NEW.business_id)
  EXECUTE FUNCTION "transaction_totals_on_update"();--> statement-breakpoint
CREATE TRIGGER "transaction_totals_truncate" AFTER TRUNCATE ON "transactions"
  FOR EACH STATEMENT EXECUTE FUNCTION "transaction_totals_on_truncate"();--> statement-breakpoint
-- The books already copied (every business: the migration's role may be bound by the policies).
SELECT set_config('app.rls_bypass', 'on', true);--> statement-breakpoint
INSERT INTO transaction_totals (business_id, month, source, kind, status, bank_account_id, n, base_amount)
SELECT business_id, date_trunc('month', date)::date, source, kind, status, bank_account_id, count(*), sum(base_amount)
FROM transactions WHERE deleted_at IS NULL
GROUP BY 1, 2, 3, 4, 5, 6;--> statement-breakpoint
SELECT set_config('app.rls_bypass', 'off', true);
