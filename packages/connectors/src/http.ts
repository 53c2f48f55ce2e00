import { setTimeout as delay } from 'node:timers/promises';
import { ConnectorError, type Target } from './errors.ts';
import type { BudgetedCall } from './quota-signals.ts';
import type { ConnectorSettings } from './settings.ts';

export type HttpResponse = { status: number; headers: Headers; body: unknown };

/**
 * One HTTP call with a timeout and the run's abort signal. Network failures and timeouts are transient;
 * the caller classifies every answer, since each API puts its errors somewhere else. URLs and bodies are
 * never logged here: some carry tokens.
 *
 * The body is parsed as JSON whatever the content type says: Graph has been seen answering JSON as
 * `text/javascript; charset=UTF-8`, and trusting the header turned such an answer into a string, which
 * the Meta client read as "no rows" (a silent day of zeros). A success whose body is not JSON cannot be
 * used by any caller, so it fails here, classified; an error status keeps its text for the caller to
 * classify by status (an HTML outage page from a proxy, say).
 *
 * A call with a `budget` goes through the settings' provider gate: it waits for what the source said
 * about its quota and holds one of the provider's deployment-wide slots while it runs.
 */
export async function httpRequest(
  settings: ConnectorSettings,
  url: string,
  init: RequestInit & { target: Target; signal?: AbortSignal; budget?: BudgetedCall },
): Promise<HttpResponse> {
  const { budget, ...request } = init;
  if (budget && settings.gate) return settings.gate.call(budget, init.signal, () => send(settings, url, request));
  return send(settings, url, request);
}

async function send(
  settings: ConnectorSettings,
  url: string,
  init: RequestInit & { target: Target; signal?: AbortSignal },
): Promise<HttpResponse> {
  const { target, signal, headers, ...rest } = init;
  const timeout = AbortSignal.timeout(settings.requestTimeoutMs);
  const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
  const sent = new Headers(headers);
  if (!sent.has('accept')) sent.set('accept', 'application/json');
  let response: Response;
  let text: string;
  try {
    response = await (settings.fetch ?? fetch)(url, { ...rest, headers: sent, signal: combined });
    text = await response.text();
  } catch {
    if (signal?.aborted) throw signal.reason;
    const what = timeout.aborted ? `no answer within ${settings.requestTimeoutMs / 1000}s` : 'the connection failed';
    throw new ConnectorError(`${hostOf(url)}: ${what}`, 'transient', target);
  }
  const parsed = parseJson(text);
  const ok = response.status >= 200 && response.status < 300;
  if (ok && response.status !== 204 && parsed === NOT_JSON) {
    const type = response.headers.get('content-type') || 'no content type';
    throw new ConnectorError(
      `${hostOf(url)} answered HTTP ${response.status} with a body that is not JSON (${type}, ${text.length} characters)`,
      'transient',
      target,
    );
  }
  return { status: response.status, headers: response.headers, body: parsed === NOT_JSON ? text : parsed };
}

const NOT_JSON = Symbol('not JSON');

function parseJson(text: string): unknown {
  if (!text.trim()) return NOT_JSON;
  try {
    return JSON.parse(text);
  } catch {
    return NOT_JSON;
  }
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
