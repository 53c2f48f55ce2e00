-- Shared rate-limit counters. Every statement is idempotent, as in 0001-0004: this file runs
-- from docker-entrypoint-initdb.d and again from the application on every start.
-- Each instance counts requests in memory and adds its deltas here in the background (one upsert every
-- RATE_LIMIT_SYNC_MS), reading back the totals of all instances: see apps/server/src/rate-limit.ts.
-- Keys name a client address, an e-mail or a user, never a secret. Only the service role touches it.
CREATE TABLE IF NOT EXISTS rate_limits (
  key varchar(320) NOT NULL,
  window_start timestamptz NOT NULL,
  hits integer NOT NULL DEFAULT 0,
  expires_at timestamptz NOT NULL,
  CONSTRAINT rate_limits_pkey PRIMARY KEY (key, window_start)
);
CREATE INDEX IF NOT EXISTS rate_limits_expires_at_idx ON rate_limits (expires_at);

ALTER TABLE rate_limits ENABLE ROW LEVEL SECURITY;
ALTER TABLE rate_limits FORCE ROW LEVEL SECURITY;

DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_catalog.pg_policies WHERE schemaname = current_schema() AND tablename = 'rate_limits' AND policyname = 'service can count requests') THEN
    CREATE POLICY "service can count requests" ON rate_limits AS PERMISSIVE FOR ALL TO kpi_service
      USING (true)
      WITH CHECK (true);
  END IF;
END
$$;

GRANT SELECT, INSERT, UPDATE, DELETE ON rate_limits TO kpi_service;
