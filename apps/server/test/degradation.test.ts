import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { applyMigrations, type Database, MIGRATIONS_DIR, openPostgres, readMigrations, sql } from '@kpi/db';
import { BACKENDS, createPostgresDatabase, TEST_DATABASE_URL } from '@kpi/testing';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SchemaWatch } from '../src/schema-watch.ts';
import { expectNoLeak, trpcData, trpcQuery } from './http.ts';
import { buildTestApp, createTestUser, type TestUser, testDeps } from './support.ts';

const run = promisify(execFile);

// A role without rights on the schema exists only on a real server: not registered without PostgreSQL.
const POSTGRES_ONLY = BACKENDS.filter((backend) => backend === 'postgres');

/** A statement as the test server's superuser, through psql (roles are cluster-wide, so any database will do). */
async function superuserQuery(url: string, statement: string): Promise<void> {
  await run('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', url, '-c', statement]);
}

describe.each(POSTGRES_ONLY)('graceful degradation without job_schedules on %s', () => {
  const role = `kpi_app_${randomBytes(4).toString('hex')}`;
  const warnings: Array<Record<string, unknown>> = [];
  let created: { url: string; drop: () => Promise<void> };
  let appDatabase: Database;
  let schema: SchemaWatch;
  let app: FastifyInstance;
  let user: TestUser;

  beforeAll(async () => {
    created = await createPostgresDatabase();
    // As the superuser: the full schema, then the schedule table gone.
    const owner = openPostgres({ url: created.url, poolSize: 1 });
    try {
      await applyMigrations(owner);
      await owner.db.execute(sql`DROP TABLE job_schedules CASCADE`);
    } finally {
      await owner.close();
    }
    // The application's login role: may become the tenant and service roles (whose grants cover the
    // remaining tables), may not create anything in the schema.
    await superuserQuery(
      created.url,
      `CREATE ROLE ${role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
       REVOKE CREATE ON SCHEMA public FROM PUBLIC;
       GRANT kpi_tenant, kpi_service TO ${role};`,
    );
    const appUrl = new URL(created.url);
    appUrl.username = role;
    appUrl.password = '';
    appDatabase = openPostgres({ url: appUrl.toString(), poolSize: 3 });

    const log = pino({ level: 'warn' }, { write: (line: string) => warnings.push(JSON.parse(line)) });
    schema = new SchemaWatch(appDatabase, log, 100);
    await schema.start();
    app = await buildTestApp(appDatabase, { deps: { ...testDeps(appDatabase), log }, schemaReady: () => schema.isReady() });
    user = await createTestUser(appDatabase);
  });
  afterAll(async () => {
    schema?.stop();
    await app?.close();
    await appDatabase?.close();
    await created?.drop();
    await superuserQuery(TEST_DATABASE_URL, `DROP ROLE IF EXISTS ${role}`);
  });

  it('the application role really cannot create the table (the migrations failed and were logged)', async () => {
    expect(schema.isReady()).toBe(false);
    expect(warnings.some((w) => w.event === 'migrations-failed')).toBe(true);
    expect(warnings.find((w) => w.event === 'schema-missing')?.missing).toEqual(['job_schedules']);
    await expect(appDatabase.db.execute(sql`CREATE TABLE job_schedules (id int)`)).rejects.toThrow();
    await expect(applyMigrations(appDatabase)).rejects.toThrow();
  });

  it('GET /api/schedules answers 200 { success: true, data: [] } and logs a warning', async () => {
    warnings.length = 0;
    const response = await app.inject({ method: 'GET', url: '/api/schedules', headers: user.auth });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ success: true, data: [] });
    expect(warnings).toContainEqual(
      expect.objectContaining({ level: 40, event: 'schema-missing', table: 'job_schedules', userId: user.id }),
    );
    expect(trpcData(await trpcQuery(app, 'schedules.list', undefined, user.auth))).toEqual([]);
  });

  it('while degraded, readiness says the schema is missing and writes fail without leaking SQL', async () => {
    const ready = await app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toMatchObject({ ready: false, database: 'ok', schema: 'missing' });
    const put = await app.inject({
      method: 'PUT',
      url: '/api/schedules/meta',
      headers: { ...user.auth, 'content-type': 'application/json' },
      payload: '{"enabled":true}',
    });
    expect(put.json()).toMatchObject({ success: false, error: { code: expect.any(String), message: expect.any(String) } });
    expectNoLeak(put.body);
    expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });

  it('once the migrations run as the superuser, the same running app serves the three default schedules', async () => {
    for (const { name } of await readMigrations()) {
      await run('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', created.url, '-f', `${MIGRATIONS_DIR}${name}`]);
    }
    const response = await app.inject({ method: 'GET', url: '/api/schedules', headers: user.auth });
    expect(response.statusCode).toBe(200);
    const body = response.json() as { success: boolean; data: Array<{ service: string; cron: string; enabled: boolean }> };
    expect(body.success).toBe(true);
    expect(body.data.map((s) => [s.service, s.cron, s.enabled])).toEqual([
      ['meta', '0 2 * * *', false],
      ['ga4', '0 2 * * *', false],
      ['shopify', '0 2 * * *', false],
    ]);
    const put = await app.inject({
      method: 'PUT',
      url: '/api/schedules/meta',
      headers: { ...user.auth, 'content-type': 'application/json' },
      payload: '{"enabled":true}',
    });
    expect(put.statusCode).toBe(200);
    // The watcher notices on its own, without a restart, and readiness follows.
    await schema.whenReady();
    expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
  });
});
