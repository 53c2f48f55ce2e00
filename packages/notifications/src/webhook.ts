import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { resolveWebhookTarget } from './address-guard.ts';

export type WebhookAnswer = { ok: boolean; status?: number; error?: string };

/** How long a receiver has to answer before the attempt counts as failed. */
export const WEBHOOK_TIMEOUT_MS = 10_000;
const ANSWER_BYTES_KEPT = 200;

/**
 * POSTs a JSON body to a webhook: the host is resolved and checked first, then the socket is opened to
 * that very address (the request's `lookup` answers it), while TLS still verifies the certificate for
 * the URL's host name. A 2xx is delivered; anything else, a refusal or a timeout is an error in words.
 */
export async function postWebhook(
  rawUrl: string,
  body: string,
  headers: Record<string, string>,
  policy: { allowPrivate: boolean; timeoutMs?: number },
): Promise<WebhookAnswer> {
  const target = await resolveWebhookTarget(rawUrl, policy);
  const pinned: LookupFunction = (_host, options, callback) => {
    if ((options as { all?: boolean }).all) callback(null, [{ address: target.address, family: target.family }]);
    else callback(null, target.address, target.family);
  };
  const send = target.url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<WebhookAnswer>((resolve) => {
    const req = send(
      target.url,
      {
        method: 'POST',
        lookup: pinned,
        headers: {
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(body)),
          'user-agent': 'kpi-sync-notifier/1',
          ...headers,
        },
        timeout: policy.timeoutMs ?? WEBHOOK_TIMEOUT_MS,
      },
      (res) => {
        let kept = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          if (kept.length < ANSWER_BYTES_KEPT) kept += chunk.slice(0, ANSWER_BYTES_KEPT - kept.length);
        });
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) resolve({ ok: true, status });
          else resolve({ ok: false, status, error: `the webhook answered HTTP ${status}${kept ? `: ${kept}` : ''}` });
        });
        res.on('error', (error) => resolve({ ok: false, error: `the webhook's answer broke off: ${error.message}` }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${(policy.timeoutMs ?? WEBHOOK_TIMEOUT_MS) / 1000} s`)));
    req.on('error', (error) => resolve({ ok: false, error: `could not reach the webhook: ${error.message}` }));
    req.end(body);
  });
}
