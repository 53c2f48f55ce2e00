-- The claim of queued runs, as a function so that its one statement carries two planner settings.
-- Idempotent, as every file here: it runs from docker-entrypoint-initdb.d and on every start.
--
-- Why: the statistics of job_runs are taken when few runs are queued, so after a burst (10,000 fires
-- at midnight, or a first night on a fresh database) the planner believes a handful are. It then reads
-- every queued run through a bitmap of the queue index, sorts them all and keeps the first hundred,
-- and between two vacuums the bitmap also holds every run queued since: on a fresh database each claim
-- of 128 runs out of 10,000 took 100-340 ms, growing as the burst drained, and the last run started
-- 21 s after its fire instead of 2 s. With bitmap scans and sorts priced out, the only plan left walks
-- the queue index in (run_after, id) order and stops at the limit, however wrong the estimate.
--
-- The settings hold only while the function runs. It runs as its caller (SECURITY INVOKER: the
-- service role's policies apply as to the statement it replaces) and only the service role may call it.
CREATE OR REPLACE FUNCTION kpi_claim_queued_runs(timestamptz, integer, text, timestamptz)
RETURNS SETOF job_runs
LANGUAGE sql
SET enable_bitmapscan = off
SET enable_sort = off
AS $$
  -- $1 now, $2 the most runs to take, $3 the worker, $4 the lease's end. Cron and recovery runs of a
  -- schedule disabled while they waited are closed as skipped; a run whose source has a backfill chunk
  -- running waits for the chunk.
  WITH picked AS (
    SELECT r.id, (r.trigger <> 'manual' AND s.enabled IS FALSE) AS cancelled
    FROM job_runs r LEFT JOIN job_schedules s ON s.id = r.schedule_id
    WHERE r.status = 'queued' AND r.run_after <= $1 AND r.trigger <> 'backfill'
      AND NOT EXISTS (
        SELECT 1 FROM job_runs b
        WHERE b.user_id = r.user_id AND b.service = r.service AND b.trigger = 'backfill' AND b.status = 'running')
    ORDER BY r.run_after, r.id
    LIMIT $2
    FOR UPDATE OF r SKIP LOCKED
  )
  UPDATE job_runs r
  SET status = CASE WHEN r.id = ANY (c.ids) THEN 'skipped' ELSE 'running' END,
      attempt = CASE WHEN r.id = ANY (c.ids) THEN r.attempt ELSE r.attempt + 1 END,
      locked_by = CASE WHEN r.id = ANY (c.ids) THEN NULL ELSE $3 END,
      locked_until = CASE WHEN r.id = ANY (c.ids) THEN NULL ELSE $4 END,
      started_at = CASE WHEN r.id = ANY (c.ids) THEN NULL ELSE $1 END,
      finished_at = CASE WHEN r.id = ANY (c.ids) THEN $1 END,
      error = CASE WHEN r.id = ANY (c.ids) THEN 'schedule was disabled before the run started' ELSE r.error END,
      error_class = CASE WHEN r.id = ANY (c.ids) THEN 'Skipped' ELSE r.error_class END,
      updated_at = $1
  -- The rows by primary key, from the id list alone: joined to the CTE the whole of job_runs (history
  -- included) was scanned, and joined to it beside the list, the list was probed once per picked row
  -- (128 x 128 probes, 20 ms a claim). The cancelled ones are a second list, of one row.
  FROM (SELECT ARRAY(SELECT id FROM picked WHERE cancelled) AS ids) c
  WHERE r.id = ANY (ARRAY(SELECT id FROM picked))
  RETURNING r.*
$$;

REVOKE ALL ON FUNCTION kpi_claim_queued_runs(timestamptz, integer, text, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION kpi_claim_queued_runs(timestamptz, integer, text, timestamptz) TO kpi_service;
