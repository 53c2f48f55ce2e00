-- Single-use OAuth `state` values. Every statement is idempotent, as in 0001-0005: this file runs from
-- docker-entrypoint-initdb.d and again from the application on every start.
-- A row is written when an OAuth flow starts and deleted (DELETE ... RETURNING) when its callback
-- arrives, so a replayed callback finds nothing, even with the state cookie. Only the SHA-256 of the
-- state is stored: a database read does not yield a state to replay. Rows expire after ten minutes and
-- expired rows are deleted whenever a flow starts (see packages/api/src/services/oauth-states.ts).
CREATE TABLE IF NOT EXISTS oauth_states (
  state_hash varchar(64) PRIMARY KEY,
  user_id integer NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  expires_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS oauth_states_expires_at_idx ON oauth_states (expires_at);
CREATE INDEX IF NOT EXISTS oauth_states_user_id_idx ON oauth_states (user_id);

ALTER TABLE oauth_states ENABLE ROW LEVEL SECURITY;
ALTER TABLE oauth_states FORCE ROW LEVEL SECURITY;

DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_catalog.pg_policies WHERE schemaname = current_schema() AND tablename = 'oauth_states' AND policyname = 'user can manage own oauth states') THEN
    CREATE POLICY "user can manage own oauth states" ON oauth_states AS PERMISSIVE FOR ALL TO kpi_tenant
      USING (user_id = NULLIF(current_setting('app.current_user_id', true), '')::integer)
      WITH CHECK (user_id = NULLIF(current_setting('app.current_user_id', true), '')::integer);
  END IF;
END
$$;
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_catalog.pg_policies WHERE schemaname = current_schema() AND tablename = 'oauth_states' AND policyname = 'service can purge oauth states') THEN
    CREATE POLICY "service can purge oauth states" ON oauth_states AS PERMISSIVE FOR ALL TO kpi_service
      USING (true)
      WITH CHECK (true);
  END IF;
END
$$;

GRANT SELECT, INSERT, DELETE ON oauth_states TO kpi_tenant;
GRANT SELECT, INSERT, DELETE ON oauth_states TO kpi_service;
