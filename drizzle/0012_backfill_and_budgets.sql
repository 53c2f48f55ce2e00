-- Backfill runs: a `job_runs` row with trigger 'backfill' over a range of report days, worked a chunk at
-- a time. Every statement is idempotent, as in 0000-0011: this file runs from docker-entrypoint-initdb.d
-- and again from the application on every start.

-- The range (inclusive source days), how many of its days are done, and the last day done: the
-- checkpoint a resumed backfill starts after. NULL on every other run.
ALTER TABLE job_runs ADD COLUMN IF NOT EXISTS range_from date;
ALTER TABLE job_runs ADD COLUMN IF NOT EXISTS range_to date;
ALTER TABLE job_runs ADD COLUMN IF NOT EXISTS progress_done integer;
ALTER TABLE job_runs ADD COLUMN IF NOT EXISTS progress_total integer;
ALTER TABLE job_runs ADD COLUMN IF NOT EXISTS checkpoint date;
-- Backfills take turns between users: each chunk claim draws the next number, and the user whose latest
-- number is lowest (or who has none yet) goes next. A sequence, not a timestamp: two claims in the same
-- instant still get an order.
ALTER TABLE job_runs ADD COLUMN IF NOT EXISTS chunk_turn bigint;
CREATE SEQUENCE IF NOT EXISTS job_runs_chunk_turn_seq;
GRANT USAGE ON SEQUENCE job_runs_chunk_turn_seq TO kpi_tenant, kpi_service;

-- The trigger list gains 'backfill'. Replaced only while it lacks it, so a start does not re-validate
-- the whole table each time.
DO $$
BEGIN
  IF NOT EXISTS (
    SELECT FROM pg_catalog.pg_constraint
    WHERE conrelid = 'job_runs'::regclass AND conname = 'job_runs_trigger_check'
      AND pg_get_constraintdef(oid) LIKE '%backfill%'
  ) THEN
    ALTER TABLE job_runs DROP CONSTRAINT IF EXISTS job_runs_trigger_check;
    ALTER TABLE job_runs ADD CONSTRAINT job_runs_trigger_check
      CHECK (trigger IN ('cron', 'manual', 'recovery', 'backfill'));
  END IF;
END
$$;

-- A backfill has its own place beside the daily sync: "one queued or running run per (user, service)"
-- now counts cron, manual and recovery runs only, so a months-long backfill never makes a fire skip,
-- and a second index allows one active backfill per source. (The engine keeps a chunk and another run
-- of the same source from running at the same time.)
DO $$
BEGIN
  IF NOT EXISTS (
    SELECT FROM pg_catalog.pg_indexes
    WHERE schemaname = current_schema() AND indexname = 'job_runs_one_active_idx' AND indexdef LIKE '%backfill%'
  ) THEN
    DROP INDEX IF EXISTS job_runs_one_active_idx;
    CREATE UNIQUE INDEX job_runs_one_active_idx ON job_runs (user_id, service)
      WHERE status IN ('queued', 'running') AND trigger <> 'backfill';
  END IF;
END
$$;
CREATE UNIQUE INDEX IF NOT EXISTS job_runs_one_backfill_idx ON job_runs (user_id, service)
  WHERE status IN ('queued', 'running') AND trigger = 'backfill';

-- A user cancels their own active backfill as the tenant, so row-level security (not only the query's
-- WHERE) keeps them to their own runs: the tenant may set these columns, on a backfill row it owns that
-- is still queued or running, and only to the cancelled outcome.
GRANT UPDATE (status, error, error_class, finished_at, locked_by, locked_until, updated_at) ON job_runs TO kpi_tenant;
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_catalog.pg_policies WHERE schemaname = current_schema() AND tablename = 'job_runs' AND policyname = 'user can cancel own backfill') THEN
    CREATE POLICY "user can cancel own backfill" ON job_runs AS PERMISSIVE FOR UPDATE TO kpi_tenant
      USING (
        user_id = NULLIF(current_setting('app.current_user_id', true), '')::integer
        AND trigger = 'backfill' AND status IN ('queued', 'running')
      )
      WITH CHECK (
        user_id = NULLIF(current_setting('app.current_user_id', true), '')::integer
        AND trigger = 'backfill' AND status = 'failed' AND error_class = 'cancelled'
      );
  END IF;
END
$$;
