import { setTimeout as delay } from 'node:timers/promises';
import { ConnectorError, type Target } from './errors.ts';
import type { ConnectorSettings } from './settings.ts';

export type HttpResponse = { status: number; headers: Headers; body: unknown };

/**
 * One HTTP call with a timeout and the run's abort signal. Network failures and timeouts are transient;
 * the caller classifies every answer, since each API puts its errors somewhere else. URLs and bodies are
 * never logged here: some carry tokens.
 */
export async function httpRequest(
  settings: ConnectorSettings,
  url: string,
  init: RequestInit & { target: Target; signal?: AbortSignal },
): Promise<HttpResponse> {
  const { target, signal, ...rest } = init;
  const timeout = AbortSignal.timeout(settings.requestTimeoutMs);
  const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
  let response: Response;
  try {
    response = await (settings.fetch ?? fetch)(url, { ...rest, signal: combined });
  } catch {
    if (signal?.aborted) throw signal.reason;
    const what = timeout.aborted ? `no answer within ${settings.requestTimeoutMs / 1000}s` : 'the connection failed';
    throw new ConnectorError(`${hostOf(url)}: ${what}`, 'transient', target);
  }
  const text = await response.text();
  let body: unknown = text;
  if (text && /json/i.test(response.headers.get('content-type') ?? '')) {
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  }
  return { status: response.status, headers: response.headers, body };
}

export function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'the API';
  }
}

/** Seconds from a Retry-After header (delta-seconds form), as milliseconds. */
export function retryAfterHeader(headers: Headers): number | undefined {
  const value = headers.get('retry-after');
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

export const formBody = (fields: Record<string, string>): URLSearchParams => new URLSearchParams(fields);

/** A timer the run's abort signal ends early (rejecting with the signal's reason, as httpRequest does). */
export async function pause(ms: number, signal?: AbortSignal): Promise<void> {
  try {
    await delay(ms, undefined, signal ? { signal } : undefined);
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    throw error;
  }
}
