import { ConnectorError } from './errors.ts';
import { formBody, httpRequest } from './http.ts';
import { type ConnectorSettings, shopBaseUrl, trimSlash } from './settings.ts';
import { verifyShopifyCallback } from './shopify-callback.ts';

type Provider = 'google' | 'meta' | 'shopify';
export type Obtained = { kind: 'access_token' | 'oauth_refresh'; secret: Record<string, unknown>; tokenExpiresAt: Date | null };

export function oauthProviders(settings: ConnectorSettings): Provider[] {
  return [settings.google && 'google', settings.meta && 'meta', settings.shopify && 'shopify'].filter(Boolean) as Provider[];
}

/** The provider's consent page. `state` is checked against the sealed cookie on the way back. */
export function authorizeUrl(
  settings: ConnectorSettings,
  input: { provider: Provider; redirectUri: string; state: string; shop?: string; target: string },
): string {
  if (input.provider === 'google') {
    const url = new URL(settings.googleAuthUrl);
    const scope =
      input.target === 'sheets'
        ? 'https://www.googleapis.com/auth/spreadsheets'
        : 'https://www.googleapis.com/auth/analytics.readonly';
    // offline + consent: Google sends a refresh token only on consent, so always ask for it.
    const params = {
      client_id: settings.google?.clientId ?? '',
      redirect_uri: input.redirectUri,
      response_type: 'code',
      scope,
      access_type: 'offline',
      prompt: 'consent',
      state: input.state,
    };
    for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
    return url.toString();
  }
  if (input.provider === 'meta') {
    const url = new URL(`https://www.facebook.com/${settings.metaApiVersion}/dialog/oauth`);
    for (const [key, value] of Object.entries({
      client_id: settings.meta?.appId ?? '',
      redirect_uri: input.redirectUri,
      state: input.state,
      scope: 'ads_read',
    })) {
      url.searchParams.set(key, value);
    }
    return url.toString();
  }
  const url = new URL(`${shopBaseUrl(settings, input.shop ?? '')}/admin/oauth/authorize`);
  for (const [key, value] of Object.entries({
    client_id: settings.shopify?.clientId ?? '',
    scope: 'read_orders',
    redirect_uri: input.redirectUri,
    state: input.state,
  })) {
    url.searchParams.set(key, value);
  }
  return url.toString();
}

/** Trades the callback's code for the stored credential shape (the same shape a pasted token gets). */
export async function exchangeCode(
  settings: ConnectorSettings,
  input: { provider: Provider; code: string; redirectUri: string; shop?: string; callbackQuery?: string; now?: Date },
): Promise<Obtained> {
  const now = (input.now ?? new Date()).getTime();
  if (input.provider === 'google') {
    const answer = await post(settings, settings.googleOAuthTokenUrl, {
      grant_type: 'authorization_code',
      code: input.code,
      client_id: settings.google?.clientId ?? '',
      client_secret: settings.google?.clientSecret ?? '',
      redirect_uri: input.redirectUri,
    });
    if (!answer.refresh_token)
      throw new ConnectorError(
        'Google sent no refresh token; remove the app’s access in your Google account and connect again',
        'auth',
        'source',
      );
    return {
      kind: 'oauth_refresh',
      secret: { refreshToken: answer.refresh_token, accessToken: answer.access_token },
      tokenExpiresAt: new Date(now + Number(answer.expires_in ?? 3600) * 1000),
    };
  }
  if (input.provider === 'meta') {
    const base = `${trimSlash(settings.metaBaseUrl)}/${settings.metaApiVersion}/oauth/access_token`;
    const app = { client_id: settings.meta?.appId ?? '', client_secret: settings.meta?.appSecret ?? '' };
    const short = await get(settings, base, { ...app, redirect_uri: input.redirectUri, code: input.code });
    // Exchange the short-lived user token for a long-lived one (about 60 days).
    const long = await get(settings, base, {
      ...app,
      grant_type: 'fb_exchange_token',
      fb_exchange_token: String(short.access_token),
    });
    return {
      kind: 'access_token',
      secret: { accessToken: long.access_token },
      tokenExpiresAt: long.expires_in ? new Date(now + Number(long.expires_in) * 1000) : null,
    };
  }
  const shop = input.shop ?? '';
  // Before anything is sent to the shop's host: the callback must be Shopify's, signed for this shop.
  verifyShopifyCallback(settings.shopify?.clientSecret ?? '', input.callbackQuery ?? '', shop, now);
  // Shopify's token endpoint takes JSON.
  const answer = await postJson(settings, `${shopBaseUrl(settings, shop)}/admin/oauth/access_token`, {
    client_id: settings.shopify?.clientId ?? '',
    client_secret: settings.shopify?.clientSecret ?? '',
    code: input.code,
    // Ask for an expiring offline token (60 minutes plus a rotating refresh token).
    expiring: 1,
  });
  if (answer.refresh_token) {
    return {
      kind: 'oauth_refresh',
      secret: { accessToken: answer.access_token, refreshToken: answer.refresh_token },
      tokenExpiresAt: new Date(now + Number(answer.expires_in ?? 3600) * 1000),
    };
  }
  return { kind: 'access_token', secret: { accessToken: answer.access_token }, tokenExpiresAt: null };
}

type TokenAnswer = Record<string, unknown> & { access_token?: string };

async function post(settings: ConnectorSettings, url: string, fields: Record<string, string>): Promise<TokenAnswer> {
  const response = await httpRequest(settings, url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: formBody(fields),
    target: 'source',
  });
  return tokenAnswer(response.status, response.body);
}

async function postJson(settings: ConnectorSettings, url: string, body: Record<string, unknown>): Promise<TokenAnswer> {
  const response = await httpRequest(settings, url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(body),
    target: 'source',
  });
  return tokenAnswer(response.status, response.body);
}

async function get(settings: ConnectorSettings, url: string, params: Record<string, string>): Promise<TokenAnswer> {
  const target = new URL(url);
  for (const [key, value] of Object.entries(params)) target.searchParams.set(key, value);
  const response = await httpRequest(settings, target.toString(), { method: 'GET', target: 'source' });
  return tokenAnswer(response.status, response.body);
}

function tokenAnswer(status: number, body: unknown): TokenAnswer {
  const answer = (typeof body === 'object' && body ? body : {}) as TokenAnswer;
  if (status !== 200 || typeof answer.access_token !== 'string') {
    // OAuth servers answer `error` as a code; Meta answers a Graph error object with a message.
    const graph = answer.error as { message?: unknown } | undefined;
    const reason =
      typeof answer.error === 'string'
        ? answer.error
        : typeof graph?.message === 'string'
          ? graph.message.slice(0, 200)
          : `HTTP ${status}`;
    throw new ConnectorError(`The provider refused the sign-in (${reason}); try connecting again`, 'auth', 'source');
  }
  return answer;
}
