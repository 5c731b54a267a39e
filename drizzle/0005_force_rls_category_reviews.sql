-- Like every business-owned table (0002): the policy binds the tables' owner too. cfo_app's grants come
-- from 0002's default privileges; granted again here for databases where another role ran 0002.
ALTER TABLE "category_reviews" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
DO $$ BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'cfo_app') THEN
    GRANT SELECT, INSERT, UPDATE, DELETE ON "category_reviews" TO cfo_app;
  END IF;
END $$;
