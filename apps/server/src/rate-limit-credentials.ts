import { AppError } from '@kpi/api';
import type { RateCounters } from './rate-limit.ts';

/**
 * 20 failures per 5 minutes per address. A legitimate client fails rarely: a script with a revoked token
 * fails on every call but is broken anyway, and a browser's stale session cookie is cleared by the first
 * 401. 20 leaves room for a few such clients behind one NAT, while a guesser is held to 4 lookups a
 * minute. Five minutes bounds how long a misconfigured client (or a neighbour behind the same address)
 * stays locked out once it is fixed.
 */
export const CREDENTIAL_FAILURE_DEFAULTS = { maxFailures: 20, windowSeconds: 300 } as const;

/** What the authentication hook needs from a limiter. */
export interface CredentialLimiter {
  /** Throws RATE_LIMITED when the address already has the most failures allowed. */
  check(ip: string): void;
  recordFailure(ip: string): void;
}

/**
 * Failed credential lookups (an unknown, expired or revoked API token or session cookie, or a malformed
 * Authorization header) per client address over fixed windows of CREDENTIAL_WINDOW_SECONDS, in the shared
 * counters. The hook checks before any lookup, so a blocked address is refused without a database round
 * trip, and refused whatever credential it presents: a guesser that found a valid token learns nothing
 * until the window ends. Keys are the address only, so one address's failures never block another's.
 * Successes do not reset the count (unlike sign-in): a guesser holding one valid token of its own must
 * not be able to wipe its record with it.
 */
export class SharedCredentialLimiter implements CredentialLimiter {
  constructor(
    private readonly counters: RateCounters,
    private readonly maxFailures: number,
    private readonly windowMs: number,
  ) {}

  check(ip: string): void {
    const verdict = this.counters.reached(keyOf(ip), this.maxFailures, this.windowMs);
    if (verdict.limited) {
      throw new AppError('RATE_LIMITED', 'Too many failed credentials from this address; try again later', {
        retryAfterSeconds: verdict.retryAfterSeconds,
      });
    }
  }

  recordFailure(ip: string): void {
    this.counters.hit(keyOf(ip), this.maxFailures, this.windowMs);
  }
}

const keyOf = (ip: string) => `credential:ip:${ip}`;
