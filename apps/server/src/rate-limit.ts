import { createHash } from 'node:crypto';
import { type Db, queryRows, sql, sqlState, type Tx, withService } from '@kpi/db';
import type { Logger } from 'pino';

/**
 * The key as stored: its readable kind (`login:email:`, `user:`) and the SHA-256 hex of the rest. A key
 * holds client input (an e-mail), and lower-casing can lengthen it ('İ' becomes two characters), so a raw
 * key could outgrow the varchar(320) column or carry a NUL that jsonb refuses, and fail every batched
 * upsert it is part of. Hashed, every key is at most 64 + 1 + 64 characters of [a-z0-9:-], and no e-mail
 * or address is stored in the clear.
 */
export function storeKey(key: string): string {
  const kind = /^(?:[a-z-]+:){1,4}/.exec(key)?.[0]?.slice(0, 64) ?? '';
  return `${kind}${createHash('sha256').update(key.slice(kind.length), 'utf8').digest('hex')}`;
}

/**
 * Fixed-window request counters, counted in process memory and shared through PostgreSQL in the
 * background, so that a limit holds across every instance without a database round trip per request.
 *
 * Each `hit` only touches a Map. Every `syncMs` one transaction adds this instance's unsent deltas to
 * `rate_limits` with a single upsert and reads back the totals of all instances for those keys. The
 * local estimate of a key is then "total at the last sync + hits since". The approximation: between two
 * syncs an instance does not see the other instances' new hits, so with N instances a key can exceed its
 * limit by at most what the other N - 1 instances admit within one sync interval (an instance that has
 * not seen a key yet admits it until its next sync). With one instance (PGlite) it is exact.
 * Windows are aligned on the (database) clock passed in, so instances agree on where a window starts.
 */
export class RateCounters {
  private readonly entries = new Map<string, Entry>();
  private readonly resets = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private syncing: Promise<void> | undefined;
  private lastPrune = 0;
  /** Whether the last sync failed for want of a database (logged once per outage). */
  private failing = false;

  constructor(
    private readonly options: {
      db: Db;
      /** Where time comes from; pass the database clock so instances agree on window boundaries. */
      clock?: () => Date;
      log?: Logger;
      /** Background sync interval; undefined counts in this process only. */
      syncMs?: number;
      /** Bound on keys kept in memory (old windows are dropped first). */
      maxKeys?: number;
    },
  ) {}

  private now(): number {
    return (this.options.clock?.() ?? new Date()).getTime();
  }

  /** Counts `weight` hits on `key` and answers whether the key is now over `limit` in its window. */
  hit(key: string, limit: number, windowMs: number, weight = 1): Verdict {
    const entry = this.current(storeKey(key), windowMs, true);
    entry.delta += weight;
    return this.verdict(entry, limit);
  }

  /** Whether `key` has already reached `limit` (count >= limit), without counting a hit. */
  reached(key: string, limit: number, windowMs: number): Verdict {
    const entry = this.current(storeKey(key), windowMs, false);
    if (!entry) return { limited: false, count: 0, retryAfterSeconds: 0 };
    const verdict = this.verdict(entry, limit);
    return { ...verdict, limited: entry.shared + entry.delta >= limit };
  }

  /** Forgets `key` here at once and in the shared table at the next sync (a successful sign-in). */
  reset(key: string): void {
    const stored = storeKey(key);
    this.entries.delete(stored);
    if (this.options.syncMs !== undefined) this.resets.add(stored);
  }

  start(): void {
    if (this.options.syncMs === undefined || this.timer) return;
    this.timer = setInterval(() => void this.sync(), this.options.syncMs);
    this.timer.unref();
  }

  /** Stops the timer and sends what is still unsent. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.options.syncMs !== undefined) await this.sync();
  }

  /**
   * One sync: deltas up, totals down. Tests call it directly instead of waiting for the timer. A failed
   * sync keeps its deltas for the next one, so the database being away loosens the limit to per-instance,
   * never blocks requests.
   */
  sync(): Promise<void> {
    this.syncing ??= this.syncOnce().finally(() => {
      this.syncing = undefined;
    });
    return this.syncing;
  }

