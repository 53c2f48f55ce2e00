import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { applyMigrations, type Database, MIGRATIONS_DIR, openPostgres, readMigrations, sql } from '@kpi/db';
import { BACKENDS, createPostgresDatabase } from '@kpi/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);

// psql and pg_dump need a real server: these suites are not registered when the run has no PostgreSQL.
const POSTGRES_ONLY = BACKENDS.filter((backend) => backend === 'postgres');

/** What docker-entrypoint-initdb.d does: every drizzle/*.sql, in name order, through psql, stopping at an error. */
async function applyWithPsql(url: string): Promise<void> {
  for (const { name } of await readMigrations()) {
    await run('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', url, '-f', `${MIGRATIONS_DIR}${name}`]);
  }
}

/**
 * The schema as pg_dump sees it, minus what differs between any two dumps of the same schema: the
 * random key of the \restrict / \unrestrict lines (pg_dump 15.14 and later).
 */
async function schemaDump(url: string): Promise<string> {
  const { stdout } = await run('pg_dump', ['--schema-only', '--no-owner', '-d', url], { maxBuffer: 32 * 1024 * 1024 });
  return stdout
    .split('\n')
    .filter((line) => !/^\\(un)?restrict\b/.test(line))
    .join('\n');
}

async function withApp<T>(url: string, fn: (database: Database) => Promise<T>): Promise<T> {
  const database = openPostgres({ url, poolSize: 2 });
  try {
    return await fn(database);
  } finally {
    await database.close();
  }
}

describe.each(POSTGRES_ONLY)('the two migration layers converge on %s', () => {
  const created: Array<{ url: string; drop: () => Promise<void> }> = [];
  let psqlFirst: string; // X: psql applied drizzle/*.sql, then the app started
  let appOnly: string; // Y: the app started on an empty database
  let dumpX: string;
  let dumpY: string;

  const fresh = async () => {
    const database = await createPostgresDatabase();
    created.push(database);
    return database.url;
  };

  beforeAll(async () => {
    psqlFirst = await fresh();
    await applyWithPsql(psqlFirst);
    await withApp(psqlFirst, (database) => applyMigrations(database));
    appOnly = await fresh();
    await withApp(appOnly, (database) => applyMigrations(database));
    [dumpX, dumpY] = await Promise.all([schemaDump(psqlFirst), schemaDump(appOnly)]);
  });
  afterAll(async () => {
    for (const database of created) await database.drop();
  });

  it('psql then the app, and the app alone, give identical pg_dump --schema-only output', () => {
    // A dump of nothing would also be equal: make sure the schema is really there.
    for (const table of ['users', 'sessions', 'api_tokens', 'job_schedules', 'job_runs', 'kpi_snapshots']) {
      expect(dumpY).toContain(`CREATE TABLE public.${table} (`);
      expect(dumpY).toContain(`ALTER TABLE ONLY public.${table} FORCE ROW LEVEL SECURITY;`);
    }
    expect(dumpY).toMatch(/CREATE POLICY "user can manage own schedules" ON public\.job_schedules/);
    expect(dumpX).not.toMatch(/^\\restrict/m);
    expect(dumpX).toBe(dumpY);
  });

  it('running the psql files again is a no-op, on either database', async () => {
    await applyWithPsql(psqlFirst);
    await applyWithPsql(appOnly);
    expect(await schemaDump(psqlFirst)).toBe(dumpX);
    expect(await schemaDump(appOnly)).toBe(dumpY);
  });

  it('running the app’s migrations again is a no-op, on either database', async () => {
    // The record of the files that ran would skip them: forget it, so that every file really runs again.
    const forget = (database: Database) => database.db.execute(sql`DELETE FROM kpi_migrations.applied`);
    await withApp(appOnly, async (database) => {
      await forget(database);
      expect((await applyMigrations(database)).ran).toBe(true);
      await forget(database);
      expect((await applyMigrations(database)).ran).toBe(true);
    });
    await withApp(psqlFirst, async (database) => {
      await forget(database);
      expect((await applyMigrations(database)).ran).toBe(true);
    });
    expect(await schemaDump(appOnly)).toBe(dumpY);
    expect(await schemaDump(psqlFirst)).toBe(dumpX);
  });

  it('the migrations leave data alone when they run again', async () => {
    await withApp(appOnly, async (database) => {
      await database.db.execute(sql`INSERT INTO users (email, password_hash) VALUES ('keep@example.test', 'x')`);
      await applyMigrations(database);
    });
    const { stdout } = await run('psql', ['-X', '-A', '-t', '-d', appOnly, '-c', 'SELECT email FROM users']);
    expect(stdout.trim()).toBe('keep@example.test');
  });

  it('three instances migrating one empty database at once all succeed, with the same schema', async () => {
    const url = await fresh();
    const instances = [0, 1, 2].map(() => openPostgres({ url, poolSize: 1 }));
    try {
      const results = await Promise.allSettled(instances.map((database) => applyMigrations(database)));
      expect(results.map((result) => result.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
    } finally {
      await Promise.all(instances.map((database) => database.close()));
    }
    expect(await schemaDump(url)).toBe(dumpY);
  });
});
