import type { ApiDeps } from '@kpi/api';
import { connectionAad, connectorRegistry, connectorsPort, SecretBox } from '@kpi/connectors';
import { eq, oauthStates, withService } from '@kpi/db';
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
import { buildTestApp, createTestUser, TEST_PUBLIC_URL, type TestUser, testDeps } from './support.ts';

const START = '/api/connections/meta/oauth/start?account_id=act_4242';
const SIXTY_DAYS_MS = 60 * 86_400_000;

describe.each(BACKENDS)('Meta OAuth through the server on %s', (backend) => {
  let database: TestDatabase;
  let fakes: Fakes;
  let app: FastifyInstance;
  let connectorDeps: Parameters<typeof connectorRegistry>[0];
  const box = SecretBox.fromBase64(Buffer.alloc(32, 3).toString('base64'));
  // The app's clock, moved forward to let a started flow expire.
  let clockOffsetMs = 0;

  beforeAll(async () => {
    database = await openTestDatabase(backend);
    fakes = await startFakes();
    fakes.meta.days.set('2026-08-09', { spend: 12.5, impressions: 900, clicks: 31, purchases: 4 });
    connectorDeps = { settings: fakeSettings(fakes), box };
    const deps: ApiDeps = {
      ...testDeps(database, {}, () => new Date(Date.now() + clockOffsetMs)),
      connectors: connectorsPort(connectorDeps),
    };
    app = await buildTestApp(database, { deps });
  });
  afterAll(async () => {
    await app?.close();
    await fakes?.close();
    await database?.dispose();
  });

  const exchangeCalls = () => fakes.meta.server.requests.filter((r) => r.url.pathname.endsWith('/oauth/access_token'));
  const listed = async (user: TestUser) =>
    (await app.inject({ method: 'GET', url: '/api/connections', headers: user.auth })).json().data[0];

  it('redirect, consent, callback: the code becomes a long-lived token, sealed and never shown, and a sync uses it', async () => {
    const user = await createTestUser(database, 'meta-oauth');
    const flow = await startFlow(app, user, START);
    const dialog = new URL(flow.location);
    expect(`${dialog.origin}${dialog.pathname}`).toBe('https://www.facebook.com/v26.0/dialog/oauth');
    expect(dialog.searchParams.get('client_id')).toBe(fakes.meta.login.app.id);
    expect(dialog.searchParams.get('scope')).toBe('ads_read');
    expect(dialog.searchParams.get('redirect_uri')).toBe(`${TEST_PUBLIC_URL}/api/oauth/callback`);
    expect(flow.state.length).toBeGreaterThanOrEqual(32);
    expect(flow.cookie).not.toContain(flow.state);

    const before = exchangeCalls().length;
    const back = await landOnCallback(app, user, fakes.meta.login.consent(flow.location), flow.cookie);
    expect(back.statusCode).toBe(302);
    expect(uiOutcome(back)).toEqual({ path: '/connections', connected: 'meta' });
    expect(String(back.headers['set-cookie'])).toMatch(/^kpi_oauth=;/);
    // Code -> short-lived token, then fb_exchange_token -> long-lived token, both with the app secret.
    const [byCode, byExchange] = exchangeCalls().slice(before);
    expect(byCode?.url.searchParams.get('redirect_uri')).toBe(`${TEST_PUBLIC_URL}/api/oauth/callback`);
    expect(byExchange?.url.searchParams.get('grant_type')).toBe('fb_exchange_token');
    expect(fakes.meta.login.shortLivedTokens.has(byExchange?.url.searchParams.get('fb_exchange_token') ?? '')).toBe(true);

    const connection = await listed(user);
    expect(connection).toMatchObject({
      service: 'meta',
      mode: 'live',
      account_id: '4242',
      credential_kind: 'access_token',
      has_secret: true,
      status: 'ok',
    });
    expect(Date.parse(connection.token_expires_at) - Date.now()).toBeGreaterThan(SIXTY_DAYS_MS - 86_400_000);
    const row = await connectionOf(database, user.id, 'meta');
    const secret = box.open<{ accessToken: string }>(row?.secret ?? '', connectionAad(user.id, 'meta'));
    expect(fakes.meta.login.longLivedTokens.has(secret.accessToken)).toBe(true);
    const issued = [...fakes.meta.login.shortLivedTokens, ...fakes.meta.login.longLivedTokens];
    for (const text of [JSON.stringify(row), JSON.stringify(connection), back.body]) {
      for (const token of [...issued, fakes.meta.login.app.secret]) expect(text.includes(token)).toBe(false);
    }

    const run = await runScheduled(database, connectorRegistry(connectorDeps), {
      userId: user.id,
      service: 'meta',
      fireAt: '2026-08-10T06:00:00Z',
      until: '2026-08-10T06:05:00Z',
    });
    expect(run).toMatchObject({ status: 'succeeded', attempt: 1 });
    const insights = fakes.meta.server.requests.filter((r) => r.url.pathname === '/v26.0/act_4242/insights').at(-1);
    // The long-lived token is what the sync sends, in the Authorization header and never in the URL.
    expect(insights?.headers.authorization).toBe(`Bearer ${secret.accessToken}`);
    expect(insights?.url.searchParams.has('access_token')).toBe(false);
    expect((await snapshotsOf(database, user.id, 'meta')).find((row) => row.date === '2026-08-09')?.metrics).toMatchObject({
      spend: 12.5,
      conversions: 4,
    });
  });

  it('the user declines at Meta: the UI is sent a fixed code, and nothing is saved or exchanged', async () => {
    const user = await createTestUser(database, 'meta-deny');
    const flow = await startFlow(app, user, START);
    const before = exchangeCalls().length;
    const back = await landOnCallback(app, user, fakes.meta.login.consent(flow.location, 'deny'), flow.cookie);
    expect(uiOutcome(back)).toEqual({ path: '/connections', error: 'oauth_denied', target: 'meta' });
    // Any other error is one code: the provider's (or an attacker's) text never reaches the redirect.
    for (const error of ['server_error', 'Your account is locked, call +1 555 0100']) {
      const again = await startFlow(app, user, START);
      const url = withParam(fakes.meta.login.consent(again.location, 'deny'), 'error', error);
      const landed = await landOnCallback(app, user, url, again.cookie);
      expect(uiOutcome(landed)).toEqual({ path: '/connections', error: 'oauth_not_granted', target: 'meta' });
      expect(decodeURIComponent(String(landed.headers.location)).replace(/\+/g, ' ')).not.toMatch(/locked|555|server_error/);
    }
    expect(exchangeCalls().length).toBe(before);
    expect(await listed(user)).toMatchObject({ mode: 'sample', has_secret: false });
  });

  it('refuses a wrong, missing, expired or foreign state with 400 and exchanges nothing', async () => {
    const ana = await createTestUser(database, 'meta-ana');
    const eve = await createTestUser(database, 'meta-eve');
    const flow = await startFlow(app, ana, START);
    const back = fakes.meta.login.consent(flow.location);
    const evesFlow = await startFlow(app, eve, START);
    const before = exchangeCalls().length;
    const attempts: Array<[string, TestUser, string, string | undefined]> = [
      ['another state', ana, withParam(back, 'state', `${flow.state.slice(0, -1)}A`), flow.cookie],
      ['no state', ana, withParam(back, 'state', undefined), flow.cookie],
      ['a repeated state', ana, `${back}&state=${flow.state}`, flow.cookie],
      ['no cookie', ana, back, undefined],
      ['a forged cookie', ana, back, `${flow.cookie.slice(0, -4)}AAAA`],
      // Eve's own state and cookie, replayed with Ana's code: the state is sealed for Eve.
      ["eve's state, ana's code", ana, withParam(back, 'state', evesFlow.state), evesFlow.cookie],
      // Ana's state and cookie, used while signed in as Eve.
      ["ana's flow, eve signed in", eve, back, flow.cookie],
    ];
    for (const [what, user, url, cookie] of attempts) {
      const response = await landOnCallback(app, user, url, cookie);
      expect(expectRestError(response, 400).error.message, what).toMatch(/could not be verified/);
    }
    clockOffsetMs = 11 * 60_000;
    try {
      expectRestError(await landOnCallback(app, ana, back, flow.cookie), 400);
    } finally {
      clockOffsetMs = 0;
    }
    expect(exchangeCalls().length).toBe(before);
    expect(await listed(ana)).toMatchObject({ mode: 'sample' });
    expect(await listed(eve)).toMatchObject({ mode: 'sample' });
  });

  it('a replayed callback is refused by the server, with or without a copy of the cookie: Meta is not asked again', async () => {
    const user = await createTestUser(database, 'meta-replay');
    const flow = await startFlow(app, user, START);
    const back = fakes.meta.login.consent(flow.location);
    expect(uiOutcome(await landOnCallback(app, user, back, flow.cookie))).toMatchObject({ connected: 'meta' });
    const saved = (await connectionOf(database, user.id, 'meta'))?.secret;
    const before = exchangeCalls().length;

    expectRestError(await landOnCallback(app, user, back), 400);
    const replayed = await landOnCallback(app, user, back, flow.cookie);
    expect(expectRestError(replayed, 400).error.message).toMatch(/already used or has expired/);
    expect(exchangeCalls().length).toBe(before);
    expect((await connectionOf(database, user.id, 'meta'))?.secret).toBe(saved);
  });

  it('two callbacks racing with one state and cookie: exactly one is exchanged', async () => {
    const user = await createTestUser(database, 'meta-race');
    const flow = await startFlow(app, user, START);
    const back = fakes.meta.login.consent(flow.location);
    const before = exchangeCalls().length;
    const answers = await Promise.all(Array.from({ length: 5 }, () => landOnCallback(app, user, back, flow.cookie)));
    expect(answers.filter((answer) => answer.statusCode === 302).map(uiOutcome)).toEqual([
      { path: '/connections', connected: 'meta' },
    ]);
    expect(answers.filter((answer) => answer.statusCode === 400)).toHaveLength(4);
    // The code is traded for a short-lived token, then that for a long-lived one: one flow, two calls.
    expect(exchangeCalls().length - before).toBe(2);
  });

  it('a state is good for ten minutes of the app clock; expired rows are deleted when the next flow starts', async () => {
    const user = await createTestUser(database, 'meta-expiry');
    const stale = await startFlow(app, user, START);
    const pending = async () =>
      (await withService(database.db, (tx) => tx.select().from(oauthStates).where(eq(oauthStates.userId, user.id)))).length;
    expect(await pending()).toBe(1);
    clockOffsetMs = 10 * 60_000 + 1_000;
    try {
      await startFlow(app, user, START);
      // The stale row is gone; only the new flow is open.
      expect(await pending()).toBe(1);
      const late = await landOnCallback(app, user, fakes.meta.login.consent(stale.location), stale.cookie);
      expectRestError(late, 400);
    } finally {
      clockOffsetMs = 0;
    }
    // A user cannot fill the table: the oldest open flows beyond ten are forgotten.
    for (let i = 0; i < 12; i++) await startFlow(app, user, START);
    expect(await pending()).toBe(10);
  });

  it('start refuses an account id that is not an ad account id, before sending the browser anywhere', async () => {
    const user = await createTestUser(database, 'meta-bad-id');
    for (const accountId of ['', 'act_', '12x', 'https://evil.example', '1'.repeat(31)]) {
      const response = await app.inject({
        method: 'GET',
        url: `/api/connections/meta/oauth/start?account_id=${encodeURIComponent(accountId)}`,
        headers: user.auth,
      });
      expectRestError(response, 400);
      expect(response.headers.location, accountId).toBeUndefined();
      expect(response.headers['set-cookie'], accountId).toBeUndefined();
    }
  });
});
