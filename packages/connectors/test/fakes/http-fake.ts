import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type FakeRequest = { method: string; url: URL; headers: IncomingMessage['headers']; body: string };
export type FakeAnswer = { status?: number; headers?: Record<string, string>; json?: unknown };
/**
 * Load on a fake: `latencyMs` delays every answer (as a distant API would), `inFlight` counts the
 * requests being answered now and `maxInFlight` the most there ever were at once.
 */
export type FakeLoad = { latencyMs: number; inFlight: number; maxInFlight: number };
export type FakeServer = { baseUrl: string; close: () => Promise<void>; requests: FakeRequest[]; load: FakeLoad };

/** A loopback HTTP server for one fake API: every request is recorded, every answer is JSON. */
export async function startFake(
  handle: (request: FakeRequest, baseUrl: string) => FakeAnswer | Promise<FakeAnswer>,
): Promise<FakeServer> {
  const requests: FakeRequest[] = [];
  const load: FakeLoad = { latencyMs: 0, inFlight: 0, maxInFlight: 0 };
  let baseUrl = '';
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    load.inFlight++;
    load.maxInFlight = Math.max(load.maxInFlight, load.inFlight);
    res.on('close', () => load.inFlight--);
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
        if (load.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, load.latencyMs));
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
    load,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** google.rpc.Status, as Google's JSON APIs answer errors. */
export function rpcError(code: number, status: string, message: string, details?: unknown[]): FakeAnswer {
  return { status: code, json: { error: { code, message, status, ...(details ? { details } : {}) } } };
}

/**
 * Google's 403 for an API the Cloud project has not enabled (ErrorInfo reason SERVICE_DISABLED), with
 * the message Google writes for it.
 */
export function serviceDisabled(api: string, service: string, project = '123456789012'): FakeAnswer {
  const page = `https://console.developers.google.com/apis/api/${service}/overview?project=${project}`;
  return rpcError(
    403,
    'PERMISSION_DENIED',
    `${api} has not been used in project ${project} before or it is disabled. Enable it by visiting ${page} then retry. If you enabled this API recently, wait a few minutes for the action to propagate to our systems and retry.`,
    [
      {
        '@type': 'type.googleapis.com/google.rpc.Help',
        links: [{ description: 'Google developers console API activation', url: page }],
      },
      {
        '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
        reason: 'SERVICE_DISABLED',
        domain: 'googleapis.com',
        metadata: { consumer: `projects/${project}`, service },
      },
    ],
  );
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
