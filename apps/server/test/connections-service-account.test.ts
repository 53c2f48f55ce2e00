import type { ApiDeps } from '@kpi/api';
import { connectorRegistry, connectorsPort, SecretBox } from '@kpi/connectors';
import { BACKENDS, openTestDatabase, type TestDatabase } from '@kpi/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectionOf,
  type Fakes,
  fakeSettings,
  runScheduled,
  snapshotsOf,
  startFakes,
} from '../../../packages/connectors/test/support.ts';
import { buildTestApp, createTestUser, type TestUser, testDeps } from './support.ts';

const PROPERTY = '271828';
const at = { fireAt: '2026-08-10T06:00:00Z', until: '2026-08-10T07:00:00Z' };

describe.each(BACKENDS)('GA4 with a service-account key against the token endpoint fake on %s', (backend) => {
  let database: TestDatabase;
  let fakes: Fakes;
  let app: FastifyInstance;
  let connectorDeps: Parameters<typeof connectorRegistry>[0];
  const box = SecretBox.fromBase64(Buffer.alloc(32, 6).toString('base64'));

  beforeAll(async () => {
    database = await openTestDatabase(backend);
    fakes = await startFakes();
    fakes.google.days.set('2026-08-09', { sessions: 640, users: 510, keyEvents: 12, purchases: 7, revenue: 388.25 });
    connectorDeps = { settings: fakeSettings(fakes), box };
    const deps: ApiDeps = { ...testDeps(database), connectors: connectorsPort(connectorDeps) };
    app = await buildTestApp(database, { deps });
  });
  afterAll(async () => {
    await app?.close();
    await fakes?.close();
    await database?.dispose();
  });

  const saveKey = async (user: TestUser, key: string) => {
    const response = await app.inject({
      method: 'PUT',
      url: '/api/connections/ga4',
      headers: user.auth,
      payload: { account_id: PROPERTY, credential: { kind: 'service_account', key } },
    });
    expect(response.statusCode, response.body).toBe(200);
    return response;
  };
  const sync = (user: TestUser) =>
    runScheduled(database, connectorRegistry(connectorDeps), { userId: user.id, service: 'ga4', ...at });
  const jwtGrants = () =>
    fakes.google.server.requests
      .filter((r) => r.url.pathname === '/token')
      .map((r) => new URLSearchParams(r.body))
      .filter((form) => form.get('grant_type') === 'urn:ietf:params:oauth:grant-type:jwt-bearer');

  it('a saved JSON key signs a JWT the endpoint verifies (signature, iss, scope, aud, iat/exp); test and sync work', async () => {
    const user = await createTestUser(database, 'sa');
    const key = fakes.google.createServiceAccountKey();
    const { client_email: email, private_key: privateKey } = JSON.parse(key) as Record<string, string>;
    const saved = await saveKey(user, key);
    expect(saved.json().data).toMatchObject({ credential_kind: 'service_account', has_secret: true, status: 'ok' });
    expect(saved.body).not.toContain('PRIVATE KEY');

    const tested = await app.inject({ method: 'POST', url: '/api/connections/ga4/test', headers: user.auth });
    expect(tested.json().data).toMatchObject({ ok: true, status: 'ok' });
    const run = await sync(user);
    expect(run).toMatchObject({ status: 'succeeded', attempt: 1 });
    expect((await snapshotsOf(database, user.id, 'ga4'))[0]?.metrics).toMatchObject({ sessions: 640, revenue: 388.25 });

    const grant = jwtGrants().at(-1);
    const [, body] = (grant?.get('assertion') ?? '').split('.');
    const claims = JSON.parse(Buffer.from(body ?? '', 'base64url').toString());
    expect(claims).toMatchObject({
      iss: email,
      scope: 'https://www.googleapis.com/auth/analytics.readonly',
      aud: fakes.google.tokenUrl,
    });
    expect(claims.exp - claims.iat).toBe(3600);
    expect(Math.abs(claims.iat - Date.now() / 1000)).toBeLessThan(300);
    const row = await connectionOf(database, user.id, 'ga4');
    expect(JSON.stringify(row)).not.toContain(privateKey?.split('\n')[1] ?? 'no key line');
  });

  it('a key Google does not know (wrong or deleted) is refused: the run fails at once and the connection needs reauth', async () => {
    const user = await createTestUser(database, 'sa-wrong');
    const registered = JSON.parse(fakes.google.createServiceAccountKey()) as Record<string, string>;
    // The right account, but the private key of another key pair: the signature does not verify.
    const other = JSON.parse(fakes.google.createServiceAccountKey()) as Record<string, string>;
    await saveKey(user, JSON.stringify({ ...registered, private_key: other.private_key }));
    const grants = jwtGrants().length;
    const run = await sync(user);
    expect(run).toMatchObject({ status: 'failed', attempt: 1, error_class: 'AuthExpired' });
    expect(run.error).toMatch(/Invalid JWT Signature\..*Save a current key of the service account/);
    expect(jwtGrants().length).toBe(grants + 1);
    expect(await connectionOf(database, user.id, 'ga4')).toMatchObject({ status: 'needs_reauth' });

    // The key was right, then deleted in the Cloud console.
    const revoked = await createTestUser(database, 'sa-deleted');
    const key = fakes.google.createServiceAccountKey();
    await saveKey(revoked, key);
    fakes.google.serviceAccounts.delete(JSON.parse(key).client_email);
    expect(await sync(revoked)).toMatchObject({ status: 'failed', attempt: 1, error_class: 'AuthExpired' });
    expect(await connectionOf(database, revoked.id, 'ga4')).toMatchObject({ status: 'needs_reauth' });
  });

  it('a key file whose private key cannot be read is a configuration error, not a reauth, and is never sent', async () => {
    const user = await createTestUser(database, 'sa-garbled');
    const key = JSON.parse(fakes.google.createServiceAccountKey()) as Record<string, string>;
    await saveKey(
      user,
      JSON.stringify({ ...key, private_key: '-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n' }),
    );
    const grants = jwtGrants().length;
    const run = await sync(user);
    expect(run).toMatchObject({ status: 'failed', attempt: 1, error_class: 'InvalidConfig' });
    expect(run.error).toMatch(/private key could not be read/);
    expect(jwtGrants().length).toBe(grants);
    expect(await connectionOf(database, user.id, 'ga4')).toMatchObject({ status: 'error' });
  });
});
