import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import type { Database, RawQuery, Script } from './database.ts';
import { sqlState } from './errors.ts';
import { queryRows } from './rows.ts';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../../drizzle/', import.meta.url));

/** The `*.sql` files of `drizzle/` in name order: the order docker-entrypoint-initdb.d runs them in. */
export async function readMigrations(dir = MIGRATIONS_DIR): Promise<Script[]> {
  const names = (await readdir(dir)).filter((name) => name.endsWith('.sql')).sort();
  return Promise.all(names.map(async (name) => ({ name, sql: await readFile(join(dir, name), 'utf8') })));
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

export type MigrationOutcome = {
  /** The `drizzle/*.sql` files, in the order they run. */
  scripts: string[];
  /** False when the database had already been migrated with exactly these files, and nothing ran. */
  ran: boolean;
  fingerprint: string;
};

export type MigrationOptions = {
  /** Called before another try, after this instance's transaction lost a deadlock or timed out on a lock. */
  onRetry?: (error: unknown, attempt: number) => void;
  /** How long one statement waits for a table lock before the whole transaction is retried. */
  lockTimeoutMs?: number;
  attempts?: number;
};

const DEADLOCK_DETECTED = '40P01';
const LOCK_NOT_AVAILABLE = '55P03';

/** The SHA-256 of the files' names and text: any change to any script changes it. */
export function schemaFingerprint(scripts: Script[]): string {
  const hash = createHash('sha256');
  for (const script of scripts) hash.update(`${script.name}\0${script.sql}\0`);
  return hash.digest('hex');
}

// The migrator's own record, outside `public` (which holds the application's tables, every one of them
// under row-level security): the fingerprint of each set of files that ran to the end, and when.
const RECORD_SCHEMA = 'kpi_migrations';
const recordScript = (fingerprint: string): Script => ({
  name: '(record)',
  sql: `CREATE SCHEMA IF NOT EXISTS ${RECORD_SCHEMA};
        CREATE TABLE IF NOT EXISTS ${RECORD_SCHEMA}.applied (
          fingerprint text PRIMARY KEY,
          applied_at timestamptz NOT NULL DEFAULT now()
        );
        INSERT INTO ${RECORD_SCHEMA}.applied (fingerprint) VALUES ('${fingerprint}') ON CONFLICT DO NOTHING;`,
});

/**
 * Whether this fingerprint ran to the end here and the schema still has every table the application
 * needs (a table dropped by hand is created again).
 */
async function alreadyApplied(query: RawQuery, fingerprint: string): Promise<boolean> {
  const [record] = await query<{ present: boolean }>(`SELECT to_regclass('${RECORD_SCHEMA}.applied') IS NOT NULL AS present`);
  if (!record?.present) return false;
  const [row] = await query<{ done: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM ${RECORD_SCHEMA}.applied WHERE fingerprint = '${fingerprint}')
            AND NOT EXISTS (SELECT 1 FROM unnest(string_to_array('${REQUIRED_TABLES.join(',')}', ',')) AS name
                            WHERE to_regclass(name) IS NULL) AS done`,
  );
  return row?.done === true;
}

/**
 * Applies the migrations unless this exact set of files already ran to the end on this database. Each
 * statement is idempotent, so this converges with a database that psql initialised from the same files,
 * in any order and any number of times. The record is not a journal of which files ran (a journal is
 * exactly what breaks when another tool applied the SQL first): a database without this fingerprint
 * gets every file again. The record keeps an instance that starts beside running ones, or a CLI command,
 * from taking every table's exclusive lock on each start, which stalled the running instances and could
 * deadlock with them. When a new set of files does meet a running instance's locks, a lost deadlock or
 * a lock wait over `lockTimeoutMs` rolls the transaction back and it is tried again.
 */
export async function applyMigrations(
  database: Database,
  dir = MIGRATIONS_DIR,
  options: MigrationOptions = {},
): Promise<MigrationOutcome> {
  const scripts = await readMigrations(dir);
  const fingerprint = schemaFingerprint(scripts);
  const names = scripts.map((s) => s.name);
  const check = (query: RawQuery) => alreadyApplied(query, fingerprint);
  // Read without the advisory lock first: on a migrated database nothing waits. A role that may not read
  // the record goes on, and the transaction says what it may not do.
  const done = await check((text) => queryRows(database.db, sql.raw(text))).catch(() => false);
  if (done) return { scripts: names, ran: false, fingerprint };

  const attempts = options.attempts ?? 6;
  const timeout: Script = { name: '(lock timeout)', sql: `SET LOCAL lock_timeout = ${options.lockTimeoutMs ?? 5_000}` };
  for (let attempt = 1; ; attempt++) {
    try {
      const ran = await database.runScripts([timeout, ...scripts, recordScript(fingerprint)], check);
      return { scripts: names, ran, fingerprint };
    } catch (error) {
      const state = sqlState(error);
      if (attempt >= attempts || (state !== DEADLOCK_DETECTED && state !== LOCK_NOT_AVAILABLE)) throw error;
      options.onRetry?.(error, attempt);
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt + Math.random() * 200));
    }
  }
}

/** Which of the tables the application needs are missing (empty when the schema is complete). */
export async function missingTables(database: Database): Promise<string[]> {
  const rows = await queryRows<{ name: string; present: boolean }>(
    database.db,
    sql`SELECT name, to_regclass(name) IS NOT NULL AS present
        FROM unnest(string_to_array(${REQUIRED_TABLES.join(',')}, ',')) AS name`,
  );
  return rows.filter((row) => !row.present).map((row) => row.name);
}
