import { nextDate, startOfDayIso } from './dates.ts';
import { ConnectorError } from './errors.ts';
import { type HttpResponse, httpRequest, pause, retryAfterHeader } from './http.ts';
import { type KpiRow, sumMoney } from './kpi-rows.ts';
import { shopifyBudget } from './quota-signals.ts';
import { type ConnectorSettings, shopBaseUrl } from './settings.ts';

type Cost = {
  requestedQueryCost?: number;
  actualQueryCost?: number | null;
  throttleStatus?: { maximumAvailable?: number; currentlyAvailable?: number; restoreRate?: number };
};
type GraphqlError = { message?: string; extensions?: { code?: string } };
// REST-style failures (401, 402, 423) answer `{"errors": "<text>"}`, a malformed request (400)
// `{"errors": {"query": "<text>"}}`; GraphQL failures answer an array.
type GraphqlAnswer<T> = {
  data?: T;
  errors?: GraphqlError[] | string | Record<string, unknown>;
  extensions?: { cost?: Cost };
};
type Money = { amount: string; currencyCode: string };
type OrdersPage = {
  orders: {
    nodes: Array<{ id: string; createdAt: string; totalPriceSet: { shopMoney: Money } }>;
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  };
};
export type ShopInfo = { name: string; ianaTimezone: string; currencyCode: string };

const ORDERS_QUERY = `query($q:String!,$after:String){ orders(first:250, after:$after, query:$q){
  nodes{ id createdAt totalPriceSet{shopMoney{amount currencyCode}} }
  pageInfo{ hasNextPage endCursor } } }`;
const SHOP_QUERY = '{ shop { name ianaTimezone currencyCode } }';

/**
 * The leaky bucket refills at restoreRate points a second (100 to 2000 by plan) and a query costs at most
 * 1000, so a throttle usually clears in seconds: wait that out inside the run and repeat the query rather
 * than spend one of the run's attempts on it. A longer wait, or a bucket still empty after a few waits,
 * goes back to the scheduler with the wait as its retry hint.
 */
const IN_RUN_THROTTLE_MAX_MS = 10_000;
const IN_RUN_THROTTLE_WAITS = 3;

export type ShopifyCall = (send: (token: string) => Promise<HttpResponse>) => Promise<HttpResponse>;

async function graphql<T>(
  settings: ConnectorSettings,
  call: ShopifyCall,
  shop: string,
  query: string,
  variables: object,
  signal?: AbortSignal,
): Promise<T> {
  const url = `${shopBaseUrl(settings, shop)}/admin/api/${settings.shopifyApiVersion}/graphql.json`;
  for (let waits = 0; ; waits++) {
    const response = await call((token) =>
      httpRequest(settings, url, {
        method: 'POST',
        headers: { 'x-shopify-access-token': token, 'content-type': 'application/json' },
        body: JSON.stringify({ query, variables }),
        target: 'source',
        signal,
        budget: shopifyBudget(shop),
      }),
    );
    const body = (typeof response.body === 'object' ? response.body : {}) as GraphqlAnswer<T>;
    if (response.status === 200 && graphqlErrors(body.errors).length === 0 && body.data) return body.data;
    const error = classifyShopifyError(response, body);
    const wait = error.failure === 'rate_limited' ? error.options.retryAfterMs : undefined;
    if (wait === undefined || wait > IN_RUN_THROTTLE_MAX_MS || waits >= IN_RUN_THROTTLE_WAITS) throw error;
    await (settings.sleep ?? pause)(wait, signal);
  }
}

export async function fetchShop(
  settings: ConnectorSettings,
  call: ShopifyCall,
  shop: string,
  signal?: AbortSignal,
): Promise<ShopInfo> {
  return (await graphql<{ shop: ShopInfo }>(settings, call, shop, SHOP_QUERY, {}, signal)).shop;
}

/**
 * Orders created from the start of `from` to the end of `to` in the shop's own time zone, page by page
 * (250 a page, cursor-based): one query for the whole range.
 */
