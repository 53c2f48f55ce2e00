import { randomBytes } from 'node:crypto';
import pg from 'pg';

// The same server the database suites use (see packages/testing); trust auth, superuser. pg takes the
// user name from $USER when the URL has none, and $USER is not set everywhere (CI, containers).
const ADMIN_URL = withUser(process.env.TEST_DATABASE_URL ?? 'postgres://127.0.0.1:5432/postgres');

function withUser(raw: string): string {
  const url = new URL(raw);
  if (!url.username) url.username = process.env.PGUSER || process.env.USER || 'postgres';
  return url.toString();
}

async function adminQuery(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/** A new, empty PostgreSQL database for this run; the server migrates it on start. */
export async function createDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `kpi_e2e_${randomBytes(6).toString('hex')}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}
