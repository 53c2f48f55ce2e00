import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
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
  saveConnection as saveStored,
  snapshotsOf,
  startFakes,
} from '../../../packages/connectors/test/support.ts';
import { expectRestError } from './http.ts';
import { buildTestApp, createTestUser, type TestUser, testDeps } from './support.ts';

const PROPERTY = '271828';
// Too slow to generate in a test (minutes for 16,384 bits): made once with `openssl genpkey -algorithm RSA`.
const fixture = (name: string) =>
  readFileSync(new URL(`../../../packages/connectors/test/fixtures/${name}`, import.meta.url), 'utf8');
// 12:00Z is 05:00 in the property's zone (America/Los_Angeles): 9 August has ended there.
const at = { fireAt: '2026-08-10T12:00:00Z', until: '2026-08-10T13:00:00Z', cron: '0 12 * * *' };

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

  const putKey = (user: TestUser, key: string) =>
    app.inject({
      method: 'PUT',
      url: '/api/connections/ga4',
      headers: user.auth,
      payload: { account_id: PROPERTY, credential: { kind: 'service_account', key } },
    });
  const saveKey = async (user: TestUser, key: string) => {
    const response = await putKey(user, key);
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
    expect((await snapshotsOf(database, user.id, 'ga4')).find((row) => row.date === '2026-08-09')?.metrics).toMatchObject({
      sessions: 640,
      revenue: 388.25,
    });

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

  it('a key file whose private key cannot be read is refused when saved; one stored earlier is a configuration error, never sent', async () => {
    const user = await createTestUser(database, 'sa-garbled');
    const key = JSON.parse(fakes.google.createServiceAccountKey()) as Record<string, string>;
    const garbled = '-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n';
    const refused = await putKey(user, JSON.stringify({ ...key, private_key: garbled }));
    expect(expectRestError(refused, 400).error.message).toMatch(/private_key of the key file could not be read/);

    // A row saved before keys were checked on the way in.
    await saveStored(database, box, {
      userId: user.id,
      service: 'ga4',
      accountId: PROPERTY,
      kind: 'service_account',
      secret: { clientEmail: key.client_email, privateKey: garbled },
    });
    const grants = jwtGrants().length;
    const run = await sync(user);
    expect(run).toMatchObject({ status: 'failed', attempt: 1, error_class: 'InvalidConfig' });
    expect(run.error).toMatch(/private key could not be read/);
    expect(jwtGrants().length).toBe(grants);
    expect(await connectionOf(database, user.id, 'ga4')).toMatchObject({ status: 'error' });
  });

  it('only RSA keys of 2048 to 4096 bits are accepted: 16,384, 8192 and 1024 bits and an EC key answer 400 and save nothing', async () => {
    const user = await createTestUser(database, 'sa-size');
    const keyFile = (privateKey: string) => fakes.google.createServiceAccountKey(undefined, { privateKeyPem: privateKey });
    const rsa = (bits: number) =>
      generateKeyPairSync('rsa', { modulusLength: bits }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const refusals: Array<[string, string, RegExp]> = [
      ['16,384 bits', fixture('rsa-16384.pem'), /must be an RSA key of 2048 to 4096 bits; this key has 16384 bits/],
      ['8192 bits', fixture('rsa-8192.pem'), /must be an RSA key of 2048 to 4096 bits; this key has 8192 bits/],
      ['1024 bits', rsa(1024), /must be an RSA key of 2048 to 4096 bits; this key has 1024 bits/],
      ['an EC key', ec, /must be an RSA key of 2048 to 4096 bits; this key is of type ec/],
    ];
    for (const [what, privateKey, message] of refusals) {
      const key = keyFile(privateKey);
      // The biggest is still under the 16 KB field limit: the size of the key, not of the field, refuses it.
      expect(key.length, what).toBeLessThan(16_384);
      const response = await putKey(user, key);
      const body = expectRestError(response, 400);
      expect(body.error.message, what).toMatch(message);
      expect(response.body, what).not.toContain('PRIVATE KEY');
    }
    expect(await connectionOf(database, user.id, 'ga4')).toBeUndefined();

    for (const bits of [2048, 4096]) {
      const key = fakes.google.createServiceAccountKey(undefined, { modulusLength: bits });
      expect((await putKey(user, key)).statusCode, `${bits} bits`).toBe(200);
      const tested = await app.inject({ method: 'POST', url: '/api/connections/ga4/test', headers: user.auth });
      expect(tested.json().data, `${bits} bits`).toMatchObject({ ok: true });
    }
  });

  it('tRPC connections.upsert refuses an oversized key with the same message', async () => {
    const user = await createTestUser(database, 'sa-trpc');
    const response = await app.inject({
      method: 'POST',
      url: '/trpc/connections.upsert',
      headers: { ...user.auth, 'content-type': 'application/json' },
      payload: {
        service: 'ga4',
        account_id: PROPERTY,
        credential: {
          kind: 'service_account',
          key: fakes.google.createServiceAccountKey(undefined, { privateKeyPem: fixture('rsa-16384.pem') }),
        },
      },
    });
    expect(response.statusCode, response.body).toBe(400);
    expect(response.body).toMatch(/must be an RSA key of 2048 to 4096 bits; this key has 16384 bits/);
  });
});
