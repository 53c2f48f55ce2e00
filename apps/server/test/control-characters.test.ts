import { type ApiDeps, toAppError } from '@kpi/api';
import { connectorsPort, SecretBox } from '@kpi/connectors';
import { sql } from '@kpi/db';
import { BACKENDS, openTestDatabase, type TestDatabase } from '@kpi/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fakeSettings, startFakes } from '../../../packages/connectors/test/support.ts';
import { expectRestError, expectTrpcError, jsonHeaders, trpcMutation } from './http.ts';
import { buildTestApp, capturingLog, createTestUser, type TestUser, testDeps } from './support.ts';

// The attacker's requests: a NUL (or another control character) inside an otherwise valid text field.
// PostgreSQL cannot store U+0000 in text, so before the validators refused it these reached the driver
// and came back as a 500 with the SQL in the error log.

const NUL = '\u0000';
const META = { kind: 'access_token', access_token: 'EAAG-long-enough-token' };

describe.each(BACKENDS)('control characters in text fields on %s', (backend) => {
  let database: TestDatabase;
  let app: FastifyInstance;
  let user: TestUser;
  let close: () => Promise<void>;
  const captured = capturingLog();
  const errorLines = () => captured.lines.filter((line) => Number(line.level) >= 50);

  beforeAll(async () => {
    database = await openTestDatabase(backend);
    const fakes = await startFakes();
    const box = SecretBox.fromBase64(Buffer.alloc(32, 7).toString('base64'));
    const deps: ApiDeps = {
      ...testDeps(database),
      connectors: connectorsPort({ settings: fakeSettings(fakes), box }),
    };
    app = await buildTestApp(database, { deps, log: captured.log });
    user = await createTestUser(database, 'nul');
    close = () => fakes.close();
  });
  afterAll(async () => {
    await app?.close();
    await close?.();
    await database?.dispose();
  });
  beforeEach(() => {
    captured.lines.length = 0;
  });

  const rest = (method: 'POST' | 'PUT', url: string, body: unknown, auth: Record<string, string> = user.auth) =>
    app.inject({ method, url, headers: jsonHeaders(auth), payload: JSON.stringify(body) });

  const REST_CASES: Array<[string, 'POST' | 'PUT', string, unknown]> = [
    ['login e-mail', 'POST', '/api/auth/login', { email: `a${NUL}@example.test`, password: 'password-123' }],
    ['token name', 'POST', '/api/tokens', { name: `reporting${NUL}` }],
    ['token name with a newline', 'POST', '/api/tokens', { name: 'line\nbreak' }],
    ['tab name', 'PUT', '/api/sheets', { spreadsheet_id: 'abcdefghij0123456789', tabs: { meta: `Ads${NUL}` } }],
    [
      'conversion_action_types',
      'PUT',
      '/api/connections/meta',
      { account_id: '123', credential: META, conversion_action_types: [`purchase${NUL}`] },
    ],
    ['account_id', 'PUT', '/api/connections/meta', { account_id: `123${NUL}`, credential: META }],
    [
      'access token',
      'PUT',
      '/api/connections/meta',
      { account_id: '123', credential: { ...META, access_token: `EAAG${NUL}xxxxxx` } },
    ],
  ];

  it.each(REST_CASES)('REST: a NUL in the %s is a 400 and nothing is logged as an error', async (_label, method, url, body) => {
    const response = await rest(method, url, body, url === '/api/auth/login' ? {} : user.auth);
    const error = expectRestError(response, 400);
    expect(error.error.code).toBe('VALIDATION_ERROR');
    expect(errorLines()).toEqual([]);
  });

  const TRPC_CASES: Array<[string, string, unknown]> = [
    ['token name', 'tokens.create', { name: `reporting${NUL}` }],
    ['tab name', 'sheets.upsert', { spreadsheet_id: 'abcdefghij0123456789', tabs: { ga4: `GA4${NUL}` } }],
    [
      'conversion_action_types',
      'connections.upsert',
      { service: 'meta', account_id: '123', credential: META, conversion_action_types: [`x${NUL}`] },
    ],
  ];

  it.each(TRPC_CASES)('tRPC: a NUL in the %s is a 400 and nothing is logged as an error', async (_label, path, input) => {
    const error = expectTrpcError(await trpcMutation(app, path, input, user.auth), 400);
    expect(error.appCode).toBe('VALIDATION_ERROR');
    expect(errorLines()).toEqual([]);
  });

  it('past the validators, the database’s own refusal of a NUL maps to a 400, not a 500', async () => {
    const refused = await database.db.execute(sql`SELECT ${`a${NUL}b`}::text AS value`).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refused).toBeDefined();
    const error = toAppError(refused);
    expect(error.status).toBe(400);
    expect(error.code).toBe('VALIDATION_ERROR');
  });

  it('text that only looks odd (accents, emoji, a tab name with spaces) is still accepted', async () => {
    const token = await rest('POST', '/api/tokens', { name: 'Rapports – été 📈' });
    expect(token.statusCode, token.body).toBe(201);
    const sheet = await rest('PUT', '/api/sheets', {
      spreadsheet_id: 'abcdefghij0123456789',
      tabs: { meta: 'Meta Ads 2026' },
      credential: { kind: 'oauth_refresh', refresh_token: '1//refresh-token-value' },
    });
    expect(sheet.statusCode, sheet.body).toBe(200);
  });

  it('a Host header the URL parser refuses, on the streamed tRPC path, is a 400 not a 500', async () => {
    const url = `/trpc/auth.me?batch=1&input=${encodeURIComponent('{}')}`;
    for (const host of ['bad host', 'a/b', 'exa mple:3000', '[::1']) {
      const response = await app.inject({
        method: 'GET',
        url,
        headers: { host, 'trpc-accept': 'application/jsonl' },
      });
      expectRestError(response, 400);
    }
    expect(errorLines()).toEqual([]);
    for (const host of ['kpi.example', 'app_1:3000', '[::1]:3000', '127.0.0.1:8080']) {
      expect((await app.inject({ method: 'GET', url: '/healthz', headers: { host } })).statusCode, host).toBe(200);
    }
    // The streamed path still answers with a normal Host.
    const ok = await app.inject({ method: 'GET', url, headers: { 'trpc-accept': 'application/jsonl' } });
    expect(ok.statusCode, ok.body).toBe(200);
  });
});
