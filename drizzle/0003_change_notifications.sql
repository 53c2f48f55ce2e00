-- Change notifications for other scheduler instances, so a live edit takes effect at once. A schedule change
-- re-arms every instance's wake-up timer; a queued run wakes idle workers. Payloads carry ids only:
-- listeners read the row themselves, so no tenant data travels on the channel. A claim advancing
-- next_run_at does not notify (it would be thousands of messages a second at scale): an instance whose
-- copy is stale wakes once, finds nothing to claim and re-reads the row.
CREATE OR REPLACE FUNCTION kpi_notify_schedule_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('kpi_schedule_changed', COALESCE(NEW.id, OLD.id)::text);
  RETURN NULL;
END
$$;

CREATE OR REPLACE TRIGGER job_schedules_notify_change
  AFTER INSERT OR UPDATE OF cron_expression, enabled, timezone OR DELETE ON job_schedules
  FOR EACH ROW EXECUTE FUNCTION kpi_notify_schedule_change();

CREATE OR REPLACE FUNCTION kpi_notify_run_queued() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.status = 'queued' THEN
    PERFORM pg_notify('kpi_run_queued', NEW.id::text);
  END IF;
  RETURN NULL;
END
$$;

CREATE OR REPLACE TRIGGER job_runs_notify_queued
  AFTER INSERT OR UPDATE OF status, run_after ON job_runs
  FOR EACH ROW EXECUTE FUNCTION kpi_notify_run_queued();
