-- Row-level security: enabled AND forced on every table that holds a user's data, so not even the
-- tables' owner reads a row unless a policy lets it. Policies are fail-closed: with no
-- app.current_user_id set (or set to '' after a SET LOCAL ended) the comparison is NULL and no row matches.
-- Tenant policies apply only to kpi_tenant, service policies only to kpi_service; any other role,
-- the owner included, matches no policy and sees nothing.

ALTER TABLE users ENABLE ROW LEVEL SECURITY;
ALTER TABLE users FORCE ROW LEVEL SECURITY;
ALTER TABLE sessions ENABLE ROW LEVEL SECURITY;
ALTER TABLE sessions FORCE ROW LEVEL SECURITY;
ALTER TABLE api_tokens ENABLE ROW LEVEL SECURITY;
ALTER TABLE api_tokens FORCE ROW LEVEL SECURITY;
ALTER TABLE job_schedules ENABLE ROW LEVEL SECURITY;
ALTER TABLE job_schedules FORCE ROW LEVEL SECURITY;
ALTER TABLE job_runs ENABLE ROW LEVEL SECURITY;
ALTER TABLE job_runs FORCE ROW LEVEL SECURITY;
ALTER TABLE kpi_snapshots ENABLE ROW LEVEL SECURITY;
ALTER TABLE kpi_snapshots FORCE ROW LEVEL SECURITY;

DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_catalog.pg_policies WHERE schemaname = current_schema() AND tablename = 'users' AND policyname = 'user can read own account') THEN
    CREATE POLICY "user can read own account" ON users AS PERMISSIVE FOR SELECT TO kpi_tenant
      USING (id = NULLIF(current_setting('app.current_user_id', true), '')::integer);
  END IF;
END
$$;
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_catalog.pg_policies WHERE schemaname = current_schema() AND tablename = 'users' AND policyname = 'service can manage accounts') THEN
    CREATE POLICY "service can manage accounts" ON users AS PERMISSIVE FOR ALL TO kpi_service
      USING (true)
      WITH CHECK (true);
  END IF;
END
$$;
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_catalog.pg_policies WHERE schemaname = current_schema() AND tablename = 'sessions' AND policyname = 'user can read own sessions') THEN
    CREATE POLICY "user can read own sessions" ON sessions AS PERMISSIVE FOR SELECT TO kpi_tenant
      USING (user_id = NULLIF(current_setting('app.current_user_id', true), '')::integer);
  END IF;
END
$$;
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_catalog.pg_policies WHERE schemaname = current_schema() AND tablename = 'sessions' AND policyname = 'service can manage sessions') THEN
    CREATE POLICY "service can manage sessions" ON sessions AS PERMISSIVE FOR ALL TO kpi_service
      USING (true)
      WITH CHECK (true);
  END IF;
END
$$;
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_catalog.pg_policies WHERE schemaname = current_schema() AND tablename = 'api_tokens' AND policyname = 'user can manage own api tokens') THEN
    CREATE POLICY "user can manage own api tokens" ON api_tokens AS PERMISSIVE FOR ALL TO kpi_tenant
      USING (user_id = NULLIF(current_setting('app.current_user_id', true), '')::integer)
      WITH CHECK (user_id = NULLIF(current_setting('app.current_user_id', true), '')::integer);
  END IF;
END
$$;
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_catalog.pg_policies WHERE schemaname = current_schema() AND tablename = 'api_tokens' AND policyname = 'service can manage api tokens') THEN
    CREATE POLICY "service can manage api tokens" ON api_tokens AS PERMISSIVE FOR ALL TO kpi_service
      USING (true)
      WITH CHECK (true);
  END IF;
END
$$;
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_catalog.pg_policies WHERE schemaname = current_schema() AND tablename = 'job_schedules' AND policyname = 'user can manage own schedules') THEN
    CREATE POLICY "user can manage own schedules" ON job_schedules AS PERMISSIVE FOR ALL TO kpi_tenant
      USING (user_id = NULLIF(current_setting('app.current_user_id', true), '')::integer)
      WITH CHECK (user_id = NULLIF(current_setting('app.current_user_id', true), '')::integer);
  END IF;
END
$$;
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_catalog.pg_policies WHERE schemaname = current_schema() AND tablename = 'job_schedules' AND policyname = 'scheduler can manage schedules') THEN
    CREATE POLICY "scheduler can manage schedules" ON job_schedules AS PERMISSIVE FOR ALL TO kpi_service
      USING (true)
      WITH CHECK (true);
  END IF;
END
$$;
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_catalog.pg_policies WHERE schemaname = current_schema() AND tablename = 'job_runs' AND policyname = 'user can read own runs') THEN
    CREATE POLICY "user can read own runs" ON job_runs AS PERMISSIVE FOR SELECT TO kpi_tenant
      USING (user_id = NULLIF(current_setting('app.current_user_id', true), '')::integer);
  END IF;
END
$$;
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_catalog.pg_policies WHERE schemaname = current_schema() AND tablename = 'job_runs' AND policyname = 'user can request own runs') THEN
    CREATE POLICY "user can request own runs" ON job_runs AS PERMISSIVE FOR INSERT TO kpi_tenant
      WITH CHECK (user_id = NULLIF(current_setting('app.current_user_id', true), '')::integer);
  END IF;
END
$$;
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_catalog.pg_policies WHERE schemaname = current_schema() AND tablename = 'job_runs' AND policyname = 'scheduler can manage runs') THEN
    CREATE POLICY "scheduler can manage runs" ON job_runs AS PERMISSIVE FOR ALL TO kpi_service
      USING (true)
      WITH CHECK (true);
  END IF;
END
$$;
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_catalog.pg_policies WHERE schemaname = current_schema() AND tablename = 'kpi_snapshots' AND policyname = 'user can read own snapshots') THEN
    CREATE POLICY "user can read own snapshots" ON kpi_snapshots AS PERMISSIVE FOR SELECT TO kpi_tenant
      USING (user_id = NULLIF(current_setting('app.current_user_id', true), '')::integer);
  END IF;
END
$$;
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_catalog.pg_policies WHERE schemaname = current_schema() AND tablename = 'kpi_snapshots' AND policyname = 'sync can write snapshots') THEN
    CREATE POLICY "sync can write snapshots" ON kpi_snapshots AS PERMISSIVE FOR ALL TO kpi_service
      USING (true)
      WITH CHECK (true);
  END IF;
END
$$;

GRANT SELECT ON users TO kpi_tenant;
GRANT SELECT ON sessions TO kpi_tenant;
GRANT SELECT, INSERT, UPDATE, DELETE ON api_tokens TO kpi_tenant;
GRANT SELECT, INSERT, UPDATE, DELETE ON job_schedules TO kpi_tenant;
GRANT SELECT, INSERT ON job_runs TO kpi_tenant;
GRANT SELECT ON kpi_snapshots TO kpi_tenant;
GRANT SELECT, INSERT, UPDATE, DELETE ON users TO kpi_service;
GRANT SELECT, INSERT, UPDATE, DELETE ON sessions TO kpi_service;
GRANT SELECT, INSERT, UPDATE, DELETE ON api_tokens TO kpi_service;
GRANT SELECT, INSERT, UPDATE, DELETE ON job_schedules TO kpi_service;
GRANT SELECT, INSERT, UPDATE, DELETE ON job_runs TO kpi_service;
GRANT SELECT, INSERT, UPDATE, DELETE ON kpi_snapshots TO kpi_service;
GRANT USAGE ON SCHEMA public TO kpi_tenant, kpi_service;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO kpi_tenant, kpi_service;
