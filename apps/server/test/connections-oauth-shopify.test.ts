import type { ApiDeps } from '@kpi/api';
import { connectionAad, connectorRegistry, connectorsPort, SecretBox } from '@kpi/connectors';
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
import { expectRestError } from './http.ts';
import { landOnCallback, startFlow, uiOutcome, withParam } from './oauth-flow.ts';
import { buildTestApp, createTestUser, type TestUser, testDeps } from './support.ts';

const SHOP = 'fake-store.myshopify.com';
const START = `/api/connections/shopify/oauth/start?account_id=${encodeURIComponent('Fake-Store.myshopify.com')}`;

describe.each(BACKENDS)('Shopify OAuth through the server on %s', (backend) => {
  let database: TestDatabase;
  let fakes: Fakes;
  let app: FastifyInstance;
  let connectorDeps: Parameters<typeof connectorRegistry>[0];
  const box = SecretBox.fromBase64(Buffer.alloc(32, 4).toString('base64'));

  beforeAll(async () => {
    database = await openTestDatabase(backend);
    fakes = await startFakes();
    // 9 August in the shop's New York time.
    fakes.shopify.orders.push({ createdAt: '2026-08-09T15:00:00Z', amount: '42.00' });
    connectorDeps = { settings: fakeSettings(fakes), box };
    const deps: ApiDeps = { ...testDeps(database), connectors: connectorsPort(connectorDeps) };
    app = await buildTestApp(database, { deps });
  });
  afterAll(async () => {
    await app?.close();
    await fakes?.close();
    await database?.dispose();
  });

  const tokenCalls = () => fakes.shopify.server.requests.filter((r) => r.url.pathname.endsWith('/admin/oauth/access_token'));
  const listed = async (user: TestUser) =>
    (await app.inject({ method: 'GET', url: '/api/connections', headers: user.auth })).json().data[2];

  it('redirect to the shop, signed callback, code exchanged at that shop: an expiring token saved sealed, and a sync uses it', async () => {
    const user = await createTestUser(database, 'shop-oauth');
    const flow = await startFlow(app, user, START);
    const page = new URL(flow.location);
    expect(`${page.origin}${page.pathname}`).toBe(`${fakes.shopify.server.baseUrl}/${SHOP}/admin/oauth/authorize`);
    expect(page.searchParams.get('scope')).toBe('read_orders');

    const back = fakes.shopify.consent(flow.location);
    expect(new URL(back).searchParams.get('hmac')).toMatch(/^[0-9a-f]{64}$/);
    const before = tokenCalls().length;
    const response = await landOnCallback(app, user, back, flow.cookie);
    expect(uiOutcome(response)).toEqual({ path: '/connections', connected: 'shopify' });
    const [exchange, ...more] = tokenCalls().slice(before);
    expect(more).toHaveLength(0);
    expect(exchange?.url.pathname).toBe(`/${SHOP}/admin/oauth/access_token`);
    // Shopify's token endpoint takes JSON (the fake refuses a form post, as Shopify does).
    expect(exchange?.headers['content-type']).toMatch(/^application\/json/);
    const form = new URLSearchParams(JSON.parse(exchange?.body ?? '{}'));
    expect([form.get('client_id'), form.get('client_secret'), form.get('code')]).toEqual([
      fakes.shopify.client.id,
      fakes.shopify.client.secret,
      new URL(back).searchParams.get('code'),
    ]);

    const connection = await listed(user);
    expect(connection).toMatchObject({
      service: 'shopify',
      mode: 'live',
      account_id: SHOP,
      credential_kind: 'oauth_refresh',
      has_secret: true,
      status: 'ok',
    });
    expect(Date.parse(connection.token_expires_at) - Date.now()).toBeGreaterThan(50 * 60_000);
    const row = await connectionOf(database, user.id, 'shopify');
    const secret = box.open<{ accessToken: string; refreshToken: string }>(row?.secret ?? '', connectionAad(user.id, 'shopify'));
    expect(secret.accessToken).toBe(fakes.shopify.installs.get(SHOP));
    expect(fakes.shopify.refreshTokens.has(secret.refreshToken)).toBe(true);
    for (const text of [JSON.stringify(row), JSON.stringify(connection), response.body]) {
      for (const token of [secret.accessToken, secret.refreshToken, fakes.shopify.client.secret]) {
        expect(text.includes(token)).toBe(false);
      }
    }

    const run = await runScheduled(database, connectorRegistry(connectorDeps), {
      userId: user.id,
      service: 'shopify',
      fireAt: '2026-08-10T06:00:00Z',
      until: '2026-08-10T06:05:00Z',
    });
    expect(run).toMatchObject({ status: 'succeeded', attempt: 1 });
    const query = fakes.shopify.server.requests.filter((r) => r.url.pathname.endsWith('/graphql.json')).at(-1);
    expect(query?.url.pathname).toBe(`/${SHOP}/admin/api/2026-07/graphql.json`);
    expect(query?.headers['x-shopify-access-token']).toBe(secret.accessToken);
    expect((await snapshotsOf(database, user.id, 'shopify')).find((row) => row.date === '2026-08-09')?.metrics).toMatchObject({
      orders: 1,
      gross_sales: 42,
    });
  });

  it('a callback Shopify did not sign, or signed for another shop, is refused before anything is sent to a shop', async () => {
    const user = await createTestUser(database, 'shop-forged');
    const forgeries: Array<[string, (flow: { location: string }) => string]> = [
      ['a wrong hmac', (flow) => withParam(fakes.shopify.consent(flow.location), 'hmac', 'ab'.repeat(32))],
      ['no hmac', (flow) => withParam(fakes.shopify.consent(flow.location), 'hmac', undefined)],
      ['an edited code', (flow) => withParam(fakes.shopify.consent(flow.location), 'code', 'c0ffee'.repeat(5))],
      ['an edited host', (flow) => withParam(fakes.shopify.consent(flow.location), 'host', 'ZXZpbC5leGFtcGxl')],
      ['a repeated parameter', (flow) => `${fakes.shopify.consent(flow.location)}&timestamp=1`],
    ];
    for (const [what, forge] of forgeries) {
      const flow = await startFlow(app, user, START);
      const before = tokenCalls().length;
      const response = await landOnCallback(app, user, forge(flow), flow.cookie);
      expect(uiOutcome(response), what).toMatchObject({ error: 'oauth_exchange_failed', target: 'shopify' });
      expect(tokenCalls().length, what).toBe(before);
    }
    // Properly signed, but for a shop other than the one this flow started with.
    const flow = await startFlow(app, user, START);
    const before = tokenCalls().length;
    const other = await landOnCallback(
      app,
      user,
      fakes.shopify.consent(flow.location, { shop: 'other.myshopify.com' }),
      flow.cookie,
    );
    expect(uiOutcome(other)).toMatchObject({ error: 'oauth_exchange_failed', target: 'shopify' });
    expect(tokenCalls().length).toBe(before);
    expect(await listed(user)).toMatchObject({ mode: 'sample', has_secret: false });
  });

  it('the signature covers values that need encoding exactly as Shopify writes them (space as %20, +, &, =, non-ASCII)', async () => {
    const user = await createTestUser(database, 'shop-encoding');
    const extra = { locale: 'en US', note: 'a+b&c=d ü!*()~', embedded: '1' };
    const flow = await startFlow(app, user, START);
    const back = fakes.shopify.consent(flow.location, { extra });
    expect(new URL(back).searchParams.get('host')).toMatch(/=$/);
    const response = await landOnCallback(app, user, back, flow.cookie);
    expect(uiOutcome(response)).toEqual({ path: '/connections', connected: 'shopify' });
  });

  it('a callback signed more than five minutes ago, or dated in the future, is refused before a token request', async () => {
    const user = await createTestUser(database, 'shop-stale');
    const now = Math.floor(Date.now() / 1000);
    for (const [what, timestamp] of [
      ['six minutes old', now - 6 * 60],
      ['a day old', now - 86_400],
      ['an hour ahead', now + 3600],
    ] as const) {
      const flow = await startFlow(app, user, START);
      const before = tokenCalls().length;
      const response = await landOnCallback(app, user, fakes.shopify.consent(flow.location, { timestamp }), flow.cookie);
      // The page says only that the exchange failed; the fresh control below shows the date is what decides.
      expect(uiOutcome(response).error, what).toBe('oauth_exchange_failed');
      expect(tokenCalls().length, what).toBe(before);
    }
    // Four minutes old is still fine.
    const flow = await startFlow(app, user, START);
    const fresh = await landOnCallback(app, user, fakes.shopify.consent(flow.location, { timestamp: now - 240 }), flow.cookie);
    expect(uiOutcome(fresh)).toMatchObject({ connected: 'shopify' });
  });

  it('the token endpoint fake is as strict as Shopify: a form-encoded request gets no token', async () => {
    const flow = await startFlow(app, await createTestUser(database, 'shop-form'), START);
    const code = new URL(fakes.shopify.consent(flow.location)).searchParams.get('code') ?? '';
    const fields = { client_id: fakes.shopify.client.id, client_secret: fakes.shopify.client.secret, code };
    const url = `${fakes.shopify.server.baseUrl}/${SHOP}/admin/oauth/access_token`;
    const form = await fetch(url, { method: 'POST', body: new URLSearchParams(fields) });
    expect(form.status).toBe(400);
    const json = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(fields),
    });
    expect(json.status).toBe(200);
  });

  it('start refuses any shop that is not <name>.myshopify.com: no redirect, no cookie, no request (open redirect, SSRF)', async () => {
    const user = await createTestUser(database, 'shop-domain');
    const requests = fakes.shopify.server.requests.length;
    const hostile = [
      'evil.example',
      '127.0.0.1:5432',
      '169.254.169.254',
      'localhost',
      'https://evil.example',
      'fake-store.myshopify.com.evil.example',
      'fake-store.myshopify.com:8443',
      'fake-store.myshopify.com/../../evil',
      'fake-store.myshopify.com@evil.example',
      'evil.example#.myshopify.com',
      'a.b.myshopify.com',
      'myshopify.com',
    ];
    for (const shop of hostile) {
      const response = await app.inject({
        method: 'GET',
        url: `/api/connections/shopify/oauth/start?account_id=${encodeURIComponent(shop)}`,
        headers: user.auth,
      });
      expect(expectRestError(response, 400).error.message, shop).toMatch(/myshopify\.com/);
      expect(response.headers.location, shop).toBeUndefined();
      expect(response.headers['set-cookie'], shop).toBeUndefined();
    }
    expect(fakes.shopify.server.requests.length).toBe(requests);
  });
});