export async function fetchShopifyOrders(
  settings: ConnectorSettings,
  call: ShopifyCall,
  options: { shop: string; from: string; to: string; timeZone: string; signal?: AbortSignal },
): Promise<OrdersPage['orders']['nodes']> {
  const q = `created_at:>='${startOfDayIso(options.from, options.timeZone)}' created_at:<'${startOfDayIso(nextDate(options.to), options.timeZone)}'`;
  const orders: OrdersPage['orders']['nodes'] = [];
  let after: string | null = null;
  for (let page = 0; page < 10_000; page++) {
    const data: OrdersPage = await graphql<OrdersPage>(settings, call, options.shop, ORDERS_QUERY, { q, after }, options.signal);
    orders.push(...data.orders.nodes);
    if (!data.orders.pageInfo.hasNextPage || !data.orders.pageInfo.endCursor) break;
    after = data.orders.pageInfo.endCursor;
  }
  return orders;
}

export function shopifyKpis(orders: OrdersPage['orders']['nodes'], shop: ShopInfo): KpiRow {
  return {
    orders: orders.length,
    gross_sales: sumMoney(orders.map((order) => order.totalPriceSet.shopMoney.amount)),
    currency: orders[0]?.totalPriceSet.shopMoney.currencyCode ?? shop.currencyCode,
  };
}

/**
 * Shopify reports failures both as HTTP statuses (401/402/403/404/423/429/5xx) and as GraphQL errors
 * with `extensions.code` (THROTTLED, ACCESS_DENIED, SHOP_INACTIVE, INTERNAL_SERVER_ERROR), sometimes
 * with HTTP 200. A throttle's wait comes from the cost extension: (requested - available) / restoreRate.
 */
export function classifyShopifyError(response: HttpResponse, body: GraphqlAnswer<unknown>): ConnectorError {
  const errors = graphqlErrors(body.errors);
  const codes = errors.map((error) => error.extensions?.code ?? '');
  const message = errors[0]?.message ?? `HTTP ${response.status}`;
  const status = response.status;
  if (status === 429 || codes.includes('THROTTLED')) {
    return new ConnectorError(
      'Shopify rate limit reached (THROTTLED)',
      'rate_limited',
      'source',
      throttleWaitMs(body.extensions?.cost) ?? retryAfterHeader(response.headers),
    );
  }
  if (status === 401) return new ConnectorError('Shopify rejected the access token. Reconnect the shop.', 'auth', 'source');
  if (status === 402)
    return new ConnectorError(
      'The shop is frozen for unpaid bills (HTTP 402); syncs resume once it is paid.',
      'config',
      'source',
    );
  if (status === 423) return new ConnectorError('The shop is locked (HTTP 423); contact Shopify support.', 'config', 'source');
  if (status === 404)
    return new ConnectorError('Shop not found, or the app was uninstalled. Check the shop domain.', 'config', 'source');
  if (codes.includes('ACCESS_DENIED')) {
    // For a public or Partner app, orders are protected customer data: without Shopify's approval for
    // it the field is denied even with read_orders granted.
    return new ConnectorError(
      `Shopify denied access: ${message}. The app needs the read_orders scope and, as a public or Partner app, ` +
        'approval for protected customer data (Partner Dashboard, API access); reconnect the shop once both are in place.',
      'permission',
      'source',
    );
  }
  if (status === 403) {
    return new ConnectorError(
      `Shopify denied access: ${message}. The token needs the read_orders scope.`,
      'permission',
      'source',
    );
  }
  if (codes.includes('SHOP_INACTIVE')) return new ConnectorError('The shop is inactive.', 'config', 'source');
  if (status >= 500 || codes.includes('INTERNAL_SERVER_ERROR')) {
    return new ConnectorError(
      `Shopify had an internal error: ${message}`,
      'transient',
      'source',
      retryAfterHeader(response.headers),
    );
  }
  return new ConnectorError(`Shopify rejected the query: ${message}`, 'config', 'source');
}

function graphqlErrors(errors: GraphqlAnswer<unknown>['errors']): GraphqlError[] {
  if (errors === undefined || errors === null) return [];
  if (typeof errors === 'string') return [{ message: errors }];
  if (Array.isArray(errors)) return errors;
  return Object.entries(errors).map(([field, text]) => ({ message: `${field}: ${String(text)}` }));
}

function throttleWaitMs(cost: Cost | undefined): number | undefined {
  const status = cost?.throttleStatus;
  if (!cost?.requestedQueryCost || !status?.restoreRate) return undefined;
  const missing = cost.requestedQueryCost - (status.currentlyAvailable ?? 0);
  return Math.max(1000, Math.ceil((missing / status.restoreRate) * 1000));
}
