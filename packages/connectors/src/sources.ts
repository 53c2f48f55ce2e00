import type { Service } from '@kpi/db';
import { ConnectorError, type Target } from './errors.ts';
import { type GoogleCall, ga4Kpis, runGa4Report } from './ga4.ts';
import { GOOGLE_SCOPES, googleAccessToken } from './google-auth.ts';
import type { HttpResponse } from './http.ts';
import type { KpiRow } from './kpi-rows.ts';
import { fetchMetaAccount, fetchMetaInsights, metaKpis } from './meta.ts';
import type { ConnectorSettings } from './settings.ts';
import { fetchShop, fetchShopifyOrders, type ShopifyCall, shopifyKpis } from './shopify.ts';
import { shopifyAccessToken } from './shopify-auth.ts';
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

/**
 * The fixed KPI row of one date. `date` is the run's date (the fire's calendar date in the schedule's
 * zone); each API reads it in its own reporting zone: Meta the ad account's, GA4 the property's,
 * Shopify the shop's `ianaTimezone`.
 */
export async function fetchKpis(
  service: Service,
  context: SourceContext,
  opened: OpenedConnection,
  date: string,
): Promise<KpiRow> {
  const { settings, signal } = context;
  const accountId = opened.row.accountId;
  if (service === 'meta') {
    const rows = await fetchMetaInsights(settings, { accountId, token: metaToken(opened), since: date, until: date, signal });
    const actions = opened.row.settings.conversionActionTypes;
    return metaKpis(rows, Array.isArray(actions) ? actions.map(String) : undefined);
  }
  if (service === 'ga4') {
    const call = googleCaller(context, opened.credential, opened.persist, 'source', GOOGLE_SCOPES.ga4);
    return ga4Kpis(await runGa4Report(settings, call, { propertyId: accountId, startDate: date, endDate: date, signal }));
  }
  const call = shopifyCaller(context, opened);
  const shop = await fetchShop(settings, call, accountId, signal);
  const orders = await fetchShopifyOrders(settings, call, { shop: accountId, date, timeZone: shop.ianaTimezone, signal });
  return shopifyKpis(orders, shop);
}

/** "Test connection": one cheap call, answered in plain words (throws a ConnectorError when it fails). */
export async function probeSource(service: Service, context: SourceContext, opened: OpenedConnection): Promise<string> {
  const { settings, signal } = context;
  const accountId = opened.row.accountId;
  if (service === 'meta') {
    const account = await fetchMetaAccount(settings, { accountId, token: metaToken(opened), signal });
    return `Connected to Meta ad account "${account.name ?? accountId}" (${account.currency ?? '?'}, ${account.timezone_name ?? 'unknown zone'}).`;
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
    return `Connected to GA4 property ${accountId} (${report.timeZone ?? 'unknown zone'}, ${report.currencyCode ?? '?'}).`;
  }
  const shop = await fetchShop(settings, shopifyCaller(context, opened), accountId, signal);
  return `Connected to Shopify shop "${shop.name}" (${shop.currencyCode}, ${shop.ianaTimezone}).`;
}
