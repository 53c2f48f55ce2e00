import { BACKENDS, openTestDatabase, type TestDatabase } from '@kpi/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows, sql, sqlState, withAdmin, withService, withTenant } from '../src/index.ts';

// kpi_admin is what an administrator's reads run as. The attacker is SQL run in such a transaction
// (an injection, or a query written wrong): it must reach accounts without hashes and the audit log, and
// no user's data rows.
describe.each(BACKENDS)('the administrators’ role and the audit log on %s', (backend) => {
  let database: TestDatabase;
  let alice: number;
  let admin: number;

  const denied = (run: Promise<unknown>) => expect(run).rejects.toSatisfy((error) => sqlState(error) === '42501');
  const asAdmin = (statement: ReturnType<typeof sql>) => withAdmin(database.db, admin, (tx) => queryRows(tx, statement));

  beforeAll(async () => {
    database = await openTestDatabase(backend);
    const rows = await withService(database.db, (tx) =>
      queryRows<{ id: number }>(
        tx,
        sql`INSERT INTO users (email, password_hash, role) VALUES ('alice@example.test', 'scrypt$alice', 'user'),
              ('root@example.test', 'scrypt$root', 'admin') RETURNING id`,
      ),
    );
    alice = rows[0]!.id;
    admin = rows[1]!.id;
    await withService(database.db, async (tx) => {
      await tx.execute(sql`INSERT INTO job_schedules (user_id, service, cron_expression) VALUES (${alice}, 'meta', '0 2 * * *')`);
      await tx.execute(
        sql`INSERT INTO job_runs (user_id, service, trigger, scheduled_for, status) VALUES (${alice}, 'meta', 'manual', now(), 'succeeded')`,
      );
      await tx.execute(
        sql`INSERT INTO admin_audit_log (actor_id, actor_email, action, target_user_id) VALUES (${admin}, 'root@example.test', 'user.create', ${alice})`,
      );
    });
  });
  afterAll(() => database?.dispose());

  it('reads every account’s public columns and the audit log', async () => {
    const users = await asAdmin(
      sql`SELECT id, email, role, created_at, must_change_password, disabled_at FROM users ORDER BY id`,
    );
    expect(users.map((row) => (row as { id: number }).id)).toEqual([alice, admin]);
    expect(await asAdmin(sql`SELECT action FROM admin_audit_log`)).toEqual([{ action: 'user.create' }]);
  });

  it('cannot read password hashes, nor any user’s schedules, runs, snapshots, connections, sessions or tokens', async () => {
    await denied(asAdmin(sql`SELECT password_hash FROM users`));
    await denied(asAdmin(sql`SELECT * FROM users`));
    for (const table of [
      'job_schedules',
      'job_runs',
      'kpi_snapshots',
      'connections',
      'sheet_destinations',
      'sessions',
      'api_tokens',
      'oauth_states',
      'rate_limits',
      'scheduler_instances',
    ]) {
      await denied(asAdmin(sql`SELECT count(*) FROM ${sql.identifier(table)}`));
    }
  });

  it('cannot write accounts or the audit log', async () => {
    await denied(asAdmin(sql`UPDATE users SET role = 'admin' WHERE id = ${alice}`));
    await denied(asAdmin(sql`INSERT INTO users (email, password_hash) VALUES ('x@example.test', 'x')`));
    await denied(asAdmin(sql`DELETE FROM admin_audit_log`));
    await denied(asAdmin(sql`INSERT INTO admin_audit_log (actor_email, action) VALUES ('forged@example.test', 'user.create')`));
  });

  it('keeps the audit log append-only for the service role and hidden from tenants', async () => {
    const asService = (statement: ReturnType<typeof sql>) => withService(database.db, (tx) => queryRows(tx, statement));
    await denied(asService(sql`UPDATE admin_audit_log SET action = 'user.role'`));
    await denied(asService(sql`DELETE FROM admin_audit_log`));
    await denied(asService(sql`SELECT * FROM admin_audit_log`));
    const asAlice = (statement: ReturnType<typeof sql>) => withTenant(database.db, alice, (tx) => queryRows(tx, statement));
    await denied(asAlice(sql`SELECT * FROM admin_audit_log`));
    await denied(asAlice(sql`SELECT * FROM scheduler_instances`));
    await denied(asAlice(sql`SELECT disabled_at FROM users`));
    expect(await asAdmin(sql`SELECT count(*)::int AS n FROM admin_audit_log`)).toEqual([{ n: 1 }]);
  });
});
