import { createHash, createPrivateKey, type KeyObject, sign } from 'node:crypto';
import { ConnectorError, type Target } from './errors.ts';
import { formBody, httpRequest } from './http.ts';
import type { ConnectorSettings } from './settings.ts';
import type { CredentialState, PersistCredential } from './store.ts';

export const GOOGLE_SCOPES = {
  ga4: 'https://www.googleapis.com/auth/analytics.readonly',
  sheets: 'https://www.googleapis.com/auth/spreadsheets',
};

type TokenAnswer = {
  access_token?: string;
  expires_in?: number;
  refresh_token?: string;
  error?: string;
  error_description?: string;
};

/**
 * An access token for a Google credential: the cached one while it has a minute left, else a new one
 * from the token endpoint (refresh-token or service-account JWT grant). A refresh token the endpoint
 * rotates is persisted at once, before the access token is used: losing it would lose the connection.
 */
export async function googleAccessToken(
  settings: ConnectorSettings,
  credential: CredentialState,
  persist: PersistCredential,
  options: { target: Target; scope: string; now: Date; signal?: AbortSignal; force?: boolean },
): Promise<string> {
  const { secret } = credential;
  const cached = typeof secret.accessToken === 'string' ? secret.accessToken : undefined;
  if (
    !options.force &&
    cached &&
    credential.tokenExpiresAt &&
    credential.tokenExpiresAt.getTime() - options.now.getTime() > 60_000
  ) {
    return cached;
  }
  if (credential.kind === 'service_account') {
    // Concurrent calls with one key (a batch of tests, a test during a sync) share one grant: one
    // signature and one token instead of one each.
    const flight = createHash('sha256')
      .update(JSON.stringify([settings.googleOAuthTokenUrl, options.scope, secret.clientEmail, secret.privateKey]))
      .digest('hex');
    const pending = inFlight.get(flight);
    if (pending) return pending;
    // A call that read the connection before the last grant was saved, and arrives just after it ended,
    // takes that grant's token too (unless the source refused it: `force`).
    const recent = recentGrants.get(flight);
    if (!options.force && recent && recent.until > options.now.getTime()) return recent.token;
    const grant = (async () => {
      const assertion = await serviceAccountJwt(secret, settings.googleOAuthTokenUrl, options);
      const token = await requestToken(settings, credential, persist, options, {
        grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
        assertion,
      });
      for (const [key, entry] of recentGrants) if (entry.until <= options.now.getTime()) recentGrants.delete(key);
      recentGrants.set(flight, { token, until: options.now.getTime() + RECENT_GRANT_MS });
      return token;
    })().finally(() => inFlight.delete(flight));
    inFlight.set(flight, grant);
    return grant;
  }
  const clientId = str(secret.clientId) ?? settings.google?.clientId;
  const clientSecret = str(secret.clientSecret) ?? settings.google?.clientSecret;
  const refreshToken = str(secret.refreshToken);
  if (!clientId || !clientSecret || !refreshToken) {
    throw new ConnectorError(
      'The Google credential needs a refresh token and an OAuth client id and secret',
      'config',
      options.target,
    );
  }
  return requestToken(settings, credential, persist, options, {
    grant_type: 'refresh_token',
    client_id: clientId,
    client_secret: clientSecret,
    refresh_token: refreshToken,
  });
}

/** Service-account grants under way, by token URL, scope and key; an entry lives only until its answer. */
const inFlight = new Map<string, Promise<string>>();
/** How long a granted token (valid for an hour) is shared with callers that missed its flight. */
const RECENT_GRANT_MS = 60_000;
const recentGrants = new Map<string, { token: string; until: number }>();

async function requestToken(
  settings: ConnectorSettings,
  credential: CredentialState,
  persist: PersistCredential,
  options: { target: Target; now: Date; signal?: AbortSignal },
  fields: Record<string, string>,
): Promise<string> {
  const { secret } = credential;
  const response = await httpRequest(settings, settings.googleOAuthTokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: formBody(fields),
    target: options.target,
    signal: options.signal,
  });
  const answer = (typeof response.body === 'object' && response.body ? response.body : {}) as TokenAnswer;
  if (response.status >= 500)
    throw new ConnectorError(`Google sign-in answered HTTP ${response.status}`, 'transient', options.target);
  if (response.status !== 200 || !answer.access_token) {
    // invalid_grant: the refresh token expired or was revoked (or the key was deleted): only the user can fix it.
    const description = answer.error_description ? ` (${answer.error_description})` : '';
    if (answer.error === 'invalid_grant') {
      const fix = credential.kind === 'service_account' ? 'Save a current key of the service account' : 'Reconnect Google';
      throw new ConnectorError(`Google refused the saved sign-in${description}. ${fix}.`, 'auth', options.target);
    }
    throw new ConnectorError(
      `Google sign-in failed: ${answer.error ?? `HTTP ${response.status}`}${description}`,
      'config',
      options.target,
    );
  }
  const next = {
    ...secret,
    accessToken: answer.access_token,
    ...(answer.refresh_token ? { refreshToken: answer.refresh_token } : {}),
  };
  await persist({ secret: next, tokenExpiresAt: new Date(options.now.getTime() + (answer.expires_in ?? 3600) * 1000) });
  return answer.access_token;
}

/**
 * RS256-signed assertion for the jwt-bearer grant, so the token URL stays configurable (no SDK). The
 * signature runs on libuv's thread pool (the callback form of crypto.sign), so the event loop keeps
 * answering while it is computed; the key size is checked first, because keys saved before the size
 * limit existed may still be stored and a 16,384-bit key costs about 1.3 s of CPU per signature.
 */
async function serviceAccountJwt(
  secret: Record<string, unknown>,
  audience: string,
  options: { scope: string; now: Date; target: Target },
): Promise<string> {
  const { scope, target } = options;
  const email = str(secret.clientEmail);
  const pem = str(secret.privateKey);
  if (!email || !pem) throw new ConnectorError('The service-account key needs client_email and private_key', 'config', target);
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch {
    throw new ConnectorError('The service-account private key could not be read', 'config', target);
  }
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (key.asymmetricKeyType !== 'rsa' || bits < SIGNING_KEY_BITS.min || bits > SIGNING_KEY_BITS.max) {
    throw new ConnectorError(
      `The service-account private key must be RSA ${SIGNING_KEY_BITS.min} to ${SIGNING_KEY_BITS.max} bits; save a key created in Google Cloud`,
      'config',
      target,
    );
  }
  const iat = Math.floor(options.now.getTime() / 1000);
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const unsigned = `${encode({ alg: 'RS256', typ: 'JWT' })}.${encode({ iss: email, scope, aud: audience, iat, exp: iat + 3600 })}`;
  const signature = await new Promise<Buffer>((resolve, reject) =>
    sign('sha256', Buffer.from(unsigned), key, (error, signed) => (error ? reject(error) : resolve(signed))),
  ).catch(() => {
    throw new ConnectorError('The service-account private key could not be used to sign', 'config', target);
  });
  return `${unsigned}.${signature.toString('base64url')}`;
}

/** The sizes the API accepts when a key is saved (Google issues RSA 2048). */
const SIGNING_KEY_BITS = { min: 2048, max: 4096 } as const;

const str = (value: unknown): string | undefined => (typeof value === 'string' && value ? value : undefined);
