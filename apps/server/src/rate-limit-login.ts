import { AppError } from '@kpi/api';
import type { RateCounters } from './rate-limit.ts';

/** What the sign-in route needs from a limiter. */
export interface SignInLimiter {
  /** Throws RATE_LIMITED when any key already has the most failures allowed. */
  check(keys: string[]): void;
  recordFailure(keys: string[]): void;
  recordSuccess(keys: string[]): void;
}

/**
 * Failed sign-ins per client address and per e-mail over fixed windows of LOGIN_WINDOW_SECONDS, counted
 * in the shared counters: an attacker spreading guesses over several instances meets one limit (within
 * the counters' sync approximation, see rate-limit.ts).
 */
export class SharedLoginLimiter implements SignInLimiter {
  constructor(
    private readonly counters: RateCounters,
    private readonly maxAttempts: number,
    private readonly windowMs: number,
  ) {}

  check(keys: string[]): void {
    for (const key of keys) {
      const verdict = this.counters.reached(`login:${key}`, this.maxAttempts, this.windowMs);
      if (verdict.limited) {
        throw new AppError('RATE_LIMITED', 'Too many failed sign-in attempts; try again later', {
          retryAfterSeconds: verdict.retryAfterSeconds,
        });
      }
    }
  }

  recordFailure(keys: string[]): void {
    for (const key of keys) this.counters.hit(`login:${key}`, this.maxAttempts, this.windowMs);
  }

  recordSuccess(keys: string[]): void {
    for (const key of keys) this.counters.reset(`login:${key}`);
  }
}
