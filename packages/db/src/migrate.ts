import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import type { Database, Script } from './database.ts';
import { queryRows } from './rows.ts';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../../drizzle/', import.meta.url));

/** The `*.sql` files of `drizzle/` in name order: the order docker-entrypoint-initdb.d runs them in. */
export async function readMigrations(dir = MIGRATIONS_DIR): Promise<Script[]> {
  const names = (await readdir(dir)).filter((name) => name.endsWith('.sql')).sort();
  return Promise.all(names.map(async (name) => ({ name, sql: await readFile(join(dir, name), 'utf8') })));
}

/**
 * Applies every migration, every time. Each statement is idempotent, so this converges with a database
 * that psql initialised from the same files, in any order and any number of times. We keep no journal
 * table: a journal is exactly what breaks when another tool applied the SQL first.
 */
export async function applyMigrations(database: Database, dir = MIGRATIONS_DIR): Promise<string[]> {
  const scripts = await readMigrations(dir);
  await database.runScripts(scripts);
  return scripts.map((s) => s.name);
}

export const REQUIRED_TABLES = [
  'users',
  'sessions',
  'api_tokens',
  'job_schedules',
  'job_runs',
  'kpi_snapshots',
  'connections',
  'sheet_destinations',
  'oauth_states',
  'provider_slots',
  'notification_settings',
  'notification_events',
  'notification_deliveries',
  'admin_audit_log',
  'scheduler_instances',
] as const;

/** Which of the tables the application needs are missing (empty when the schema is complete). */
export async function missingTables(database: Database): Promise<string[]> {
  const rows = await queryRows<{ name: string; present: boolean }>(
    database.db,
    sql`SELECT name, to_regclass(name) IS NOT NULL AS present
        FROM unnest(string_to_array(${REQUIRED_TABLES.join(',')}, ',')) AS name`,
  );
  return rows.filter((row) => !row.present).map((row) => row.name);
}
