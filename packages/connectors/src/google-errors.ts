import { ConnectorError, type Target } from './errors.ts';
import { type HttpResponse, retryAfterHeader } from './http.ts';

type RpcError = {
  code?: number;
  message?: string;
  status?: string;
  details?: Array<Record<string, unknown>>;
  errors?: Array<{ reason?: string }>;
};
type RpcStatus = { error?: RpcError };

/** Sheets' answer for a range naming a tab the spreadsheet does not have (400 "Unable to parse range"). */
export class MissingTabError extends ConnectorError {
  constructor(message: string) {
    super(message, 'config', 'sheet');
  }
}

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
  const disabled = (code === 403 || status === 'PERMISSION_DENIED') && serviceDisabled(error);
  if (disabled) {
    const api = target === 'sheet' ? 'Google Sheets API' : 'Google Analytics Data API';
    const project = disabled.project ? ` ${disabled.project}` : '';
    return new ConnectorError(
      `${what}: the ${api} is not enabled in the Google Cloud project${project} of the OAuth client or service account. ` +
        'Enable it under APIs & Services in the Cloud console, wait a few minutes, and try again.',
      'config',
      target,
    );
  }
  if (code === 403 || status === 'PERMISSION_DENIED') {
    const hint =
      target === 'sheet'
        ? ' Share the spreadsheet with the connected Google account (Editor).'
        : ' Give the connected Google account Viewer access to the property.';
    return new ConnectorError(`${what}: permission denied${detail}.${hint}`, 'permission', target);
  }
  if (code === 404 || status === 'NOT_FOUND') {
    // Sheets answers a missing tab with 400 "Unable to parse range"; 404 is about the spreadsheet itself.
    const hint =
      target === 'sheet'
        ? ' The spreadsheet does not exist or is not shared with the connected Google account: check its id and share it (Editor).'
        : ' Check the id you entered.';
    return new ConnectorError(`${what}: not found${detail}.${hint}`, 'config', target);
  }
  if (target === 'sheet' && code === 400 && /^Unable to parse range/i.test(error?.message ?? '')) {
    return new MissingTabError(`${what} rejected the request${detail}`);
  }
  if (code === 400 || status === 'INVALID_ARGUMENT' || status === 'FAILED_PRECONDITION') {
    return new ConnectorError(`${what} rejected the request${detail}`, 'config', target);
  }
  return new ConnectorError(`${what} answered HTTP ${code}${detail}`, 'transient', target, retryAfterHeader(response.headers));
}

/**
 * A 403 for an API the Cloud project has not enabled: ErrorInfo reason SERVICE_DISABLED (the older
 * `errors[].reason` is accessNotConfigured), message "... has not been used in project N before or it is
 * disabled". It is the project's setup, not the user's access to the property or spreadsheet.
 */
function serviceDisabled(error: RpcError | undefined): { project?: string } | undefined {
  if (!error) return undefined;
  const details = error.details ?? [];
  const info = details.find((detail) => detail.reason === 'SERVICE_DISABLED');
  const legacy = (error.errors ?? []).some((entry) => entry.reason === 'accessNotConfigured');
  const message = error.message ?? '';
  if (!info && !legacy && !/has not been used in project|\bAPI\b[^.]*\bis disabled/i.test(message)) return undefined;
  const consumer = (info?.metadata as { consumer?: unknown } | undefined)?.consumer;
  const project =
    (typeof consumer === 'string' ? /^projects\/([\w-]+)$/.exec(consumer)?.[1] : undefined) ??
    /in project ([\w-]+)/.exec(message)?.[1];
  return project ? { project } : {};
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
