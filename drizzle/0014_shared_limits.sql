CREATE TABLE "rate_limit_buckets" (
	"key" text PRIMARY KEY NOT NULL,
	"tokens" double precision NOT NULL,
	"at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "rate_limit_hits" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"key" text NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"finished_at" timestamp with time zone,
	"holder" text
);
--> statement-breakpoint
CREATE INDEX "rate_limit_hits_key_started_idx" ON "rate_limit_hits" USING btree ("key","started_at");--> statement-breakpoint
-- Counts that only matter for the next minute (a day for Xero's daily cap): no WAL, nothing to flush at each
-- request's commit. A crash empties them, which only forgets some recent requests.
ALTER TABLE "rate_limit_buckets" SET UNLOGGED;--> statement-breakpoint
ALTER TABLE "rate_limit_hits" SET UNLOGGED;--> statement-breakpoint
DO $$ BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'cfo_app') THEN
    GRANT SELECT, INSERT, UPDATE, DELETE ON "rate_limit_buckets", "rate_limit_hits" TO cfo_app;
  END IF;
END $$;
--> statement-breakpoint
-- A token bucket per key holding p_per_minute, refilled continuously (src/limits.ts). p_mode 'take' takes one
-- or refuses, 'check' refuses when empty without taking, 'spend' takes one if any is left and never refuses.
-- Returns 0 when allowed, otherwise the milliseconds until one is back. The row lock of the upsert orders
-- concurrent callers, in any number of processes.
CREATE OR REPLACE FUNCTION cfo_limit_bucket(p_key text, p_per_minute double precision, p_mode text)
RETURNS double precision LANGUAGE plpgsql SET synchronous_commit = off AS $$
DECLARE
  t timestamptz := clock_timestamp();
  rate double precision := p_per_minute / 60000.0;
  have double precision;
BEGIN
  INSERT INTO rate_limit_buckets AS b (key, tokens, at) VALUES (p_key, p_per_minute, t)
  ON CONFLICT (key) DO UPDATE
    SET tokens = least(p_per_minute, b.tokens + greatest(0, extract(epoch FROM t - b.at) * 1000) * rate), at = t
  RETURNING tokens INTO have;
  -- Buckets idle for an hour are full again, like new ones: forget them now and then.
  IF random() < 0.001 THEN
    DELETE FROM rate_limit_buckets WHERE at < t - interval '1 hour';
  END IF;
  IF p_mode = 'spend' THEN
    UPDATE rate_limit_buckets SET tokens = greatest(0, have - 1) WHERE key = p_key;
    RETURN 0;
  END IF;
  IF have < 1 THEN
    RETURN (1 - have) / rate;
  END IF;
  IF p_mode = 'take' THEN
    UPDATE rate_limit_buckets SET tokens = have - 1 WHERE key = p_key;
  END IF;
  RETURN 0;
