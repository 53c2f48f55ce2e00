import { type Db, queryRows, sql } from '@kpi/db';

export type TimerHandle = { cancel: () => void };

/** Time as the engine sees it: injected so tests can move it, and so production can follow the database. */
export interface Clock {
  now(): Date;
  setTimer(callback: () => void, delayMs: number): TimerHandle;
}

export const systemClock: Clock = {
  now: () => new Date(),
  setTimer(callback, delayMs) {
    const timer = setTimeout(callback, Math.max(0, delayMs));
    timer.unref?.();
    return { cancel: () => clearTimeout(timer) };
  },
};

/**
 * The system clock corrected to the database server's clock, re-measured every minute. Claims compare
 * `next_run_at` with this time, so an instance whose own clock is minutes off still fires on time and
 * agrees with every other instance about what is due.
 */
export async function databaseClock(db: Db, refreshMs = 60_000): Promise<Clock & { offsetMs: () => number; stop: () => void }> {
  let offset = 0;
  const measure = async () => {
    const sent = Date.now();
    const [row] = await queryRows<{ now: Date | string }>(db, sql`SELECT clock_timestamp() AS now`);
    const received = Date.now();
    if (row) offset = new Date(row.now).getTime() - (sent + received) / 2;
  };
  await measure().catch(() => undefined);
  const timer = setInterval(() => void measure().catch(() => undefined), refreshMs);
  timer.unref?.();
  return {
    now: () => new Date(Date.now() + offset),
    setTimer: systemClock.setTimer,
    offsetMs: () => offset,
    stop: () => clearInterval(timer),
  };
}
