import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectorError } from '../src/errors.ts';
import { authorizeUrl, exchangeCode } from '../src/oauth.ts';
import type { ConnectorSettings } from '../src/settings.ts';
import { fetchShop } from '../src/shopify.ts';
import { shopifyCallbackMessage } from '../src/shopify-callback.ts';
import { type Fakes, fakeSettings, startFakes } from './support.ts';

// The server validates the shop at the start of a flow; these check that the connectors refuse on their
// own, so a caller that forgets cannot send the browser, the app secret or a token to another host.
describe('Shopify shop domains in the connectors', () => {
  let fakes: Fakes;
  let settings: ConnectorSettings;
  const fetched: string[] = [];

  beforeAll(async () => {
    fakes = await startFakes();
    settings = {
      ...fakeSettings(fakes),
      fetch: (input, init) => {
        fetched.push(String(input));
        return fetch(input, init);
      },
    };
  });
  afterAll(() => fakes?.close());

  const hostile = ['evil.example', '127.0.0.1:8080', 'x.myshopify.com.evil.example', 'x.myshopify.com/../evil', ''];

  it('refuse to build an install page, exchange a code or call the Admin API for a host that is not *.myshopify.com', async () => {
    for (const shop of hostile) {
      expect(() =>
        authorizeUrl(settings, { provider: 'shopify', shop, redirectUri: 'http://localhost/cb', state: 's', target: 'shopify' }),
      ).toThrow(ConnectorError);
      await expect(
        exchangeCode(settings, { provider: 'shopify', shop, code: 'c', redirectUri: 'http://localhost/cb', callbackQuery: '' }),
      ).rejects.toThrow(ConnectorError);
      await expect(fetchShop(settings, (send) => send('shpat_x'), shop)).rejects.toMatchObject({
        failure: 'config',
        message: 'The shop must be a Shopify domain like my-shop.myshopify.com',
      });
    }
    expect(fetched).toEqual([]);
  });

  it('an exchange without the signed callback query is refused, not sent', async () => {
    await expect(
      exchangeCode(settings, { provider: 'shopify', shop: 'fake-store.myshopify.com', code: 'c', redirectUri: 'http://x/cb' }),
    ).rejects.toMatchObject({ failure: 'auth', message: expect.stringMatching(/bad hmac/) });
    expect(fetched).toEqual([]);
  });
});

describe('the message Shopify signs for its OAuth redirect', () => {
  it('drops hmac and signature, sorts by name, form-encodes names and values with a space as %20', () => {
    const query = new URLSearchParams('state=a b&code=x+y&hmac=ff&signature=ee&shop=s.myshopify.com&host=YQ==&note=ü&*-._!~');
    expect(shopifyCallbackMessage([...query])).toBe(
      '*-._%21%7E=&code=x%20y&host=YQ%3D%3D&note=%C3%BC&shop=s.myshopify.com&state=a%20b',
    );
    // A literal plus sign in a value is %2B, not a space.
    expect(shopifyCallbackMessage([['code', 'x+y']])).toBe('code=x%2By');
  });
});
