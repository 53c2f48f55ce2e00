import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { applyMigrations, type Database, MIGRATIONS_DIR, openPostgres, queryRows, sql, sqlState, withTenant } from '@kpi/db';
import { BACKENDS, TEST_DATABASE_URL } from '@kpi/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestUser, startAppWithScheduler, type TestUser } from './support.ts';

const run = promisify(execFile);
// CREATE ROLE and psql need a real server: not registered when the run has no PostgreSQL.
const POSTGRES_ONLY = BACKENDS.filter((backend) => backend === 'postgres');

async function admin(statement: string): Promise<void> {
  const superuser = openPostgres({ url: TEST_DATABASE_URL, poolSize: 1 });
  try {
    await superuser.db.execute(sql.raw(statement));
  } finally {
    await superuser.close();
  }
}

function urlAs(user: string, database: string): string {
  const url = new URL(TEST_DATABASE_URL);
  url.username = user;
  url.pathname = `/${database}`;
  return url.toString();
}

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

// The production shape: a superuser runs drizzle/bootstrap/superuser.psql once, then the application
// logs in as a plain owner role (NOSUPERUSER NOBYPASSRLS NOCREATEROLE) and migrates and runs as it.
describe.each(POSTGRES_ONLY)('the application as a plain owner login role on %s', () => {
  // Roles are cluster-wide: a random name, dropped after, so parallel test runs never meet.
  const role = `kpi_app_${randomBytes(5).toString('hex')}`;
  const dbName = `kpi_test_${randomBytes(6).toString('hex')}`;
  let database: Database;
  let app: FastifyInstance;
  let stop: () => Promise<void>;
  let alice: TestUser;
  let bob: TestUser;

  beforeAll(async () => {
    await admin(`CREATE DATABASE ${dbName}`);
    // The superuser bootstrap, exactly as docker/initdb/10-kpi-app.sh runs it (run twice: idempotent).
    for (let i = 0; i < 2; i++) {
      await run('psql', [
        '-X',
        '-q',
        '-d',
        urlAs(new URL(TEST_DATABASE_URL).username, dbName),
        '-v',
        `app_role=${role}`,
        '-v',
        'app_password=unused-under-trust-auth',
        '-v',
        `app_db=${dbName}`,
        '-f',
        `${MIGRATIONS_DIR}bootstrap/superuser.psql`,
      ]);
    }
    database = openPostgres({ url: urlAs(role, dbName), poolSize: 4 });
    await applyMigrations(database);
    // Every start applies every migration again: as the owner too, 0000's superuser steps are skipped.
    await applyMigrations(database);
    ({ app, stop } = await startAppWithScheduler(database));
    alice = await createTestUser(database, 'alice');
    bob = await createTestUser(database, 'bob');
  });
  afterAll(async () => {
    await stop?.();
    await database?.close();
    await admin(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin(`DROP ROLE IF EXISTS ${role}`);
  });

  it('logs in as a role that is not superuser, not BYPASSRLS, cannot create roles, and owns every table', async () => {
    const [me] = await queryRows<{
      rolsuper: boolean;
      rolbypassrls: boolean;
      rolcreaterole: boolean;
      rolinherit: boolean;
      user: string;
    }>(
      database.db,
      sql`SELECT rolsuper, rolbypassrls, rolcreaterole, rolinherit, current_user AS user FROM pg_roles WHERE rolname = current_user`,
    );
    expect(me).toEqual({ rolsuper: false, rolbypassrls: false, rolcreaterole: false, rolinherit: false, user: role });
    const owners = await queryRows<{ owner: string }>(
      database.db,
      sql`SELECT DISTINCT pg_get_userbyid(c.relowner) AS owner FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = 'public' AND c.relkind = 'r'`,
    );
    expect(owners).toEqual([{ owner: role }]);
  });

  it('runs a sync and answers the API: schedule, run now, run succeeded, KPIs, tokens', async () => {
    const put = await app.inject({
      method: 'PUT',
      url: '/api/schedules/meta',
      headers: alice.auth,
      payload: { cron: '0 2 * * *', timezone: 'UTC', enabled: true },
    });
    expect(put.statusCode, put.body).toBe(200);
    const started = await app.inject({ method: 'POST', url: '/api/schedules/meta/run', headers: alice.auth });
    expect(started.statusCode, started.body).toBe(200);
    const runId = Number((started.json().data as { jobId: string }).jobId.replace('job-', ''));
    const done = await until(
      async () => (await app.inject({ method: 'GET', url: `/api/runs/${runId}`, headers: alice.auth })).json().data,
      (data) => data.status === 'succeeded',
    );
    expect(done).toMatchObject({ id: runId, status: 'succeeded', service: 'meta' });
    const kpis = await app.inject({ method: 'GET', url: '/api/kpis', headers: alice.auth });
    expect(kpis.json().data.some((k: { service: string }) => k.service === 'meta')).toBe(true);
    const tokens = await app.inject({ method: 'GET', url: '/api/tokens', headers: alice.auth });
    expect(tokens.json().data).toHaveLength(1);
    // And Bob sees none of it.
    expect((await app.inject({ method: 'GET', url: `/api/runs/${runId}`, headers: bob.auth })).statusCode).toBe(404);
  });

  it('RESET ROLE inside a tenant transaction leaves the owner, which matches no policy: no other tenant’s rows', async () => {
    const seen = await withTenant(database.db, bob.id, async (tx) => {
      await tx.execute(sql`RESET ROLE`);
      return queryRows<{ who: string; users: number; schedules: number; runs: number; tokens: number }>(
        tx,
        sql`SELECT current_user AS who,
                   (SELECT count(*)::int FROM users) AS users,
                   (SELECT count(*)::int FROM job_schedules) AS schedules,
                   (SELECT count(*)::int FROM job_runs) AS runs,
                   (SELECT count(*)::int FROM api_tokens) AS tokens`,
      );
    });
    expect(seen).toEqual([{ who: role, users: 0, schedules: 0, runs: 0, tokens: 0 }]);
    // The rows are there (Alice's schedule and run from the test above): the owner just cannot see them.
    const [rows] = await withTenant(database.db, alice.id, (tx) =>
      queryRows<{ count: number }>(tx, sql`SELECT count(*)::int AS count FROM job_schedules`),
    );
    expect(rows?.count).toBe(1);
  });

  it('SET ROLE to a superuser or to a role it is not a member of is refused inside a tenant transaction', async () => {
    const superuser = new URL(TEST_DATABASE_URL).username;
    for (const target of [superuser, 'pg_read_all_data', 'pg_write_all_data']) {
      await expect(
        withTenant(database.db, bob.id, (tx) => tx.execute(sql.raw(`SET ROLE ${target}`))),
        target,
      ).rejects.toSatisfy((error) => sqlState(error) === '42501');
    }
    await expect(
      withTenant(database.db, bob.id, (tx) =>
        tx.execute(sql`ALTER TABLE users NO FORCE ROW LEVEL SECURITY`).then(() => 'altered'),
      ),
    )
      // The owner could, but the statement runs as kpi_tenant unless the attacker first RESETs the role:
      .rejects.toSatisfy((error) => sqlState(error) === '42501');
  });
});
