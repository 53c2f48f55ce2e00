// The sources' own quota signals slow the next call down before the source refuses it. The clients run
// against the fakes through a gate with a fake clock: a pause advances the clock and records how long it
// was and how many requests the fake had seen by then (so the next call provably waited).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConnectorError } from '../src/errors.ts';
import { runGa4Report } from '../src/ga4.ts';
import { type HttpResponse, pause } from '../src/http.ts';
import { fetchMetaInsights } from '../src/meta.ts';
import { providerGate } from '../src/provider-gate.ts';
import { QuotaPacing } from '../src/quota-pacing.ts';
import type { ConnectorSettings } from '../src/settings.ts';
import { fetchShop, fetchShopifyOrders } from '../src/shopify.ts';
import type { FakeServer } from './fakes/http-fake.ts';
import { type Fakes, fakeSettings, startFakes } from './support.ts';

const META_TOKEN = 'EAAG-meta-quota-token-0001';
const GOOGLE_TOKEN = 'ya29.fake-quota-access-token';
const SHOP = 'quota-shop.myshopify.com';
const SHOP_TOKEN = 'shpat_quota_token_0001';

describe('quota signals', () => {
  let fakes: Fakes;
  let now: number;
  let pauses: Array<{ ms: number; requestsSeen: number }>;
  let watched: FakeServer;
  let settings: ConnectorSettings;

  beforeAll(async () => {
    fakes = await startFakes();
    fakes.meta.tokens.add(META_TOKEN);
    fakes.google.accessTokens.add(GOOGLE_TOKEN);
    fakes.shopify.tokens.add(SHOP_TOKEN);
  });
  beforeEach(() => {
    now = Date.parse('2026-08-11T12:00:00Z');
    pauses = [];
    const pacing = new QuotaPacing({
      now: () => now,
      sleep: async (ms) => {
        pauses.push({ ms, requestsSeen: watched.requests.length });
        now += ms;
      },
    });
    settings = { ...fakeSettings(fakes), gate: providerGate({ pacing }) };
    fakes.meta.usage = {};
  });
  afterAll(() => fakes?.close());

  const insights = (accountId = '1234567890') =>
    fetchMetaInsights(settings, { accountId, token: META_TOKEN, since: '2026-08-10', until: '2026-08-10' });
  const googleCall = (send: (token: string) => Promise<HttpResponse>) => send(GOOGLE_TOKEN);
  const report = () =>
    runGa4Report(settings, googleCall, { propertyId: '987654', startDate: '2026-08-10', endDate: '2026-08-10' });

  describe('Meta usage headers', () => {
    beforeEach(() => {
      watched = fakes.meta.server;
      watched.requests.length = 0;
    });

    it('an app at 90 % of its budget (x-app-usage) makes the next call wait 60 % of a minute', async () => {
      fakes.meta.usage = { app: { call_count: 90, total_cputime: 20, total_time: 35 } };
      await insights();
      expect(pauses).toEqual([]);
      await insights();
      // The pause came before the second request reached the fake.
      expect(pauses).toEqual([{ ms: 36_000, requestsSeen: 1 }]);
      expect(watched.requests).toHaveLength(2);
      // App usage is every account's: another ad account waits too.
      await insights('555');
      expect(pauses.map((pause) => pause.ms)).toEqual([36_000, 36_000]);
    });

    it('callers waiting together on a paced quota leave one pace apart, not all at once', async () => {
      fakes.meta.usage = { app: { call_count: 90, total_cputime: 20, total_time: 35 } };
      await insights();
      const start = now;
      await Promise.all([insights('1'), insights('2'), insights('3')]);
      // The fake clock moves on by each pause: the three calls went 36 s apart.
      let at = start;
      const wokeAfter = pauses.map((pause) => {
        at += pause.ms;
        return at - start;
      });
      expect(wokeAfter).toEqual([36_000, 72_000, 108_000]);
    });

    it('usage back under the threshold ends the pacing at once', async () => {
      fakes.meta.usage = { app: { call_count: 90, total_cputime: 20, total_time: 35 } };
      await insights();
      fakes.meta.usage = { app: { call_count: 40, total_cputime: 20, total_time: 35 } };
      await insights();
      await insights();
      expect(pauses.map((pause) => pause.ms)).toEqual([36_000]);
    });

    it('below 75 % nothing waits', async () => {
      fakes.meta.usage = {
        app: { call_count: 50, total_cputime: 74, total_time: 10 },
        account: { call_count: 60, total_cputime: 10, total_time: 10, estimated_time_to_regain_access: 0 },
      };
      await insights();
      await insights();
      expect(pauses).toEqual([]);
    });

    it("the ad account's estimated_time_to_regain_access is waited out, for that account only", async () => {
      fakes.meta.usage = {
        account: { call_count: 100, total_cputime: 40, total_time: 40, estimated_time_to_regain_access: 2 },
      };
      await insights();
      fakes.meta.usage = {};
      await insights('555');
      expect(pauses).toEqual([]);
      await insights();
      expect(pauses).toEqual([{ ms: 120_000, requestsSeen: 2 }]);
    });

    it('x-ad-account-usage at 100 % waits its reset_time_duration', async () => {
      fakes.meta.usage = { adAccount: { acc_id_util_pct: 100, reset_time_duration: 90 } };
      await insights();
      await insights();
      expect(pauses).toEqual([{ ms: 90_000, requestsSeen: 1 }]);
    });

    it('a wait longer than a run should sit out fails the run as rate-limited, with the wait as its retry hint', async () => {
      fakes.meta.usage = {
        account: { call_count: 100, total_cputime: 100, total_time: 100, estimated_time_to_regain_access: 10 },
      };
      await insights();
      const error = await insights().catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ConnectorError);
      expect(error).toMatchObject({ failure: 'rate_limited', options: { retryable: true, retryAfterMs: 600_000 } });
      expect(watched.requests).toHaveLength(1);
      expect(pauses).toEqual([]);
    });
  });

  it("a quota wait ends with the run's signal (a real timer, aborted after 50 ms)", async () => {
    const pacing = new QuotaPacing({ sleep: pause });
    pacing.hold([{ key: 'meta:app', waitMs: 60_000 }]);
    const started = Date.now();
    await expect(pacing.before('meta', ['meta:app'], AbortSignal.timeout(50))).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  describe('Shopify throttle status', () => {
    beforeEach(() => {
      watched = fakes.shopify.server;
      watched.requests.length = 0;
      fakes.shopify.orders.length = 0;
      fakes.shopify.orders.push(
        { createdAt: '2026-08-10T10:00:00-04:00', amount: '10.00' },
        { createdAt: '2026-08-10T11:00:00-04:00', amount: '20.00' },
        { createdAt: '2026-08-10T12:00:00-04:00', amount: '30.00' },
      );
      fakes.shopify.pageSize = 2;
    });
    const call = (send: (token: string) => Promise<HttpResponse>) => send(SHOP_TOKEN);

    it('a bucket holding less than the last query cost waits (requested - available) / restoreRate', async () => {
      fakes.shopify.bucket = { ordersCost: 252, available: 52 };
      fakes.shopify.throttle.restoreRate = 100;
      const shop = await fetchShop(settings, call, SHOP);
      const orders = await fetchShopifyOrders(settings, call, {
        shop: SHOP,
        from: '2026-08-10',
        to: '2026-08-10',
        timeZone: shop.ianaTimezone,
      });
      expect(orders).toHaveLength(3);
      // shop (cost 1 of 1999: no wait), orders page 1 (252 wanted, 52 left: 2 s), then page 2.
      expect(pauses).toEqual([{ ms: 2_000, requestsSeen: 2 }]);
      expect(watched.requests).toHaveLength(3);
    });

    it('a full enough bucket does not wait', async () => {
      fakes.shopify.bucket = { ordersCost: 252, available: 1748 };
      await fetchShopifyOrders(settings, call, {
        shop: SHOP,
        from: '2026-08-10',
        to: '2026-08-10',
        timeZone: 'America/New_York',
      });
      expect(pauses).toEqual([]);
    });
  });

  describe('GA4 propertyQuota', () => {
    beforeEach(() => {
      watched = fakes.google.server;
      watched.requests.length = 0;
      fakes.google.propertyQuota = {
        tokensPerDay: { consumed: 1_000, remaining: 199_000 },
        tokensPerHour: { consumed: 1_000, remaining: 39_000 },
        concurrentRequests: { consumed: 0, remaining: 10 },
      };
    });

    it('asks for the quota, and 90 % of the hourly tokens used makes the next report wait', async () => {
      fakes.google.propertyQuota.tokensPerHour = { consumed: 36_000, remaining: 4_000 };
      await report();
      expect(JSON.parse(watched.requests[0]?.body ?? '{}')).toMatchObject({ returnPropertyQuota: true });
      await report();
      expect(pauses).toEqual([{ ms: 36_000, requestsSeen: 1 }]);
    });

    it('the daily tokens used up defer the run to midnight Pacific time, when Google resets them', async () => {
      fakes.google.propertyQuota.tokensPerDay = { consumed: 200_000, remaining: 0 };
      await report();
      const error = await report().catch((caught: unknown) => caught);
      // 12:00Z on 11 August is 05:00 in Los Angeles (PDT): 19 hours to midnight there.
      expect(error).toMatchObject({ failure: 'rate_limited', options: { retryAfterMs: 19 * 3_600_000 } });
      expect(watched.requests).toHaveLength(1);
    });

    it('the hourly tokens used up wait for the next hour', async () => {
      now += 20 * 60_000;
      fakes.google.propertyQuota.tokensPerHour = { consumed: 40_000, remaining: 0 };
      await report();
      const error = await report().catch((caught: unknown) => caught);
      // 12:20Z: the hourly quota comes back at 13:00Z, 40 minutes on (longer than a run sits out).
      expect(error).toMatchObject({ failure: 'rate_limited', options: { retryAfterMs: 40 * 60_000 } });
      expect(watched.requests).toHaveLength(1);
    });

    it('plenty of quota left: no wait', async () => {
      await report();
      await report();
      expect(pauses).toEqual([]);
    });
  });
});
