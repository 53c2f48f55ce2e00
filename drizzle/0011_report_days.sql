-- Report days are the source's days. A connection stores the IANA zone its source reports in (the Meta ad
-- account's timezone_name, the GA4 property's timeZone, the Shopify shop's ianaTimezone), learned when it
-- is saved, tested or first synced; NULL until then.
ALTER TABLE connections ADD COLUMN IF NOT EXISTS timezone varchar(64);
GRANT SELECT (timezone) ON connections TO kpi_tenant;

-- How many complete days each run fetches again, because sources restate recent days. NULL means the
-- source's default (meta 7, ga4 3, shopify 3, kept in the sources registry).
ALTER TABLE job_schedules ADD COLUMN IF NOT EXISTS lookback_days integer;
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_catalog.pg_constraint WHERE conname = 'job_schedules_lookback_days_check') THEN
    ALTER TABLE job_schedules ADD CONSTRAINT job_schedules_lookback_days_check
      CHECK (lookback_days IS NULL OR lookback_days BETWEEN 1 AND 28);
  END IF;
END
$$;

-- When a day's figures changed after they were first written (the source restated the day); NULL while
-- the first figures stand. A run that fetches unchanged figures does not touch the row at all.
ALTER TABLE kpi_snapshots ADD COLUMN IF NOT EXISTS restated_at timestamptz;

-- When the day's current figures reached the user's Sheet; NULL (or older than updated_at) means a write
-- is owed, so a Sheet that failed after the snapshot was stored still gets the day on the next run.
ALTER TABLE kpi_snapshots ADD COLUMN IF NOT EXISTS sheet_written_at timestamptz;