  private async syncOnce(): Promise<void> {
    const now = this.now();
    this.dropOldWindows(now);
    // Every key of a current window goes: its new hits up, and the total of all instances back down.
    const sent = [...this.entries.entries()]
      .filter(([, entry]) => entry.windowStart + entry.windowMs > now || entry.delta > 0)
      .map(([key, entry]) => ({ key, entry, delta: entry.delta }))
      .sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0));
    const resets = [...this.resets];
    const prune = now - this.lastPrune > 60_000;
    if (sent.length === 0 && resets.length === 0 && !prune) return;
    this.resets.clear();
    try {
      const totals = await withService(this.options.db, async (tx) => {
        if (resets.length > 0) {
          await tx.execute(
            sql`DELETE FROM rate_limits WHERE key IN (SELECT jsonb_array_elements_text(${JSON.stringify(resets)}::jsonb))`,
          );
        }
        if (prune) await tx.execute(sql`DELETE FROM rate_limits WHERE expires_at < now()`);
        return sent.length === 0 ? [] : upsert(tx, sent);
      });
      if (prune) this.lastPrune = now;
      this.apply(sent, totals);
      if (this.failing) this.options.log?.info({ event: 'rate-limit-sync-recovered' }, 'rate-limit counters synced again');
      this.failing = false;
    } catch (error) {
      for (const key of resets) this.resets.add(key);
      // A data error (class 22, 23: a value the table refuses) is one entry's fault, not the database's:
      // find it and drop it, or the batch would fail on it every interval and the limits stay local for good.
      if (isDataError(error)) return this.isolate(sent);
      this.unreachable(error);
    }
  }

  /** The database away: the deltas stay for the next sync; said once per outage, not every interval. */
  private unreachable(error: unknown): void {
    if (!this.failing) {
      this.options.log?.warn({ event: 'rate-limit-sync-failed', err: error }, 'rate-limit counters not synced; counting locally');
    }
    this.failing = true;
  }

  /** Sends each entry of a failed batch alone; an entry that still fails is dropped and logged once. */
  private async isolate(sent: Sent[]): Promise<void> {
    for (const one of sent) {
      try {
        this.apply([one], await withService(this.options.db, (tx) => upsert(tx, [one])));
      } catch (error) {
        if (!isDataError(error)) return this.unreachable(error);
        if (this.entries.get(one.key) === one.entry) this.entries.delete(one.key);
        this.options.log?.error(
          {
            event: 'rate-limit-key-dropped',
            keyKind: /^(?:[a-z-]+:)+/.exec(one.key)?.[0],
            sqlState: sqlState(error),
            err: error,
          },
          'a rate-limit counter the table refuses was dropped',
        );
      }
    }
  }

  private apply(sent: Sent[], totals: { key: string; w: string; hits: number }[]): void {
    const byKey = new Map(totals.map((row) => [`${row.key}\u0000${row.w}`, row.hits]));
    for (const { key, entry, delta } of sent) {
      entry.delta -= delta;
      // A key's row gone (reset by a sign-in on another instance) reads as 0.
      entry.shared = byKey.get(`${key}\u0000${entry.windowStart}`) ?? entry.shared + delta;
    }
  }

  private current(key: string, windowMs: number, create: true): Entry;
  private current(key: string, windowMs: number, create: false): Entry | undefined;
  private current(key: string, windowMs: number, create: boolean): Entry | undefined {
    const now = this.now();
    const windowStart = now - (now % windowMs);
    let entry = this.entries.get(key);
    if (entry && entry.windowStart !== windowStart) {
      this.entries.delete(key);
      entry = undefined;
    }
    if (!entry && create) {
      if (this.entries.size >= (this.options.maxKeys ?? 100_000)) this.dropOldWindows(now, true);
      entry = { windowStart, windowMs, shared: 0, delta: 0 };
      this.entries.set(key, entry);
    }
    return entry;
  }

  private verdict(entry: Entry, limit: number): Verdict {
    const count = entry.shared + entry.delta;
    const retryAfterSeconds = Math.max(1, Math.ceil((entry.windowStart + entry.windowMs - this.now()) / 1000));
    return { limited: count > limit, count, retryAfterSeconds };
  }

  /** Drops entries whose window is over (and, when full, the oldest entries). */
  private dropOldWindows(now: number, evict = false): void {
    for (const [key, entry] of this.entries) {
      if (entry.windowStart + entry.windowMs <= now && entry.delta === 0) this.entries.delete(key);
    }
    if (evict && this.entries.size >= (this.options.maxKeys ?? 100_000)) {
      const first = this.entries.keys().next();
      if (!first.done) this.entries.delete(first.value);
    }
  }
}

type Entry = {
  windowStart: number;
  windowMs: number;
  /** The total of all instances at the last sync (including this instance's hits sent then). */
  shared: number;
  /** Hits counted here and not yet sent. */
  delta: number;
};

/** SQLSTATE class 22 (data exception) or 23 (integrity): the values are refused, not the connection. */
function isDataError(error: unknown): boolean {
  const state = sqlState(error);
  return state !== undefined && (state.startsWith('22') || state.startsWith('23'));
}

type Sent = { key: string; entry: Entry; delta: number };

/**
 * One statement: keys with new hits are upserted (sorted, so two instances lock them in the same order,
 * no deadlock), keys without are only read; both come back with the total of every instance.
 */
function upsert(tx: Tx, sent: Sent[]) {
  const payload = sent.map(({ key, entry, delta }) => ({ key, w: entry.windowStart, len: entry.windowMs, d: delta }));
  return queryRows<{ key: string; w: string; hits: number }>(
    tx,
    sql`WITH input AS (
          SELECT u.key, u.w, to_timestamp(u.w / 1000.0) AS window_start, to_timestamp((u.w + u.len) / 1000.0) AS expires_at, u.d
          FROM jsonb_to_recordset(${JSON.stringify(payload)}::jsonb) AS u(key text, w bigint, len bigint, d integer)
        ), added AS (
          INSERT INTO rate_limits AS r (key, window_start, hits, expires_at)
          SELECT key, window_start, d, expires_at FROM input WHERE d > 0 ORDER BY key, w
          ON CONFLICT (key, window_start) DO UPDATE SET hits = r.hits + EXCLUDED.hits
          RETURNING r.key, r.window_start, r.hits
        )
        SELECT i.key, i.w::text AS w, coalesce(a.hits, r.hits, 0) AS hits
        FROM input i
        LEFT JOIN added a ON a.key = i.key AND a.window_start = i.window_start
        LEFT JOIN rate_limits r ON i.d = 0 AND r.key = i.key AND r.window_start = i.window_start`,
  );
}

export type Verdict = { limited: boolean; count: number; retryAfterSeconds: number };
