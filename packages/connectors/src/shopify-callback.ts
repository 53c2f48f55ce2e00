import { createHmac, timingSafeEqual } from 'node:crypto';
import { ConnectorError } from './errors.ts';

/** How old Shopify's `timestamp` may be when the callback arrives; a captured redirect goes stale. */
export const SHOPIFY_CALLBACK_MAX_AGE_SECONDS = 5 * 60;
/** Clock skew allowed the other way: a timestamp further in the future was not made by Shopify now. */
const MAX_FUTURE_SECONDS = 60;

/**
 * The message Shopify signs for its redirect back to the app, as @shopify/shopify-api computes it:
 * every parameter except `hmac` and `signature`, sorted by name, each name and value form-encoded as
 * URLSearchParams does but with a space written `%20` (not `+`), joined `name=value` with `&`.
 */
export function shopifyCallbackMessage(params: ReadonlyArray<readonly [string, string]>): string {
  const signed = params
    .filter(([name]) => name !== 'hmac' && name !== 'signature')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return new URLSearchParams(signed.map(([name, value]): [string, string] => [name, value])).toString().replace(/\+/g, '%20');
}

/**
 * Shopify signs its redirect back to the app: `hmac` is the hex HMAC-SHA256, keyed with the app's client
 * secret, of `shopifyCallbackMessage`. The state already ties the callback to this browser and user; the
 * signature also proves that Shopify sent it, for which shop and when, before the app secret is posted
 * anywhere. Compared in constant time; `nowMs` is the app's clock.
 */
export function verifyShopifyCallback(clientSecret: string, query: string, shop: string, nowMs: number): void {
  const params = [...new URLSearchParams(query)];
  const names = params.map(([name]) => name);
  const given = params.find(([name]) => name === 'hmac')?.[1] ?? '';
  const expected = createHmac('sha256', clientSecret).update(shopifyCallbackMessage(params)).digest('hex');
  // A repeated parameter could be read one way here and another way by whoever reads the query next.
  const valid =
    clientSecret !== '' &&
    new Set(names).size === names.length &&
    /^[0-9a-f]{64}$/.test(given) &&
    timingSafeEqual(Buffer.from(given), Buffer.from(expected));
  if (!valid) {
    throw new ConnectorError(
      'The sign-in could not be verified as coming from Shopify (bad hmac); start the connection again',
      'auth',
      'source',
    );
  }
  const timestamp = params.find(([name]) => name === 'timestamp')?.[1] ?? '';
  const age = Math.floor(nowMs / 1000) - Number(timestamp);
  if (!/^\d{1,12}$/.test(timestamp) || age > SHOPIFY_CALLBACK_MAX_AGE_SECONDS || age < -MAX_FUTURE_SECONDS) {
    throw new ConnectorError(
      'The sign-in from Shopify is too old or not dated now (timestamp); start the connection again',
      'auth',
      'source',
    );
  }
  if (params.find(([name]) => name === 'shop')?.[1] !== shop) {
    throw new ConnectorError(
      `Shopify returned for a different shop than ${shop}; start the connection again with the shop you signed in to`,
      'auth',
      'source',
    );
  }
}
