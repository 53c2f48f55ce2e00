import { BACKENDS, openTestDatabase, type TestDatabase } from '@kpi/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonHeaders } from './http.ts';
import { buildTestApp, createTestUser, type TestUser } from './support.ts';

// Two server instances over one database, each with its own viewer cache (a minute long here, so only
// the notification can make an instance forget). A third instance without LISTEN shows what the cache
// alone would do.
describe.each(BACKENDS)('an admin change reaching the viewer cache of other instances on %s', (backend) => {
  let database: TestDatabase;
  let first: FastifyInstance;
  let second: FastifyInstance;
  let deaf: FastifyInstance;
  let admin: TestUser;

  beforeAll(async () => {
    database = await openTestDatabase(backend);
    const listen = database.listen.bind(database);
    first = await buildTestApp(database, { listen, authCacheSeconds: 60 });
    second = await buildTestApp(database, { listen, authCacheSeconds: 60 });
    deaf = await buildTestApp(database, { authCacheSeconds: 60 });
    admin = await createTestUser(database, 'cache-admin', 'admin');
  });
  afterAll(async () => {
    await Promise.all([first?.close(), second?.close(), deaf?.close()]);
    await database?.dispose();
  });

  const status = async (app: FastifyInstance, user: TestUser) =>
    (await app.inject({ method: 'GET', url: '/api/schedules', headers: user.auth })).statusCode;
  /** The first status other than 200 within a second, polling every 10 ms (the NOTIFY is asynchronous). */
  const refusedWithin = async (app: FastifyInstance, user: TestUser) => {
    const started = performance.now();
    while (performance.now() - started < 1_000) {
      const code = await status(app, user);
      if (code !== 200) return { code, ms: performance.now() - started };
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return { code: 200, ms: 1_000 };
  };

  it('a disabled user’s token is refused by the other instance within a second, not after its cache TTL', async () => {
    const user = await createTestUser(database, 'cache-disabled');
    expect([await status(second, user), await status(deaf, user)]).toEqual([200, 200]);
    const disabled = await first.inject({
      method: 'PATCH',
      url: `/api/admin/users/${user.id}`,
      headers: jsonHeaders(admin.auth),
      payload: JSON.stringify({ disabled: true }),
    });
    expect(disabled.statusCode, disabled.body).toBe(200);
    expect(await status(first, user)).toBe(401);
    const refused = await refusedWithin(second, user);
    expect(refused.code).toBe(401);
    // Without the notification the cached viewer is still served: the cache window the NOTIFY closes.
    expect(await status(deaf, user)).toBe(200);
  });

  it('a token revoked on one instance is refused by the other within a second', async () => {
    const user = await createTestUser(database, 'cache-revoked');
    expect([await status(second, user), await status(deaf, user)]).toEqual([200, 200]);
    const tokens = await first.inject({ method: 'GET', url: '/api/tokens', headers: user.auth });
    const id = (tokens.json() as { data: Array<{ id: number }> }).data[0]?.id;
    expect((await first.inject({ method: 'DELETE', url: `/api/tokens/${id}`, headers: user.auth })).statusCode).toBe(200);
    expect((await refusedWithin(second, user)).code).toBe(401);
    expect(await status(deaf, user)).toBe(200);
  });

  it('a demoted admin loses admin access on the other instance within a second', async () => {
    const other = await createTestUser(database, 'cache-demoted', 'admin');
    const fleet = async () => (await second.inject({ method: 'GET', url: '/api/admin/fleet', headers: other.auth })).statusCode;
    expect(await fleet()).toBe(200);
    const demoted = await first.inject({
      method: 'PATCH',
      url: `/api/admin/users/${other.id}`,
      headers: jsonHeaders(admin.auth),
      payload: JSON.stringify({ role: 'user' }),
    });
    expect(demoted.statusCode, demoted.body).toBe(200);
    let code = 200;
    for (let i = 0; i < 100 && code === 200; i++) {
      code = await fleet();
      if (code === 200) await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(code).toBe(403);
  });
});
