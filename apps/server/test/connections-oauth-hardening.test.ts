import type { ApiDeps } from '@kpi/api';
import { connectorsPort, SecretBox } from '@kpi/connectors';
import { eq, oauthStates, withService } from '@kpi/db';
import { BACKENDS, openTestDatabase, type TestDatabase } from '@kpi/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Fakes, fakeSettings, startFakes } from '../../../packages/connectors/test/support.ts';
import { loadConfig } from '../src/config.ts';
import { createLogger } from '../src/logger.ts';
import { expectRestError } from './http.ts';
import { landOnCallback, startFlow, uiOutcome } from './oauth-flow.ts';
import { buildTestApp, createTestUser, TEST_PUBLIC_URL, testDeps } from './support.ts';

const START = '/api/connections/meta/oauth/start?account_id=act_4242';

describe.each(BACKENDS)('OAuth redirect URI and request logs on %s', (backend) => {
  let database: TestDatabase;
  let fakes: Fakes;
  let app: FastifyInstance;
  let unconfigured: FastifyInstance;
  const lines: string[] = [];

  beforeAll(async () => {
    database = await openTestDatabase(backend);
    fakes = await startFakes();
    const box = SecretBox.fromBase64(Buffer.alloc(32, 8).toString('base64'));
    const log = createLogger('debug', { write: (line: string) => void lines.push(line) });
    const deps: ApiDeps = {
      ...testDeps(database),
      log,
      connectors: connectorsPort({ settings: fakeSettings(fakes), box }),
    };
    app = await buildTestApp(database, { deps, log });
    unconfigured = await buildTestApp(database, { deps, publicUrl: null });
  });
  afterAll(async () => {
    await app?.close();
    await unconfigured?.close();
    await fakes?.close();
    await database?.dispose();
  });

  it('a forged Host or X-Forwarded-Host does not change the redirect_uri sent to the provider', async () => {
    const user = await createTestUser(database, 'host');
    for (const headers of [{ host: 'evil.example' }, { host: 'evil.example:8443', 'x-forwarded-host': 'evil.example' }, {}]) {
      const response = await app.inject({ method: 'GET', url: START, headers: { ...user.auth, ...headers } });
      expect(response.statusCode, JSON.stringify(headers)).toBe(302);
      const sent = new URL(String(response.headers.location)).searchParams.get('redirect_uri');
      expect(sent, JSON.stringify(headers)).toBe(`${TEST_PUBLIC_URL}/api/oauth/callback`);
    }
    // The code exchange names the same redirect_uri, whatever Host the callback came with.
    const flow = await startFlow(app, user, START);
    const back = new URL(fakes.meta.login.consent(flow.location));
    const before = fakes.meta.server.requests.length;
    const response = await app.inject({
      method: 'GET',
      url: `${back.pathname}${back.search}`,
      headers: { ...user.auth, cookie: flow.cookie, host: 'evil.example' },
    });
    expect(uiOutcome(response)).toMatchObject({ connected: 'meta' });
    const byCode = fakes.meta.server.requests.slice(before).find((r) => r.url.searchParams.has('code'));
    expect(byCode?.url.searchParams.get('redirect_uri')).toBe(`${TEST_PUBLIC_URL}/api/oauth/callback`);
  });

  it('without PUBLIC_URL, OAuth start answers a configuration error: no redirect, no cookie, no state row', async () => {
    const user = await createTestUser(database, 'no-public-url');
    const response = await unconfigured.inject({ method: 'GET', url: START, headers: { ...user.auth, host: 'evil.example' } });
    expect(expectRestError(response, 503).error.message).toMatch(/needs PUBLIC_URL/);
    expect(response.headers.location).toBeUndefined();
    expect(response.headers['set-cookie']).toBeUndefined();
    const rows = await withService(database.db, (tx) => tx.select().from(oauthStates).where(eq(oauthStates.userId, user.id)));
    expect(rows).toHaveLength(0);
  });

  it('the default origin: PUBLIC_URL when set, else the loopback address the server listens on, else none', () => {
    expect(loadConfig({ PUBLIC_URL: 'https://kpi.example.com' }).publicUrl).toBe('https://kpi.example.com');
    expect(loadConfig({ HOST: '127.0.0.1', PORT: '4000' }).publicUrl).toBe('http://127.0.0.1:4000');
    expect(loadConfig({ HOST: 'localhost', PORT: '4000' }).publicUrl).toBe('http://localhost:4000');
    expect(loadConfig({ HOST: '::1', PORT: '4000' }).publicUrl).toBe('http://[::1]:4000');
    expect(loadConfig({ HOST: '0.0.0.0', PORT: '4000' }).publicUrl).toBeUndefined();
    expect(loadConfig({ HOST: '192.168.1.20', PORT: '4000' }).publicUrl).toBeUndefined();
  });

  it('the code and state of a callback never reach the request log; the path does', async () => {
    const user = await createTestUser(database, 'log');
    const flow = await startFlow(app, user, START);
    const back = new URL(fakes.meta.login.consent(flow.location));
    const code = back.searchParams.get('code') ?? '';
    expect(code.length).toBeGreaterThan(20);
    lines.length = 0;
    expect(uiOutcome(await landOnCallback(app, user, back.toString(), flow.cookie))).toMatchObject({ connected: 'meta' });
    // A forged callback (no cookie) that fails, and one with a code an attacker chose: logged, not their query.
    expectRestError(await landOnCallback(app, user, `/api/oauth/callback?code=SECRET-CODE-1&state=${flow.state}`), 400);
    const log = lines.join('\n');
    expect(log).toContain('/api/oauth/callback');
    for (const secret of [code, flow.state, 'SECRET-CODE-1']) expect(log.includes(secret), secret).toBe(false);
  });
});
