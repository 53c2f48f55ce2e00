-- "A run was queued" is told once per statement, not once per row. Idempotent, as in 0001-0005 (this
-- file runs again on every start, after 0003 has re-created the per-row trigger it replaces).
-- Listeners only wake their workers on it and claim whatever is due, so the run ids were never read:
-- one notification for a statement that queues 6,000 runs does the same as 6,000, and the per-row
-- trigger ran its function for every row each claim, completion and lease renewal touched.
CREATE OR REPLACE FUNCTION kpi_notify_runs_queued() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT FROM changed_runs WHERE status = 'queued') THEN
    PERFORM pg_notify('kpi_run_queued', '');
  END IF;
  RETURN NULL;
END
$$;

DROP TRIGGER IF EXISTS job_runs_notify_queued ON job_runs;

-- Transition tables take one event per trigger and no column list, hence two triggers over every update.
CREATE OR REPLACE TRIGGER job_runs_notify_queued_insert
  AFTER INSERT ON job_runs REFERENCING NEW TABLE AS changed_runs
  FOR EACH STATEMENT EXECUTE FUNCTION kpi_notify_runs_queued();

CREATE OR REPLACE TRIGGER job_runs_notify_queued_update
  AFTER UPDATE ON job_runs REFERENCING NEW TABLE AS changed_runs
  FOR EACH STATEMENT EXECUTE FUNCTION kpi_notify_runs_queued();
