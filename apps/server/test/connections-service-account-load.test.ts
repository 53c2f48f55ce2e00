import { readFileSync } from 'node:fs';
import type { ApiDeps } from '@kpi/api';
import { connectorsPort, SecretBox } from '@kpi/connectors';
import { BACKENDS, openTestDatabase, type TestDatabase } from '@kpi/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Fakes, fakeSettings, saveConnection, startFakes } from '../../../packages/connectors/test/support.ts';
import { buildTestApp, createTestUser, type TestUser, testDeps } from './support.ts';

const BATCH = 20;
const fixture = (name: string) =>
  readFileSync(new URL(`../../../packages/connectors/test/fixtures/${name}`, import.meta.url), 'utf8');

/**
 * The attacker's side of service-account signing: a signed-in user fires one tRPC batch of 20
 * `connections.test` calls while /healthz is polled over real HTTP, one request after the other.
 * PGlite runs its queries on the event loop itself, so this runs against PostgreSQL only.
 */
describe.each(BACKENDS.filter((backend) => backend === 'postgres'))('service-account signing under attack on %s', (backend) => {
  let database: TestDatabase;
  let fakes: Fakes;
  let app: FastifyInstance;
  let origin: string;
  const box = SecretBox.fromBase64(Buffer.alloc(32, 9).toString('base64'));

  beforeAll(async () => {
    database = await openTestDatabase(backend);
    fakes = await startFakes();
    const deps: ApiDeps = { ...testDeps(database), connectors: connectorsPort({ settings: fakeSettings(fakes), box }) };
    app = await buildTestApp(database, { deps });
    origin = await app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await app?.close();
    await fakes?.close();
    await database?.dispose();
  });

  const jwtGrants = () =>
    fakes.google.server.requests.filter(
      (r) => r.url.pathname === '/token' && new URLSearchParams(r.body).get('grant_type')?.endsWith('jwt-bearer'),
    ).length;

  /** The batch, and the worst /healthz latency seen while it ran. */
  async function attack(auth: TestUser['auth']) {
    const input = Object.fromEntries(Array.from({ length: BATCH }, (_, i) => [String(i), { service: 'ga4' }]));
    let done = false;
    const started = performance.now();
    const batch = fetch(`${origin}/trpc/${Array(BATCH).fill('connections.test').join(',')}?batch=1`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify(input),
    }).finally(() => {
      done = true;
    });
    const latencies: number[] = [];
    while (!done) {
      const asked = performance.now();
      await (await fetch(`${origin}/healthz`)).text();
      latencies.push(performance.now() - asked);
    }
    const results = (await (await batch).json()) as Array<{ result?: { data?: { ok?: boolean; message?: string } } }>;
    return {
      results: results.map((result) => result.result?.data),
      batchMs: performance.now() - started,
      worstHealthzMs: Math.max(...latencies),
      polls: latencies.length,
    };
  }

  it('20 tests with a valid 4096-bit key: one signature off the event loop, one token, /healthz keeps answering', async () => {
    const user = await createTestUser(database, 'sa-4096');
    const key = fakes.google.createServiceAccountKey(undefined, { modulusLength: 4096 });
    const saved = await fetch(`${origin}/api/connections/ga4`, {
      method: 'PUT',
      headers: { ...user.auth, 'content-type': 'application/json' },
      body: JSON.stringify({ account_id: '271828', credential: { kind: 'service_account', key } }),
    });
    expect(saved.status, await saved.text()).toBe(200);
    const grants = jwtGrants();
    const outcome = await attack(user.auth);
    const figures = JSON.stringify({ ...outcome, results: undefined });
    expect(outcome.results.map((result) => result?.ok)).toEqual(Array(BATCH).fill(true));
    // Concurrent calls share one grant: the old code signed (on the event loop) and fetched 20 times.
    expect(jwtGrants() - grants, figures).toBe(1);
    expect(outcome.polls, figures).toBeGreaterThan(0);
    expect(outcome.worstHealthzMs, figures).toBeLessThan(1_000);
  });

  it('20 tests with a 16,384-bit key stored before the size limit: refused before signing, /healthz stays fast', async () => {
    // Saved through the database, as a row from before the limit would be; the API refuses such a key now.
    const user = await createTestUser(database, 'sa-16384');
    await saveConnection(database, box, {
      userId: user.id,
      service: 'ga4',
      accountId: '271828',
      kind: 'service_account',
      secret: { clientEmail: 'big@fake-project.iam.gserviceaccount.com', privateKey: fixture('rsa-16384.pem') },
    });
    const grants = jwtGrants();
    const outcome = await attack(user.auth);
    const figures = JSON.stringify({ ...outcome, results: undefined });
    for (const result of outcome.results) {
      expect(result).toMatchObject({ ok: false });
      expect(result?.message, figures).toMatch(/must be RSA 2048 to 4096 bits/);
    }
    expect(jwtGrants() - grants, figures).toBe(0);
    // One signature with this key takes about 1.3 s of CPU; the old code made 20 of them on the event loop.
    expect(outcome.worstHealthzMs, figures).toBeLessThan(1_000);
    expect(outcome.batchMs, figures).toBeLessThan(10_000);
  });
});
