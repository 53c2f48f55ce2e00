import type { ApiDeps } from '@kpi/api';
import { connectorsPort, SecretBox } from '@kpi/connectors';
import { BACKENDS, openTestDatabase, type TestDatabase } from '@kpi/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Fakes, fakeSettings, startFakes } from '../../../packages/connectors/test/support.ts';
import { buildTestApp, createTestUser, type TestUser, testDeps } from './support.ts';

const META_TOKEN = 'EAAG-api-pasted-token-PLAINTEXT-7777';

describe.each(BACKENDS)('connections and sheets API on %s', (backend) => {
  let database: TestDatabase;
  let fakes: Fakes;
  let app: FastifyInstance;
  let keyless: FastifyInstance;
  let ana: TestUser;
  let bob: TestUser;

  beforeAll(async () => {
    database = await openTestDatabase(backend);
    fakes = await startFakes();
    fakes.meta.tokens.add(META_TOKEN);
    const settings = fakeSettings(fakes);
    const box = SecretBox.fromBase64(Buffer.alloc(32, 9).toString('base64'));
    const deps: ApiDeps = { ...testDeps(database), connectors: connectorsPort({ settings, box }) };
    app = await buildTestApp(database, { deps });
    // PostgreSQL without SECRETS_KEY: the port exists but cannot seal.
    keyless = await buildTestApp(database, {
      deps: { ...testDeps(database), connectors: connectorsPort({ settings }) },
    });
    ana = await createTestUser(database, 'ana');
    bob = await createTestUser(database, 'bob');
  });
  afterAll(async () => {
    await app?.close();
    await keyless?.close();
    await fakes?.close();
    await database?.dispose();
  });

  const call = (
    target: FastifyInstance,
    user: TestUser,
    method: 'GET' | 'PUT' | 'POST' | 'DELETE',
    url: string,
    payload?: unknown,
  ) => target.inject({ method, url, headers: user.auth, ...(payload !== undefined ? { payload: payload as object } : {}) });

  it('lists every service in sample mode until one is connected', async () => {
    const response = await call(app, ana, 'GET', '/api/connections');
    expect(response.statusCode).toBe(200);
    expect(response.json().data.map((c: { service: string; mode: string }) => [c.service, c.mode])).toEqual([
      ['meta', 'sample'],
      ['ga4', 'sample'],
      ['shopify', 'sample'],
    ]);
  });

  it('saves a pasted token, answers has_secret and never the token, and tests it in plain words', async () => {
    const saved = await call(app, ana, 'PUT', '/api/connections/meta', {
      account_id: 'act_1234',
      credential: { kind: 'access_token', access_token: META_TOKEN },
    });
    expect(saved.statusCode).toBe(200);
    expect(saved.json().data).toMatchObject({
      service: 'meta',
      mode: 'live',
      account_id: '1234',
      credential_kind: 'access_token',
      has_secret: true,
      status: 'ok',
      // The source's zone is not known until a test (or the first sync) asks the source.
      timezone: null,
    });
    expect(saved.body).not.toContain(META_TOKEN);
    expect((await call(app, ana, 'GET', '/api/connections')).body).not.toContain(META_TOKEN);
    const tested = await call(app, ana, 'POST', '/api/connections/meta/test');
    expect(tested.json().data).toMatchObject({
      ok: true,
      status: 'ok',
      message: 'Connected to Meta ad account "Fake Ads" (USD, America/New_York).',
    });
    expect(tested.json().data.connection.last_checked_at).not.toBeNull();
    // The test learned the ad account's zone (Graph's timezone_name) and the connection keeps it.
    expect(tested.json().data.connection.timezone).toBe('America/New_York');
    expect((await call(app, ana, 'GET', '/api/connections')).json().data[0].timezone).toBe('America/New_York');
    // Saving another credential may reach another account: the zone is learned again.
    const resaved = await call(app, ana, 'PUT', '/api/connections/meta', {
      account_id: 'act_1234',
      credential: { kind: 'access_token', access_token: META_TOKEN },
    });
    expect(resaved.json().data.timezone).toBeNull();
    await call(app, ana, 'POST', '/api/connections/meta/test');
  });

  it('a refused token tests as needs_reauth with a message to reconnect', async () => {
    await call(app, bob, 'PUT', '/api/connections/meta', {
      account_id: '55',
      credential: { kind: 'access_token', access_token: 'EAAG-revoked-token' },
    });
    const tested = await call(app, bob, 'POST', '/api/connections/meta/test');
    expect(tested.json().data).toMatchObject({ ok: false, status: 'needs_reauth' });
    expect(tested.json().data.message).toMatch(/Reconnect Meta/);
    expect((await call(app, bob, 'GET', '/api/connections')).json().data[0]).toMatchObject({ status: 'needs_reauth' });
  });

  it('keeps each user to their own connection (row-level security behind withTenant)', async () => {
    const bobSees = (await call(app, bob, 'GET', '/api/connections')).json().data[0];
    expect(bobSees.account_id).toBe('55');
    await call(app, bob, 'DELETE', '/api/connections/meta');
    expect((await call(app, bob, 'POST', '/api/connections/meta/test')).statusCode).toBe(404);
    expect((await call(app, ana, 'GET', '/api/connections')).json().data[0]).toMatchObject({ mode: 'live', account_id: '1234' });
  });

  it('refuses bad account ids and credential kinds with 400', async () => {
    const bad = await call(app, ana, 'PUT', '/api/connections/ga4', {
      account_id: 'G-ABC123',
      credential: { kind: 'oauth_refresh', refresh_token: '1//refresh-token' },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toMatch(/property id/);
    const kind = await call(app, ana, 'PUT', '/api/connections/ga4', {
      account_id: '123',
      credential: { kind: 'access_token', access_token: 'ya29.something' },
    });
    expect(kind.statusCode).toBe(400);
    const noCredential = await call(app, ana, 'PUT', '/api/connections/shopify', { account_id: 'shop.myshopify.com' });
    expect(noCredential.json().error.message).toMatch(/credential is required/);
    expect((await call(app, ana, 'PUT', '/api/connections/meta', { account_id: '1', user_id: 2 })).statusCode).toBe(400);
  });

  it('without a secrets key, saving a credential answers 503 telling the operator to set SECRETS_KEY', async () => {
    const response = await call(keyless, ana, 'PUT', '/api/connections/shopify', {
      account_id: 'shop.myshopify.com',
      credential: { kind: 'access_token', access_token: 'shpat_0123456789' },
    });
    expect(response.statusCode).toBe(503);
    expect(response.json().error).toMatchObject({ code: 'SECRETS_KEY_MISSING' });
    expect(response.json().error.message).toMatch(/operator must set SECRETS_KEY/);
  });

  it('sheets: save from a URL, get with default tabs, test reads every tab', async () => {
    fakes.sheets.addSpreadsheet('1AbCdEfGhIjKlMnOp', ['Meta', 'GA4', 'Shopify']);
    const refresh = fakes.google.issueRefreshToken();
    const saved = await call(app, ana, 'PUT', '/api/sheets', {
      spreadsheet_id: 'https://docs.google.com/spreadsheets/d/1AbCdEfGhIjKlMnOp/edit#gid=0',
      credential: { kind: 'oauth_refresh', refresh_token: refresh },
    });
    expect(saved.statusCode).toBe(200);
    expect(saved.json().data).toMatchObject({
      spreadsheet_id: '1AbCdEfGhIjKlMnOp',
      tabs: { meta: 'Meta', ga4: 'GA4', shopify: 'Shopify' },
      has_secret: true,
    });
    expect(saved.body).not.toContain(refresh);
    const tested = await call(app, ana, 'POST', '/api/sheets/test');
    expect(tested.json().data).toMatchObject({ ok: true, status: 'ok' });
    await call(app, ana, 'PUT', '/api/sheets', { spreadsheet_id: '1AbCdEfGhIjKlMnOp', tabs: { meta: 'Ads' } });
    const missingTab = await call(app, ana, 'POST', '/api/sheets/test');
    expect(missingTab.json().data).toMatchObject({
      ok: false,
      status: 'error',
      message: 'The spreadsheet has no tab named "Ads": create it or change the tab name',
    });
    // A 404 is the spreadsheet itself (deleted, or not shared with the account), never a missing tab.
    fakes.sheets.mode = '404';
    try {
      const missingSheet = (await call(app, ana, 'POST', '/api/sheets/test')).json().data;
      expect(missingSheet).toMatchObject({ ok: false, status: 'error' });
      expect(missingSheet.message).toMatch(/spreadsheet does not exist or is not shared with the connected Google account/);
      expect(missingSheet.message).not.toMatch(/no tab named/);
    } finally {
      fakes.sheets.mode = 'ok';
    }
    expect((await call(app, bob, 'GET', '/api/sheets')).json().data).toBeNull();
  });

  it('the same procedures over tRPC', async () => {
    const list = await app.inject({ method: 'GET', url: '/trpc/connections.list', headers: ana.auth });
    expect(list.json().result.data[0]).toMatchObject({ service: 'meta', has_secret: true });
    const test = await app.inject({
      method: 'POST',
      url: '/trpc/connections.test',
      headers: { ...ana.auth, 'content-type': 'application/json' },
      payload: { service: 'meta' },
    });
    expect(test.json().result.data).toMatchObject({ ok: true });
    const sheet = await app.inject({ method: 'GET', url: '/trpc/sheets.get', headers: ana.auth });
    expect(sheet.json().result.data.spreadsheet_id).toBe('1AbCdEfGhIjKlMnOp');
  });
  it('user B with user A’s data: every connections and sheets procedure acts on B’s rows only', async () => {
    const post = (path: string, payload?: object) =>
      app.inject({
        method: 'POST',
        url: `/trpc/${path}`,
        headers: { ...bob.auth, 'content-type': 'application/json' },
        ...(payload ? { payload } : {}),
      });
    expect((await post('connections.test', { service: 'meta' })).statusCode).toBe(404);
    expect((await post('connections.remove', { service: 'meta' })).statusCode).toBe(404);
    expect((await post('sheets.test')).statusCode).toBe(404);
    expect((await post('sheets.remove')).statusCode).toBe(404);
    const list = await app.inject({ method: 'GET', url: '/trpc/connections.list', headers: bob.auth });
    expect(list.json().result.data.every((c: { mode: string }) => c.mode === 'sample')).toBe(true);
    expect((await app.inject({ method: 'GET', url: '/trpc/sheets.get', headers: bob.auth })).json().result.data).toBeNull();
    // B saving its own meta connection does not touch A's.
    await post('connections.upsert', {
      service: 'meta',
      account_id: '999',
      credential: { kind: 'access_token', access_token: 'EAAG-bob-own-token' },
    });
    expect((await call(app, ana, 'GET', '/api/connections')).json().data[0]).toMatchObject({ account_id: '1234', status: 'ok' });
  });
});
