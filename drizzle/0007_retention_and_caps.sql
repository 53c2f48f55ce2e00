-- Password change on first sign-in, run-now and retention support. Every statement is idempotent, as
-- in 0000-0006: this file runs from docker-entrypoint-initdb.d and again from the application on every start.

-- Set on the administrator the first start creates with a generated password (printed once to the
-- log, so it is in log storage): the UI asks for a new password until it is changed.
ALTER TABLE users ADD COLUMN IF NOT EXISTS must_change_password boolean NOT NULL DEFAULT false;
GRANT SELECT (must_change_password) ON users TO kpi_tenant;

-- The run-now cap counts a user's manual runs of the last minute.
CREATE INDEX IF NOT EXISTS job_runs_manual_recent_idx ON job_runs (user_id, scheduled_for) WHERE trigger = 'manual';
-- Retention deletes finished runs by age, oldest first, a batch at a time.
CREATE INDEX IF NOT EXISTS job_runs_finished_created_idx ON job_runs (created_at)
  WHERE status IN ('succeeded', 'failed', 'skipped');
-- Deleting a run sets kpi_snapshots.run_id to NULL (ON DELETE SET NULL); without this index every
-- deleted run would scan the snapshots table.
CREATE INDEX IF NOT EXISTS kpi_snapshots_run_id_idx ON kpi_snapshots (run_id);
-- Retention deletes expired sessions.
CREATE INDEX IF NOT EXISTS sessions_expires_at_idx ON sessions (expires_at);
