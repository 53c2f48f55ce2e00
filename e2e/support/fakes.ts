import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FakeGoogle } from '../../packages/connectors/test/fakes/google.ts';
import { FakeMeta } from '../../packages/connectors/test/fakes/meta.ts';
import { FakeSheets } from '../../packages/connectors/test/fakes/sheets.ts';
import { FakeShopify } from '../../packages/connectors/test/fakes/shopify.ts';

/** What the specs paste into the UI; the fakes accept exactly these (and reject anything else). */
export const FAKE = {
  metaAccountId: '1234567890',
  metaToken: 'EAAB-e2e-meta-token-accepted-by-the-fake',
  metaRejectedToken: 'EAAB-e2e-meta-token-the-fake-rejects',
  sheetRefreshToken: '1//e2e-sheet-refresh-token',
  spreadsheetId: 'e2eSpreadsheet0123456789abcdef',
  /** The figures the fake Meta reports for every day. */
  metaDay: { spend: 123.45, impressions: 45678, clicks: 910, purchases: 12 },
} as const;

export type RunningFakes = {
  /** Environment for the server process: every API's base URL points at a loopback fake. */
  env: Record<string, string>;
  /** Where specs read the fakes' state (`GET /sheet?tab=Meta`). */
  controlUrl: string;
  stop: () => Promise<void>;
};

/**
 * The connectors' own API fakes (packages/connectors/test/fakes), started in the Playwright runner's
 * process, with a small control server so the specs (in worker processes) can read the fake Sheet.
 */
export async function startFakes(): Promise<RunningFakes> {
  const [meta, google, shopify] = await Promise.all([FakeMeta.start(), FakeGoogle.start(), FakeShopify.start()]);
  const sheets = await FakeSheets.start((token) => google.accessTokens.has(token));

  meta.tokens.add(FAKE.metaToken);
  // A figure for every day around now: whatever "yesterday in the schedule's zone" is, it has data.
  for (let day = -10; day <= 2; day++) {
    meta.days.set(new Date(Date.now() + day * 86_400_000).toISOString().slice(0, 10), { ...FAKE.metaDay });
  }
  google.refreshTokens.add(FAKE.sheetRefreshToken);
  // Keep the pasted token valid for the whole run (rotation is covered by the connector tests).
  google.rotateRefreshTokens = false;
  sheets.addSpreadsheet(FAKE.spreadsheetId, ['Meta', 'GA4', 'Shopify']);

  const control: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://control');
    if (url.pathname === '/sheet') {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify(sheets.grid(FAKE.spreadsheetId, url.searchParams.get('tab') ?? '')));
      return;
    }
    if (url.pathname === '/meta/requests') {
      response.writeHead(200, { 'content-type': 'application/json' });
      const token = url.searchParams.get('token') ?? '';
      const count = meta.server.requests.filter((r) => r.headers.authorization === `Bearer ${token}`).length;
      response.end(JSON.stringify({ count }));
      return;
    }
    response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => control.listen(0, '127.0.0.1', resolve));

  return {
    env: {
      META_BASE_URL: meta.baseUrl,
      GA4_BASE_URL: google.baseUrl,
      GOOGLE_OAUTH_TOKEN_URL: google.tokenUrl,
      SHOPIFY_BASE_URL_TEMPLATE: shopify.template,
      SHEETS_BASE_URL: sheets.baseUrl,
      // The operator's Google client, as the fake knows it: pasted refresh tokens are refreshed with it,
      // and the UI offers "Connect with Google".
      GOOGLE_CLIENT_ID: google.client.id,
      GOOGLE_CLIENT_SECRET: google.client.secret,
      SECRETS_KEY: randomBytes(32).toString('base64'),
    },
    controlUrl: `http://127.0.0.1:${(control.address() as AddressInfo).port}`,
    stop: async () => {
      await new Promise<void>((resolve) => control.close(() => resolve()));
      await Promise.all([meta.server.close(), google.server.close(), sheets.server.close(), shopify.server.close()]);
    },
  };
}

/** The fake Sheet's rows of one tab (read through the control server). */
export async function sheetRows(tab: string): Promise<Array<Array<string | number>>> {
  const response = await fetch(`${process.env.E2E_FAKES_URL}/sheet?tab=${encodeURIComponent(tab)}`);
  return (await response.json()) as Array<Array<string | number>>;
}

/** How many requests the fake Meta received with this token. */
export async function metaRequestsWith(token: string): Promise<number> {
  const response = await fetch(`${process.env.E2E_FAKES_URL}/meta/requests?token=${encodeURIComponent(token)}`);
  return ((await response.json()) as { count: number }).count;
}
