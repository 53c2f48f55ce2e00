// Test-only settings. scripts/test.mjs decides whether PostgreSQL is part of the run and says so.
import { userInfo } from 'node:os';

// Trust auth on a local server: connect as the operating-system user, as psql does.
export const TEST_DATABASE_URL =
  process.env.TEST_DATABASE_URL ?? `postgres://${process.env.PGUSER ?? userInfo().username}@127.0.0.1:5432/postgres`;
/** '0' when scripts/test.mjs found no PostgreSQL: those suites are then not collected at all. */
export const POSTGRES_ENABLED = process.env.KPI_TEST_POSTGRES !== '0';
