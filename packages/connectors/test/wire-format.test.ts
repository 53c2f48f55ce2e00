import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectorError } from '../src/errors.ts';
import { runGa4Report } from '../src/ga4.ts';
import { MissingTabError } from '../src/google-errors.ts';
import { type HttpResponse, httpRequest } from '../src/http.ts';
import { classifyMetaError, fetchMetaAccount, fetchMetaInsights } from '../src/meta.ts';
import { a1, sheetsApi } from '../src/sheets.ts';
import { classifyShopifyError, fetchShopifyOrders } from '../src/shopify.ts';
import { type Fakes, fakeSettings, startFakes } from './support.ts';

const TOKEN = 'EAAG-wire-format-token-PLAINTEXT-4242';

/** A loopback server answering every request with this status, content type and raw body. */
async function rawServer(status: number, type: string, body: string) {
  const seen: IncomingHttpHeaders[] = [];
  const server: Server = createServer((req, res) => {
    seen.push(req.headers);
    res.writeHead(status, { 'content-type': type }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, seen, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const failureOf = async (promise: Promise<unknown>): Promise<ConnectorError> => {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ConnectorError);
  return error as ConnectorError;
};

describe('the connectors against the services’ real wire format', () => {
  let fakes: Fakes;
  const google = (token: string) => async (send: (token: string) => Promise<HttpResponse>) => {
    fakes.google.accessTokens.add(token);
    return send(token);
  };
  beforeAll(async () => {
    fakes = await startFakes();
    fakes.meta.tokens.add(TOKEN);
    fakes.meta.days.set('2026-08-10', { spend: 12.5, impressions: 100, clicks: 7, purchases: 2 });
  });
  afterAll(() => fakes?.close());

  it('Meta: JSON labelled text/javascript is read as JSON (it was a silent day of zeros)', async () => {
    const raw = await fetch(
      `${fakes.meta.baseUrl}/v26.0/act_42/insights?fields=spend&level=account&time_range=${encodeURIComponent('{"since":"2026-08-10","until":"2026-08-10"}')}`,
      { headers: { authorization: `Bearer ${TOKEN}` } },
    );
    expect(raw.headers.get('content-type')).toBe('text/javascript; charset=UTF-8');
    const rows = await fetchMetaInsights(fakeSettings(fakes), {
      accountId: '42',
      token: TOKEN,
      since: '2026-08-10',
      until: '2026-08-10',
    });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ spend: '12.50', impressions: '100', clicks: '7', date_start: '2026-08-10' });
  });

  it('a 200 whose body is not JSON is a classified, retryable error naming the host; Accept asks for JSON', async () => {
    const html = await rawServer(200, 'text/html; charset=utf-8', '<html><body>Please enable cookies</body></html>');
    try {
      const settings = { ...fakeSettings(fakes), metaBaseUrl: html.url };
      const error = await failureOf(
        fetchMetaInsights(settings, { accountId: '42', token: TOKEN, since: '2026-08-10', until: '2026-08-10' }),
      );
      expect(error.failure).toBe('transient');
      expect(error.options.retryable).toBe(true);
      expect(error.message).toMatch(
        /^127\.0\.0\.1:\d+ answered HTTP 200 with a body that is not JSON \(text\/html; charset=utf-8, 47 characters\)$/,
      );
      expect(error.message).not.toContain(TOKEN);
      expect(html.seen[0]?.accept).toBe('application/json');
    } finally {
      await html.close();
    }
  });

  it('an error status with a non-JSON body keeps its text and is classified by status, not a crash', async () => {
    const outage = await rawServer(502, 'text/html', '<h1>502 Bad Gateway</h1>');
    try {
      const response = await httpRequest(fakeSettings(fakes), outage.url, { method: 'GET', target: 'source' });
      expect(response).toMatchObject({ status: 502, body: '<h1>502 Bad Gateway</h1>' });
      const error = classifyMetaError(response);
      expect(error).toMatchObject({ failure: 'transient', message: 'Meta answered HTTP 502 without an error body' });
    } finally {
      await outage.close();
    }
  });

  it('Meta: the token travels in Authorization: Bearer, never in a URL; a token in the query is refused (104)', async () => {
    const before = fakes.meta.server.requests.length;
    fakes.meta.days.set('2026-08-11', { spend: 1, impressions: 1, clicks: 1 });
    const settings = fakeSettings(fakes);
    await fetchMetaInsights(settings, { accountId: '42', token: TOKEN, since: '2026-08-10', until: '2026-08-11', limit: 1 });
    await fetchMetaAccount(settings, { accountId: '42', token: TOKEN });
    const sent = fakes.meta.server.requests.slice(before);
    expect(sent).toHaveLength(3); // two insights pages (paging.next followed) and the account
    for (const request of sent) {
      expect(request.headers.authorization).toBe(`Bearer ${TOKEN}`);
      expect(request.url.toString()).not.toContain(TOKEN);
      expect(request.url.searchParams.has('access_token')).toBe(false);
    }
    const inQuery = await httpRequest(settings, `${fakes.meta.baseUrl}/v26.0/act_42?access_token=${TOKEN}`, {
      method: 'GET',
      target: 'source',
    });
    expect(inQuery.status).toBe(400);
    expect(inQuery.body).toMatchObject({ error: { code: 104, type: 'OAuthException' } });
    expect(classifyMetaError(inQuery)).toMatchObject({ failure: 'auth' });
    expect(classifyMetaError(inQuery).message).toMatch(/Reconnect Meta/);
  });

  it('Meta: a paging.next that carries access_token (as Graph writes it) is followed without it', async () => {
    const seen: Array<{ url: string; authorization?: string }> = [];
    const graph = createServer((req, res) => {
      seen.push({ url: req.url ?? '', authorization: req.headers.authorization });
      const base = `http://127.0.0.1:${(graph.address() as AddressInfo).port}`;
      const next = `${base}/v26.0/act_42/insights?access_token=${TOKEN}&after=MQ%3D%3D`;
      const page = seen.length === 1 ? { data: [{ spend: '1.00' }], paging: { next } } : { data: [{ spend: '2.00' }] };
      res.writeHead(200, { 'content-type': 'text/javascript; charset=UTF-8' }).end(JSON.stringify(page));
    });
    await new Promise<void>((resolve) => graph.listen(0, '127.0.0.1', resolve));
    try {
      const settings = { ...fakeSettings(fakes), metaBaseUrl: `http://127.0.0.1:${(graph.address() as AddressInfo).port}` };
      const rows = await fetchMetaInsights(settings, { accountId: '42', token: TOKEN, since: '2026-08-10', until: '2026-08-10' });
      expect(rows.map((row) => row.spend)).toEqual(['1.00', '2.00']);
      expect(seen).toHaveLength(2);
      expect(seen[1]?.url).toContain('after=MQ%3D%3D');
      for (const request of seen) {
        expect(request.url).not.toContain(TOKEN);
        expect(request.authorization).toBe(`Bearer ${TOKEN}`);
      }
    } finally {
      await new Promise<void>((resolve) => graph.close(() => resolve()));
    }
  });

  it('Meta: code 2 with subcode 1504041/1504042 is a request error (no retry); plain code 2 stays transient', async () => {
    const settings = fakeSettings(fakes);
    const fetchDay = () =>
      fetchMetaInsights(settings, { accountId: '42', token: TOKEN, since: '2026-08-10', until: '2026-08-10' });
    try {
      for (const [mode, subcode] of [
        ['invalid-breakdowns', 1504041],
        ['invalid-custom-metrics', 1504042],
      ] as const) {
        fakes.meta.mode = mode;
        const error = await failureOf(fetchDay());
        expect(error.failure, mode).toBe('config');
        expect(error.options.retryable, mode).toBe(false);
        expect(error.message, mode).toContain(`code 2/${subcode}`);
        expect(error.message, mode).toMatch(/Invalid (breakdowns combination|custom metrics)/);
      }
      fakes.meta.mode = 'transient-2';
      expect((await failureOf(fetchDay())).failure).toBe('transient');
    } finally {
      fakes.meta.mode = 'ok';
    }
  });

  it('the Meta fake refuses an unknown insights field with code 100, as Graph does', async () => {
    const url = new URL(`${fakes.meta.baseUrl}/v26.0/act_42/insights`);
    url.searchParams.set('fields', 'spend,conversion_values_typo');
    url.searchParams.set('time_range', '{"since":"2026-08-10","until":"2026-08-10"}');
    const response = await httpRequest(fakeSettings(fakes), url.toString(), {
      method: 'GET',
      headers: { authorization: `Bearer ${TOKEN}` },
      target: 'source',
    });
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ error: { code: 100 } });
    expect(JSON.stringify(response.body)).toContain('conversion_values_typo is not valid for fields param');
  });

  it('GA4: a disabled Analytics Data API tells the operator to enable it, not to share the property', async () => {
    fakes.google.mode = 'service-disabled';
    try {
      const error = await failureOf(
        runGa4Report(fakeSettings(fakes), google('ya29.disabled'), {
          propertyId: '1',
          startDate: '2026-08-10',
          endDate: '2026-08-10',
        }),
      );
      expect(error.failure).toBe('config');
      expect(error.message).toMatch(/Google Analytics Data API is not enabled in the Google Cloud project 123456789012/);
      expect(error.message).toMatch(/Enable it under APIs & Services/);
      expect(error.message).not.toMatch(/Viewer|share/i);
    } finally {
      fakes.google.mode = 'ok';
    }
  });

  it('GA4: the fake refuses a metric outside the schema (conversions is keyEvents now) with 400 INVALID_ARGUMENT', async () => {
    const error = await failureOf(
      runGa4Report(fakeSettings(fakes), google('ya29.metrics'), {
        propertyId: '1',
        startDate: '2026-08-10',
        endDate: '2026-08-10',
        metrics: ['sessions', 'conversions'],
      }),
    );
    expect(error.failure).toBe('config');
    expect(error.message).toMatch(/^Google Analytics rejected the request: Field conversions is not a valid metric/);
  });

  it('Sheets: 404 is a missing or unshared spreadsheet; only "Unable to parse range" is a missing tab', async () => {
    fakes.sheets.addSpreadsheet('sheet-404', ['Meta']);
    const settings = fakeSettings(fakes);
    const missing = await failureOf(sheetsApi(settings, google('ya29.sheets'), 'no-such-sheet').get(a1('Meta', 'A:A')));
    expect(missing).not.toBeInstanceOf(MissingTabError);
    expect(missing.failure).toBe('config');
    expect(missing.message).toMatch(/spreadsheet does not exist or is not shared with the connected Google account/);
    expect(missing.message).not.toMatch(/tab/i);
    const tab = await failureOf(sheetsApi(settings, google('ya29.sheets'), 'sheet-404').get(a1('Ads', 'A:A')));
    expect(tab).toBeInstanceOf(MissingTabError);
    expect(tab.message).toMatch(/Unable to parse range: 'Ads'!A:A/);
  });

  it('Sheets: a disabled Sheets API tells the operator to enable it, not to share the spreadsheet', async () => {
    fakes.sheets.mode = 'service-disabled';
    try {
      const error = await failureOf(sheetsApi(fakeSettings(fakes), google('ya29.sheets'), 'sheet-404').get(a1('Meta', 'A:A')));
      expect(error).toMatchObject({ failure: 'config', target: 'sheet' });
      expect(error.message).toMatch(/Google Sheets API is not enabled in the Google Cloud project 123456789012/);
      expect(error.message).not.toMatch(/Share the spreadsheet/);
    } finally {
      fakes.sheets.mode = 'ok';
    }
  });

  it('the Sheets fake refuses update, append and batchUpdate without a valid valueInputOption (400)', async () => {
    fakes.sheets.addSpreadsheet('strict', ['Meta']);
    fakes.google.accessTokens.add('ya29.raw');
    const base = `${fakes.sheets.baseUrl}/v4/spreadsheets/strict`;
    const range = encodeURIComponent("'Meta'!A1:B1");
    const values = { values: [['2026-08-10', 1]] };
    const send = (method: string, url: string, body: unknown) =>
      httpRequest(fakeSettings(fakes), url, {
        method,
        headers: { authorization: 'Bearer ya29.raw', 'content-type': 'application/json' },
        body: JSON.stringify(body),
        target: 'sheet',
      });
    for (const [method, url, body] of [
      ['PUT', `${base}/values/${range}`, values],
      ['POST', `${base}/values/${range}:append?insertDataOption=INSERT_ROWS`, values],
      ['POST', `${base}/values:batchUpdate`, { data: [{ range: "'Meta'!A1:B1", ...values }] }],
      ['PUT', `${base}/values/${range}?valueInputOption=TYPED`, values],
    ] as const) {
      const response = await send(method, url, body);
      expect(response.status, url).toBe(400);
      expect(response.body, url).toMatchObject({ error: { status: 'INVALID_ARGUMENT' } });
    }
    expect(fakes.sheets.grid('strict', 'Meta')).toEqual([]);
    const ok = await send('PUT', `${base}/values/${range}?valueInputOption=USER_ENTERED`, values);
    expect(ok.status).toBe(200);
    expect(fakes.sheets.grid('strict', 'Meta')).toEqual([[46244, 1]]);
  });

  it('Shopify: the fake wants a JSON body with a query and the $q variable; a 400 object-shaped error is classified, not a crash', async () => {
    fakes.shopify.tokens.add('shpat_wire');
    const settings = fakeSettings(fakes);
    const url = `${fakes.shopify.template.replace('{shop}', 'wire.myshopify.com')}/admin/api/2026-07/graphql.json`;
    const form = await httpRequest(settings, url, {
      method: 'POST',
      headers: { 'x-shopify-access-token': 'shpat_wire', 'content-type': 'application/x-www-form-urlencoded' },
      body: 'query=%7B%20shop%20%7B%20name%20%7D%20%7D',
      target: 'source',
    });
    expect(form).toMatchObject({ status: 400, body: { errors: { query: 'Required parameter missing or invalid' } } });
    const error = classifyShopifyError(form, form.body as object);
    expect(error).toMatchObject({
      failure: 'config',
      message: 'Shopify rejected the query: query: Required parameter missing or invalid',
    });
    const call = async (send: (token: string) => Promise<HttpResponse>) => send('shpat_wire');
    const orders = await fetchShopifyOrders(settings, call, {
      shop: 'wire.myshopify.com',
      from: '2026-08-10',
      to: '2026-08-10',
      timeZone: 'UTC',
    });
    expect(orders).toEqual([]);
    const noQ = await httpRequest(settings, url, {
      method: 'POST',
      headers: { 'x-shopify-access-token': 'shpat_wire', 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'query($q:String!){ orders(first:1, query:$q){ nodes{ id } } }', variables: {} }),
      target: 'source',
    });
    expect(noQ.body).toMatchObject({ errors: [{ extensions: { code: 'INVALID_VARIABLE' } }] });
  });
});
