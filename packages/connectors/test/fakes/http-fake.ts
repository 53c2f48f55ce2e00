import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type FakeRequest = { method: string; url: URL; headers: IncomingMessage['headers']; body: string };
export type FakeAnswer = { status?: number; headers?: Record<string, string>; json?: unknown };
export type FakeServer = { baseUrl: string; close: () => Promise<void>; requests: FakeRequest[] };

/** A loopback HTTP server for one fake API: every request is recorded, every answer is JSON. */
export async function startFake(
  handle: (request: FakeRequest, baseUrl: string) => FakeAnswer | Promise<FakeAnswer>,
): Promise<FakeServer> {
  const requests: FakeRequest[] = [];
  let baseUrl = '';
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      const request: FakeRequest = {
        method: req.method ?? 'GET',
        url: new URL(req.url ?? '/', baseUrl),
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(request);
      try {
        const answer = await handle(request, baseUrl);
        res.writeHead(answer.status ?? 200, { 'content-type': 'application/json; charset=UTF-8', ...answer.headers });
        res.end(answer.json === undefined ? '' : JSON.stringify(answer.json));
      } catch (error) {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(String(error));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    baseUrl,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** google.rpc.Status, as Google's JSON APIs answer errors. */
export function rpcError(code: number, status: string, message: string, details?: unknown[]): FakeAnswer {
  return { status: code, json: { error: { code, message, status, ...(details ? { details } : {}) } } };
}

/** A Graph API error, as Meta answers it (the code in the body is what counts, not the HTTP status). */
export function graphError(status: number, code: number, message: string, subcode?: number, type = 'OAuthException'): FakeAnswer {
  return {
    status,
    json: { error: { message, type, code, ...(subcode ? { error_subcode: subcode } : {}), fbtrace_id: 'AbCdEfGh123' } },
  };
}

export const bearer = (request: FakeRequest): string | undefined =>
  /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];

/** Every calendar date from `since` to `until`, inclusive. */
export function datesBetween(since: string, until: string): string[] {
  const out: string[] = [];
  for (let t = Date.parse(`${since}T00:00:00Z`); t <= Date.parse(`${until}T00:00:00Z`); t += 86_400_000) {
    out.push(new Date(t).toISOString().slice(0, 10));
  }
  return out;
}