END $$;
--> statement-breakpoint
-- A call against a budget (src/limits.ts): at most p_limit calls in any p_window_ms (a call enters the window
-- when it finishes, and one in flight already counts), at most p_concurrent in flight, at most p_per_day
-- started in 24 hours (null: no daily cap). Records the call as in flight, held by p_holder ("host:pid"), and
-- returns its id, or returns why not ('day', 'concurrent', 'window') and the milliseconds after which to ask
-- again. The caller finishes the calls of holders it knows are dead (cfo_limit_forget).
CREATE OR REPLACE FUNCTION cfo_limit_acquire(p_key text, p_limit int, p_window_ms double precision, p_concurrent int, p_per_day int, p_holder text)
RETURNS TABLE (hit uuid, retry_ms double precision, problem text) LANGUAGE plpgsql SET synchronous_commit = off AS $$
DECLARE
  t timestamptz := clock_timestamp();
  win interval := make_interval(secs => p_window_ms / 1000.0);
  in_flight int;
  in_window int;
  in_day int;
  nth timestamptz;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtextextended('cfo-limit:' || p_key, 0));
  -- In flight for two minutes (a call gives up after one): its process died. It counts as finished when it started.
  UPDATE rate_limit_hits SET finished_at = started_at
    WHERE key = p_key AND finished_at IS NULL AND started_at < t - interval '2 minutes';
  DELETE FROM rate_limit_hits
    WHERE key = p_key AND finished_at < t - win AND (p_per_day IS NULL OR started_at < t - interval '1 day');
  SELECT count(*) FILTER (WHERE finished_at IS NULL),
         count(*) FILTER (WHERE finished_at IS NULL OR finished_at > t - win),
         count(*) FILTER (WHERE started_at > t - interval '1 day')
    INTO in_flight, in_window, in_day
    FROM rate_limit_hits WHERE key = p_key;
  IF p_per_day IS NOT NULL AND in_day >= p_per_day THEN
    SELECT started_at INTO nth FROM rate_limit_hits
      WHERE key = p_key AND started_at > t - interval '1 day' ORDER BY started_at LIMIT 1;
    RETURN QUERY SELECT NULL::uuid, extract(epoch FROM nth + interval '1 day' - t)::double precision * 1000, 'day'::text;
    RETURN;
  END IF;
  IF in_flight >= p_concurrent THEN
    RETURN QUERY SELECT NULL::uuid, 25::double precision, 'concurrent'::text;
    RETURN;
  END IF;
  IF in_window >= p_limit THEN
    -- Room comes when enough finished calls have left the window; in-flight ones enter it as they finish.
    SELECT finished_at INTO nth FROM rate_limit_hits
      WHERE key = p_key AND finished_at > t - win ORDER BY finished_at OFFSET in_window - p_limit LIMIT 1;
    RETURN QUERY SELECT NULL::uuid,
      coalesce(extract(epoch FROM nth + win - t)::double precision * 1000 + 50, 25), 'window'::text;
    RETURN;
  END IF;
  RETURN QUERY INSERT INTO rate_limit_hits (key, started_at, holder) VALUES (p_key, t, p_holder)
    RETURNING rate_limit_hits.id, 0::double precision, NULL::text;
END $$;
--> statement-breakpoint
-- Someone else spent part of a budget (Xero's remaining-calls headers, or a 429): make at least p_used calls
-- count in the window until p_free_ms from now, and at least p_used_day count for the day.
CREATE OR REPLACE FUNCTION cfo_limit_fill(p_key text, p_window_ms double precision, p_used int, p_free_ms double precision, p_used_day int)
RETURNS void LANGUAGE plpgsql SET synchronous_commit = off AS $$
DECLARE
  t timestamptz := clock_timestamp();
  win interval := make_interval(secs => p_window_ms / 1000.0);
  have int;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtextextended('cfo-limit:' || p_key, 0));
  IF p_used IS NOT NULL THEN
    SELECT count(*) INTO have FROM rate_limit_hits
      WHERE key = p_key AND (finished_at IS NULL OR finished_at > t - win);
    -- Started a day ago: they hold the window, not the day.
    INSERT INTO rate_limit_hits (key, started_at, finished_at)
      SELECT p_key, t - interval '1 day', t - win + make_interval(secs => p_free_ms / 1000.0)
      FROM generate_series(1, p_used - have);
  END IF;
  IF p_used_day IS NOT NULL THEN
    SELECT count(*) INTO have FROM rate_limit_hits WHERE key = p_key AND started_at > t - interval '1 day';
    -- Finished a window ago: they hold the day, not the window.
    INSERT INTO rate_limit_hits (key, started_at, finished_at)
      SELECT p_key, t, t - win FROM generate_series(1, p_used_day - have);
  END IF;
END $$;
--> statement-breakpoint
-- The calls in flight of a process that is gone count as finished when they started.
CREATE OR REPLACE FUNCTION cfo_limit_forget(p_key text, p_holder text)
RETURNS void LANGUAGE plpgsql SET synchronous_commit = off AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(hashtextextended('cfo-limit:' || p_key, 0));
  UPDATE rate_limit_hits SET finished_at = started_at WHERE key = p_key AND holder = p_holder AND finished_at IS NULL;
END $$;
