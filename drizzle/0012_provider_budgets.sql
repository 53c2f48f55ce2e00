-- Provider budgets: one concurrency cap per provider (Meta, Google, Shopify) for the whole deployment.
-- Every statement is idempotent, as in 0000-0010: this file runs from docker-entrypoint-initdb.d and
-- again from the application on every start.
-- One row per slot: a provider with a cap of 10 has slots 1..10 (instances create them on start, see
-- packages/connectors/src/provider-slots.ts). A call takes a free slot with one UPDATE ... FOR UPDATE
-- SKIP LOCKED and frees it when its HTTP call ends. A slot is free when `lease_until` is null or past,
-- so the slot of a process that died mid-call frees itself once its lease runs out. `holder` is a
-- random id per acquisition, so a late release never frees a slot someone else has taken since.
-- Not a tenant table: tenants have no grant and no policy; only the service role takes slots.
CREATE TABLE IF NOT EXISTS provider_slots (
  provider varchar(16) NOT NULL,
  slot integer NOT NULL,
  holder uuid,
  instance varchar(200),
  lease_until timestamptz,
  acquired_at timestamptz,
  CONSTRAINT provider_slots_pkey PRIMARY KEY (provider, slot),
  CONSTRAINT provider_slots_provider_check CHECK (provider IN ('meta', 'google', 'shopify')),
  CONSTRAINT provider_slots_slot_check CHECK (slot >= 1)
);

ALTER TABLE provider_slots ENABLE ROW LEVEL SECURITY;
ALTER TABLE provider_slots FORCE ROW LEVEL SECURITY;

DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_catalog.pg_policies WHERE schemaname = current_schema() AND tablename = 'provider_slots' AND policyname = 'service can lease provider slots') THEN
    CREATE POLICY "service can lease provider slots" ON provider_slots AS PERMISSIVE FOR ALL TO kpi_service
      USING (true)
      WITH CHECK (true);
  END IF;
END
$$;

GRANT SELECT, INSERT, UPDATE, DELETE ON provider_slots TO kpi_service;
