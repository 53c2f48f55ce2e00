import { ConnectorError } from './errors.ts';

/** A source's word on one of its quotas: wait this long before the next call that draws on `key`. */
export type QuotaHint = { key: string; waitMs: number };

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
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
};

/**
 * What the sources said about their quotas, per quota key (`meta:app`, `meta:<account>`, `ga4:<property>`,
 * `shopify:<shop>`), shared by every run in this process: a call waits until the latest "not before"
 * of the keys it draws on.
 */
export class QuotaPacing {
  private readonly notBefore = new Map<string, number>();
  /** The clock the waits are measured on (injected in tests). */
  readonly now: () => number;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;

  constructor(options: QuotaPacingOptions & { sleep: (ms: number, signal?: AbortSignal) => Promise<void> }) {
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep;
  }

  hold(hints: QuotaHint[]): void {
    const now = this.now();
    if (this.notBefore.size > PRUNE_AT) {
      for (const [key, at] of this.notBefore) if (at <= now) this.notBefore.delete(key);
    }
    for (const hint of hints) {
      if (!(hint.waitMs > 0)) continue;
      const at = now + hint.waitMs;
      if (at > (this.notBefore.get(hint.key) ?? 0)) this.notBefore.set(hint.key, at);
    }
  }

  /** How long a call drawing on `keys` must still wait (0 when it may go now). */
  waitFor(keys: readonly string[]): number {
    const now = this.now();
    return Math.max(0, ...keys.map((key) => (this.notBefore.get(key) ?? 0) - now));
  }

  /** Waits until the keys' quotas allow the next call, ended early by the run's signal. */
  async before(provider: string, keys: readonly string[], signal?: AbortSignal): Promise<void> {
    const wait = this.waitFor(keys);
    if (wait <= 0) return;
    if (wait > IN_RUN_QUOTA_WAIT_MAX_MS) {
      throw new ConnectorError(
        `The ${provider} quota needs a pause of ${Math.ceil(wait / 1000)}s before the next call; the run is retried then`,
        'rate_limited',
        'source',
        wait,
      );
    }
    await this.sleep(wait, signal);
  }
}
