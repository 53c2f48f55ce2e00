import { AppError } from '@kpi/api';
import { type Db, queryRows, sql, withService } from '@kpi/db';
import { storeKey } from './rate-limit.ts';

/** What the sign-in route needs from a limiter. */
export interface SignInLimiter {
  /**
   * Counts this attempt before the password is hashed; throws RATE_LIMITED when it may not be checked.
   * The attempt stays counted as a failure unless `succeeded` is called.
   */
  reserve(ip: string, email: string): Promise<SignInAttempt>;
}

export interface SignInAttempt {
  /** The password was right: the attempt is given back, and this address's failures for this e-mail are forgotten. */
  succeeded(): Promise<void>;
}

/**
 * Sign-in attempts per client address and per e-mail over fixed windows of LOGIN_WINDOW_SECONDS, counted
 * in `rate_limits` directly, not in the batched counters of rate-limit.ts: a password guess costs a scrypt
 * hash, so the limit must be exact however many guesses arrive at once and on however many instances.
 * Each attempt reserves its place with one atomic upsert (`hits = hits + 1 WHERE hits < limit RETURNING`)
 * before the hash runs; 200 parallel guesses get `limit` hashes, the rest 429.
 *
 * - Per address (`login:ip:`): at most `limit` failed attempts, whatever the e-mails. A success gives its
 *   own attempt back but does not wipe the count, so interleaving sign-ins to one's own account does not
 *   buy more guesses at others' passwords.
 * - Per e-mail (`login:email:`): at most `limit` failed attempts from all addresses. Past it the account
 *   is not locked for everyone: an address that has not failed for this e-mail in the window
 *   (`login:pair:`) still gets one try, so a stranger's ten wrong passwords do not keep the owner out
 *   (they sign in from their own address). The price: a guesser with many addresses gets one guess per
 *   address per window on top of the limit, and each of those addresses is still held to its own limit.
 *   A growing delay instead would keep the owner waiting too, and hold a request open per guess.
 */
export class SharedLoginLimiter implements SignInLimiter {
  constructor(
    private readonly db: Db,
    private readonly clock: () => Date,
    private readonly maxAttempts: number,
    private readonly windowMs: number,
  ) {}

  async reserve(ip: string, email: string): Promise<SignInAttempt> {
    const now = this.clock().getTime();
    const window = { start: now - (now % this.windowMs), ms: this.windowMs };
    const keys = {
      ip: storeKey(`login:ip:${ip}`),
      email: storeKey(`login:email:${email}`),
      pair: storeKey(`login:pair:${ip} ${email}`),
    };
    const verdict = await withService(this.db, async (tx) => {
      // A read first, which takes no lock: under a flood from one address, everything past the limit is
      // refused here instead of queueing, one at a time, for the address's row lock.
      const [seen] = await queryRows<{ hits: number }>(
        tx,
        sql`SELECT hits FROM rate_limits WHERE key = ${keys.ip} AND window_start = to_timestamp(${window.start}::bigint / 1000.0)`,
      );
      if ((seen?.hits ?? 0) >= this.maxAttempts) return 'limited';
      const [taken] = await queryRows<{ ip: boolean; email: boolean; pair: boolean }>(tx, take(keys, window, this.maxAttempts));
      if (!taken?.ip) return 'limited';
      if (taken.email) return 'counted';
      if (taken.pair) return 'first-from-address';
      // Refused without a hash: the address's attempt is not spent.
      await tx.execute(give(keys.ip, window));
      return 'limited';
    });
    if (verdict === 'limited') {
      throw new AppError('RATE_LIMITED', 'Too many failed sign-in attempts; try again later', {
        retryAfterSeconds: Math.max(1, Math.ceil((window.start + window.ms - this.clock().getTime()) / 1000)),
      });
    }
    return {
      succeeded: () =>
        withService(this.db, async (tx) => {
          await tx.execute(give(keys.ip, window));
          if (verdict === 'counted') await tx.execute(give(keys.email, window));
          await tx.execute(sql`DELETE FROM rate_limits WHERE key = ${keys.pair}`);
        }),
    };
  }
}

type Window = { start: number; ms: number };
type Keys = { ip: string; email: string; pair: string };

/**
 * One statement, so the rows are locked only for it and the commit: add one to the address's count if it
 * is below `limit`; if that was granted, one to the e-mail's if below `limit`; and then one to the pair's,
 * whatever its value if the e-mail's was granted, else only if this is the pair's first (the address has
 * not tried this e-mail in the window). Keys are always taken in this order: no deadlock between attempts.
 */
function take(keys: Keys, window: Window, limit: number) {
  const start = sql`to_timestamp(${window.start}::bigint / 1000.0)`;
  const expires = sql`to_timestamp(${window.start + window.ms}::bigint / 1000.0)`;
  return sql`WITH ip AS (
      INSERT INTO rate_limits AS r (key, window_start, hits, expires_at) VALUES (${keys.ip}, ${start}, 1, ${expires})
      ON CONFLICT (key, window_start) DO UPDATE SET hits = r.hits + 1 WHERE r.hits < ${limit}::integer
      RETURNING r.hits
    ), email AS (
      INSERT INTO rate_limits AS r (key, window_start, hits, expires_at)
      SELECT ${keys.email}, ${start}, 1, ${expires} WHERE EXISTS (SELECT FROM ip)
      ON CONFLICT (key, window_start) DO UPDATE SET hits = r.hits + 1 WHERE r.hits < ${limit}::integer
      RETURNING r.hits
    ), pair AS (
      INSERT INTO rate_limits AS r (key, window_start, hits, expires_at)
      SELECT ${keys.pair}, ${start}, 1, ${expires} WHERE EXISTS (SELECT FROM ip)
      ON CONFLICT (key, window_start) DO UPDATE SET hits = r.hits + 1 WHERE EXISTS (SELECT FROM email) OR r.hits < 1
      RETURNING r.hits
    )
    SELECT EXISTS (SELECT FROM ip) AS ip, EXISTS (SELECT FROM email) AS email, EXISTS (SELECT FROM pair) AS pair`;
}

/** Takes one back from `key` in `window` (an attempt that turned out not to be a failure). */
function give(key: string, window: Window) {
  return sql`UPDATE rate_limits SET hits = hits - 1
    WHERE key = ${key} AND window_start = to_timestamp(${window.start}::bigint / 1000.0) AND hits > 0`;
}
