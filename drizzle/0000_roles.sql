-- Roles for row-level security. Roles are cluster-wide, so creation is guarded and tolerates a
-- concurrent creator (two databases migrating at once on the same server).
--   kpi_tenant  : every request made on behalf of one user; sees only that user's rows.
--   kpi_service : the scheduler and auth lookups (sessions by hash, due schedules of all users).
-- Neither can log in, neither is superuser, owner or BYPASSRLS; the application's login role switches
-- to one of them with SET LOCAL ROLE inside each transaction.
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'kpi_tenant') THEN
    BEGIN
      CREATE ROLE kpi_tenant NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOINHERIT;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
    END;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'kpi_service') THEN
    BEGIN
      CREATE ROLE kpi_service NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOINHERIT;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
    END;
  END IF;
  -- The migrating role is the application's login role: it must be able to SET ROLE to both.
  IF NOT pg_has_role(current_user, 'kpi_tenant', 'MEMBER') THEN
    EXECUTE format('GRANT kpi_tenant TO %I', current_user);
  END IF;
  IF NOT pg_has_role(current_user, 'kpi_service', 'MEMBER') THEN
    EXECUTE format('GRANT kpi_service TO %I', current_user);
  END IF;
END
$$;
