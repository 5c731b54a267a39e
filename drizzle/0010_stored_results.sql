CREATE TABLE "books_changes" (
	"business_id" uuid NOT NULL,
	"xid" "xid8" DEFAULT pg_current_xact_id() NOT NULL,
	"changed_at" timestamp with time zone DEFAULT clock_timestamp() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "books_changes" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "stored_results" (
	"business_id" uuid NOT NULL,
	"key" text NOT NULL,
	"snapshot" "pg_snapshot" NOT NULL,
	"writer_xid" "xid8" NOT NULL,
	"result" jsonb NOT NULL,
	"computed_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "stored_results_business_id_key_pk" PRIMARY KEY("business_id","key")
);
--> statement-breakpoint
ALTER TABLE "stored_results" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "books_changes" ADD CONSTRAINT "books_changes_business_id_businesses_id_fk" FOREIGN KEY ("business_id") REFERENCES "public"."businesses"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "stored_results" ADD CONSTRAINT "stored_results_business_id_businesses_id_fk" FOREIGN KEY ("business_id") REFERENCES "public"."businesses"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "books_changes_business_xid_idx" ON "books_changes" USING btree ("business_id","xid");--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "books_changes" AS PERMISSIVE FOR ALL TO public USING (business_id = nullif(current_setting('app.business_id', true), '')::uuid or current_setting('app.rls_bypass', true) = 'on') WITH CHECK (business_id = nullif(current_setting('app.business_id', true), '')::uuid or current_setting('app.rls_bypass', true) = 'on');--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "stored_results" AS PERMISSIVE FOR ALL TO public USING (business_id = nullif(current_setting('app.business_id', true), '')::uuid or current_setting('app.rls_bypass', true) = 'on') WITH CHECK (business_id = nullif(current_setting('app.business_id', true), '')::uuid or current_setting('app.rls_bypass', true) = 'on');--> statement-breakpoint
-- Like every business-owned table (0002): the policies bind the tables' owner too.
ALTER TABLE "books_changes" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "stored_results" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
DO $$ BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'cfo_app') THEN
    GRANT SELECT, INSERT, UPDATE, DELETE ON "books_changes", "stored_results" TO cfo_app;
  END IF;
END $$;--> statement-breakpoint
-- A change to the books appends one row per statement and business, stamped with the writer's transaction id:
-- statement-level triggers reading the statement's transition tables, so a 1,000-row page adds one row.
-- Nothing is updated in place, so writers never wait on each other. A business being deleted takes its rows
-- with it (ON DELETE CASCADE): nothing to record for it.
CREATE FUNCTION "books_changed"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO books_changes (business_id) SELECT DISTINCT business_id FROM new_rows;
  ELSIF TG_OP = 'UPDATE' THEN
    INSERT INTO books_changes (business_id)
    SELECT business_id FROM new_rows UNION SELECT business_id FROM old_rows;
  ELSE
    INSERT INTO books_changes (business_id)
    SELECT DISTINCT o.business_id FROM old_rows o WHERE EXISTS (SELECT 1 FROM businesses b WHERE b.id = o.business_id);
  END IF;
  RETURN NULL;
END $$;--> statement-breakpoint
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['transactions', 'invoices', 'subscriptions', 'accounts'] LOOP
    EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON %I REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION books_changed()', t || '_books_insert', t);
    EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON %I REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION books_changed()', t || '_books_update', t);
    EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON %I REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION books_changed()', t || '_books_delete', t);
  END LOOP;
END $$;--> statement-breakpoint
-- Contacts: new and deleted ones, and a changed name (results show names). The refresh writes each customer's
-- payment behaviour onto contacts; that is derived, not the books, and must not make its own results stale.
CREATE TRIGGER "contacts_books_insert" AFTER INSERT ON "contacts"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION books_changed();--> statement-breakpoint
CREATE TRIGGER "contacts_books_delete" AFTER DELETE ON "contacts"
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION books_changed();--> statement-breakpoint
CREATE FUNCTION "contact_renamed"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO books_changes (business_id) VALUES (NEW.business_id);
  IF OLD.business_id IS DISTINCT FROM NEW.business_id THEN
    INSERT INTO books_changes (business_id) VALUES (OLD.business_id);
  END IF;
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE TRIGGER "contacts_books_rename" AFTER UPDATE OF "name", "business_id" ON "contacts" FOR EACH ROW
  WHEN (OLD.name IS DISTINCT FROM NEW.name OR OLD.business_id IS DISTINCT FROM NEW.business_id)
  EXECUTE FUNCTION contact_renamed();
