import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { TestUser } from './support.ts';

// Test-only helpers that play the browser's part in an OAuth flow against the app.

export type StartedFlow = { location: string; cookie: string; state: string };

/** GET …/oauth/start as the user: where the browser is sent, and the sealed state cookie it now carries. */
export async function startFlow(app: FastifyInstance, user: TestUser, url: string): Promise<StartedFlow> {
  const response = await app.inject({ method: 'GET', url, headers: user.auth });
  if (response.statusCode !== 302) throw new Error(`${url} answered ${response.statusCode}: ${response.body}`);
  const location = String(response.headers.location);
  const cookie = String(response.headers['set-cookie']).split(';')[0] as string;
  return { location, cookie, state: new URL(location).searchParams.get('state') ?? '' };
}

/** The browser follows the provider's redirect (an absolute URL or a path) back to the app. */
export function landOnCallback(
  app: FastifyInstance,
  user: TestUser,
  back: string,
  cookie?: string,
): Promise<LightMyRequestResponse> {
  const url = new URL(back, 'http://localhost');
  return app.inject({
    method: 'GET',
    url: `${url.pathname}${url.search}`,
    headers: { ...user.auth, ...(cookie ? { cookie } : {}) },
  });
}

/** Where the callback sent the browser: the UI page and its `connected`, or `error` and `target`, codes. */
export function uiOutcome(response: LightMyRequestResponse): {
  path: string;
  connected?: string;
  error?: string;
  target?: string;
} {
  const url = new URL(String(response.headers.location), 'http://localhost');
  const connected = url.searchParams.get('connected');
  const error = url.searchParams.get('error');
  const target = url.searchParams.get('target');
  return {
    path: url.pathname,
    ...(connected ? { connected } : {}),
    ...(error ? { error } : {}),
    ...(target ? { target } : {}),
  };
}

/** Replaces one query parameter of an absolute callback URL (an attacker editing the redirect). */
export function withParam(back: string, name: string, value: string | undefined): string {
  const url = new URL(back);
  if (value === undefined) url.searchParams.delete(name);
  else url.searchParams.set(name, value);
  return url.toString();
}
