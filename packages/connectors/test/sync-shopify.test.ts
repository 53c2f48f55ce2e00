import { BACKENDS, openTestDatabase, type TestDatabase } from '@kpi/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { connectorRegistry } from '../src/handler.ts';
import { connectionAad } from '../src/secrets.ts';
import {
  connectionOf,
  createUser,
  type Fakes,
  fakeSettings,
  runScheduled,
  saveConnection,
  saveSheet,
  snapshotsOf,
  startFakes,
  testBox,
} from './support.ts';

const SHOP = 'fake-store.myshopify.com';
const TOKEN = 'shpat_custom_app_token_PLAINTEXT_0002';

describe.each(BACKENDS)('Shopify connector through the scheduler on %s', (backend) => {
  let database: TestDatabase;
  let fakes: Fakes;
  const box = testBox();

  beforeAll(async () => {
    database = await openTestDatabase(backend);
    fakes = await startFakes();
    fakes.shopify.tokens.add(TOKEN);
    fakes.shopify.pageSize = 2;
    // The shop is in New York: 10 August there runs from 04:00Z on the 10th to 04:00Z on the 11th.
    fakes.shopify.orders.push(
      { createdAt: '2026-08-10T03:59:59Z', amount: '999.00' }, // 9 August in New York
      { createdAt: '2026-08-10T04:00:00Z', amount: '10.50' },
      { createdAt: '2026-08-10T12:00:00Z', amount: '20.25' },
      { createdAt: '2026-08-10T18:30:00Z', amount: '30.00' },
      { createdAt: '2026-08-11T01:00:00Z', amount: '40.10' },
      { createdAt: '2026-08-11T03:59:00Z', amount: '0.05' },
      { createdAt: '2026-08-11T04:00:00Z', amount: '555.00' }, // 11 August in New York
    );
  });
  beforeEach(() => {
    fakes.shopify.mode = 'ok';
    fakes.shopify.modeTimes = undefined;
    fakes.shopify.throttle = { requested: 752, available: 252, restoreRate: 100 };
    waits.length = 0;
  });
  afterAll(async () => {
    await fakes?.close();
    await database?.dispose();
  });

  // The in-run throttle waits, recorded instead of slept.
  const waits: number[] = [];
  const sleep = async (ms: number) => void waits.push(ms);
  const registry = () => connectorRegistry({ settings: { ...fakeSettings(fakes), sleep }, box });
  const connect = async () => {
    const userId = await createUser(database);
    await saveConnection(database, box, {
      userId,
      service: 'shopify',
      accountId: SHOP,
      kind: 'access_token',
      secret: { accessToken: TOKEN },
    });
    return userId;
  };
  const at = { fireAt: '2026-08-10T06:00:00Z', until: '2026-08-10T06:05:00Z' };
  // A fire on the 11th reports the last complete day, the 10th.
  const reportsTenth = { fireAt: '2026-08-11T06:00:00Z', until: '2026-08-11T06:05:00Z' };

  it('pages through the lookback days’ orders in the shop’s time zone, one row per day, also on a rerun', async () => {
    const userId = await connect();
    fakes.sheets.addSpreadsheet(`shop-${userId}`, ['Shopify']);
    await saveSheet(database, box, userId, `shop-${userId}`, fakes.google.issueRefreshToken());
    const before = fakes.shopify.server.requests.length;
    const run = await runScheduled(database, registry(), { userId, service: 'shopify', ...reportsTenth });
    expect(run).toMatchObject({ status: 'succeeded' });
    // A shop query learns the zone (the connection was never tested), one more for the sync's currency,
    // then the 8th to the 10th (Shopify's lookback of 3 days) in one orders query: 6 orders at 2 a page.
    expect(fakes.shopify.server.requests.length - before).toBe(5);
    expect((await connectionOf(database, userId, 'shopify'))?.timezone).toBe('America/New_York');
    const days = await snapshotsOf(database, userId, 'shopify');
    expect(days.map((day) => [day.date, day.metrics.orders])).toEqual([
      ['2026-08-08', 0],
      ['2026-08-09', 1],
      ['2026-08-10', 5],
    ]);
    expect(days[2]).toMatchObject({
      date: '2026-08-10',
      source: 'shopify_admin',
      metrics: { orders: 5, gross_sales: 100.9, currency: 'CAD' },
    });
    await runScheduled(database, registry(), { userId, service: 'shopify', ...reportsTenth });
    expect(await snapshotsOf(database, userId, 'shopify')).toHaveLength(3);
    expect(fakes.sheets.grid(`shop-${userId}`, 'Shopify')).toHaveLength(4);
  });

  it('refreshes an expiring offline token and persists the rotated refresh token', async () => {
    const userId = await createUser(database);
    const refreshToken = fakes.shopify.issueRefreshToken();
    await saveConnection(database, box, {
      userId,
      service: 'shopify',
      accountId: SHOP,
      kind: 'oauth_refresh',
      secret: { accessToken: 'shpat_expired', refreshToken },
      tokenExpiresAt: new Date(Date.now() - 60_000),
    });
    const run = await runScheduled(database, registry(), { userId, service: 'shopify', ...at });
    expect(run.status).toBe('succeeded');
    const row = await connectionOf(database, userId, 'shopify');
    const secret = box.open<{ refreshToken: string; accessToken: string }>(row?.secret ?? '', connectionAad(userId, 'shopify'));
    expect(secret.refreshToken).not.toBe(refreshToken);
    expect(fakes.shopify.refreshTokens.has(secret.refreshToken)).toBe(true);
    expect(fakes.shopify.tokens.has(secret.accessToken)).toBe(true);
  });

  it('a short THROTTLED is waited out inside the run: one run, one attempt, succeeded', async () => {
    const userId = await connect();
    fakes.shopify.mode = 'throttled';
    fakes.shopify.modeTimes = 1;
    const queries = () => fakes.shopify.server.requests.filter((r) => r.url.pathname.endsWith('/graphql.json')).length;
    const before = queries();
    const run = await runScheduled(database, registry(), { userId, service: 'shopify', ...reportsTenth });
    expect(run).toMatchObject({ status: 'succeeded', attempt: 1, error: null });
    // (752 - 252) / 100 = 5 seconds, then the same shop query again, the sync's shop query, the 3 order pages.
    expect(waits).toEqual([5000]);
    expect(queries() - before).toBe(6);
    expect((await snapshotsOf(database, userId, 'shopify')).find((day) => day.date === '2026-08-10')?.metrics).toMatchObject({
      orders: 5,
    });
  });

  it('a long THROTTLED, or one that outlasts a few short waits, goes back to the scheduler with the wait as its hint', async () => {
    let userId = await connect();
    fakes.shopify.mode = 'throttled';
    // (752 - 252) / 40 = 12.5 seconds: over the 10 s waited inside a run.
    fakes.shopify.throttle = { requested: 752, available: 252, restoreRate: 40 };
    let run = await runScheduled(database, registry(), {
      userId,
      service: 'shopify',
      fireAt: at.fireAt,
      until: '2026-08-10T06:00:01Z',
    });
    expect(run).toMatchObject({
      status: 'queued',
      attempt: 1,
      error_class: 'RateLimited',
      run_after: '2026-08-10T06:00:12.500Z',
    });
    expect(waits).toEqual([]);

    userId = await connect();
    fakes.shopify.throttle = { requested: 752, available: 252, restoreRate: 100 };
    run = await runScheduled(database, registry(), {
      userId,
      service: 'shopify',
      fireAt: at.fireAt,
      until: '2026-08-10T06:00:01Z',
    });
    expect(waits).toEqual([5000, 5000, 5000]);
    expect(run).toMatchObject({
      status: 'queued',
      attempt: 1,
      error_class: 'RateLimited',
      run_after: '2026-08-10T06:00:05.000Z',
    });
  });

  it('INTERNAL_SERVER_ERROR goes back to the scheduler’s retry; the connection stays ok', async () => {
    const userId = await connect();
    fakes.shopify.mode = 'internal';
    const run = await runScheduled(database, registry(), { userId, service: 'shopify', ...at });
    expect(run).toMatchObject({ status: 'queued', error_class: 'Transient', run_after: '2026-08-10T06:10:00.000Z' });
    expect(waits).toEqual([]);
    expect((await connectionOf(database, userId, 'shopify'))?.status).toBe('ok');
  });

  it('401 marks needs_reauth; ACCESS_DENIED is a permission error; 402 and 423 fail without retry', async () => {
    const cases = [
      ['401', 'failed', 'AuthExpired', 'needs_reauth'],
      ['access-denied', 'failed', 'PermissionDenied', 'error'],
      ['402', 'failed', 'InvalidConfig', 'error'],
      ['423', 'failed', 'InvalidConfig', 'error'],
    ] as const;
    for (const [mode, status, errorClass, connectionStatus] of cases) {
      const userId = await connect();
      fakes.shopify.mode = mode;
      const run = await runScheduled(database, registry(), {
        userId,
        service: 'shopify',
        fireAt: at.fireAt,
        until: '2026-08-10T07:00:00Z',
      });
      expect(run, mode).toMatchObject({ status, attempt: 1, error_class: errorClass });
      expect((await connectionOf(database, userId, 'shopify'))?.status, mode).toBe(connectionStatus);
      if (mode === 'access-denied') {
        // A public or Partner app is denied orders without protected customer data approval, scope or not.
        expect(run.error).toMatch(/read_orders scope/);
        expect(run.error).toMatch(/approval for protected customer data/);
      }
    }
  });
});
