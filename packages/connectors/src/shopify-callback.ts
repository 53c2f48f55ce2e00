import { createHmac, timingSafeEqual } from 'node:crypto';
import { ConnectorError } from './errors.ts';

/**
 * Shopify signs its redirect back to the app: `hmac` is the hex HMAC-SHA256, keyed with the app's client
 * secret, of every other parameter sorted by name and joined as a query string (as @shopify/shopify-api
 * checks it). The state cookie already ties the callback to this browser and user; the signature also
 * proves that Shopify sent it, and for which shop, before the app secret is posted anywhere.
 */
export function verifyShopifyCallback(clientSecret: string, query: string, shop: string): void {
  const params = [...new URLSearchParams(query)];
  const names = params.map(([name]) => name);
  const given = params.find(([name]) => name === 'hmac')?.[1] ?? '';
  const signed = params
    .filter(([name]) => name !== 'hmac' && name !== 'signature')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const expected = createHmac('sha256', clientSecret).update(new URLSearchParams(signed).toString()).digest('hex');
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
  if (params.find(([name]) => name === 'shop')?.[1] !== shop) {
    throw new ConnectorError(
      `Shopify returned for a different shop than ${shop}; start the connection again with the shop you signed in to`,
      'auth',
      'source',
    );
  }
}
