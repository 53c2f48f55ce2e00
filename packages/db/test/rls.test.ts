import { BACKENDS, openTestDatabase, type TestDatabase } from '@kpi/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobSchedules, queryRows, sql, sqlState, withService, withTenant } from '../src/index.ts';

describe.each(BACKENDS)('row-level security on %s', (backend) => {
  let database: TestDatabase;
  let alice: number;
  let bob: number;

  beforeAll(async () => {
    database = await openTestDatabase(backend);
    const rows = await withService(database.db, (tx) =>
      queryRows<{ id: number }>(
        tx,
        sql`INSERT INTO users (email, password_hash) VALUES ('alice@example.test', 'x'), ('bob@example.test', 'x') RETURNING id`,
      ),
    );
    [alice, bob] = rows.map((row) => row.id) as [number, number];
    for (const userId of [alice, bob]) {
      await withTenant(database.db, userId, (tx) =>
        tx.insert(jobSchedules).values([
          { userId, service: 'meta', cronExpression: '0 2 * * *' },
          { userId, service: 'ga4', cronExpression: '0 3 * * *' },
        ]),
      );
    }
  });
  afterAll(() => database?.dispose());

  it('an unfiltered SELECT inside withTenant returns only that user’s rows', async () => {
    const seen = await withTenant(database.db, bob, (tx) => queryRows<{ user_id: number }>(tx, sql`SELECT * FROM job_schedules`));
    expect(seen).toHaveLength(2);
    expect(seen.every((row) => row.user_id === bob)).toBe(true);
  });

  it('a tenant cannot insert, update or delete another user’s rows', async () => {
    await expect(
      withTenant(database.db, bob, (tx) =>
        tx.insert(jobSchedules).values({ userId: alice, service: 'shopify', cronExpression: '0 2 * * *' }),
      ),
    ).rejects.toSatisfy((error) => sqlState(error) === '42501');
    const updated = await withTenant(database.db, bob, (tx) =>
      queryRows(tx, sql`UPDATE job_schedules SET enabled = true WHERE user_id = ${alice} RETURNING id`),
    );
    expect(updated).toHaveLength(0);
    const deleted = await withTenant(database.db, bob, (tx) =>
      queryRows(tx, sql`DELETE FROM job_schedules WHERE user_id = ${alice} RETURNING id`),
    );
    expect(deleted).toHaveLength(0);
    // Moving one's own row to another user is refused by WITH CHECK.
    await expect(
      withTenant(database.db, bob, (tx) => tx.execute(sql`UPDATE job_schedules SET user_id = ${alice} WHERE user_id = ${bob}`)),
    ).rejects.toSatisfy((error) => sqlState(error) === '42501');
    const aliceRows = await withTenant(database.db, alice, (tx) => tx.select().from(jobSchedules));
    expect(aliceRows).toHaveLength(2);
  });

  it('the tenant role with no user setting sees no rows (fail-closed), also after a SET LOCAL ended', async () => {
    const unset = await database.db.transaction(async (tx) => {
      await tx.execute(sql`SELECT set_config('role', 'kpi_tenant', true)`);
      return queryRows(tx, sql`SELECT * FROM job_schedules`);
    });
    expect(unset).toHaveLength(0);
    const emptied = await database.db.transaction(async (tx) => {
      await tx.execute(sql`SELECT set_config('role', 'kpi_tenant', true), set_config('app.current_user_id', '', true)`);
      return queryRows(tx, sql`SELECT * FROM job_schedules`);
    });
    expect(emptied).toHaveLength(0);
  });

  it('the tenant role is not superuser, not BYPASSRLS and owns nothing; FORCE is on for every tenant table', async () => {
    const [role] = await queryRows<{ rolsuper: boolean; rolbypassrls: boolean }>(
      database.db,
      sql`SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = 'kpi_tenant'`,
    );
    expect(role).toEqual({ rolsuper: false, rolbypassrls: false });
    const tables = await queryRows<{ relname: string; relrowsecurity: boolean; relforcerowsecurity: boolean; owner: string }>(
      database.db,
      sql`SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity, pg_get_userbyid(c.relowner) AS owner
          FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = 'public' AND c.relkind = 'r' ORDER BY c.relname`,
    );
    expect(tables.map((t) => t.relname)).toEqual([
      'admin_audit_log',
      'api_tokens',
      'connections',
      'job_runs',
      'job_schedules',
      'kpi_snapshots',
      'notification_deliveries',
      'notification_events',
      'notification_settings',
      'oauth_states',
      'provider_slots',
      'rate_limits',
      'scheduler_instances',
      'sessions',
      'sheet_destinations',
      'users',
    ]);
    for (const table of tables) {
      expect(table, table.relname).toMatchObject({ relrowsecurity: true, relforcerowsecurity: true });
      expect(table.owner).not.toBe('kpi_tenant');
    }
  });

  it('every tenant table has a fail-closed tenant policy and lets a tenant read only its own rows', async () => {
    await withService(database.db, async (tx) => {
      await tx.execute(
        sql`INSERT INTO job_runs (user_id, service, trigger, scheduled_for) VALUES (${alice}, 'meta', 'manual', now())`,
      );
      await tx.execute(
        sql`INSERT INTO kpi_snapshots (user_id, service, date, metrics, source) VALUES (${alice}, 'meta', '2026-01-01', '{}', 'sample')`,
      );
      await tx.execute(
        sql`INSERT INTO api_tokens (user_id, name, prefix, token_hash) VALUES (${alice}, 'a', 'kpi_a', repeat('a', 64))`,
      );
      await tx.execute(
        sql`INSERT INTO sessions (user_id, token_hash, expires_at) VALUES (${alice}, repeat('b', 64), now() + interval '1 hour')`,
      );
    });
    for (const table of ['users', 'sessions', 'api_tokens', 'job_schedules', 'job_runs', 'kpi_snapshots']) {
      const key = table === 'users' ? 'id' : 'user_id';
      // The key column, not *: the tenant role is granted columns (no password_hash or token_hash).
      const forAlice = await withTenant(database.db, alice, (tx) =>
        queryRows<Record<string, number>>(tx, sql`SELECT ${sql.identifier(key)} FROM ${sql.identifier(table)}`),
      );
      const forBob = await withTenant(database.db, bob, (tx) =>
        queryRows<Record<string, number>>(tx, sql`SELECT ${sql.identifier(key)} FROM ${sql.identifier(table)}`),
      );
      expect(forAlice.length, `${table} allowed`).toBeGreaterThan(0);
      expect(
        forAlice.every((row) => row[key] === alice),
        `${table} own rows only`,
      ).toBe(true);
      expect(
        forBob.some((row) => row[key] === alice),
        `${table} denied`,
      ).toBe(false);
    }
  });

  it('withTenant rejects an id that is not a positive integer before touching the database', async () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      await expect(withTenant(database.db, bad, async () => 1)).rejects.toThrow(TypeError);
    }
  });

  it('a manual run may name only a schedule of the same tenant (no existence oracle, no fire slot in A’s schedule)', async () => {
    const [aliceSchedule] = await withTenant(database.db, alice, (tx) =>
      queryRows<{ id: string }>(tx, sql`SELECT id FROM job_schedules WHERE service = 'meta'`),
    );
    const [bobSchedule] = await withTenant(database.db, bob, (tx) =>
      queryRows<{ id: string }>(tx, sql`SELECT id FROM job_schedules WHERE service = 'meta'`),
    );
    const insertRun = (userId: number, scheduleId: string | number, service: string) =>
      withTenant(database.db, userId, (tx) =>
        queryRows<{ id: string }>(
          tx,
          sql`INSERT INTO job_runs (user_id, schedule_id, service, trigger, scheduled_for, status)
              VALUES (${userId}, ${scheduleId}, ${service}, 'manual', '2030-01-01T02:00:00Z', 'skipped') RETURNING id`,
        ),
      );
    // Allowed: Bob's run on Bob's own schedule.
    expect(await insertRun(bob, bobSchedule!.id, 'meta')).toHaveLength(1);
    // Denied: Bob's run pointing at Alice's schedule, in the very slot Alice's cron would fire in.
    await expect(insertRun(bob, aliceSchedule!.id, 'ga4')).rejects.toSatisfy((error) => sqlState(error) === '42501');
    // An id that exists and one that does not give the same refusal: no existence oracle.
    await expect(insertRun(bob, 987_654_321, 'ga4')).rejects.toSatisfy((error) => sqlState(error) === '42501');
    const [slot] = await withService(database.db, (tx) =>
      queryRows<{ count: number }>(tx, sql`SELECT count(*)::int AS count FROM job_runs WHERE schedule_id = ${aliceSchedule!.id}`),
    );
    expect(slot?.count).toBe(0);
  });

  it('a pool of 2 under 2,000 interleaved transactions of two users, some throwing midway, never leaks a row', async () => {
    const pool =
      backend === 'postgres'
        ? (await import('../src/open-postgres.ts')).openPostgres({ url: database.url!, poolSize: 2 })
        : database;
    let leaks = 0;
    let thrown = 0;
    const work = Array.from({ length: 2000 }, (_, i) => {
      const userId = i % 2 === 0 ? alice : bob;
      return withTenant(pool.db, userId, async (tx) => {
        const rows = await queryRows<{ user_id: number }>(tx, sql`SELECT user_id FROM job_schedules`);
        if (rows.some((row) => row.user_id !== userId) || rows.length !== 2) leaks++;
        if (i % 7 === 3) throw new Error('midway');
      }).catch((error: Error) => {
        if (error.message !== 'midway') throw error;
        thrown++;
      });
    });
    await Promise.all(work);
    // After all that, a connection taken outside withTenant carries no tenant setting and no role.
    const [after] = await queryRows<{ setting: string | null; role: string }>(
      pool.db,
      sql`SELECT current_setting('app.current_user_id', true) AS setting, current_user AS role`,
    );
    if (pool !== database) await pool.close();
    expect(leaks).toBe(0);
    expect(thrown).toBe(Math.floor((2000 - 4) / 7) + 1);
    expect(after?.setting ?? '').toBe('');
    expect(after?.role).not.toMatch(/kpi_/);
  });
});
