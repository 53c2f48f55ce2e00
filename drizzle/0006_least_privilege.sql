-- Least privilege for the tenant role. Every statement is idempotent, as in 0000-0005: this file runs
-- from docker-entrypoint-initdb.d and again from the application on every start (in one transaction
-- with the other files, so the REVOKE-then-GRANT pairs below never leave a running instance without a
-- privilege it uses). It needs no superuser: the tables' owner (the application's login role) may
-- grant and revoke on them, and the database's owner may revoke TEMP on it.

-- A tenant transaction sees columns, not tables. Table-level grants from 0002/0004 are replaced by
-- column lists: password_hash, session and token hashes and the sealed `secret` columns are left out,
-- so SQL injected into a tenant transaction cannot read them. Secrets are read by the sync through the
-- service role (packages/connectors/src/store.ts), never by a tenant query.
REVOKE ALL ON users FROM kpi_tenant;
GRANT SELECT (id, email, role, created_at) ON users TO kpi_tenant;

REVOKE ALL ON sessions FROM kpi_tenant;
GRANT SELECT (id, user_id, created_at, expires_at) ON sessions TO kpi_tenant;

-- Tokens: a tenant may list its tokens and insert new ones (the hash is written, never read back; the
-- ORM names every column of an INSERT, defaults included, so INSERT is table-wide). It may not UPDATE
-- or DELETE: with UPDATE it could clear revoked_at to bring a revoked token back, or replace token_hash
-- with one it knows. Revocation runs as the service role, scoped to the user by its WHERE.
REVOKE ALL ON api_tokens FROM kpi_tenant;
GRANT SELECT (id, user_id, name, prefix, created_at, last_used_at, revoked_at) ON api_tokens TO kpi_tenant;
GRANT INSERT ON api_tokens TO kpi_tenant;

-- Connections and the Sheets destination: the owner writes its sealed secret (saving a credential) but
-- cannot read one back.
REVOKE ALL ON connections FROM kpi_tenant;
GRANT SELECT (id, user_id, service, account_id, credential_kind, settings, status, last_checked_at, last_error,
  token_expires_at, created_at, updated_at) ON connections TO kpi_tenant;
GRANT INSERT, UPDATE, DELETE ON connections TO kpi_tenant;

REVOKE ALL ON sheet_destinations FROM kpi_tenant;
GRANT SELECT (id, user_id, spreadsheet_id, tabs, credential_kind, status, last_checked_at, last_error,
  token_expires_at, created_at, updated_at) ON sheet_destinations TO kpi_tenant;
GRANT INSERT, UPDATE, DELETE ON sheet_destinations TO kpi_tenant;

-- No temporary tables for anyone but the owner: a temp table is session state that outlives the
-- transaction, i.e. a place where injected SQL could leave data for the next request on the pooled
-- connection. PostgreSQL grants TEMP to PUBLIC by default.
DO $$
BEGIN
  EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM PUBLIC', current_database());
  EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM kpi_tenant, kpi_service', current_database());
END
$$;

-- A manual run may name a schedule only if the schedule is the tenant's own: before, user B could
-- insert a run pointing at A's schedule, learning whether the id exists (foreign key error or not) and
-- taking A's (schedule_id, scheduled_for) fire slot. The subquery runs as kpi_tenant, so RLS hides
-- other users' schedules from it as well; the user_id condition says it outright.
ALTER POLICY "user can request own runs" ON job_runs
  WITH CHECK (
    user_id = NULLIF(current_setting('app.current_user_id', true), '')::integer
    AND (
      schedule_id IS NULL
      OR EXISTS (
        SELECT 1 FROM job_schedules s
        WHERE s.id = schedule_id AND s.user_id = NULLIF(current_setting('app.current_user_id', true), '')::integer
      )
    )
  );
