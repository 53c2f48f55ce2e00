import { AppError, updateAdminUser } from '@kpi/api';
import { queryRows, sql, withService } from '@kpi/db';
import { BACKENDS, openTestDatabase, type TestDatabase } from '@kpi/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectRestError, jsonHeaders } from './http.ts';
import { buildTestApp, createTestUser, type TestUser, testDeps } from './support.ts';

// Its own file, so its own database: the rule is about every administrator there is.
describe.each(BACKENDS)('the last enabled administrator on %s', (backend) => {
  let database: TestDatabase;
  let app: FastifyInstance;
  let first: TestUser;

  beforeAll(async () => {
    database = await openTestDatabase(backend);
    app = await buildTestApp(database);
    first = await createTestUser(database, 'first-admin', 'admin');
  });
  afterAll(async () => {
    await app?.close();
    await database?.dispose();
  });

  const patch = (actor: TestUser, id: number, body: unknown) =>
    app.inject({
      method: 'PATCH',
      url: `/api/admin/users/${id}`,
      headers: jsonHeaders(actor.auth),
      payload: JSON.stringify(body),
    });
  const enabledAdmins = async () =>
    (
      await withService(database.db, (tx) =>
        queryRows<{ id: number }>(tx, sql`SELECT id FROM users WHERE role = 'admin' AND disabled_at IS NULL ORDER BY id`),
      )
    ).map((row) => row.id);

  it('cannot be disabled or demoted, by itself or in one combined change', async () => {
    for (const body of [{ disabled: true }, { role: 'user' }, { disabled: true, role: 'user' }]) {
      const refused = expectRestError(await patch(first, first.id, body), 409);
      expect(refused.error).toMatchObject({ code: 'CONFLICT', details: { reason: 'last_admin' } });
    }
    expect(await enabledAdmins()).toEqual([first.id]);
  });

  it('counts only enabled administrators as left', async () => {
    const second = await createTestUser(database, 'second-admin', 'admin');
    expect((await patch(first, second.id, { disabled: true })).statusCode).toBe(200);
    expectRestError(await patch(first, first.id, { role: 'user' }), 409);
    // Enabling a disabled admin makes it count again; then the first may step down.
    expect((await patch(first, second.id, { disabled: false })).statusCode).toBe(200);
    expect((await patch(first, first.id, { role: 'user' })).statusCode).toBe(200);
    expect(await enabledAdmins()).toEqual([second.id]);
    // The demoted account is refused at once: its token was cached as an admin's a moment ago.
    expectRestError(await patch(first, first.id, { role: 'admin' }), 403);
    expect((await patch(second, first.id, { role: 'admin' })).statusCode).toBe(200);
  });

  it('holds under a race: two admins demoting or disabling each other at once leave exactly one', async () => {
    const deps = testDeps(database);
    for (let round = 0; round < 8; round++) {
      const a = await createTestUser(database, `race-a${round}`, 'admin');
      const b = await createTestUser(database, `race-b${round}`, 'admin');
      // Only a and b are administrators for this round.
      await withService(database.db, (tx) =>
        tx.execute(sql`UPDATE users SET role = 'user' WHERE role = 'admin' AND id NOT IN (${a.id}, ${b.id})`),
      );
      const change = round % 2 === 0 ? { role: 'user' as const } : { disabled: true };
      const outcomes = await Promise.allSettled([
        updateAdminUser(deps, a, { id: b.id, ...change }),
        updateAdminUser(deps, b, { id: a.id, ...change }),
      ]);
      const refused = outcomes.filter((outcome) => outcome.status === 'rejected');
      expect(
        outcomes.filter((outcome) => outcome.status === 'fulfilled'),
        `round ${round}`,
      ).toHaveLength(1);
      expect(refused, `round ${round}`).toHaveLength(1);
      const reason = (refused[0] as PromiseRejectedResult).reason;
      expect(reason).toBeInstanceOf(AppError);
      // Refused either way: the winner left the loser no longer an administrator (FORBIDDEN), or left
      // its target the last one (CONFLICT).
      expect(['FORBIDDEN', 'CONFLICT']).toContain((reason as AppError).code);
      expect(await enabledAdmins(), `round ${round}`).toHaveLength(1);
    }
  });
});
