import { ConnectorError, type Target } from './errors.ts';
import { type HttpResponse, retryAfterHeader } from './http.ts';

type RpcStatus = { error?: { code?: number; message?: string; status?: string; details?: Array<Record<string, unknown>> } };

/**
 * Google's APIs (GA4 Data API, Sheets) answer errors as google.rpc.Status:
 * `{"error":{"code":403,"message":"...","status":"PERMISSION_DENIED","details":[...]}}`.
 * 401 reaches here only after one refresh was tried.
 */
export function classifyGoogleError(response: HttpResponse, target: Target, what: string): ConnectorError {
  const error = (response.body as RpcStatus | undefined)?.error;
  const status = error?.status ?? '';
  const detail = error?.message ? `: ${error.message.replace(/\.$/, '')}` : '';
  const code = response.status;
  if (code === 401 || status === 'UNAUTHENTICATED') {
    return new ConnectorError(`${what} refused the Google credential${detail}. Reconnect Google.`, 'auth', target);
  }
  if (code === 429 || status === 'RESOURCE_EXHAUSTED') {
    return new ConnectorError(`${what} quota exhausted${detail}`, 'rate_limited', target, quotaWait(response, error?.message));
  }
  if (code === 403 || status === 'PERMISSION_DENIED') {
    const hint =
      target === 'sheet'
        ? ' Share the spreadsheet with the connected Google account (Editor).'
        : ' Give the connected Google account Viewer access to the property.';
    return new ConnectorError(`${what}: permission denied${detail}.${hint}`, 'permission', target);
  }
  if (code === 404 || status === 'NOT_FOUND') {
    return new ConnectorError(`${what}: not found${detail}. Check the id you entered.`, 'config', target);
  }
  if (code === 400 || status === 'INVALID_ARGUMENT' || status === 'FAILED_PRECONDITION') {
    return new ConnectorError(`${what} rejected the request${detail}`, 'config', target);
  }
  return new ConnectorError(`${what} answered HTTP ${code}${detail}`, 'transient', target, retryAfterHeader(response.headers));
}

/**
 * GA4 quotas reset hourly, except the daily token budget, which resets at midnight Pacific time: a
 * retry before then would only burn the run's attempts. Sheets' per-minute quotas refill within a minute.
 */
function quotaWait(response: HttpResponse, message = ''): number | undefined {
  const header = retryAfterHeader(response.headers);
  if (header !== undefined) return header;
  if (/per ?day|daily/i.test(message)) return msUntilPacificMidnight(new Date());
  if (/per ?minute/i.test(message) || /RATE_LIMIT_EXCEEDED/.test(JSON.stringify(response.body))) return 60_000;
  return undefined;
}

function msUntilPacificMidnight(now: Date): number {
  const local = new Date(now.toLocaleString('en-US', { timeZone: 'America/Los_Angeles' }));
  const midnight = new Date(local);
  midnight.setHours(24, 0, 0, 0);
  return midnight.getTime() - local.getTime() + 60_000;
}
