import { ConnectorError } from './errors.ts';

/**
 * A source's word on one of its quotas: wait this long before the next call that draws on `key`. A
 * `paced` hint (usage near the limit) also spaces every further call by the wait until a later answer
 * says otherwise; an unpaced one (the source said when it will answer again) is one wait for all.
 */
export type QuotaHint = { key: string; waitMs: number; paced?: boolean };

/**
 * Usage at which we start slowing down, and the wait at full usage: between the two the wait grows in
 * proportion (at 90 % of a quota, 60 % of the full wait). Meta and Google report usage over rolling
 * or hourly windows, so a minute between calls at the limit lets the window move on.
 */
export const PACE_FROM_PERCENT = 75;
export const PACE_FULL_MS = 60_000;

/** The wait before the next call for a quota `percent` used: none below the threshold, then in proportion. */
export function paceForUsage(percent: number): number {
  if (!Number.isFinite(percent) || percent < PACE_FROM_PERCENT) return 0;
  const share = Math.min(1, (percent - PACE_FROM_PERCENT) / (100 - PACE_FROM_PERCENT));
  return Math.ceil(share * PACE_FULL_MS);
}

/**
 * A wait longer than this is not sat out inside a run: the run fails as rate-limited with the wait as
 * its retry hint, and the scheduler tries again when the source expects to answer.
 */
export const IN_RUN_QUOTA_WAIT_MAX_MS = 5 * 60_000;

// Keys whose wait has passed are dropped once the map holds this many (one per account, property, shop).
const PRUNE_AT = 10_000;

export type QuotaPacingOptions = {
  /** Epoch milliseconds; Date.now unless a test injects its clock. */
  now?: () => number;
  /** A pause the run's signal ends early. */
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
};

/**
 * What the sources said about their quotas, per quota key (`meta:app`, `meta:<account>`, `ga4:<property>`,
 * `shopify:<shop>`), shared by every run in this process. A call waits until the latest "not before" of
 * the keys it draws on. A paced key also spaces its callers: each call that goes moves "not before" on
 * by the pace, so callers waiting together leave one pace apart instead of all at once when the wait ends.
 */
export class QuotaPacing {
  /**
   * Per key: `until`, the end of a wait the source asked for; `paceMs`, the pause its last usage figure
   * asks between calls; `paced`, when the next paced call may go (moved on by each call that goes).
   */
  private readonly state = new Map<string, { until: number; paceMs: number; paced: number }>();
  /** The clock the waits are measured on (injected in tests). */
  readonly now: () => number;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;

  constructor(options: QuotaPacingOptions) {
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep;
  }

  hold(hints: QuotaHint[]): void {
    const now = this.now();
    if (this.state.size > PRUNE_AT) {
      for (const [key, entry] of this.state) if (Math.max(entry.until, entry.paced) <= now) this.state.delete(key);
    }
    for (const hint of hints) {
      const wait = Number.isFinite(hint.waitMs) ? Math.max(hint.waitMs, 0) : 0;
      const entry = this.state.get(hint.key) ?? { until: 0, paceMs: 0, paced: 0 };
      if (hint.paced) {
        // The latest usage figure decides: back under the threshold, calls no longer wait their turn.
        entry.paceMs = wait;
        entry.paced = wait > 0 ? Math.max(entry.paced, now + wait) : 0;
      } else if (wait > 0) {
        entry.until = Math.max(entry.until, now + wait);
      }
      if (Math.max(entry.until, entry.paced) > now || entry.paceMs > 0) this.state.set(hint.key, entry);
      else this.state.delete(hint.key);
    }
  }

  /** How long a call drawing on `keys` must still wait (0 when it may go now). */
  waitFor(keys: readonly string[]): number {
    const now = this.now();
    return Math.max(
      0,
      ...keys.map((key) => {
        const entry = this.state.get(key);
        return entry ? Math.max(entry.until, entry.paced) - now : 0;
      }),
    );
  }

  /** Waits until the keys' quotas allow the next call, ended early by the run's signal. */
  async before(provider: string, keys: readonly string[], signal?: AbortSignal): Promise<void> {
    const wait = this.waitFor(keys);
    if (wait > IN_RUN_QUOTA_WAIT_MAX_MS) {
      throw new ConnectorError(
        `The ${provider} quota needs a pause of ${Math.ceil(wait / 1000)}s before the next call; the run is retried then`,
        'rate_limited',
        'source',
        wait,
      );
    }
    const goesAt = this.now() + wait;
    for (const key of keys) {
      const entry = this.state.get(key);
      if (entry && entry.paceMs > 0) entry.paced = Math.max(entry.paced, goesAt) + entry.paceMs;
    }
    if (wait > 0) await this.sleep(wait, signal);
  }
}
