import type { HttpResponse } from './http.ts';
import type { Provider } from './provider-slots.ts';
import { paceForUsage, type QuotaHint } from './quota-pacing.ts';

/**
 * How one HTTP call draws on the budgets: the provider's slot it holds, the quota keys it waits on, and
 * how its answer updates them. Built by each client for its call; see provider-gate.ts.
 */
export type BudgetedCall = {
  provider: Provider;
  keys: string[];
  /** What the answer says about the quotas; `now` is the pacing's clock (epoch ms). */
  quota?: (response: HttpResponse, now: number) => QuotaHint[];
};

type Usage = { call_count?: unknown; total_cputime?: unknown; total_time?: unknown; estimated_time_to_regain_access?: unknown };

const percentOf = (usage: Usage): number =>
  Math.max(0, ...[usage.call_count, usage.total_cputime, usage.total_time].map((value) => Number(value) || 0));

function parseHeader<T>(headers: Headers, name: string): T | undefined {
  const text = headers.get(name);
  if (!text) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}

/**
 * Meta sends its usage on every answer, as percentages of the budget used over the last hour:
 * `x-app-usage` for the app (all our users together) and `x-business-use-case-usage` per ad account or
 * business, whose `estimated_time_to_regain_access` (minutes) says how long a blocked one waits;
 * `x-ad-account-usage` (`acc_id_util_pct`, `reset_time_duration` in seconds) where Graph still sends it.
 */
export function metaBudget(accountId: string): BudgetedCall {
  return {
    provider: 'meta',
    keys: ['meta:app', `meta:${accountId}`],
    quota: ({ headers }) => {
      const hints: QuotaHint[] = [];
      const app = parseHeader<Usage>(headers, 'x-app-usage');
      if (app && typeof app === 'object') hints.push({ key: 'meta:app', waitMs: paceForUsage(percentOf(app)), paced: true });
      const business = parseHeader<Record<string, Usage[]>>(headers, 'x-business-use-case-usage');
      for (const [id, entries] of Object.entries(business ?? {})) {
        for (const entry of Array.isArray(entries) ? entries : []) {
          const regainMinutes = Number(entry.estimated_time_to_regain_access) || 0;
          hints.push({ key: `meta:${id}`, waitMs: paceForUsage(percentOf(entry)), paced: true });
          if (regainMinutes > 0) hints.push({ key: `meta:${id}`, waitMs: regainMinutes * 60_000 });
        }
      }
      // Older Graph versions' per-account figure, still seen: a percentage, and seconds until it resets.
      const account = parseHeader<{ acc_id_util_pct?: unknown; reset_time_duration?: unknown }>(headers, 'x-ad-account-usage');
      if (account && typeof account === 'object') {
        const percent = Number(account.acc_id_util_pct) || 0;
        hints.push({ key: `meta:${accountId}`, waitMs: paceForUsage(percent), paced: true });
        const resetSeconds = Number(account.reset_time_duration) || 0;
        if (percent >= 100 && resetSeconds > 0) hints.push({ key: `meta:${accountId}`, waitMs: resetSeconds * 1000 });
      }
      return hints;
    },
  };
}

type QuotaStatus = { consumed?: number; remaining?: number };
type PropertyQuota = Record<string, QuotaStatus | undefined>;

/**
 * GA4 answers `propertyQuota` when asked (`returnPropertyQuota: true`): consumed and remaining of each
 * of the property's token and request quotas. A quota used up entirely waits until it resets: the
 * daily one at midnight Pacific time, the hourly ones at the next hour.
 */
export function ga4Budget(propertyId: string): BudgetedCall {
  const key = `ga4:${propertyId}`;
  return {
    provider: 'google',
    keys: [key],
    quota: ({ body }, now) => {
      const quota = (body as { propertyQuota?: PropertyQuota } | undefined)?.propertyQuota;
      if (!quota || typeof quota !== 'object') return [];
      let paceMs = 0;
      let resetMs = 0;
      for (const [name, status] of Object.entries(quota)) {
        const consumed = Number(status?.consumed) || 0;
        const remaining = Number(status?.remaining);
        if (!Number.isFinite(remaining) || consumed + remaining <= 0) continue;
        // A concurrent-request quota frees itself as requests end; the slot cap is what bounds it.
        if (name === 'concurrentRequests') continue;
        if (remaining <= 0) resetMs = Math.max(resetMs, untilReset(name, now));
        paceMs = Math.max(paceMs, paceForUsage((consumed / (consumed + remaining)) * 100));
      }
      return [
        { key, waitMs: paceMs, paced: true },
        { key, waitMs: resetMs },
      ];
    },
  };
}

function untilReset(quotaName: string, now: number): number {
  if (quotaName === 'tokensPerDay') return untilPacificMidnight(now);
  const hour = 3_600_000;
  return Math.ceil(now / hour) * hour - now;
}

function untilPacificMidnight(now: number): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: 'America/Los_Angeles',
    hourCycle: 'h23',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  }).formatToParts(new Date(now));
  const part = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const elapsed = ((part('hour') * 60 + part('minute')) * 60 + part('second')) * 1000;
  return 86_400_000 - elapsed;
}

/** Sheets answers no quota figures; its calls only hold the Google project's slot. */
export const sheetsBudget: BudgetedCall = { provider: 'google', keys: [] };

type Cost = {
  requestedQueryCost?: number;
  throttleStatus?: { maximumAvailable?: number; currentlyAvailable?: number; restoreRate?: number };
};

/**
 * Shopify's leaky bucket is in every answer (`extensions.cost`): the next query waits until the bucket
 * holds what the last one asked for, (requested - currentlyAvailable) / restoreRate seconds, instead of
 * being THROTTLED for it; while it is short, queries of the shop go that far apart.
 */
export function shopifyBudget(shop: string): BudgetedCall {
  const key = `shopify:${shop}`;
  return {
    provider: 'shopify',
    keys: [key],
    quota: ({ body }) => {
      const cost = (body as { extensions?: { cost?: Cost } } | undefined)?.extensions?.cost;
      const requested = Number(cost?.requestedQueryCost) || 0;
      const available = Number(cost?.throttleStatus?.currentlyAvailable);
      const rate = Number(cost?.throttleStatus?.restoreRate) || 0;
      if (!cost || !Number.isFinite(available) || rate <= 0) return [];
      // Short of points, this shop's queries go the deficit's refill time apart; a full enough bucket ends that.
      return [{ key, waitMs: requested > available ? Math.ceil(((requested - available) / rate) * 1000) : 0, paced: true }];
    },
  };
}
