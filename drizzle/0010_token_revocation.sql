-- Revoking an API token runs as the tenant again, so row-level security (not only the query's own
-- WHERE) keeps a user to their own tokens. The tenant may UPDATE one column, revoked_at, and a trigger
-- lets that column move only one way: from NULL to now(). A revoked token stays revoked for every
-- role, and SQL injected into a tenant transaction cannot bring one back or date a revocation ahead.
-- Every statement is idempotent, as in 0000-0009.
GRANT UPDATE (revoked_at) ON api_tokens TO kpi_tenant;

CREATE OR REPLACE FUNCTION kpi_api_token_revoked_once() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.revoked_at IS NOT NULL THEN
    IF NEW.revoked_at IS DISTINCT FROM OLD.revoked_at THEN
      RAISE EXCEPTION 'a revoked API token stays revoked' USING ERRCODE = '42501';
    END IF;
  ELSIF NEW.revoked_at IS NOT NULL THEN
    NEW.revoked_at := now();
  END IF;
  RETURN NEW;
END
$$;

CREATE OR REPLACE TRIGGER api_tokens_revoked_once
  BEFORE UPDATE OF revoked_at ON api_tokens
  FOR EACH ROW EXECUTE FUNCTION kpi_api_token_revoked_once();
