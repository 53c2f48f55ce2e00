import type { Service } from '@kpi/db';
import { fromCompactDate } from './dates.ts';
import { ConnectorError, type Target } from './errors.ts';
import { type GoogleCall, ga4Kpis, runGa4Report } from './ga4.ts';
import { GOOGLE_SCOPES, googleAccessToken } from './google-auth.ts';
import type { HttpResponse } from './http.ts';
import { fetchMetaAccount, fetchMetaInsights, metaKpis } from './meta.ts';
import { dateInZone, eachDay } from './report-days.ts';
import type { ConnectorSettings } from './settings.ts';
import { fetchShop, fetchShopifyOrders, type ShopifyCall, shopifyKpis } from './shopify.ts';
import { shopifyAccessToken } from './shopify-auth.ts';
import type { DayFigures } from './snapshots.ts';
import type { CredentialState, OpenedConnection, PersistCredential } from './store.ts';

export type SourceContext = { settings: ConnectorSettings; now: Date; signal?: AbortSignal };

/** Bearer calls to a Google API: on a 401 the token is refreshed once and the call repeated. */
export function googleCaller(
  context: SourceContext,
  credential: CredentialState,
  persist: PersistCredential,
  target: Target,
  scope: string,
): GoogleCall {
  const options = { target, scope, now: context.now, signal: context.signal };
  return async (send: (token: string) => Promise<HttpResponse>) => {
    const response = await send(await googleAccessToken(context.settings, credential, persist, options));
    if (response.status !== 401) return response;
    return send(await googleAccessToken(context.settings, credential, persist, { ...options, force: true }));
  };
}

function shopifyCaller(context: SourceContext, opened: OpenedConnection): ShopifyCall {
  const shop = opened.row.accountId;
  const options = { now: context.now, signal: context.signal };
  return async (send) => {
    const response = await send(await shopifyAccessToken(context.settings, shop, opened.credential, opened.persist, options));
    if (response.status !== 401 || opened.credential.kind !== 'oauth_refresh') return response;
    return send(await shopifyAccessToken(context.settings, shop, opened.credential, opened.persist, { ...options, force: true }));
  };
}

function metaToken(opened: OpenedConnection): string {
  const token = opened.credential.secret.accessToken;
  if (typeof token !== 'string' || !token)
    throw new ConnectorError('The Meta connection has no access token', 'config', 'source');
  return token;
}

export type DayRange = { from: string; to: string };

/**
 * The fixed KPI row of every day of `range` (source days, both ends included), in one range query
 * where the API has one: Meta insights with time_increment=1 over a time_range, GA4 runReport with the
 * date dimension over one dateRange, Shopify's orders query over a created_at range (paged). A day the
 * source has no data for is zeros. Each API reads the dates in its own reporting zone; for Shopify
 * `timeZone` (the shop's) places each order on its day.
 */
export async function fetchKpiDays(
  service: Service,
  context: SourceContext,
  opened: OpenedConnection,
  range: DayRange,
): Promise<DayFigures[]> {
  const { settings, signal } = context;
  const accountId = opened.row.accountId;
  const days = eachDay(range.from, range.to);
  if (service === 'meta') {
    const rows = await fetchMetaInsights(settings, {
      accountId,
      token: metaToken(opened),
      since: range.from,
      until: range.to,
      signal,
    });
    const actions = opened.row.settings.conversionActionTypes;
    const wanted = Array.isArray(actions) ? actions.map(String) : undefined;
    return days.map((date) => ({
      date,
      metrics: metaKpis(
        rows.filter((row) => row.date_start === date),
        wanted,
      ),
    }));
  }
  if (service === 'ga4') {
    const call = googleCaller(context, opened.credential, opened.persist, 'source', GOOGLE_SCOPES.ga4);
    const report = await runGa4Report(settings, call, {
      propertyId: accountId,
      startDate: range.from,
      endDate: range.to,
      signal,
    });
    return days.map((date) => ({
      date,
      metrics: ga4Kpis({ ...report, rows: report.rows.filter((row) => fromCompactDate(row.date ?? '') === date) }),
    }));
  }
  const call = shopifyCaller(context, opened);
  const shop = await fetchShop(settings, call, accountId, signal);
  const orders = await fetchShopifyOrders(settings, call, { shop: accountId, ...range, timeZone: shop.ianaTimezone, signal });
  return days.map((date) => ({
    date,
    metrics: shopifyKpis(
      orders.filter((order) => dateInZone(new Date(order.createdAt), shop.ianaTimezone) === date),
      shop,
    ),
  }));
}

/**
 * The IANA zone the source reports its days in: the Meta ad account's `timezone_name`, the GA4
 * property's `timeZone` (runReport's metadata, from a one-row report), the Shopify shop's
 * `ianaTimezone`. Undefined when the source names none or names one this runtime does not know.
 */
export async function sourceTimezone(
  service: Service,
  context: SourceContext,
  opened: OpenedConnection,
): Promise<string | undefined> {
  return knownZone((await describeSource(service, context, opened)).timezone);
}

function knownZone(zone: string | undefined): string | undefined {
  if (!zone) return undefined;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return zone;
  } catch {
    return undefined;
  }
}

/** One cheap call naming the account, its currency and its zone (throws a ConnectorError when it fails). */
async function describeSource(
  service: Service,
  context: SourceContext,
  opened: OpenedConnection,
): Promise<{ message: string; timezone?: string }> {
  const { settings, signal } = context;
  const accountId = opened.row.accountId;
  if (service === 'meta') {
    const account = await fetchMetaAccount(settings, { accountId, token: metaToken(opened), signal });
    return {
      message: `Connected to Meta ad account "${account.name ?? accountId}" (${account.currency ?? '?'}, ${account.timezone_name ?? 'unknown zone'}).`,
      timezone: account.timezone_name,
    };
  }
  if (service === 'ga4') {
    const call = googleCaller(context, opened.credential, opened.persist, 'source', GOOGLE_SCOPES.ga4);
    const report = await runGa4Report(settings, call, {
      propertyId: accountId,
      startDate: 'yesterday',
      endDate: 'yesterday',
      metrics: ['sessions'],
      pageSize: 1,
      signal,
    });
    return {
      message: `Connected to GA4 property ${accountId} (${report.timeZone ?? 'unknown zone'}, ${report.currencyCode ?? '?'}).`,
      timezone: report.timeZone,
    };
  }
  const shop = await fetchShop(settings, shopifyCaller(context, opened), accountId, signal);
  return {
    message: `Connected to Shopify shop "${shop.name}" (${shop.currencyCode}, ${shop.ianaTimezone}).`,
    timezone: shop.ianaTimezone,
  };
}

/** "Test connection": the account described in plain words, and the zone it reports in (when known). */
export async function probeSource(
  service: Service,
  context: SourceContext,
  opened: OpenedConnection,
): Promise<{ message: string; timezone?: string }> {
  const described = await describeSource(service, context, opened);
  const timezone = knownZone(described.timezone);
  return { message: described.message, ...(timezone ? { timezone } : {}) };
}
