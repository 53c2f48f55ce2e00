import { randomBytes } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import { applyMigrations, type Database, openPglite, openPostgres } from '@kpi/db';
import pg from 'pg';
import { POSTGRES_ENABLED, TEST_DATABASE_URL } from './env.ts';

export type Backend = 'pglite' | 'postgres';

/** The backends a database suite runs on: both, unless the run has no PostgreSQL. */
export const BACKENDS: Backend[] = POSTGRES_ENABLED ? ['pglite', 'postgres'] : ['pglite'];

function urlFor(database: string): string {
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${database}`;
  return url.toString();
}

async function adminQuery(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/** A new, empty PostgreSQL database on the test server; `drop` removes it (forcing out stray sessions). */
export async function createPostgresDatabase(): Promise<{ name: string; url: string; drop: () => Promise<void> }> {
  const name = `kpi_test_${randomBytes(6).toString('hex')}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  return {
    name,
    url: urlFor(name),
    drop: () => adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

// A PGlite start costs seconds: one instance per test worker, emptied between files.
let sharedPglite: Promise<PGlite> | undefined;

async function freshPglite(): Promise<PGlite> {
  sharedPglite ??= PGlite.create();
  const instance = await sharedPglite;
  await instance.exec(
    'DROP SCHEMA IF EXISTS public CASCADE; DROP SCHEMA IF EXISTS kpi_migrations CASCADE; CREATE SCHEMA public;',
  );
  return instance;
}

export type TestDatabase = Database & { backend: Backend; url?: string; dispose: () => Promise<void> };

/** A migrated, empty database on the given backend, for one test file. */
export async function openTestDatabase(
  backend: Backend,
  options: { migrate?: boolean; poolSize?: number } = {},
): Promise<TestDatabase> {
  if (backend === 'pglite') {
    const database = await openPglite({ instance: await freshPglite() });
    if (options.migrate !== false) await applyMigrations(database);
    return { ...database, backend, dispose: () => database.close() };
  }
  const created = await createPostgresDatabase();
  const database = openPostgres({ url: created.url, poolSize: options.poolSize ?? 5 });
  if (options.migrate !== false) await applyMigrations(database);
  return {
    ...database,
    backend,
    url: created.url,
    dispose: async () => {
      await database.close();
      await created.drop();
    },
  };
}
