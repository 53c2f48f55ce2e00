import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BACKENDS, createPostgresDatabase, openTestDatabase, type TestDatabase } from '@kpi/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyMigrations, type Database, MIGRATIONS_DIR, openPostgres, queryRows, sql } from '../src/index.ts';

// Lock waits and deadlocks need a second connection: PostgreSQL only.
const POSTGRES_ONLY = BACKENDS.filter((backend) => backend === 'postgres');

/** drizzle/ copied, plus one more file: a new set of migrations with a new fingerprint. */
async function migrationsWith(extra: string): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'kpi-migrations-'));
  await cp(MIGRATIONS_DIR, dir, { recursive: true });
  await writeFile(join(dir, '0099_extra.sql'), extra);
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

const recorded = (database: Database) =>
  queryRows<{ fingerprint: string }>(database.db, sql`SELECT fingerprint FROM kpi_migrations.applied ORDER BY applied_at`);

describe.each(BACKENDS)('the migrations run once per set of files, on %s', (backend) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await openTestDatabase(backend);
  });
  afterAll(async () => {
    await database?.dispose();
  });

  it('a database migrated with these files is not migrated again, and the record says which files ran', async () => {
    const again = await applyMigrations(database);
    expect(again.ran).toBe(false);
    expect(again.scripts.length).toBeGreaterThan(10);
    expect((await recorded(database)).map((row) => row.fingerprint)).toEqual([again.fingerprint]);
  });

  it('a table dropped by hand is created again on the next start', async () => {
    await database.db.execute(sql`DROP TABLE notification_deliveries`);
    const outcome = await applyMigrations(database);
    expect(outcome.ran).toBe(true);
    const [row] = await queryRows<{ present: boolean }>(
      database.db,
      sql`SELECT to_regclass('notification_deliveries') IS NOT NULL AS present`,
    );
    expect(row?.present).toBe(true);
  });

  it('a changed set of files runs, and is recorded beside the first', async () => {
    const files = await migrationsWith('CREATE TABLE IF NOT EXISTS migration_probe (id int);');
    try {
      const outcome = await applyMigrations(database, files.dir);
      expect(outcome.ran).toBe(true);
      expect((await applyMigrations(database, files.dir)).ran).toBe(false);
      const [row] = await queryRows<{ present: boolean }>(
        database.db,
        sql`SELECT to_regclass('migration_probe') IS NOT NULL AS present`,
      );
      expect(row?.present).toBe(true);
      expect((await recorded(database)).map((r) => r.fingerprint)).toContain(outcome.fingerprint);
      expect(await recorded(database)).toHaveLength(2);
    } finally {
      await files.remove();
    }
  });
});

describe.each(POSTGRES_ONLY)('migrations beside a running instance on %s', () => {
  let created: { url: string; drop: () => Promise<void> };
  let database: Database;
  let other: pg.Client;

  beforeAll(async () => {
    created = await createPostgresDatabase();
    database = openPostgres({ url: created.url, poolSize: 2, applicationName: 'kpi-migrator-test' });
    await applyMigrations(database);
    other = new pg.Client({ connectionString: created.url, application_name: 'kpi-running-instance' });
    await other.connect();
  });
  afterAll(async () => {
    await other?.end();
    await database?.close();
    await created?.drop();
  });

  it('a start on a migrated database waits for no lock that a running instance holds', async () => {
    // What a running instance's transactions hold: row locks on the hot tables.
    await other.query('BEGIN');
    await other.query('LOCK TABLE job_runs, job_schedules, users IN ROW EXCLUSIVE MODE');
    try {
      // Re-running the files would need ACCESS EXCLUSIVE on these tables, and with one attempt and a
      // 300 ms lock timeout it would fail.
      const outcome = await applyMigrations(database, undefined, { attempts: 1, lockTimeoutMs: 300 });
      expect(outcome.ran).toBe(false);
    } finally {
      await other.query('ROLLBACK');
    }
  });

  it('new files that lose a deadlock to a running instance are rolled back and tried again', async () => {
    await database.db.execute(sql`CREATE TABLE IF NOT EXISTS migration_probe (id int)`);
    // The new file's last statement needs a table the running instance holds.
    const files = await migrationsWith('LOCK TABLE migration_probe IN ACCESS EXCLUSIVE MODE;');
    const retries: Array<{ state: unknown; attempt: number }> = [];
    try {
      await other.query('BEGIN');
      // Its own deadlock check waits 20 s, so the migration's (1 s) finds the cycle: the migration is the victim.
      await other.query(`SET LOCAL deadlock_timeout = '20s'`);
      await other.query('LOCK TABLE migration_probe IN ACCESS SHARE MODE');
      const migrating = applyMigrations(database, files.dir, {
        lockTimeoutMs: 30_000,
        onRetry: (error, attempt) => retries.push({ state: (error as { code?: unknown }).code, attempt }),
      });
      // Wait until the migration blocks on migration_probe, holding the exclusive locks of the earlier files.
      let held: string | undefined;
      for (let i = 0; i < 200 && !held; i++) {
        const { rows } = await other.query<{ relname: string }>(
          `SELECT c.relname FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
           JOIN pg_stat_activity a ON a.pid = l.pid
           WHERE a.application_name = 'kpi-migrator-test' AND l.granted AND l.mode = 'AccessExclusiveLock'
             AND c.relkind = 'r' AND c.relname <> 'migration_probe'
             AND EXISTS (SELECT 1 FROM pg_locks w WHERE w.pid = l.pid AND NOT w.granted)
           LIMIT 1`,
        );
        held = rows[0]?.relname;
        if (!held) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(held).toBeDefined();
      // The running instance now needs one of those tables: a cycle.
      await other.query(`LOCK TABLE ${held} IN ACCESS SHARE MODE`);
      await other.query('COMMIT');
      const outcome = await migrating;
      expect(outcome.ran).toBe(true);
      expect(retries).toEqual([{ state: '40P01', attempt: 1 }]);
      expect((await applyMigrations(database, files.dir)).ran).toBe(false);
    } finally {
      await other.query('ROLLBACK').catch(() => undefined);
      await files.remove();
    }
  });
});
