import { ConnectorError } from './errors.ts';
import { httpRequest } from './http.ts';
import { type ConnectorSettings, shopBaseUrl } from './settings.ts';
import type { CredentialState, PersistCredential } from './store.ts';

type TokenAnswer = {
  access_token?: string;
  expires_in?: number;
  refresh_token?: string;
  error?: string;
  error_description?: string;
};

/**
 * The Admin API token for a shop. A non-expiring token (custom apps) is used as it is. An expiring
 * offline token (60 minutes, with a refresh token) is refreshed when it has under five minutes left or
 * was just refused; Shopify replaces the refresh token on every refresh, and we persist it at once.
 */
export async function shopifyAccessToken(
  settings: ConnectorSettings,
  shop: string,
  credential: CredentialState,
  persist: PersistCredential,
  options: { now: Date; signal?: AbortSignal; force?: boolean },
): Promise<string> {
  const { secret } = credential;
  const token = typeof secret.accessToken === 'string' ? secret.accessToken : undefined;
  if (credential.kind === 'access_token') {
    if (!token) throw new ConnectorError('The Shopify connection has no access token', 'config', 'source');
    return token;
  }
  const fresh = credential.tokenExpiresAt && credential.tokenExpiresAt.getTime() - options.now.getTime() > 5 * 60_000;
  if (token && fresh && !options.force) return token;
  const clientId = (secret.clientId as string | undefined) ?? settings.shopify?.clientId;
  const clientSecret = (secret.clientSecret as string | undefined) ?? settings.shopify?.clientSecret;
  const refreshToken = secret.refreshToken as string | undefined;
  if (!clientId || !clientSecret || !refreshToken) {
    throw new ConnectorError(
      'Refreshing the Shopify token needs SHOPIFY_CLIENT_ID and SHOPIFY_CLIENT_SECRET',
      'config',
      'source',
    );
  }
  const response = await httpRequest(settings, `${shopBaseUrl(settings, shop)}/admin/oauth/access_token`, {
    method: 'POST',
    // Shopify's token endpoint takes JSON.
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({
      grant_type: 'refresh_token',
      client_id: clientId,
      client_secret: clientSecret,
      refresh_token: refreshToken,
    }),
    target: 'source',
    signal: options.signal,
  });
  if (response.status >= 500 || response.status === 429) {
    throw new ConnectorError(`Shopify token refresh answered HTTP ${response.status}`, 'transient', 'source');
  }
  const answer = (typeof response.body === 'object' && response.body ? response.body : {}) as TokenAnswer;
  if (response.status !== 200 || !answer.access_token) {
    throw new ConnectorError(
      `Shopify refused the saved refresh token (${answer.error ?? `HTTP ${response.status}`}). Reconnect the shop.`,
      'auth',
      'source',
    );
  }
  await persist({
    secret: {
      ...secret,
      accessToken: answer.access_token,
      ...(answer.refresh_token ? { refreshToken: answer.refresh_token } : {}),
    },
    tokenExpiresAt: new Date(options.now.getTime() + (answer.expires_in ?? 3600) * 1000),
  });
  return answer.access_token;
}
