import type { ConnectionStatus } from '@kpi/db';
import { SyncError } from '@kpi/scheduler';

/** The five things that can go wrong with a source, whatever its API calls them. */
export type Failure = 'rate_limited' | 'transient' | 'auth' | 'permission' | 'config';
/** Which stored credential a failure is about: the source connection or the Sheets destination. */
export type Target = 'source' | 'sheet';

const ERROR_CLASS: Record<Failure, string> = {
  rate_limited: 'RateLimited',
  transient: 'Transient',
  auth: 'AuthExpired',
  permission: 'PermissionDenied',
  config: 'InvalidConfig',
};

/**
 * A classified API failure. Rate limits and transient errors are retried (after the API's own wait hint
 * when it gave one); expired credentials, missing permissions and bad configuration fail at once with a
 * message the user can act on.
 */
export class ConnectorError extends SyncError {
  constructor(
    message: string,
    readonly failure: Failure,
    readonly target: Target,
    retryAfterMs?: number,
  ) {
    super(message, {
      retryable: failure === 'rate_limited' || failure === 'transient',
      errorClass: ERROR_CLASS[failure],
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
      // A refused credential pauses the source's schedule until the user reconnects what refused it.
      ...(failure === 'auth'
        ? { kind: target === 'source' ? ('needs_reauth' as const) : ('destination_needs_reauth' as const) }
        : {}),
    });
  }
}

/** What a failure does to the stored connection: retryable ones leave its status alone. */
export function statusAfter(failure: Failure): ConnectionStatus | undefined {
  if (failure === 'auth') return 'needs_reauth';
  if (failure === 'permission' || failure === 'config') return 'error';
  return undefined;
}
